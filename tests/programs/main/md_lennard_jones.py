# Source: written the way JAX MD does (jax-md: pairwise displacement by vmap of vmap,
# Lennard-Jones energy, forces as -grad of the energy)
# https://github.com/jax-md/jax-md
import jax
import jax.numpy as jnp
from jax import grad, jit, vmap

jax.config.update("jax_enable_x64", True)


def displacement(Ra, Rb):
    return Ra - Rb


def pairwise_displacement(R):
    return vmap(vmap(displacement, (None, 0)), (0, None))(R, R)


def lennard_jones(dr, sigma=1.0, epsilon=1.0):
    idr6 = (sigma / dr) ** 6
    return 4.0 * epsilon * (idr6**2 - idr6)


def energy_fn(R):
    dR = pairwise_displacement(R)
    dr2 = jnp.sum(dR**2, axis=-1)
    N = R.shape[0]
    mask = 1.0 - jnp.eye(N)
    dr = jnp.sqrt(jnp.where(mask > 0, dr2, 1.0))
    return 0.5 * jnp.sum(mask * lennard_jones(dr))


def main():
    R = jnp.array(
        [[0.0, 0.0, 0.0], [1.1, 0.0, 0.0], [0.0, 1.2, 0.1], [1.0, 1.1, 0.9], [0.4, 0.5, 1.3]]
    )
    E = jit(energy_fn)(R)
    F = -grad(energy_fn)(R)
    print("energy", E)
    print("net force", jnp.sum(F, axis=0))
    return {"energy": E, "forces": F, "net": jnp.sum(F, axis=0)}


if __name__ == "__main__":
    main()
