# Source: written the way JAX Mandelbrot demos are (escape-time iteration with
# lax.while_loop per point, vmapped over a grid of complex numbers)
import jax
import jax.numpy as jnp
from jax import jit, lax, vmap

jax.config.update("jax_enable_x64", True)


def escape_time(c, max_iter=30):
    def cond(state):
        z, i = state
        return (jnp.abs(z) <= 2.0) & (i < max_iter)

    def body(state):
        z, i = state
        return z * z + c, i + 1

    _, i = lax.while_loop(cond, body, (jnp.zeros_like(c), 0))
    return i


def main():
    re = jnp.linspace(-2.0, 0.5, 12)
    im = jnp.linspace(-1.0, 1.0, 9)
    grid = re[None, :] + 1j * im[:, None]
    counts = jit(vmap(vmap(escape_time)))(grid)
    print(counts)
    return {"counts": counts, "inside": jnp.sum(counts == 30)}


if __name__ == "__main__":
    main()
