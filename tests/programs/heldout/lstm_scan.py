# Source: written the way JAX LSTM examples are (fused gate matrix, jnp.split into i, f, g,
# o, cell and hidden state carried through lax.scan, gradient of a sequence loss)
import jax
import jax.numpy as jnp
from jax import lax

jax.config.update("jax_enable_x64", True)


def lstm_cell(params, carry, x):
    W, U, b = params
    h, c = carry
    gates = x @ W + h @ U + b
    i, f, g, o = jnp.split(gates, 4)
    c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
    h = jax.nn.sigmoid(o) * jnp.tanh(c)
    return (h, c), h


def loss(params, xs, target):
    H = params[1].shape[0]
    (h, c), hs = lax.scan(lambda cr, x: lstm_cell(params, cr, x), (jnp.zeros(H), jnp.zeros(H)), xs)
    return jnp.sum((hs[-1] - target) ** 2), hs


def main():
    H, D = 3, 2
    params = (
        0.3 * jnp.sin(jnp.arange(D * 4.0 * H)).reshape(D, 4 * H),
        0.3 * jnp.cos(jnp.arange(H * 4.0 * H)).reshape(H, 4 * H),
        jnp.zeros(4 * H),
    )
    xs = jnp.stack([jnp.linspace(0, 1, 5), jnp.linspace(1, 0, 5)], 1)
    target = jnp.array([0.1, -0.2, 0.3])
    (l, hs), g = jax.value_and_grad(loss, has_aux=True)(params, xs, target)
    print(l)
    return {"loss": l, "hs": hs, "grad": g}


if __name__ == "__main__":
    main()
