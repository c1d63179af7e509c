# Source: JAX docs, "Automatic vectorization" and "The Autodiff Cookbook" (per-example
# gradients with vmap(grad), jit(vmap(grad)))
# https://docs.jax.dev/en/latest/automatic-vectorization.html
import jax
import jax.numpy as jnp
from jax import grad, jit, vmap

jax.config.update("jax_enable_x64", True)


def predict(params, x):
    w, b = params
    return jnp.tanh(jnp.dot(x, w) + b)


def loss(params, x, y):
    return (predict(params, x) - y) ** 2


def main():
    w = jnp.array([0.1, -0.2, 0.3])
    b = 0.05
    xs = jnp.sin(jnp.arange(15.0)).reshape(5, 3)
    ys = jnp.cos(jnp.arange(5.0))
    per_example = vmap(grad(loss), in_axes=(None, 0, 0))((w, b), xs, ys)
    jitted = jit(vmap(grad(loss), in_axes=(None, 0, 0)))((w, b), xs, ys)
    mean_grad = grad(lambda p: jnp.mean(vmap(loss, in_axes=(None, 0, 0))(p, xs, ys)))((w, b))
    print(per_example[0].shape, per_example[1].shape)
    return {"per_example": per_example, "jitted": jitted, "mean": mean_grad}


if __name__ == "__main__":
    main()
