# Source: written the way JAX MD's energy.morse is used (Morse pair potential over all pairs
# with a mask, forces from jax.grad, a few steps of FIRE-free gradient descent relaxation)
# https://github.com/jax-md/jax-md
import jax
import jax.numpy as jnp
from jax import grad, jit, vmap

jax.config.update("jax_enable_x64", True)


def morse(dr, sigma=1.0, epsilon=5.0, alpha=5.0):
    U = epsilon * (jnp.exp(-2.0 * alpha * (dr - sigma)) - 2.0 * jnp.exp(-alpha * (dr - sigma)))
    return U


def energy(R):
    d = vmap(lambda a: vmap(lambda b: a - b)(R))(R)
    r2 = jnp.sum(d**2, -1)
    mask = ~jnp.eye(R.shape[0], dtype=bool)
    r = jnp.sqrt(jnp.where(mask, r2, 1.0))
    return 0.5 * jnp.sum(jnp.where(mask, morse(r), 0.0))


@jit
def relax(R, lr=0.002, steps=50):
    for _ in range(steps):
        R = R - lr * grad(energy)(R)
    return R


def main():
    R = jnp.array([[0.0, 0.0], [1.05, 0.0], [0.5, 0.9], [1.6, 0.8]])
    F = -grad(energy)(R)
    R2 = relax(R)
    print(energy(R), energy(R2))
    return {"E0": energy(R), "F": F, "E1": energy(R2), "R": R2}


if __name__ == "__main__":
    main()
