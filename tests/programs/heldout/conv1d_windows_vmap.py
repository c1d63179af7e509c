# Source: JAX docs, "Automatic vectorization" tutorial, reworked the way 1-D convolution
# layers are written by hand (sliding windows by vmap over start indices with
# lax.dynamic_slice, a multi-channel kernel, gradient w.r.t. the kernel)
import jax
import jax.numpy as jnp
from jax import grad, lax, vmap

jax.config.update("jax_enable_x64", True)


def conv1d(x, w):
    k = w.shape[-1]
    starts = jnp.arange(x.shape[-1] - k + 1)
    windows = vmap(lambda s: lax.dynamic_slice(x, (0, s), (x.shape[0], k)))(starts)
    return jnp.einsum("tck,ock->ot", windows, w)


def main():
    x = jnp.stack([jnp.sin(jnp.arange(10.0)), jnp.cos(jnp.arange(10.0))])
    w = jnp.arange(12.0).reshape(2, 2, 3) / 10
    y = conv1d(x, w)
    ref = jnp.stack(
        [sum(jnp.correlate(x[c], w[o, c], mode="valid") for c in range(2)) for o in range(2)]
    )
    gw = grad(lambda w: jnp.sum(conv1d(x, w) ** 2))(w)
    batch = vmap(conv1d, in_axes=(0, None))(jnp.stack([x, 2 * x]), w)
    print(y)
    return {"y": y, "ref": ref, "gw": gw, "batch": batch}


if __name__ == "__main__":
    main()
