# Source: written the way JAX's MNIST examples train a linear softmax classifier (log_softmax,
# one-hot targets, mean NLL, jit-compiled SGD step; synthetic 3-class data)
# https://github.com/jax-ml/jax/blob/main/examples/mnist_classifier_fromscratch.py
import jax
import jax.numpy as jnp
from jax import grad, jit
from jax.nn import log_softmax, one_hot

jax.config.update("jax_enable_x64", True)


def predict(params, x):
    W, b = params
    return log_softmax(x @ W + b)


def loss(params, batch):
    inputs, targets = batch
    preds = predict(params, inputs)
    return -jnp.mean(jnp.sum(preds * targets, axis=1))


def accuracy(params, batch):
    inputs, targets = batch
    target_class = jnp.argmax(targets, axis=1)
    predicted_class = jnp.argmax(predict(params, inputs), axis=1)
    return jnp.mean(predicted_class == target_class)


@jit
def update(params, batch, step_size=0.5):
    grads = grad(loss)(params, batch)
    return [p - step_size * g for p, g in zip(params, grads)]


def main():
    t = jnp.linspace(0, 2 * jnp.pi, 30)
    inputs = jnp.stack([jnp.cos(t), jnp.sin(t), jnp.cos(2 * t)], axis=1)
    labels = (jnp.floor(t / (2 * jnp.pi / 3)) % 3).astype(jnp.int32)
    batch = (inputs, one_hot(labels, 3))
    params = [jnp.zeros((3, 3)), jnp.zeros(3)]
    for _ in range(40):
        params = update(params, batch)
    acc = accuracy(params, batch)
    print("loss", loss(params, batch), "accuracy", acc)
    return {"params": params, "loss": loss(params, batch), "accuracy": acc, "labels": labels}


if __name__ == "__main__":
    main()
