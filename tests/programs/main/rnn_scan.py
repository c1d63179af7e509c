# Source: written the way JAX RNN tutorials do (vanilla Elman RNN cell under lax.scan,
# sequence loss, backprop through time with jax.grad, batched with vmap)
import jax
import jax.numpy as jnp
from jax import grad, jit, lax, vmap

jax.config.update("jax_enable_x64", True)


def rnn(params, xs):
    Wx, Wh, b, Wo = params

    def cell(h, x):
        h = jnp.tanh(x @ Wx + h @ Wh + b)
        return h, h @ Wo

    h0 = jnp.zeros(Wh.shape[0])
    _, ys = lax.scan(cell, h0, xs)
    return ys


def loss(params, xs, targets):
    preds = vmap(rnn, in_axes=(None, 0))(params, xs)
    return jnp.mean((preds - targets) ** 2)


def main():
    H = 5
    params = (
        0.5 * jnp.cos(jnp.arange(2.0 * H)).reshape(2, H),
        0.3 * jnp.sin(jnp.arange(1.0 * H * H)).reshape(H, H),
        jnp.zeros(H),
        0.4 * jnp.cos(jnp.arange(H * 1.0)).reshape(H, 1),
    )
    t = jnp.linspace(0, 3, 7)
    xs = jnp.stack([jnp.stack([jnp.sin(t + k), jnp.cos(t * k)], 1) for k in range(3)])
    targets = jnp.sin(2 * xs[..., :1])
    l = loss(params, xs, targets)
    g = jit(grad(loss))(params, xs, targets)
    print("loss", l)
    return {"loss": l, "grads": g, "ys": rnn(params, xs[0])}


if __name__ == "__main__":
    main()
