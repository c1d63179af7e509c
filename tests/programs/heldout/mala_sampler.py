# Source: written the way BlackJAX's MALA kernel works (Langevin proposal with jax.grad,
# Metropolis-Hastings correction with the proposal densities, jax.random keys, lax.scan)
# https://github.com/blackjax-devs/blackjax
import jax
import jax.numpy as jnp
from jax import grad, jit, lax, random

jax.config.update("jax_enable_x64", True)


def logp(x):
    return -0.5 * jnp.sum(x**2) - 0.25 * jnp.sum(x**4)


@jit
def mala(key, x0, eps=0.2, n=300):
    score = grad(logp)

    def log_q(x_to, x_from):
        return -jnp.sum((x_to - x_from - 0.5 * eps**2 * score(x_from)) ** 2) / (2 * eps**2)

    def step(x, key):
        k1, k2 = random.split(key)
        prop = x + 0.5 * eps**2 * score(x) + eps * random.normal(k1, x.shape)
        log_ratio = logp(prop) + log_q(x, prop) - logp(x) - log_q(prop, x)
        accept = jnp.log(random.uniform(k2)) < log_ratio
        x = jnp.where(accept, prop, x)
        return x, (x, accept)

    return lax.scan(step, x0, random.split(key, n))


def main():
    x, (xs, acc) = mala(random.PRNGKey(7), jnp.zeros(3))
    print(xs.mean(0), acc.mean())
    return {"x": x, "mean": xs.mean(0), "acc": acc.mean()}


if __name__ == "__main__":
    main()
