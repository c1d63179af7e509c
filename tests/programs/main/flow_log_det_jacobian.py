# Source: written the way JAX normalizing-flow tutorials do (an invertible planar/affine map,
# log|det J| by jax.jacfwd and jnp.linalg.slogdet, vmapped over samples, change of variables)
import jax
import jax.numpy as jnp
from jax import jacfwd, vmap
from jax.scipy.stats import norm

jax.config.update("jax_enable_x64", True)

u = jnp.array([0.5, -0.3])
w = jnp.array([1.0, 0.8])
b = 0.1
A = jnp.array([[1.2, 0.3], [0.0, 0.9]])


def flow(z):
    z = A @ z + jnp.array([0.1, -0.2])
    return z + u * jnp.tanh(w @ z + b)


def log_prob(z):
    sign, logdet = jnp.linalg.slogdet(jacfwd(flow)(z))
    return jnp.sum(norm.logpdf(z)) - logdet, sign


def main():
    zs = jnp.stack([jnp.linspace(-1, 1, 5), jnp.cos(jnp.arange(5.0))], 1)
    xs = vmap(flow)(zs)
    lp, sign = vmap(log_prob)(zs)
    dets = vmap(lambda z: jnp.linalg.det(jax.jacrev(flow)(z)))(zs)
    print(lp)
    return {"x": xs, "log_prob": lp, "sign": sign, "det": dets}


if __name__ == "__main__":
    main()
