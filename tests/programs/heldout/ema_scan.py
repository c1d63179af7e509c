# Source: written the way JAX time-series code computes exponential moving averages and
# Welford running variance with lax.scan (and a cumsum-based rolling mean)
import jax
import jax.numpy as jnp
from jax import lax

jax.config.update("jax_enable_x64", True)


def ema(xs, decay=0.8):
    def step(m, x):
        m = decay * m + (1 - decay) * x
        return m, m

    return lax.scan(step, xs[0], xs[1:])[1]


def welford(xs):
    def step(state, x):
        n, mean, m2 = state
        n = n + 1
        delta = x - mean
        mean = mean + delta / n
        m2 = m2 + delta * (x - mean)
        return (n, mean, m2), mean

    (n, mean, m2), means = lax.scan(step, (0, 0.0, 0.0), xs)
    return mean, m2 / n, means


def rolling_mean(xs, w=3):
    c = jnp.cumsum(jnp.concatenate([jnp.zeros(1), xs]))
    return (c[w:] - c[:-w]) / w


def main():
    xs = jnp.sin(jnp.arange(15.0)) + jnp.arange(15.0) / 10
    mean, var, means = welford(xs)
    print(mean, var)
    return {
        "ema": ema(xs),
        "mean": mean,
        "var": var,
        "np_var": jnp.var(xs),
        "means": means,
        "rolling": rolling_mean(xs),
    }


if __name__ == "__main__":
    main()
