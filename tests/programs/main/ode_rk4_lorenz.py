# Source: written the way JAX ODE tutorials do (classic RK4 step for the Lorenz system under
# lax.scan, vmapped over initial conditions, jacfwd of the flow map)
# cf. "Differentiable physics" tutorials using jax.lax.scan
import jax
import jax.numpy as jnp
from jax import jacfwd, jit, lax, vmap

jax.config.update("jax_enable_x64", True)


def lorenz(u, sigma=10.0, rho=28.0, beta=8.0 / 3.0):
    x, y, z = u
    return jnp.array([sigma * (y - x), x * (rho - z) - y, x * y - beta * z])


def rk4_step(u, dt):
    k1 = lorenz(u)
    k2 = lorenz(u + 0.5 * dt * k1)
    k3 = lorenz(u + 0.5 * dt * k2)
    k4 = lorenz(u + dt * k3)
    return u + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)


def flow(u0, dt=0.005, steps=100):
    def body(u, _):
        u = rk4_step(u, dt)
        return u, u

    return lax.scan(body, u0, None, length=steps)


def main():
    u0 = jnp.array([1.0, 1.0, 1.0])
    end, traj = jit(flow)(u0)
    batch = vmap(lambda u: flow(u)[0])(jnp.array([[1.0, 1.0, 1.0], [1.0, 1.0, 1.001]]))
    J = jacfwd(lambda u: flow(u)[0])(u0)
    print(end, J)
    return {"end": end, "traj": traj[::10], "batch": batch, "jacobian": J}


if __name__ == "__main__":
    main()
