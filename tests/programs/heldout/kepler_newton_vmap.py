# Source: written the way exoplanet/jaxoplanet solve Kepler's equation in JAX (fixed number
# of Newton iterations with lax.fori_loop, vmapped over mean anomalies, true anomaly and
# its derivative by jax.grad)
# https://github.com/exoplanet-dev/jaxoplanet
import jax
import jax.numpy as jnp
from jax import grad, jit, lax, vmap

jax.config.update("jax_enable_x64", True)


def solve_kepler(M, ecc):
    def body(_, E):
        return E - (E - ecc * jnp.sin(E) - M) / (1 - ecc * jnp.cos(E))

    return lax.fori_loop(0, 20, body, M)


def true_anomaly(M, ecc):
    E = solve_kepler(M, ecc)
    return 2 * jnp.arctan2(jnp.sqrt(1 + ecc) * jnp.sin(E / 2), jnp.sqrt(1 - ecc) * jnp.cos(E / 2))


def main():
    Ms = jnp.linspace(0.1, 6.0, 7)
    E = jit(vmap(solve_kepler, in_axes=(0, None)))(Ms, 0.4)
    f = vmap(true_anomaly, in_axes=(0, None))(Ms, 0.4)
    df = vmap(grad(true_anomaly), in_axes=(0, None))(Ms, 0.4)
    residual = E - 0.4 * jnp.sin(E) - Ms
    print(E, residual)
    return {"E": E, "f": f, "df": df, "residual": residual}


if __name__ == "__main__":
    main()
