# Source: written the way tinygp / GPJax write stationary kernels in JAX (Matern-5/2 and
# periodic kernels by vmap over pairs, Cholesky log marginal likelihood, grad w.r.t. scale)
# https://github.com/dfm/tinygp
import jax
import jax.numpy as jnp
from jax import grad, vmap

jax.config.update("jax_enable_x64", True)


def matern52(x1, x2, scale):
    r = jnp.sqrt(jnp.sum((x1 - x2) ** 2) + 1e-12) / scale
    arg = jnp.sqrt(5.0) * r
    return (1 + arg + arg**2 / 3.0) * jnp.exp(-arg)


def periodic(x1, x2, period=1.5, gamma=2.0):
    return jnp.exp(-gamma * jnp.sum(jnp.sin(jnp.pi * (x1 - x2) / period) ** 2))


def gram(k, X, *args):
    return vmap(lambda a: vmap(lambda b: k(a, b, *args))(X))(X)


def nll(scale, X, y, noise=1e-2):
    K = gram(matern52, X, scale) + noise * jnp.eye(X.shape[0])
    L = jnp.linalg.cholesky(K)
    alpha = jnp.linalg.solve(K, y)
    return 0.5 * y @ alpha + jnp.sum(jnp.log(jnp.diag(L))) + 0.5 * len(y) * jnp.log(2 * jnp.pi)


def main():
    X = jnp.linspace(0, 3, 7)[:, None]
    y = jnp.sin(2 * X[:, 0])
    K = gram(matern52, X, 0.8)
    P = gram(periodic, X)
    value = nll(0.8, X, y)
    g = grad(nll)(0.8, X, y)
    print(value, g)
    return {"K": K, "P": P, "nll": value, "dnll": g}


if __name__ == "__main__":
    main()
