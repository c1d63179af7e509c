# Source: written the way JAX PDE demos are (1-D heat equation, explicit finite differences
# with jnp.roll for periodic boundaries, lax.fori_loop; grad of final energy w.r.t. kappa)
import jax
import jax.numpy as jnp
from jax import grad, jit, lax

jax.config.update("jax_enable_x64", True)


def laplacian(u, dx):
    return (jnp.roll(u, 1) - 2 * u + jnp.roll(u, -1)) / dx**2


def solve(kappa, u0, dx=0.1, dt=0.002, steps=100):
    def step(_, u):
        return u + dt * kappa * laplacian(u, dx)

    return lax.fori_loop(0, steps, step, u0)


def main():
    x = jnp.linspace(0, 2 * jnp.pi, 32, endpoint=False)
    u0 = jnp.sin(x) + 0.5 * jnp.sin(3 * x)
    dx = x[1] - x[0]
    u = jit(solve)(0.5, u0, dx)
    dE = grad(lambda k: jnp.sum(solve(k, u0, dx) ** 2))(0.5)
    print(jnp.max(u), dE)
    return {"u": u, "dE": dE, "mass": jnp.sum(u)}


if __name__ == "__main__":
    main()
