# Source: written the way JAX RNN code (Flax GRUCell math) is in plain JAX (GRU cell under
# lax.scan with a pytree carry, jax.nn.sigmoid gates, gradient w.r.t. a dict of weights)
import jax
import jax.numpy as jnp
from jax import grad, lax

jax.config.update("jax_enable_x64", True)


def gru_cell(p, h, x):
    z = jax.nn.sigmoid(x @ p["Wz"] + h @ p["Uz"])
    r = jax.nn.sigmoid(x @ p["Wr"] + h @ p["Ur"])
    n = jnp.tanh(x @ p["Wn"] + (r * h) @ p["Un"])
    return (1 - z) * n + z * h


def run(p, xs):
    def body(carry, x):
        h, total = carry
        h = gru_cell(p, h, x)
        return (h, total + jnp.sum(h)), h

    (h, total), hs = lax.scan(body, (jnp.zeros(3), 0.0), xs)
    return total, hs


def main():
    names = ["Wz", "Uz", "Wr", "Ur", "Wn", "Un"]
    p = {}
    for k, name in enumerate(names):
        shape = (2, 3) if name.startswith("W") else (3, 3)
        p[name] = 0.4 * jnp.sin(jnp.arange(float(shape[0] * shape[1])) + k).reshape(shape)
    xs = jnp.stack([jnp.linspace(0, 1, 6), jnp.linspace(1, -1, 6)], 1)
    total, hs = run(p, xs)
    g = grad(lambda p: run(p, xs)[0])(p)
    print(total)
    return {"total": total, "hs": hs, "grad": g}


if __name__ == "__main__":
    main()
