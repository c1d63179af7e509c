# Source: JAX docs, "The Autodiff Cookbook" (jacfwd and jacrev of the logistic predict
# function, Jacobians w.r.t. pytrees, hessian)
# https://docs.jax.dev/en/latest/notebooks/autodiff_cookbook.html
import jax
import jax.numpy as jnp
from jax import jacfwd, jacrev

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


def main():
    W = jnp.array([0.5, -1.0, 0.25])
    b = 0.1
    f = lambda W: predict(W, b, inputs)
    J = jacfwd(f)(W)
    J_rev = jacrev(f)(W)

    def predict_dict(params, inputs):
        return predict(params["W"], params["b"], inputs)

    J_dict = jacrev(predict_dict)({"W": W, "b": b}, inputs)
    hess = jax.hessian(f)(W)
    print("jacfwd result, with shape", J.shape)
    print(J)
    return {"J": J, "J_rev": J_rev, "J_dict": J_dict, "hessian": hess}


if __name__ == "__main__":
    main()
