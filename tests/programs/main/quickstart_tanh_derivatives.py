# Source: JAX docs, "Quickstart" / "Automatic differentiation" tutorial (grad of tanh,
# higher-order derivatives, grad of a loss over a dataset)
# https://docs.jax.dev/en/latest/automatic-differentiation.html
import jax
import jax.numpy as jnp
from jax import grad

jax.config.update("jax_enable_x64", True)


def sum_logistic(x):
    return jnp.sum(1.0 / (1.0 + jnp.exp(-x)))


def main():
    grad_tanh = grad(jnp.tanh)
    d1 = grad_tanh(2.0)
    d2 = grad(grad(jnp.tanh))(2.0)
    d3 = grad(grad(grad(jnp.tanh)))(2.0)
    f = lambda x: x**3 + 2 * x**2 - 3 * x + 1
    dfdx = jax.grad(f)
    d2fdx = jax.grad(dfdx)
    d3fdx = jax.grad(d2fdx)
    d4fdx = jax.grad(d3fdx)
    x_small = jnp.arange(3.0)
    derivative_fn = grad(sum_logistic)
    print(d1, d2, d3)
    print(derivative_fn(x_small))
    return {
        "tanh": [d1, d2, d3],
        "poly": [dfdx(1.0), d2fdx(1.0), d3fdx(1.0), d4fdx(1.0)],
        "sum_logistic": derivative_fn(x_small),
    }


if __name__ == "__main__":
    main()
