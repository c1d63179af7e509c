# Source: written the way JAX image-processing demos are (Sobel edges and a box blur via
# jax.scipy.signal.convolve2d, a Gaussian blur via separable jnp.convolve, vmapped over a
# batch of images)
# https://docs.jax.dev/en/latest/_autosummary/jax.scipy.signal.convolve2d.html
import jax
import jax.numpy as jnp
from jax import vmap
from jax.scipy.signal import convolve2d

jax.config.update("jax_enable_x64", True)


def sobel(img):
    kx = jnp.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    gx = convolve2d(img, kx, mode="same")
    gy = convolve2d(img, kx.T, mode="same")
    return jnp.sqrt(gx**2 + gy**2)


def gaussian_blur(img, sigma=1.0):
    x = jnp.arange(-3.0, 4.0)
    k = jnp.exp(-(x**2) / (2 * sigma**2))
    k = k / k.sum()
    rows = vmap(lambda r: jnp.convolve(r, k, mode="same"))(img)
    return vmap(lambda c: jnp.convolve(c, k, mode="same"), in_axes=1, out_axes=1)(rows)


def main():
    yy, xx = jnp.mgrid[0:12, 0:12]
    imgs = jnp.stack([(xx > 5).astype(float), jnp.sin(xx / 2.0) * jnp.cos(yy / 3.0)])
    edges = vmap(sobel)(imgs)
    blurred = vmap(gaussian_blur)(imgs)
    box = convolve2d(imgs[1], jnp.ones((3, 3)) / 9, mode="valid")
    print(edges.max(), blurred.sum())
    return {"edges": edges, "blurred": blurred, "box": box}


if __name__ == "__main__":
    main()
