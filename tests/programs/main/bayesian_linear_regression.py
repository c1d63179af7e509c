# Source: written the way JAX probabilistic-ML notebooks do conjugate Bayesian linear
# regression (posterior mean/covariance, predictive, log evidence with
# jax.scipy.stats.multivariate_normal.logpdf)
import jax
import jax.numpy as jnp
from jax.scipy.stats import multivariate_normal, norm

jax.config.update("jax_enable_x64", True)


def main():
    x = jnp.linspace(-1, 1, 10)
    Phi = jnp.stack([jnp.ones_like(x), x, x**2], 1)
    y = 0.3 + 1.2 * x - 0.7 * x**2 + 0.1 * jnp.sin(11 * x)
    alpha, beta = 2.0, 25.0
    S_inv = alpha * jnp.eye(3) + beta * Phi.T @ Phi
    S = jnp.linalg.inv(S_inv)
    m = beta * S @ Phi.T @ y
    x_new = jnp.array([0.0, 0.5, 1.5])
    Phi_new = jnp.stack([jnp.ones_like(x_new), x_new, x_new**2], 1)
    pred_mean = Phi_new @ m
    pred_var = 1 / beta + jnp.sum(Phi_new @ S * Phi_new, axis=1)
    cov_y = Phi @ Phi.T / alpha + jnp.eye(10) / beta
    evidence = multivariate_normal.logpdf(y, jnp.zeros(10), cov_y)
    lp = norm.logpdf(y, Phi @ m, jnp.sqrt(1 / beta)).sum()
    print(m, evidence)
    return {"m": m, "S": S, "mean": pred_mean, "var": pred_var, "evidence": evidence, "lp": lp}


if __name__ == "__main__":
    main()
