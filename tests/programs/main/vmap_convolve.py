# Source: JAX docs, "Automatic vectorization" tutorial (convolve, manual vs vmap batching)
# https://docs.jax.dev/en/latest/automatic-vectorization.html
import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)


def convolve(x, w):
    output = []
    for i in range(1, len(x) - 1):
        output.append(jnp.dot(x[i - 1 : i + 2], w))
    return jnp.array(output)


def manually_vectorized_convolve(xs, ws):
    output = []
    for i in range(1, xs.shape[-1] - 1):
        output.append(jnp.sum(xs[:, i - 1 : i + 2] * ws, axis=1))
    return jnp.stack(output, axis=1)


def main():
    x = jnp.arange(5.0)
    w = jnp.array([2.0, 3.0, 4.0])
    xs = jnp.stack([x, x + 1.0])
    ws = jnp.stack([w, w * 0.5])
    single = convolve(x, w)
    manual = manually_vectorized_convolve(xs, ws)
    auto = jax.vmap(convolve)(xs, ws)
    auto_t = jax.vmap(convolve, in_axes=1, out_axes=1)(jnp.transpose(xs), jnp.transpose(ws))
    unbatched_w = jax.vmap(convolve, in_axes=[0, None])(xs, w)
    jitted = jax.jit(jax.vmap(convolve))(xs, ws)
    print(single, manual, auto, sep="\n")
    return {
        "single": single,
        "manual": manual,
        "auto": auto,
        "auto_t": auto_t,
        "unbatched_w": unbatched_w,
        "jitted": jitted,
    }


if __name__ == "__main__":
    main()
