# Source: written the way JAX numerical snippets do power iteration (top eigenpair of a
# symmetric matrix with lax.fori_loop, compared with jnp.linalg.eigh)
import jax
import jax.numpy as jnp
from jax import jit, lax

jax.config.update("jax_enable_x64", True)


@jit
def power_iteration(A, v0, iters=200):
    def body(_, v):
        w = A @ v
        return w / jnp.linalg.norm(w)

    v = lax.fori_loop(0, iters, body, v0)
    return v @ A @ v, v


def main():
    B = jnp.arange(16.0).reshape(4, 4) / 10.0
    A = B @ B.T + jnp.eye(4)
    lam, v = power_iteration(A, jnp.ones(4))
    w, V = jnp.linalg.eigh(A)
    v = v * jnp.sign(v[0])
    top = V[:, -1] * jnp.sign(V[0, -1])
    print(lam, w[-1])
    return {"lam": lam, "v": v, "eigvals": w, "top": top}


if __name__ == "__main__":
    main()
