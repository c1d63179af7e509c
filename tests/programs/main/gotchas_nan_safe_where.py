# Source: JAX FAQ, "Gradients contain NaN where using where" (the double-where trick for a
# safe log/sqrt; jnp.linalg.norm gradient at zero)
# https://docs.jax.dev/en/latest/faq.html
import jax
import jax.numpy as jnp
from jax import grad, vmap

jax.config.update("jax_enable_x64", True)


def my_log(x):
    return jnp.where(x > 0.0, jnp.log(x), 0.0)


def safe_for_grad_log(x):
    return jnp.log(jnp.where(x > 0.0, x, 1.0))


def my_log_safe(x):
    return jnp.where(x > 0.0, safe_for_grad_log(x), 0.0)


def safe_norm(x):
    is_zero = jnp.allclose(x, 0.0)
    x = jnp.where(is_zero, jnp.ones_like(x), x)
    n = jnp.linalg.norm(x)
    return jnp.where(is_zero, 0.0, n)


def main():
    naive = grad(my_log)(0.0)
    safe = grad(my_log_safe)(0.0)
    safe_pos = vmap(grad(my_log_safe))(jnp.array([0.5, 1.0, 2.0]))
    n0 = grad(safe_norm)(jnp.zeros(3))
    n1 = grad(safe_norm)(jnp.array([3.0, 4.0, 0.0]))
    print(naive, safe)
    return {"naive": naive, "safe": safe, "safe_pos": safe_pos, "n0": n0, "n1": n1}


if __name__ == "__main__":
    main()
