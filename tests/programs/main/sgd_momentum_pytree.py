# Source: written the way jax.example_libraries.optimizers.momentum works, on a pytree of
# parameters with jax.tree_util.tree_map (linear regression of a small dataset)
# https://github.com/jax-ml/jax/blob/main/jax/example_libraries/optimizers.py
import jax
import jax.numpy as jnp
from jax import grad, jit
from jax.tree_util import tree_leaves, tree_map

jax.config.update("jax_enable_x64", True)

X = jnp.stack([jnp.linspace(0, 1, 10), jnp.cos(jnp.linspace(0, 3, 10))], axis=1)
y = X @ jnp.array([2.0, -1.0]) + 0.5


def loss(params):
    pred = X @ params["w"] + params["b"]
    return jnp.mean((pred - y) ** 2)


@jit
def step(params, velocity, lr=0.1, mass=0.9):
    g = grad(loss)(params)
    velocity = tree_map(lambda v, g: mass * v + g, velocity, g)
    params = tree_map(lambda p, v: p - lr * v, params, velocity)
    return params, velocity


def main():
    params = {"w": jnp.zeros(2), "b": jnp.array(0.0)}
    velocity = tree_map(jnp.zeros_like, params)
    losses = []
    for _ in range(50):
        params, velocity = step(params, velocity)
        losses.append(loss(params))
    norm = sum(jnp.sum(leaf**2) for leaf in tree_leaves(params))
    print(losses[-1], params)
    return {"params": params, "losses": jnp.array(losses), "norm": norm}


if __name__ == "__main__":
    main()
