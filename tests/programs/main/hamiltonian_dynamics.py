# Source: written the way Hamiltonian/Lagrangian neural-network code in JAX does (Hamilton's
# equations from jax.grad of H, a leapfrog integrator for a pendulum under lax.scan)
# cf. "Lagrangian Neural Networks" (Cranmer et al.) JAX code
import jax
import jax.numpy as jnp
from jax import grad, lax

jax.config.update("jax_enable_x64", True)


def hamiltonian(q, p, m=1.0, l=1.0, g=9.81):
    return p**2 / (2 * m * l**2) + m * g * l * (1 - jnp.cos(q))


def leapfrog(q, p, dt=0.01, steps=200):
    dHdq = grad(hamiltonian, 0)
    dHdp = grad(hamiltonian, 1)

    def step(state, _):
        q, p = state
        p = p - 0.5 * dt * dHdq(q, p)
        q = q + dt * dHdp(q, p)
        p = p - 0.5 * dt * dHdq(q, p)
        return (q, p), hamiltonian(q, p)

    return lax.scan(step, (q, p), None, length=steps)


def main():
    (q, p), energies = leapfrog(1.0, 0.0)
    drift = jnp.max(jnp.abs(energies - hamiltonian(1.0, 0.0)))
    print(q, p, drift)
    return {"q": q, "p": p, "energies": energies[::25], "drift": drift}


if __name__ == "__main__":
    main()
