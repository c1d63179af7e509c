# Source: JAX docs, "The Autodiff Cookbook" (jvp and vjp, vmap of jvp for Jacobian columns,
# vjp with cotangents for rows)
# https://docs.jax.dev/en/latest/notebooks/autodiff_cookbook.html
import jax
import jax.numpy as jnp
from jax import jvp, vjp, vmap

jax.config.update("jax_enable_x64", True)


def f(x):
    return jnp.array([jnp.sin(x[0]) * x[1], x[0] ** 2 + jnp.exp(x[2]), jnp.prod(x)])


def main():
    x = jnp.array([0.3, -1.2, 0.7])
    v = jnp.array([1.0, 0.5, -0.25])
    y, u = jvp(f, (x,), (v,))
    y2, vjp_fun = vjp(f, x)
    (ct,) = vjp_fun(jnp.array([1.0, 2.0, 3.0]))
    basis = jnp.eye(3)
    cols = vmap(lambda t: jvp(f, (x,), (t,))[1])(basis)
    rows = vmap(lambda c: vjp_fun(c)[0])(basis)
    print(y, u, ct, sep="\n")
    return {"y": y, "u": u, "y2": y2, "ct": ct, "J_cols": cols, "J_rows": rows}


if __name__ == "__main__":
    main()
