# Source: written the way Cuturi's Sinkhorn-Knopp scaling iterations are written in JAX
# (Gibbs kernel K = exp(-C/eps), alternating u, v updates with lax.fori_loop, entropic OT
# cost, gradient w.r.t. the source weights)
import jax
import jax.numpy as jnp
from jax import grad, lax

jax.config.update("jax_enable_x64", True)


def sinkhorn_knopp(a, b, C, eps=0.5, iters=100):
    K = jnp.exp(-C / eps)

    def body(_, uv):
        u, v = uv
        u = a / (K @ v)
        v = b / (K.T @ u)
        return u, v

    u, v = lax.fori_loop(0, iters, body, (jnp.ones_like(a), jnp.ones_like(b)))
    P = u[:, None] * K * v[None, :]
    return jnp.sum(P * C), P


def main():
    x = jnp.linspace(0, 1, 4)
    y = jnp.linspace(0.3, 1.5, 5)
    C = (x[:, None] - y[None, :]) ** 2
    a = jnp.array([0.1, 0.2, 0.3, 0.4])
    b = jnp.ones(5) / 5
    cost, P = sinkhorn_knopp(a, b, C)
    da = grad(lambda a: sinkhorn_knopp(a / a.sum(), b, C)[0])(a)
    print(cost, P.sum(0))
    return {"cost": cost, "P": P, "da": da}


if __name__ == "__main__":
    main()
