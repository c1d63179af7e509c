# Source: written the way JAX regression snippets are (polynomial least squares by
# jnp.vander, normal equations with jnp.linalg.solve, jnp.linalg.lstsq and jnp.polyval)
import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)


def main():
    x = jnp.linspace(-1, 1, 12)
    y = 1.0 - 2.0 * x + 0.5 * x**3 + 0.05 * jnp.cos(9 * x)
    V = jnp.vander(x, 4)
    coef_ne = jnp.linalg.solve(V.T @ V, V.T @ y)
    coef_ls, res, rank, sv = jnp.linalg.lstsq(V, y)
    fit = jnp.polyval(coef_ne, x)
    print(coef_ne, coef_ls)
    return {"ne": coef_ne, "ls": coef_ls, "rank": rank, "sv": sv, "fit": fit}


if __name__ == "__main__":
    main()
