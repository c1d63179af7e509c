# Source: JAX docs, "Custom derivative rules for JAX-transformable Python functions"
# (implicit function differentiation of iterative implementations: fixed_point with
# custom_vjp and while_loop, Newton's sqrt)
# https://docs.jax.dev/en/latest/notebooks/Custom_derivative_rules_for_Python_code.html
from functools import partial

import jax
import jax.numpy as jnp
from jax import custom_vjp, grad, lax, vjp

jax.config.update("jax_enable_x64", True)


@partial(custom_vjp, nondiff_argnums=(0,))
def fixed_point(f, a, x_guess):
    def cond_fun(carry):
        x_prev, x = carry
        return jnp.abs(x_prev - x) > 1e-6

    def body_fun(carry):
        _, x = carry
        return x, f(a, x)

    _, x_star = lax.while_loop(cond_fun, body_fun, (x_guess, f(a, x_guess)))
    return x_star


def fixed_point_fwd(f, a, x_init):
    x_star = fixed_point(f, a, x_init)
    return x_star, (a, x_star)


def fixed_point_rev(f, res, x_star_bar):
    a, x_star = res
    _, vjp_a = vjp(lambda a: f(a, x_star), a)
    (a_bar,) = vjp_a(fixed_point(partial(rev_iter, f), (a, x_star, x_star_bar), x_star_bar))
    return a_bar, jnp.zeros_like(x_star)


def rev_iter(f, packed, u):
    a, x_star, x_star_bar = packed
    _, vjp_x = vjp(lambda x: f(a, x), x_star)
    return x_star_bar + vjp_x(u)[0]


fixed_point.defvjp(fixed_point_fwd, fixed_point_rev)


def newton_sqrt(a):
    update = lambda a, x: 0.5 * (x + a / x)
    return fixed_point(update, a, a)


def main():
    s = newton_sqrt(2.0)
    g = grad(newton_sqrt)(2.0)
    gg = grad(grad(newton_sqrt))(2.0)
    print(s, g, gg)
    return {"sqrt": s, "grad": g, "grad2": gg}


if __name__ == "__main__":
    main()
