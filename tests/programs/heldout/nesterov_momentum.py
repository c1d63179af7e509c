# Source: written the way jax.example_libraries.optimizers.nesterov is defined (velocity and
# look-ahead update), minimising a logistic loss on a linearly separable set with fori_loop
# https://github.com/jax-ml/jax/blob/main/jax/example_libraries/optimizers.py
import jax
import jax.numpy as jnp
from jax import grad, jit, lax

jax.config.update("jax_enable_x64", True)

X = jnp.stack([jnp.linspace(-1, 1, 12), jnp.sin(jnp.arange(12.0))], 1)
y = jnp.where(X[:, 0] - 0.3 * X[:, 1] > 0, 1.0, -1.0)


def loss(w):
    return jnp.mean(jax.nn.softplus(-y * (X @ w))) + 0.01 * w @ w


def nesterov(step_size, mass=0.9):
    def update(i, g, state):
        x, velocity = state
        velocity = mass * velocity + g
        x = x - step_size * (mass * velocity + g)
        return x, velocity

    return update


@jit
def fit(w0):
    update = nesterov(0.5)
    return lax.fori_loop(0, 100, lambda i, s: update(i, grad(loss)(s[0]), s), (w0, jnp.zeros(2)))


def main():
    w, v = fit(jnp.zeros(2))
    print(w, loss(w))
    return {"w": w, "v": v, "loss": loss(w), "grad": grad(loss)(w)}


if __name__ == "__main__":
    main()
