# Source: jax.lax.scan docstring and "Control flow and logical operators" tutorial
# (cumulative sum with scan, carrying state, reverse scan, length-only scan)
# https://docs.jax.dev/en/latest/_autosummary/jax.lax.scan.html
import jax
import jax.numpy as jnp
from jax import lax

jax.config.update("jax_enable_x64", True)


def cumsum(res, el):
    res = res + el
    return res, res


def main():
    a = jnp.array([1.0, 2.0, 3.0, 5.0, 7.0, 11.0, 13.0, 17.0])
    result_init = 0.0
    final, result = lax.scan(cumsum, result_init, a)
    final_r, result_r = lax.scan(cumsum, result_init, a, reverse=True)
    ints = lax.scan(lambda c, x: (c + x, c * x), 0, jnp.arange(6))
    counter = lax.scan(lambda c, _: (c + 1, c**2), 0, None, length=5)
    pairs = lax.scan(lambda c, xs: (c + xs[0] * xs[1], c), 0.0, (a, a[::-1]))
    print(final, result)
    return {
        "final": final,
        "result": result,
        "reverse": (final_r, result_r),
        "ints": ints,
        "counter": counter,
        "pairs": pairs,
    }


if __name__ == "__main__":
    main()
