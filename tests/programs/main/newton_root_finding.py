# Source: written the way JAX root-finding snippets are (Newton's method with jax.grad for the
# derivative, lax.while_loop to a tolerance, vmapped over starting points; Kepler's equation)
import jax
import jax.numpy as jnp
from jax import grad, jit, lax, vmap

jax.config.update("jax_enable_x64", True)


def newton(f, x0, tol=1e-12, max_iter=50):
    df = grad(f)

    def cond(state):
        x, step, i = state
        return (jnp.abs(step) > tol) & (i < max_iter)

    def body(state):
        x, _, i = state
        step = f(x) / df(x)
        return x - step, step, i + 1

    x, _, iters = lax.while_loop(cond, body, (x0, jnp.array(1.0), 0))
    return x, iters


def kepler(M, e=0.3):
    return newton(lambda E: E - e * jnp.sin(E) - M, M)


def main():
    root, n = newton(lambda x: x**3 - 2.0 * x - 5.0, 2.0)
    Ms = jnp.linspace(0.1, 3.0, 6)
    Es, iters = jit(vmap(kepler))(Ms)
    print(root, n, Es, iters)
    return {"root": root, "iters": n, "E": Es, "E_iters": iters}


if __name__ == "__main__":
    main()
