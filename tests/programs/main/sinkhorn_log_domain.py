# Source: written the way OTT-JAX / POT's JAX backend do Sinkhorn (log-domain updates with
# jax.scipy.special.logsumexp, squared-Euclidean cost by broadcasting, fori_loop)
# https://github.com/ott-jax/ott
import jax
import jax.numpy as jnp
from jax import grad, jit, lax
from jax.scipy.special import logsumexp

jax.config.update("jax_enable_x64", True)


def sinkhorn(a, b, C, eps=0.1, iters=200):
    f = jnp.zeros_like(a)
    g = jnp.zeros_like(b)

    def body(_, fg):
        f, g = fg
        f = eps * jnp.log(a) - eps * logsumexp((g[None, :] - C) / eps, axis=1)
        g = eps * jnp.log(b) - eps * logsumexp((f[:, None] - C) / eps, axis=0)
        return f, g

    f, g = lax.fori_loop(0, iters, body, (f, g))
    P = jnp.exp((f[:, None] + g[None, :] - C) / eps)
    return P, jnp.sum(P * C)


def cost(x, y):
    return jnp.sum((x[:, None, :] - y[None, :, :]) ** 2, axis=-1)


def main():
    x = jnp.stack([jnp.linspace(0, 1, 5), jnp.sin(jnp.linspace(0, 1, 5))], 1)
    y = jnp.stack([jnp.linspace(0.2, 1.3, 6), jnp.cos(jnp.linspace(0, 2, 6))], 1)
    a = jnp.ones(5) / 5
    b = jnp.ones(6) / 6
    P, ot = jit(sinkhorn)(a, b, cost(x, y))
    dx = grad(lambda x: sinkhorn(a, b, cost(x, y), iters=50)[1])(x)
    print("ot", ot, "marginals", P.sum(1), P.sum(0))
    return {"P": P, "ot": ot, "row": P.sum(1), "col": P.sum(0), "dx": dx}


if __name__ == "__main__":
    main()
