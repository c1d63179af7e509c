# Source: written the way Optax's softmax_cross_entropy with smoothed labels is used
# (optax.smooth_labels formula, log_softmax, per-example loss under vmap, grad w.r.t. logits
# equal to softmax minus targets)
# https://github.com/google-deepmind/optax
import jax
import jax.numpy as jnp
from jax import grad, vmap

jax.config.update("jax_enable_x64", True)


def smooth_labels(labels, alpha):
    num_categories = labels.shape[-1]
    return (1.0 - alpha) * labels + alpha / num_categories


def softmax_cross_entropy(logits, labels):
    return -jnp.sum(labels * jax.nn.log_softmax(logits, axis=-1), axis=-1)


def main():
    logits = jnp.array([[2.0, 0.5, -1.0, 0.0], [0.1, 0.2, 0.3, 3.0], [-1.0, -1.0, 4.0, 0.0]])
    labels = jax.nn.one_hot(jnp.array([0, 3, 1]), 4)
    smoothed = smooth_labels(labels, 0.1)
    losses = vmap(softmax_cross_entropy)(logits, smoothed)
    g = grad(lambda l: jnp.sum(softmax_cross_entropy(l, smoothed)))(logits)
    check = jax.nn.softmax(logits) - smoothed
    print(losses)
    return {"losses": losses, "grad": g, "softmax_minus_targets": check}


if __name__ == "__main__":
    main()
