# Source: written the way JAX MD's simulate.nve does (velocity Verlet under lax.fori_loop,
# forces from jax.grad of a harmonic bond energy, energy conservation check)
# https://github.com/jax-md/jax-md
import jax
import jax.numpy as jnp
from jax import grad, jit, lax

jax.config.update("jax_enable_x64", True)

bonds = jnp.array([[0, 1], [1, 2], [2, 3], [3, 0]])


def energy(R):
    d = R[bonds[:, 0]] - R[bonds[:, 1]]
    r = jnp.sqrt(jnp.sum(d**2, axis=1))
    return 0.5 * jnp.sum((r - 1.0) ** 2)


force = grad(lambda R: -energy(R))


@jit
def simulate(R, V, dt=0.01, steps=300):
    def step(i, state):
        R, V, F = state
        R = R + dt * V + 0.5 * dt**2 * F
        F_new = force(R)
        V = V + 0.5 * dt * (F + F_new)
        return R, V, F_new

    return lax.fori_loop(0, steps, step, (R, V, force(R)))


def main():
    R = jnp.array([[0.0, 0.0], [1.2, 0.0], [1.1, 0.9], [0.0, 1.05]])
    V = jnp.zeros_like(R)
    R1, V1, F1 = simulate(R, V)
    e0 = energy(R)
    e1 = energy(R1) + 0.5 * jnp.sum(V1**2)
    print(e0, e1)
    return {"R": R1, "V": V1, "E0": e0, "E1": e1}


if __name__ == "__main__":
    main()
