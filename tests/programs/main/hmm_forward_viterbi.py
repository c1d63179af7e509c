# Source: written the way JAX HMM code is (forward algorithm in log space with logsumexp
# under lax.scan; Viterbi with max/argmax and a reverse scan for backtracking)
import jax
import jax.numpy as jnp
from jax import lax
from jax.scipy.special import logsumexp

jax.config.update("jax_enable_x64", True)

log_A = jnp.log(jnp.array([[0.8, 0.15, 0.05], [0.1, 0.8, 0.1], [0.05, 0.15, 0.8]]))
log_pi = jnp.log(jnp.array([0.5, 0.3, 0.2]))
means = jnp.array([-1.0, 0.0, 1.5])


def log_emission(x):
    return -0.5 * (x - means) ** 2 - 0.5 * jnp.log(2 * jnp.pi)


def forward(xs):
    def step(alpha, x):
        alpha = logsumexp(alpha[:, None] + log_A, axis=0) + log_emission(x)
        return alpha, alpha

    alpha0 = log_pi + log_emission(xs[0])
    alpha, alphas = lax.scan(step, alpha0, xs[1:])
    return logsumexp(alpha), alphas


def viterbi(xs):
    def step(delta, x):
        scores = delta[:, None] + log_A
        return jnp.max(scores, axis=0) + log_emission(x), jnp.argmax(scores, axis=0)

    delta, back = lax.scan(step, log_pi + log_emission(xs[0]), xs[1:])
    last = jnp.argmax(delta)

    def trace(state, bp):
        prev = bp[state]
        return prev, state

    first, path = lax.scan(trace, last, back, reverse=True)
    return jnp.concatenate([jnp.array([first]), path]), jnp.max(delta)


def main():
    xs = jnp.array([-1.2, -0.8, 0.1, 0.2, 1.4, 1.7, 1.2, -0.9, -1.1, 0.0])
    ll, alphas = forward(xs)
    path, best = viterbi(xs)
    print(ll, path)
    return {"ll": ll, "alphas": alphas, "path": path, "best": best}


if __name__ == "__main__":
    main()
