# Source: written the way JAX examples implement inverted dropout (random.bernoulli mask
# with a fresh key per step, scaling by 1/keep, grad through the masked network)
import jax
import jax.numpy as jnp
from jax import grad, jit, random

jax.config.update("jax_enable_x64", True)


def apply(params, x, key, keep=0.8):
    h = jnp.tanh(x @ params[0])
    mask = random.bernoulli(key, keep, h.shape)
    h = jnp.where(mask, h / keep, 0.0)
    return h @ params[1]


def loss(params, x, y, key):
    return jnp.mean((apply(params, x, key) - y) ** 2)


def main():
    x = jnp.linspace(-1, 1, 16).reshape(8, 2)
    y = jnp.sum(x**2, axis=1, keepdims=True)
    params = [0.5 * jnp.cos(jnp.arange(12.0)).reshape(2, 6), 0.5 * jnp.ones((6, 1))]
    key = random.PRNGKey(2)
    step = jit(lambda p, k: [w - 0.1 * g for w, g in zip(p, grad(loss)(p, x, y, k))])
    for _ in range(20):
        key, sub = random.split(key)
        params = step(params, sub)
    print(loss(params, x, y, key))
    return {"params": params, "loss": loss(params, x, y, key)}


if __name__ == "__main__":
    main()
