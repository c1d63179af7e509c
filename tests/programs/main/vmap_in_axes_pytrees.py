# Source: jax.vmap docstring (in_axes as pytree prefixes with dicts and None, out_axes,
# axis_size, nested vmap for a matrix of pairwise results)
# https://docs.jax.dev/en/latest/_autosummary/jax.vmap.html
import jax
import jax.numpy as jnp
from jax import vmap

jax.config.update("jax_enable_x64", True)


def foo(x, y):
    return x["a"] + x["b"] * y


def main():
    x = {"a": jnp.arange(3.0), "b": jnp.array(2.0)}
    y = jnp.arange(6.0).reshape(3, 2)
    r1 = vmap(foo, in_axes=({"a": 0, "b": None}, 0))(x, y[:, 0])
    r2 = vmap(lambda x, y: (x + y, x * y), out_axes=(0, 1))(jnp.ones((2, 3)), y.T)
    mat = vmap(vmap(jnp.dot, in_axes=(None, 0)), in_axes=(0, None))(y, y)
    r3 = vmap(lambda x: x**2 + 1.0, axis_size=None)(jnp.arange(4.0))
    f = lambda x: {"sum": x.sum(), "x": x}
    r4 = vmap(f, in_axes=1, out_axes={"sum": 0, "x": 1})(y)
    print(r1, mat)
    return {"r1": r1, "r2": r2, "mat": mat, "r3": r3, "r4": r4}


if __name__ == "__main__":
    main()
