# Source: written the way JAX HMC implementations (BlackJAX, NumPyro) do one HMC chain
# (momentum resampling with jax.random.normal, leapfrog with jax.grad, Metropolis test with
# jax.random.uniform, lax.scan over iterations)
import jax
import jax.numpy as jnp
from jax import grad, jit, lax, random

jax.config.update("jax_enable_x64", True)


def potential(q):
    return 0.5 * q @ jnp.array([[2.0, 0.5], [0.5, 1.0]]) @ q


def leapfrog(q, p, eps=0.1, L=10):
    dU = grad(potential)
    p = p - 0.5 * eps * dU(q)

    def body(_, qp):
        q, p = qp
        q = q + eps * p
        p = p - eps * dU(q)
        return q, p

    q, p = lax.fori_loop(0, L - 1, body, (q, p))
    q = q + eps * p
    p = p - 0.5 * eps * dU(q)
    return q, p


@jit
def hmc(key, q0, n=200):
    def step(q, key):
        k1, k2 = random.split(key)
        p0 = random.normal(k1, q.shape)
        q1, p1 = leapfrog(q, p0)
        h0 = potential(q) + 0.5 * p0 @ p0
        h1 = potential(q1) + 0.5 * p1 @ p1
        accept = random.uniform(k2) < jnp.exp(h0 - h1)
        q = jnp.where(accept, q1, q)
        return q, (q, accept)

    return lax.scan(step, q0, random.split(key, n))


def main():
    q, (samples, accepted) = hmc(random.PRNGKey(1), jnp.array([1.0, 1.0]))
    print(samples.mean(0), accepted.mean())
    return {"q": q, "mean": samples.mean(0), "acceptance": accepted.mean(), "last": samples[-5:]}


if __name__ == "__main__":
    main()
