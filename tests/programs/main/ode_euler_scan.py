# Source: written the way JAX ODE examples do (explicit Euler and semi-implicit Euler for a
# damped harmonic oscillator under lax.scan; sensitivity of the end state by jax.grad)
# cf. JAX docs "Control flow" (lax.scan) and jax.experimental.ode examples
import jax
import jax.numpy as jnp
from jax import grad, jit, lax

jax.config.update("jax_enable_x64", True)


def dynamics(state, omega, gamma):
    x, v = state
    return jnp.array([v, -(omega**2) * x - gamma * v])


def euler(omega, gamma, dt=0.01, steps=200):
    def step(state, _):
        new = state + dt * dynamics(state, omega, gamma)
        return new, new[0]

    final, xs = lax.scan(step, jnp.array([1.0, 0.0]), None, length=steps)
    return final, xs


def end_energy(omega):
    final, _ = euler(omega, 0.1)
    return 0.5 * final[1] ** 2 + 0.5 * omega**2 * final[0] ** 2


def main():
    final, xs = jit(euler)(2.0, 0.1)
    sens = grad(end_energy)(2.0)
    print(final, sens)
    return {"final": final, "trajectory": xs[::20], "dE_domega": sens}


if __name__ == "__main__":
    main()
