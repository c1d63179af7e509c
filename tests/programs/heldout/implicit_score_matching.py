# Source: written the way Hyvärinen's (implicit) score matching objective is computed in JAX
# (trace of the Jacobian of the score by jax.jacfwd, vmapped over data; for a Gaussian model
# the optimum is the sample precision)
import jax
import jax.numpy as jnp
from jax import grad, jacfwd, vmap

jax.config.update("jax_enable_x64", True)


def score(P, x):
    return -P @ x


def ism_loss(L, data):
    P = L @ L.T

    def per_example(x):
        s = score(P, x)
        return 0.5 * s @ s + jnp.trace(jacfwd(lambda x: score(P, x))(x))

    return jnp.mean(vmap(per_example)(data))


def main():
    data = jnp.stack([jnp.sin(jnp.arange(30.0)), jnp.cos(1.7 * jnp.arange(30.0))], 1)
    L = jnp.eye(2)
    for _ in range(100):
        L = L - 0.05 * grad(ism_loss)(L, data)
    P = L @ L.T
    emp = jnp.linalg.inv(data.T @ data / 30)
    print(P, emp)
    return {"P": P, "empirical_precision": emp, "loss": ism_loss(L, data)}


if __name__ == "__main__":
    main()
