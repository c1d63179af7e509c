# Source: JAX docs, "Just-in-time compilation" tutorial (jit with static_argnums and
# static_argnames, functools.partial(jit, ...), conditioning on a static value)
# https://docs.jax.dev/en/latest/jit-compilation.html
from functools import partial

import jax
import jax.numpy as jnp
from jax import jit

jax.config.update("jax_enable_x64", True)


def f(x, neg):
    return -x if neg else x


@partial(jit, static_argnames=["n"])
def g(x, n):
    i = 0
    while i < n:
        i += 1
    return x + i


def selu(x, alpha=1.67, lmbda=1.05):
    return lmbda * jnp.where(x > 0, x, alpha * jnp.exp(x) - alpha)


def main():
    f_jit = jit(f, static_argnums=(1,))
    a = f_jit(jnp.arange(3.0), True)
    b = f_jit(jnp.arange(3.0), False)
    c = g(10.0, n=5)
    selu_jit = jit(selu)
    x = jnp.arange(-2.0, 3.0)
    d = selu_jit(x)
    e = jit(selu, static_argnames=("alpha",))(x, alpha=2.0)
    print(a, b, c, d)
    return {"a": a, "b": b, "c": c, "selu": d, "selu2": e}


if __name__ == "__main__":
    main()
