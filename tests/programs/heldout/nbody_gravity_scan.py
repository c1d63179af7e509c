# Source: written the way JAX n-body demos are (pairwise accelerations with softening by
# broadcasting, kick-drift-kick leapfrog under lax.scan, momentum conservation)
import jax
import jax.numpy as jnp
from jax import jit, lax

jax.config.update("jax_enable_x64", True)


def accelerations(pos, mass, soft=0.1):
    d = pos[None, :, :] - pos[:, None, :]
    inv_r3 = (jnp.sum(d**2, -1) + soft**2) ** -1.5
    return jnp.einsum("ij,ijk,j->ik", inv_r3, d, mass)


@jit
def simulate(pos, vel, mass, dt=0.01, steps=150):
    def step(state, _):
        pos, vel = state
        vel = vel + 0.5 * dt * accelerations(pos, mass)
        pos = pos + dt * vel
        vel = vel + 0.5 * dt * accelerations(pos, mass)
        return (pos, vel), jnp.sum(mass[:, None] * vel, 0)

    return lax.scan(step, (pos, vel), None, length=steps)


def main():
    pos = jnp.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.2, 0.1], [-0.8, -0.3, 0.4]])
    vel = jnp.array([[0.0, 0.0, 0.0], [0.0, 0.8, 0.0], [-0.7, 0.0, 0.0], [0.2, -0.5, 0.0]])
    mass = jnp.array([1.0, 0.3, 0.2, 0.1])
    (p, v), momenta = simulate(pos, vel, mass)
    print(p, momenta[-1])
    return {"pos": p, "vel": v, "momentum": momenta[::30]}


if __name__ == "__main__":
    main()
