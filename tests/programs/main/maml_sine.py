# Source: Eric Jang, "Meta-Learning in 50 Lines of JAX" (MAML on sinusoid regression:
# inner SGD step with grad, meta-loss through it, vmap over tasks)
# https://blog.evjang.com/2019/02/maml-jax.html
import jax
import jax.numpy as jnp
from jax import grad, jit, vmap

jax.config.update("jax_enable_x64", True)


def net_apply(params, inputs):
    (W1, b1), (W2, b2) = params
    h = jnp.tanh(inputs @ W1 + b1)
    return h @ W2 + b2


def loss(params, inputs, targets):
    predictions = net_apply(params, inputs)
    return jnp.mean((targets - predictions) ** 2)


def inner_update(p, x1, y1, alpha=0.1):
    grads = grad(loss)(p, x1, y1)
    inner_sgd_fn = lambda g, state: state - alpha * g
    return jax.tree_util.tree_map(inner_sgd_fn, grads, p)


def maml_loss(p, x1, y1, x2, y2):
    p2 = inner_update(p, x1, y1)
    return loss(p2, x2, y2)


def batch_maml_loss(p, x1_b, y1_b, x2_b, y2_b):
    task_losses = vmap(maml_loss, in_axes=(None, 0, 0, 0, 0))(p, x1_b, y1_b, x2_b, y2_b)
    return jnp.mean(task_losses)


def main():
    W1 = 0.3 * jnp.cos(jnp.arange(8.0)).reshape(1, 8)
    W2 = 0.3 * jnp.sin(jnp.arange(8.0)).reshape(8, 1)
    params = [(W1, jnp.zeros(8)), (W2, jnp.zeros(1))]
    amps = jnp.array([0.5, 1.0, 1.5])
    phases = jnp.array([0.0, 0.5, 1.0])
    xs = jnp.linspace(-3, 3, 5)[None, :, None] * jnp.ones((3, 1, 1))
    ys = amps[:, None, None] * jnp.sin(xs + phases[:, None, None])
    xs2 = xs + 0.3
    ys2 = amps[:, None, None] * jnp.sin(xs2 + phases[:, None, None])
    step = jit(grad(batch_maml_loss))
    lr = 0.05
    for _ in range(3):
        g = step(params, xs, ys, xs2, ys2)
        params = jax.tree_util.tree_map(lambda p, g: p - lr * g, params, g)
    final = batch_maml_loss(params, xs, ys, xs2, ys2)
    print("meta loss", final)
    return {"params": params, "meta_loss": final}


if __name__ == "__main__":
    main()
