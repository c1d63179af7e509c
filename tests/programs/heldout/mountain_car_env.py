# Source: written the way gymnax writes MountainCar-v0 in JAX (discrete action force, velocity
# and position clipping, goal flag, vmapped rollouts under lax.scan with an energy policy)
# https://github.com/RobertTLange/gymnax
import jax
import jax.numpy as jnp
from jax import lax, vmap

jax.config.update("jax_enable_x64", True)

force, gravity = 0.001, 0.0025
min_position, max_position, max_speed, goal_position = -1.2, 0.6, 0.07, 0.5


def step(state, action):
    position, velocity = state
    velocity = velocity + (action - 1) * force + jnp.cos(3 * position) * (-gravity)
    velocity = jnp.clip(velocity, -max_speed, max_speed)
    position = position + velocity
    position = jnp.clip(position, min_position, max_position)
    velocity = velocity * (1 - ((position == min_position) & (velocity < 0)))
    done = position >= goal_position
    return jnp.array([position, velocity]), done


def rollout(state):
    def body(carry, _):
        s, t, finished = carry
        action = jnp.where(s[1] >= 0, 2, 0)
        s2, done = step(s, action)
        s = jnp.where(finished, s, s2)
        t = t + jnp.where(finished, 0, 1)
        return (s, t, finished | done), s[0]

    (s, t, finished), xs = lax.scan(body, (state, 0, False), None, length=200)
    return s, t, finished


def main():
    starts = jnp.array([[-0.5, 0.0], [-0.4, 0.0], [-0.6, 0.01]])
    s, t, finished = vmap(rollout)(starts)
    print(t, finished)
    return {"state": s, "steps": t, "finished": finished}


if __name__ == "__main__":
    main()
