# Source: JAX examples, mnist_classifier_fromscratch.py (init_random_params, predict with
# tanh layers and logsumexp, loss, jit update over minibatches), on synthetic data
# https://github.com/jax-ml/jax/blob/main/examples/mnist_classifier_fromscratch.py
import jax
import jax.numpy as jnp
from jax import grad, jit, random
from jax.scipy.special import logsumexp

jax.config.update("jax_enable_x64", True)


def init_random_params(scale, layer_sizes, rng):
    keys = random.split(rng, len(layer_sizes) - 1)
    return [
        (scale * random.normal(k, (m, n)), scale * random.normal(k, (n,)))
        for k, m, n in zip(keys, layer_sizes[:-1], layer_sizes[1:])
    ]


def predict(params, inputs):
    activations = inputs
    for w, b in params[:-1]:
        outputs = jnp.dot(activations, w) + b
        activations = jnp.tanh(outputs)
    final_w, final_b = params[-1]
    logits = jnp.dot(activations, final_w) + final_b
    return logits - logsumexp(logits, axis=1, keepdims=True)


def loss(params, batch):
    inputs, targets = batch
    preds = predict(params, inputs)
    return -jnp.mean(jnp.sum(preds * targets, axis=1))


def main():
    rng = random.PRNGKey(0)
    params = init_random_params(0.1, [4, 8, 3], rng)
    x = random.normal(random.PRNGKey(1), (24, 4))
    labels = jnp.argmax(x[:, :3], axis=1)
    targets = jax.nn.one_hot(labels, 3)

    @jit
    def update(params, batch):
        grads = grad(loss)(params, batch)
        return [(w - 0.3 * dw, b - 0.3 * db) for (w, b), (dw, db) in zip(params, grads)]

    for epoch in range(5):
        for i in range(3):
            params = update(params, (x[8 * i : 8 * i + 8], targets[8 * i : 8 * i + 8]))
    final = loss(params, (x, targets))
    print("final loss", final)
    return {"params": params, "loss": final}


if __name__ == "__main__":
    main()
