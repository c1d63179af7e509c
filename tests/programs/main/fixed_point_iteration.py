# Source: JAX docs, "Custom derivative rules" notebook, fixed-point section (the plain
# while_loop fixed_point solver before custom_vjp; cosine fixed point, vmap over inputs)
# https://docs.jax.dev/en/latest/notebooks/Custom_derivative_rules_for_Python_code.html
import jax
import jax.numpy as jnp
from jax import jit, lax, vmap

jax.config.update("jax_enable_x64", True)


def fixed_point(f, a, x_guess):
    def cond_fun(carry):
        x_prev, x = carry
        return jnp.abs(x_prev - x) > 1e-10

    def body_fun(carry):
        _, x = carry
        return x, f(a, x)

    _, x_star = lax.while_loop(cond_fun, body_fun, (x_guess, f(a, x_guess)))
    return x_star


def main():
    cos_fp = fixed_point(lambda a, x: jnp.cos(a * x), 1.0, 0.5)
    sqrt_fp = jit(vmap(lambda a: fixed_point(lambda a, x: 0.5 * (x + a / x), a, a)))(
        jnp.array([2.0, 3.0, 10.0])
    )
    print(cos_fp, sqrt_fp)
    return {"dottie": cos_fp, "sqrts": sqrt_fp}


if __name__ == "__main__":
    main()
