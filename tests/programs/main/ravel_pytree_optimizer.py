# Source: written the way JAX code flattens parameters for a flat-vector optimizer
# (jax.flatten_util.ravel_pytree, gradient descent with backtracking on the flat vector)
import jax
import jax.numpy as jnp
from jax import grad
from jax.flatten_util import ravel_pytree

jax.config.update("jax_enable_x64", True)


def model(params, x):
    return params["a"] * jnp.exp(-params["k"] * x) + params["c"][0]


x = jnp.linspace(0, 2, 9)
y = 2.0 * jnp.exp(-1.3 * x) + 0.4


def loss(params):
    return jnp.mean((model(params, x) - y) ** 2)


def main():
    params = {"a": jnp.array(1.0), "k": jnp.array(0.5), "c": jnp.zeros(1)}
    flat, unravel = ravel_pytree(params)
    flat_loss = lambda v: loss(unravel(v))
    for _ in range(60):
        g = grad(flat_loss)(flat)
        t = 1.0
        while flat_loss(flat - t * g) > flat_loss(flat) - 0.5 * t * jnp.dot(g, g):
            t = 0.5 * t
        flat = flat - t * g
    print(unravel(flat), flat_loss(flat))
    return {"flat": flat, "params": unravel(flat), "loss": flat_loss(flat)}


if __name__ == "__main__":
    main()
