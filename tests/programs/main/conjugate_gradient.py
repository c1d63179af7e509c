# Source: jax.scipy.sparse.linalg.cg docs and a hand-written CG with lax.while_loop as in JAX
# numerical tutorials (matrix-free operator given as a function)
# https://docs.jax.dev/en/latest/_autosummary/jax.scipy.sparse.linalg.cg.html
import jax
import jax.numpy as jnp
from jax import jit, lax
from jax.scipy.sparse.linalg import cg

jax.config.update("jax_enable_x64", True)

n = 8
A = 2.0 * jnp.eye(n) - jnp.eye(n, k=1) - jnp.eye(n, k=-1) + 0.1 * jnp.eye(n)


def matvec(x):
    return A @ x


@jit
def my_cg(b, tol=1e-12):
    def cond(s):
        x, r, p, rs, i = s
        return (rs > tol**2) & (i < 100)

    def body(s):
        x, r, p, rs, i = s
        Ap = matvec(p)
        alpha = rs / (p @ Ap)
        x = x + alpha * p
        r = r - alpha * Ap
        rs_new = r @ r
        p = r + rs_new / rs * p
        return x, r, p, rs_new, i + 1

    x0 = jnp.zeros_like(b)
    x, r, p, rs, i = lax.while_loop(cond, body, (x0, b, b, b @ b, 0))
    return x, i


def main():
    b = jnp.arange(1.0, n + 1)
    x, iters = my_cg(b)
    x_lib, info = cg(matvec, b, tol=1e-12)
    x_direct = jnp.linalg.solve(A, b)
    print(x, iters)
    return {"x": x, "iters": iters, "x_lib": x_lib, "direct": x_direct}


if __name__ == "__main__":
    main()
