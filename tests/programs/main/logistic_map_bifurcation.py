# Source: written the way JAX chaos demos are (logistic map iterated with lax.fori_loop,
# vmapped over r, Lyapunov exponent from jax.grad of one step)
import jax
import jax.numpy as jnp
from jax import grad, jit, lax, vmap

jax.config.update("jax_enable_x64", True)


def logistic(r, x):
    return r * x * (1 - x)


@jit
def lyapunov(r, x0=0.3, burn=200, n=300):
    x = lax.fori_loop(0, burn, lambda i, x: logistic(r, x), x0)

    def body(_, carry):
        x, acc = carry
        d = grad(logistic, argnums=1)(r, x)
        return logistic(r, x), acc + jnp.log(jnp.abs(d))

    x, acc = lax.fori_loop(0, n, body, (x, 0.0))
    return acc / n


def main():
    rs = jnp.array([2.5, 3.2, 3.5])
    lam = vmap(lyapunov)(rs)
    attractor = vmap(lambda r: lax.fori_loop(0, 500, lambda i, x: logistic(r, x), 0.3))(rs)
    print(lam)
    return {"lyapunov": lam, "attractor": attractor}


if __name__ == "__main__":
    main()
