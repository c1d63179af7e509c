# Source: written the way JAX Conway's Game of Life demos are (neighbour counts by summing
# jnp.roll shifts, jnp.where rule, integer board, lax.fori_loop of generations)
import jax
import jax.numpy as jnp
from jax import jit, lax

jax.config.update("jax_enable_x64", True)


def step(board):
    n = sum(
        jnp.roll(jnp.roll(board, dy, axis=0), dx, axis=1)
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
        if (dy, dx) != (0, 0)
    )
    alive = (n == 3) | ((board == 1) & (n == 2))
    return jnp.where(alive, 1, 0).astype(board.dtype)


@jit
def run(board):
    return lax.fori_loop(0, 8, lambda i, b: step(b), board)


def main():
    board = jnp.zeros((10, 10), dtype=jnp.int32)
    glider = jnp.array([[0, 1, 0], [0, 0, 1], [1, 1, 1]], dtype=jnp.int32)
    board = board.at[1:4, 1:4].set(glider)
    out = run(board)
    print(out)
    return {"board": out, "population": out.sum()}


if __name__ == "__main__":
    main()
