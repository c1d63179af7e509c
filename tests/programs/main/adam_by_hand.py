# Source: written the way hand-rolled JAX optimizers are (cf. jax.example_libraries.optimizers
# adam: init/update with moments m, v, bias correction; Rosenbrock minimised under jit)
# https://github.com/jax-ml/jax/blob/main/jax/example_libraries/optimizers.py
import jax
import jax.numpy as jnp
from jax import grad, jit, lax

jax.config.update("jax_enable_x64", True)


def rosenbrock(p):
    x, y = p[0], p[1]
    return (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2


def adam(step_size, b1=0.9, b2=0.999, eps=1e-8):
    def init(x0):
        return x0, jnp.zeros_like(x0), jnp.zeros_like(x0)

    def update(i, g, state):
        x, m, v = state
        m = (1 - b1) * g + b1 * m
        v = (1 - b2) * jnp.square(g) + b2 * v
        mhat = m / (1 - jnp.asarray(b1, m.dtype) ** (i + 1))
        vhat = v / (1 - jnp.asarray(b2, m.dtype) ** (i + 1))
        x = x - step_size * mhat / (jnp.sqrt(vhat) + eps)
        return x, m, v

    return init, update


def main():
    init, update = adam(0.02)
    state = init(jnp.array([-1.0, 1.5]))

    @jit
    def run(state):
        return lax.fori_loop(0, 300, lambda i, s: update(i, grad(rosenbrock)(s[0]), s), state)

    x, m, v = run(state)
    print("x", x, "f", rosenbrock(x))
    return {"x": x, "m": m, "v": v, "f": rosenbrock(x)}


if __name__ == "__main__":
    main()
