# Source: JAX docs, "Pseudorandom numbers" tutorial, applied the way mixture-model demos
# sample (jax.random.categorical for components, random.normal for values, split keys)
# https://docs.jax.dev/en/latest/random-numbers.html
import jax
import jax.numpy as jnp
from jax import random

jax.config.update("jax_enable_x64", True)


def main():
    key = random.PRNGKey(11)
    k1, k2 = random.split(key)
    logits = jnp.log(jnp.array([0.2, 0.5, 0.3]))
    means = jnp.array([-2.0, 0.0, 3.0])
    comps = random.categorical(k1, logits, shape=(500,))
    xs = means[comps] + 0.5 * random.normal(k2, (500,))
    freq = jnp.bincount(comps, length=3) / 500
    print(freq, xs.mean())
    return {"freq": freq, "mean": xs.mean(), "first": xs[:5], "comps": comps[:10]}


if __name__ == "__main__":
    main()
