# Source: JAX examples, differentially_private_sgd.py (per-example gradients with vmap(grad),
# per-example clipping to an l2 norm, Gaussian noise from jax.random, averaged update)
# https://github.com/jax-ml/jax/blob/main/examples/differentially_private_sgd.py
import jax
import jax.numpy as jnp
from jax import grad, jit, random, vmap
from jax.flatten_util import ravel_pytree
from jax.tree_util import tree_flatten, tree_unflatten


def loss(params, batch):
    inputs, targets = batch
    logits = inputs @ params[0] + params[1]
    return jnp.mean(jnp.logaddexp(0.0, -targets * logits))


jax.config.update("jax_enable_x64", True)


def clipped_grad(params, l2_norm_clip, single_example_batch):
    grads = grad(loss)(params, single_example_batch)
    nonempty_grads, tree_def = tree_flatten(grads)
    total_grad_norm = jnp.linalg.norm(
        jnp.array([jnp.linalg.norm(neg.ravel()) for neg in nonempty_grads])
    )
    divisor = jnp.maximum(total_grad_norm / l2_norm_clip, 1.0)
    normalized_nonempty_grads = [g / divisor for g in nonempty_grads]
    return tree_unflatten(tree_def, normalized_nonempty_grads)


def private_grad(params, batch, rng, l2_norm_clip, noise_multiplier, batch_size):
    clipped_grads = vmap(clipped_grad, (None, None, 0))(params, l2_norm_clip, batch)
    clipped_grads_flat, grads_treedef = tree_flatten(clipped_grads)
    aggregated_clipped_grads = [g.sum(0) for g in clipped_grads_flat]
    rngs = random.split(rng, len(aggregated_clipped_grads))
    noised_aggregated_clipped_grads = [
        g + l2_norm_clip * noise_multiplier * random.normal(r, g.shape)
        for r, g in zip(rngs, aggregated_clipped_grads)
    ]
    normalized_noised_aggregated_clipped_grads = [
        g / batch_size for g in noised_aggregated_clipped_grads
    ]
    return tree_unflatten(grads_treedef, normalized_noised_aggregated_clipped_grads)


def main():
    key = random.PRNGKey(42)
    x = jnp.cos(jnp.arange(24.0)).reshape(8, 3)
    y = jnp.where(x[:, 0] + 0.5 * x[:, 1] > 0, 1.0, -1.0)
    params = (jnp.zeros(3), jnp.array(0.0))
    step = jit(lambda p, b, k: private_grad(p, b, k, 1.0, 0.5, 8))
    for i in range(5):
        key, sub = random.split(key)
        g = step(params, (x, y), sub)
        params = tuple(p - 0.5 * gi for p, gi in zip(params, g))
    flat, _ = ravel_pytree(params)
    print(params, loss(params, (x, y)))
    return {"params": params, "flat": flat, "loss": loss(params, (x, y))}


if __name__ == "__main__":
    main()
