# Source: written the way JAX image demos filter images with jax.lax.conv_general_dilated
# (a Laplacian and an emboss kernel in NCHW/OIHW layout, 'SAME' padding), checked against a
# slicing implementation
# https://docs.jax.dev/en/latest/notebooks/convolutions.html
import jax
import jax.numpy as jnp
from jax import lax

jax.config.update("jax_enable_x64", True)


def conv(img, kernel):
    out = lax.conv_general_dilated(
        img[None, None], kernel[None, None], window_strides=(1, 1), padding="SAME"
    )
    return out[0, 0]


def laplace_slices(img):
    p = jnp.pad(img, 1)
    return p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:] - 4 * img


def main():
    yy, xx = jnp.mgrid[0:10, 0:10]
    img = jnp.exp(-((xx - 4.5) ** 2 + (yy - 4.5) ** 2) / 8.0)
    lap = jnp.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
    emboss = jnp.array([[-2.0, -1.0, 0.0], [-1.0, 1.0, 1.0], [0.0, 1.0, 2.0]])
    a = conv(img, lap)
    b = laplace_slices(img)
    c = conv(img, emboss)
    print(jnp.max(jnp.abs(a - b)))
    return {"conv": a, "slices": b, "emboss": c}


if __name__ == "__main__":
    main()
