# Source: written the way JAX PDE demos integrate the 1-D wave equation (leapfrog in time,
# second differences by slicing with fixed ends via .at[].set, lax.scan storing snapshots)
import jax
import jax.numpy as jnp
from jax import lax

jax.config.update("jax_enable_x64", True)


def simulate(u0, c=1.0, dx=0.05, dt=0.02, steps=80):
    r2 = (c * dt / dx) ** 2

    def step(carry, _):
        u_prev, u = carry
        lap = jnp.zeros_like(u).at[1:-1].set(u[2:] - 2 * u[1:-1] + u[:-2])
        u_next = 2 * u - u_prev + r2 * lap
        return (u, u_next), jnp.sum(u_next**2)

    (u_prev, u), energy = lax.scan(step, (u0, u0), None, length=steps)
    return u, energy


def main():
    x = jnp.linspace(0, 1, 21)
    u0 = jnp.exp(-((x - 0.5) ** 2) / 0.01)
    u, energy = simulate(u0)
    print(u.max(), energy[-1])
    return {"u": u, "energy": energy[::10]}


if __name__ == "__main__":
    main()
