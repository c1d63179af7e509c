# Source: jax.lax.cond and jax.lax.switch docstrings (branch selection by a traced predicate
# or index, under vmap and grad; piecewise functions)
# https://docs.jax.dev/en/latest/_autosummary/jax.lax.switch.html
import jax
import jax.numpy as jnp
from jax import grad, jit, lax, vmap

jax.config.update("jax_enable_x64", True)


def piecewise(x):
    return lax.cond(x < 1.0, lambda x: x**2, lambda x: 2.0 * x - 1.0, x)


def shape_fn(i, x):
    branches = [lambda x: jnp.sin(x), lambda x: jnp.cos(x), lambda x: x**3]
    return lax.switch(i, branches, x)


def main():
    xs = jnp.linspace(-1.0, 3.0, 9)
    vals = vmap(piecewise)(xs)
    grads = vmap(grad(piecewise))(xs)
    idx = jnp.array([0, 1, 2, 5, -1])
    sw = jit(vmap(shape_fn))(idx, jnp.ones(5) * 0.5)
    sg = vmap(grad(shape_fn, argnums=1))(idx, jnp.ones(5) * 0.5)
    print(vals, sw)
    return {"vals": vals, "grads": grads, "switch": sw, "switch_grad": sg}


if __name__ == "__main__":
    main()
