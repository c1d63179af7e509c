# Source: written the way JAX state-space libraries (dynamax) write the Kalman filter
# (predict/update under lax.scan, log marginal likelihood, gradient w.r.t. noise)
# https://github.com/probml/dynamax
import jax
import jax.numpy as jnp
from jax import grad, lax

jax.config.update("jax_enable_x64", True)

F = jnp.array([[1.0, 1.0], [0.0, 1.0]])
H = jnp.array([[1.0, 0.0]])


def kalman(log_r, ys, q=0.01):
    R = jnp.exp(log_r) * jnp.eye(1)
    Q = q * jnp.eye(2)

    def step(carry, y):
        m, P, ll = carry
        m = F @ m
        P = F @ P @ F.T + Q
        S = H @ P @ H.T + R
        K = P @ H.T @ jnp.linalg.inv(S)
        r = y - H @ m
        ll = ll - 0.5 * (r @ jnp.linalg.solve(S, r) + jnp.log(jnp.linalg.det(2 * jnp.pi * S)))
        m = m + K @ r
        P = (jnp.eye(2) - K @ H) @ P
        return (m, P, ll), m

    (m, P, ll), means = lax.scan(step, (jnp.zeros(2), jnp.eye(2), 0.0), ys)
    return ll, means


def main():
    t = jnp.arange(20.0)
    ys = (0.5 * t + 0.3 * jnp.sin(t))[:, None]
    ll, means = kalman(jnp.log(0.1), ys)
    g = grad(lambda r: kalman(r, ys)[0])(jnp.log(0.1))
    print(ll, g)
    return {"ll": ll, "means": means[::4], "dll": g}


if __name__ == "__main__":
    main()
