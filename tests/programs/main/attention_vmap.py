# Source: written the way single-head attention is written per example and batched with
# jax.vmap in JAX tutorials (scaled dot-product, causal mask, softmax; grad w.r.t. weights)
import jax
import jax.numpy as jnp
from jax import grad, jit, vmap

jax.config.update("jax_enable_x64", True)


def attention(params, x):
    q = x @ params["wq"]
    k = x @ params["wk"]
    v = x @ params["wv"]
    logits = q @ k.T / jnp.sqrt(q.shape[-1])
    mask = jnp.tril(jnp.ones((x.shape[0], x.shape[0]), dtype=bool))
    logits = jnp.where(mask, logits, -jnp.inf)
    weights = jax.nn.softmax(logits, axis=-1)
    return weights @ v


def loss(params, xs):
    return jnp.mean(vmap(attention, in_axes=(None, 0))(params, xs) ** 2)


def main():
    d = 4
    params = {
        "wq": jnp.sin(jnp.arange(d * d, dtype=jnp.float64)).reshape(d, d),
        "wk": jnp.cos(jnp.arange(d * d, dtype=jnp.float64)).reshape(d, d),
        "wv": jnp.eye(d) + 0.1,
    }
    xs = jnp.tanh(jnp.arange(2 * 5 * d, dtype=jnp.float64).reshape(2, 5, d) / 10)
    out = jit(vmap(attention, in_axes=(None, 0)))(params, xs)
    g = grad(loss)(params, xs)
    print(out.shape)
    return {"out": out, "grad": g}


if __name__ == "__main__":
    main()
