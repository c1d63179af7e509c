# Source: written the way JAX probabilistic code whitens data and evaluates Gaussian log
# densities (jax.scipy.linalg.cho_factor / cho_solve, solve_triangular, slogdet; checked
# against jax.scipy.stats.multivariate_normal)
import jax
import jax.numpy as jnp
from jax.scipy.linalg import cho_factor, cho_solve, solve_triangular
from jax.scipy.stats import multivariate_normal

jax.config.update("jax_enable_x64", True)


def main():
    A = jnp.array([[2.0, 0.3, 0.1], [0.3, 1.5, -0.2], [0.1, -0.2, 1.0]])
    X = jnp.stack([jnp.sin(jnp.arange(6.0)), jnp.cos(jnp.arange(6.0)), jnp.arange(6.0) / 6], 1)
    c, lower = cho_factor(A, lower=True)
    L = jnp.tril(c)
    white = solve_triangular(L, X.T, lower=True).T
    maha = jnp.sum(white**2, 1)
    sol = cho_solve((c, lower), X.T).T
    sign, logdet = jnp.linalg.slogdet(A)
    lp = -0.5 * (maha + logdet + 3 * jnp.log(2 * jnp.pi))
    ref = multivariate_normal.logpdf(X, jnp.zeros(3), A)
    print(lp - ref)
    return {"white": white, "sol": sol, "lp": lp, "ref": ref}


if __name__ == "__main__":
    main()
