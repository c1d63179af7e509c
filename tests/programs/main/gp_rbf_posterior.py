# Source: written the way JAX Gaussian-process examples do (jax/examples/gaussian_process_
# regression.py: RBF covariance via vmap of vmap, Cholesky solve, posterior mean/variance)
# https://github.com/jax-ml/jax/blob/main/examples/gaussian_process_regression.py
import jax
import jax.numpy as jnp
import jax.scipy as scipy
from jax import jit, vmap

jax.config.update("jax_enable_x64", True)


def cov_map(cov_func, xs, xs2=None):
    if xs2 is None:
        return vmap(lambda x: vmap(lambda y: cov_func(x, y))(xs))(xs)
    else:
        return vmap(lambda x: vmap(lambda y: cov_func(x, y))(xs))(xs2).T


def softplus(x):
    return jnp.logaddexp(x, 0.0)


def exp_quadratic(x1, x2):
    return jnp.exp(-jnp.sum((x1 - x2) ** 2))


def gp(params, x, y, xtest):
    noise = softplus(params["noise"])
    amp = softplus(params["amplitude"])
    ls = softplus(params["lengthscale"])
    ymean = jnp.mean(y)
    y = y - ymean
    x = x / ls
    xtest = xtest / ls
    train_cov = amp * cov_map(exp_quadratic, x) + (noise + 1e-6) * jnp.eye(x.shape[0])
    chol = scipy.linalg.cholesky(train_cov, lower=True)
    kinvy = scipy.linalg.solve_triangular(
        chol.T, scipy.linalg.solve_triangular(chol, y, lower=True)
    )
    log2pi = jnp.log(2.0 * jnp.pi)
    ml = jnp.sum(-0.5 * jnp.dot(y.T, kinvy) - jnp.sum(jnp.log(jnp.diag(chol))) - 0.5 * log2pi)
    cross_cov = amp * cov_map(exp_quadratic, x, xtest)
    mu = jnp.dot(cross_cov.T, kinvy) + ymean
    v = scipy.linalg.solve_triangular(chol, cross_cov, lower=True)
    var = amp * cov_map(exp_quadratic, xtest) - jnp.dot(v.T, v)
    return -ml, mu, var


def main():
    x = jnp.linspace(-2.0, 2.0, 8)[:, None]
    y = jnp.sin(2.0 * x[:, 0]) + 0.1 * jnp.cos(7.0 * x[:, 0])
    xtest = jnp.linspace(-2.5, 2.5, 5)[:, None]
    params = {"amplitude": 0.5, "noise": -3.0, "lengthscale": 0.0}
    nll, mu, var = jit(gp)(params, x, y, xtest)
    grads = jax.grad(lambda p: gp(p, x, y, xtest)[0])(params)
    print(nll, mu)
    return {"nll": nll, "mu": mu, "var_diag": jnp.diag(var), "grads": grads}


if __name__ == "__main__":
    main()
