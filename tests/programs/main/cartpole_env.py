# Source: written the way gymnax writes CartPole-v1 in JAX (pure step function with the
# Euler integrator of gym's cartpole, done flags, vmapped over a batch of environments,
# rolled out with lax.scan under a fixed linear policy)
# https://github.com/RobertTLange/gymnax
import jax
import jax.numpy as jnp
from jax import jit, lax, vmap

jax.config.update("jax_enable_x64", True)

gravity, masscart, masspole, length = 9.8, 1.0, 0.1, 0.5
force_mag, tau = 10.0, 0.02
total_mass = masspole + masscart
polemass_length = masspole * length


def step(state, action):
    x, x_dot, theta, theta_dot = state
    force = jnp.where(action == 1, force_mag, -force_mag)
    costheta, sintheta = jnp.cos(theta), jnp.sin(theta)
    temp = (force + polemass_length * theta_dot**2 * sintheta) / total_mass
    thetaacc = (gravity * sintheta - costheta * temp) / (
        length * (4.0 / 3.0 - masspole * costheta**2 / total_mass)
    )
    xacc = temp - polemass_length * thetaacc * costheta / total_mass
    x = x + tau * x_dot
    x_dot = x_dot + tau * xacc
    theta = theta + tau * theta_dot
    theta_dot = theta_dot + tau * thetaacc
    new = jnp.array([x, x_dot, theta, theta_dot])
    done = (jnp.abs(x) > 2.4) | (jnp.abs(theta) > 12 * 2 * jnp.pi / 360)
    return new, done


def rollout(state, w):
    def body(carry, _):
        s, alive = carry
        action = (s @ w > 0).astype(jnp.int32)
        s2, done = step(s, action)
        alive = alive & ~done
        return (s2, alive), alive.astype(jnp.float64)

    (s, alive), rewards = lax.scan(body, (state, True), None, length=100)
    return s, rewards.sum()


def main():
    states = jnp.array([[0.0, 0.0, 0.02, 0.0], [0.01, -0.02, -0.03, 0.01], [0.0, 0.1, 0.0, 0.1]])
    w = jnp.array([0.0, 0.5, 10.0, 1.0])
    final, returns = jit(vmap(rollout, in_axes=(0, None)))(states, w)
    bad_final, bad_returns = vmap(rollout, in_axes=(0, None))(states, -w)
    print(returns, bad_returns)
    return {"final": final, "returns": returns, "bad_returns": bad_returns}


if __name__ == "__main__":
    main()
