# Source: JAX docs, "The Autodiff Cookbook" (logistic regression: grad w.r.t. W, b and
# argnums, value_and_grad, checking against finite differences)
# https://docs.jax.dev/en/latest/notebooks/autodiff_cookbook.html
import jax
import jax.numpy as jnp
from jax import grad, value_and_grad

jax.config.update("jax_enable_x64", True)


def sigmoid(x):
    return 0.5 * (jnp.tanh(x / 2) + 1)


def predict(W, b, inputs):
    return sigmoid(jnp.dot(inputs, W) + b)


inputs = jnp.array(
    [
        [0.52, 1.12, 0.77],
        [0.88, -1.08, 0.15],
        [0.52, 0.06, -1.30],
        [0.74, -2.49, 1.39],
    ]
)
targets = jnp.array([True, True, False, True])


def loss(W, b):
    preds = predict(W, b, inputs)
    label_probs = preds * targets + (1 - preds) * (1 - targets)
    return -jnp.sum(jnp.log(label_probs))


def main():
    W = jnp.array([0.3, -0.7, 0.1])
    b = 0.2
    W_grad = grad(loss, argnums=0)(W, b)
    b_grad = grad(loss, 1)(W, b)
    W_grad2, b_grad2 = grad(loss, (0, 1))(W, b)
    loss_value, Wb_grad = value_and_grad(loss, (0, 1))(W, b)
    eps = 1e-4
    b_grad_numerical = (loss(W, b + eps / 2.0) - loss(W, b - eps / 2.0)) / eps
    print("W_grad", W_grad)
    print("b_grad", b_grad, "numerical", b_grad_numerical)
    return {
        "W_grad": W_grad,
        "b_grad": b_grad,
        "pair": (W_grad2, b_grad2),
        "loss": loss_value,
        "vg": Wb_grad,
        "numerical": b_grad_numerical,
    }


if __name__ == "__main__":
    main()
