# Source: JAX docs, "Introduction to debugging" / "jax.debug.print" (tracing the iterates of
# a solver inside jit and grad); Newton's method for square roots, printed each step (not
# under vmap: JAX's order of the examples of a print inside a loop under vmap varies)
# https://docs.jax.dev/en/latest/_autosummary/jax.debug.print.html
# Compare: stdout
import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)


def newton_sqrt(a, steps=4):
    def body(i, x):
        x = 0.5 * (x + a / x)
        jax.debug.print("iter {i}: x = {x:.6f}", i=i, x=x)
        return x

    return jax.lax.fori_loop(0, steps, body, a)


def main():
    root = jax.jit(newton_sqrt)(2.0)
    roots = jnp.stack([jax.jit(newton_sqrt)(a) for a in (4.0, 9.0)])
    slope = jax.grad(newton_sqrt)(2.0)
    return {"root": root, "roots": roots, "slope": slope}


if __name__ == "__main__":
    main()
