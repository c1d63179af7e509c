# Source: written the way JAX EM examples for Gaussian mixtures are (responsibilities with
# jax.scipy.stats.norm.logpdf and logsumexp, M-step by weighted means, fori_loop)
import jax
import jax.numpy as jnp
from jax import jit, lax
from jax.scipy.special import logsumexp
from jax.scipy.stats import norm

jax.config.update("jax_enable_x64", True)


@jit
def em(x, mu, sigma, pi):
    def step(_, state):
        mu, sigma, pi = state
        logp = norm.logpdf(x[:, None], mu[None, :], sigma[None, :]) + jnp.log(pi)
        resp = jnp.exp(logp - logsumexp(logp, axis=1, keepdims=True))
        nk = resp.sum(0)
        mu = (resp * x[:, None]).sum(0) / nk
        sigma = jnp.sqrt((resp * (x[:, None] - mu) ** 2).sum(0) / nk)
        return mu, sigma, nk / x.shape[0]

    mu, sigma, pi = lax.fori_loop(0, 30, step, (mu, sigma, pi))
    ll = logsumexp(norm.logpdf(x[:, None], mu, sigma) + jnp.log(pi), axis=1).sum()
    return mu, sigma, pi, ll


def main():
    x = jnp.concatenate([jnp.linspace(-2.5, -1.5, 10), jnp.linspace(1.0, 3.0, 15)])
    mu, sigma, pi, ll = em(x, jnp.array([-1.0, 1.0]), jnp.ones(2), jnp.ones(2) / 2)
    print(mu, sigma, pi, ll)
    return {"mu": mu, "sigma": sigma, "pi": pi, "ll": ll}


if __name__ == "__main__":
    main()
