# Source: written the way first-order meta-learning (Reptile, Nichol et al.) is implemented
# in JAX (inner SGD steps with grad in a Python loop, tree_map interpolation toward the
# adapted weights, tasks from sinusoids)
import jax
import jax.numpy as jnp
from jax import grad, jit
from jax.tree_util import tree_map

jax.config.update("jax_enable_x64", True)


def net(p, x):
    return jnp.tanh(x @ p["w1"] + p["b1"]) @ p["w2"]


def loss(p, x, y):
    return jnp.mean((net(p, x) - y) ** 2)


@jit
def adapt(p, x, y, lr=0.05, k=5):
    for _ in range(k):
        p = tree_map(lambda a, g: a - lr * g, p, grad(loss)(p, x, y))
    return p


def main():
    p = {
        "w1": 0.5 * jnp.cos(jnp.arange(6.0)).reshape(1, 6),
        "b1": jnp.zeros(6),
        "w2": 0.5 * jnp.sin(jnp.arange(6.0)).reshape(6, 1),
    }
    x = jnp.linspace(-2, 2, 8)[:, None]
    for phase in [0.0, 0.7, 1.4, 2.1]:
        y = jnp.sin(x + phase)
        adapted = adapt(p, x, y)
        p = tree_map(lambda a, b: a + 0.5 * (b - a), p, adapted)
    test_loss = loss(adapt(p, x, jnp.sin(x + 1.0)), x, jnp.sin(x + 1.0))
    print(test_loss)
    return {"params": p, "test_loss": test_loss}


if __name__ == "__main__":
    main()
