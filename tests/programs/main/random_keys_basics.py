# Source: JAX docs, "Pseudorandom numbers" tutorial (PRNGKey, split, fold_in, normal,
# uniform, randint, choice, permutation, bernoulli; same key, same numbers)
# https://docs.jax.dev/en/latest/random-numbers.html
import jax
import jax.numpy as jnp
from jax import random

jax.config.update("jax_enable_x64", True)


def main():
    key = random.PRNGKey(42)
    print(key)
    key, subkey = random.split(key)
    a = random.normal(subkey, (3,))
    b = random.normal(subkey, (3,))
    keys = random.split(key, 4)
    u = random.uniform(keys[0], (2, 2), minval=-1.0, maxval=1.0)
    i = random.randint(keys[1], (5,), 0, 10)
    c = random.choice(keys[2], jnp.arange(10), (3,), replace=False)
    p = random.permutation(keys[3], 6)
    bern = random.bernoulli(random.fold_in(key, 7), 0.3, (6,))
    return {
        "key": random.key_data(key),
        "a": a,
        "same": jnp.array_equal(a, b),
        "u": u,
        "randint": i,
        "choice": c,
        "perm": p,
        "bern": bern,
    }


if __name__ == "__main__":
    main()
