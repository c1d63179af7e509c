# Source: written the way JAX k-means snippets are (vmap distances, argmin assignment,
# one-hot sums for new centroids, lax.fori_loop over Lloyd iterations)
import jax
import jax.numpy as jnp
from jax import jit, lax, vmap

jax.config.update("jax_enable_x64", True)


def assign(points, centroids):
    d = vmap(lambda p: jnp.sum((centroids - p) ** 2, axis=1))(points)
    return jnp.argmin(d, axis=1), jnp.min(d, axis=1)


@jit
def kmeans(points, centroids):
    def step(_, c):
        labels, _ = assign(points, c)
        onehot = jax.nn.one_hot(labels, c.shape[0])
        counts = onehot.sum(0)
        sums = onehot.T @ points
        return jnp.where(counts[:, None] > 0, sums / jnp.maximum(counts, 1)[:, None], c)

    c = lax.fori_loop(0, 10, step, centroids)
    labels, dist = assign(points, c)
    return c, labels, jnp.sum(dist)


def main():
    t = jnp.arange(12.0)
    points = jnp.stack([jnp.cos(t) + (t % 3) * 3, jnp.sin(t) + (t % 3)], axis=1)
    c, labels, inertia = kmeans(points, points[:3])
    print(c, labels, inertia)
    return {"centroids": c, "labels": labels, "inertia": inertia}


if __name__ == "__main__":
    main()
