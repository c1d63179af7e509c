# Source: written the way gymnax writes Pendulum-v1 in JAX (gym's pendulum dynamics and
# reward, jnp.clip of torque and speed, angle_normalize, rollout with lax.scan, vmapped)
# https://github.com/RobertTLange/gymnax
import jax
import jax.numpy as jnp
from jax import jit, lax, vmap

jax.config.update("jax_enable_x64", True)

max_speed, max_torque, dt, g, m, l = 8.0, 2.0, 0.05, 10.0, 1.0, 1.0


def angle_normalize(x):
    return ((x + jnp.pi) % (2 * jnp.pi)) - jnp.pi


def step(state, u):
    th, thdot = state
    u = jnp.clip(u, -max_torque, max_torque)
    costs = angle_normalize(th) ** 2 + 0.1 * thdot**2 + 0.001 * (u**2)
    newthdot = thdot + (3 * g / (2 * l) * jnp.sin(th) + 3.0 / (m * l**2) * u) * dt
    newthdot = jnp.clip(newthdot, -max_speed, max_speed)
    newth = th + newthdot * dt
    return jnp.array([newth, newthdot]), -costs


def rollout(state, gain):
    def body(s, _):
        u = -gain * (angle_normalize(s[0]) + 0.3 * s[1])
        s, r = step(s, u)
        return s, r

    s, rewards = lax.scan(body, state, None, length=60)
    return s, rewards.sum()


def main():
    states = jnp.array([[0.3, 0.0], [-0.5, 1.0], [3.0, 0.0]])
    final, ret = jit(vmap(rollout, in_axes=(0, None)))(states, 5.0)
    print(ret)
    return {"final": final, "returns": ret}


if __name__ == "__main__":
    main()
