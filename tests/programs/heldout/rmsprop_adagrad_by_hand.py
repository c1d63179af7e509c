# Source: written the way jax.example_libraries.optimizers defines rmsprop and adagrad
# (init/update/get_params triples, applied to a quadratic bowl under lax.fori_loop)
# https://github.com/jax-ml/jax/blob/main/jax/example_libraries/optimizers.py
import jax
import jax.numpy as jnp
from jax import grad, jit, lax

jax.config.update("jax_enable_x64", True)

Q = jnp.array([[3.0, 0.5], [0.5, 1.0]])


def f(x):
    return 0.5 * x @ Q @ x - jnp.array([1.0, -2.0]) @ x


def rmsprop(step_size, gamma=0.9, eps=1e-8):
    def init(x0):
        return x0, jnp.zeros_like(x0)

    def update(i, g, state):
        x, avg_sq_grad = state
        avg_sq_grad = avg_sq_grad * gamma + jnp.square(g) * (1.0 - gamma)
        x = x - step_size * g / jnp.sqrt(avg_sq_grad + eps)
        return x, avg_sq_grad

    return init, update


def adagrad(step_size, momentum=0.9):
    def init(x0):
        return x0, jnp.zeros_like(x0), jnp.zeros_like(x0)

    def update(i, g, state):
        x, g_sq, m = state
        g_sq += jnp.square(g)
        g_sq_inv_sqrt = jnp.where(g_sq > 0, 1.0 / jnp.sqrt(g_sq), 0.0)
        m = (1.0 - momentum) * (g * g_sq_inv_sqrt) + momentum * m
        x = x - step_size * m
        return x, g_sq, m

    return init, update


def run(opt, x0, n=200):
    init, update = opt
    return jit(lambda s: lax.fori_loop(0, n, lambda i, s: update(i, grad(f)(s[0]), s), s))(init(x0))


def main():
    x0 = jnp.array([2.0, 2.0])
    r = run(rmsprop(0.01), x0)
    a = run(adagrad(0.3), x0)
    exact = jnp.linalg.solve(Q, jnp.array([1.0, -2.0]))
    print(r[0], a[0], exact)
    return {"rmsprop": r, "adagrad": a, "exact": exact}


if __name__ == "__main__":
    main()
