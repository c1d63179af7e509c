# Source: JAX docs, "Custom derivative rules for JAX-transformable Python functions"
# (log1pexp with jax.custom_jvp and defjvps; numerical stability of its gradient)
# https://docs.jax.dev/en/latest/notebooks/Custom_derivative_rules_for_Python_code.html
import jax
import jax.numpy as jnp
from jax import custom_jvp, grad, jit, vmap

jax.config.update("jax_enable_x64", True)


def log1pexp_naive(x):
    return jnp.log(1.0 + jnp.exp(x))


@custom_jvp
def log1pexp(x):
    return jnp.log(1.0 + jnp.exp(x))


@log1pexp.defjvp
def log1pexp_jvp(primals, tangents):
    (x,) = primals
    (x_dot,) = tangents
    ans = log1pexp(x)
    ans_dot = (1 - 1 / (1 + jnp.exp(x))) * x_dot
    return ans, ans_dot


@custom_jvp
def log1pexp2(x):
    return jnp.log(1.0 + jnp.exp(x))


log1pexp2.defjvps(lambda t, ans, x: (1 - 1 / (1 + jnp.exp(x))) * t)


def main():
    xs = jnp.array([0.0, 2.0, 10.0, 100.0])
    g_custom = vmap(grad(log1pexp))(xs)
    g_custom2 = jit(vmap(grad(log1pexp2)))(xs)
    g_naive_small = vmap(grad(log1pexp_naive))(jnp.array([0.0, 2.0, 10.0]))
    values = log1pexp(3.0)
    print(g_custom, g_custom2)
    return {"custom": g_custom, "defjvps": g_custom2, "naive": g_naive_small, "value": values}


if __name__ == "__main__":
    main()
