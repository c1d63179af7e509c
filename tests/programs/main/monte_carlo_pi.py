# Source: written the way JAX Monte Carlo demos are (uniform samples from jax.random, a
# vmapped indicator, estimates of pi and of E[exp(X)] with a control variate)
import jax
import jax.numpy as jnp
from jax import jit, random, vmap

jax.config.update("jax_enable_x64", True)


@jit
def estimate_pi(key, n=4000):
    xy = random.uniform(key, (n, 2))
    inside = vmap(lambda p: jnp.sum(p**2) <= 1.0)(xy)
    return 4.0 * jnp.mean(inside)


def main():
    keys = random.split(random.PRNGKey(0), 4)
    pis = vmap(estimate_pi)(keys)
    u = random.uniform(random.PRNGKey(5), (1000,))
    plain = jnp.mean(jnp.exp(u))
    cv = jnp.mean(jnp.exp(u) - 1.7 * (u - 0.5))
    print(pis, plain, cv)
    return {"pis": pis, "plain": plain, "cv": cv}


if __name__ == "__main__":
    main()
