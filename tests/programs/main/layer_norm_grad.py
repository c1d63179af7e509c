# Source: written the way Flax/Haiku LayerNorm is written in plain JAX (per-example
# normalisation under vmap, scale/offset, gradients checked by jax.jvp)
import jax
import jax.numpy as jnp
from jax import grad, jvp, vmap

jax.config.update("jax_enable_x64", True)


def layer_norm(x, scale, offset, eps=1e-5):
    mean = jnp.mean(x)
    var = jnp.var(x)
    return scale * (x - mean) * jax.lax.rsqrt(var + eps) + offset


def loss(scale, offset, xs):
    y = vmap(layer_norm, in_axes=(0, None, None))(xs, scale, offset)
    return jnp.sum(jnp.sin(y))


def main():
    xs = jnp.arange(12.0).reshape(3, 4) ** 1.5
    scale = jnp.array([1.0, 0.5, 2.0, -1.0])
    offset = jnp.array([0.0, 0.1, 0.2, 0.3])
    y = vmap(layer_norm, in_axes=(0, None, None))(xs, scale, offset)
    gs, go = grad(loss, argnums=(0, 1))(scale, offset, xs)
    gx = grad(loss, argnums=2)(scale, offset, xs)
    _, dir_deriv = jvp(lambda s: loss(s, offset, xs), (scale,), (jnp.ones(4),))
    print(y)
    return {"y": y, "gs": gs, "go": go, "gx": gx, "dir": dir_deriv, "check": jnp.sum(gs)}


if __name__ == "__main__":
    main()
