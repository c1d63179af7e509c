# Source: written the way JAX sampling tutorials (BlackJAX) write the unadjusted Langevin
# algorithm (score by jax.grad of a log density, Gaussian noise from jax.random, lax.scan)
# https://github.com/blackjax-devs/blackjax
import jax
import jax.numpy as jnp
from jax import grad, jit, lax, random

jax.config.update("jax_enable_x64", True)


def log_density(x):
    return -0.5 * jnp.sum((x - jnp.array([1.0, -1.0])) ** 2 / jnp.array([1.0, 0.25]))


@jit
def ula(key, x0, step=0.05, n=500):
    score = grad(log_density)

    def body(x, k):
        noise = random.normal(k, x.shape)
        x = x + step * score(x) + jnp.sqrt(2 * step) * noise
        return x, x

    keys = random.split(key, n)
    return lax.scan(body, x0, keys)


def main():
    x, samples = ula(random.PRNGKey(0), jnp.zeros(2))
    print(samples.mean(0), samples.var(0))
    return {"last": x, "mean": samples.mean(0), "var": samples.var(0)}


if __name__ == "__main__":
    main()
