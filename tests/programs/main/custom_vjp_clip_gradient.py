# Source: JAX docs, "Custom derivative rules for JAX-transformable Python functions"
# (clip_gradient with jax.custom_vjp; f(x, y) = sin(x) * y with custom fwd/bwd)
# https://docs.jax.dev/en/latest/notebooks/Custom_derivative_rules_for_Python_code.html
from functools import partial

import jax
import jax.numpy as jnp
from jax import custom_vjp, grad, vmap

jax.config.update("jax_enable_x64", True)


@partial(custom_vjp, nondiff_argnums=(0, 1))
def clip_gradient(lo, hi, x):
    return x  # identity function


def clip_gradient_fwd(lo, hi, x):
    return x, None  # no residual values to save


def clip_gradient_bwd(lo, hi, _, g):
    return (jnp.clip(g, lo, hi),)


clip_gradient.defvjp(clip_gradient_fwd, clip_gradient_bwd)


@custom_vjp
def f(x, y):
    return jnp.sin(x) * y


def f_fwd(x, y):
    return f(x, y), (jnp.cos(x), jnp.sin(x), y)


def f_bwd(res, g):
    cos_x, sin_x, y = res
    return (cos_x * g * y, sin_x * g)


f.defvjp(f_fwd, f_bwd)


def clip_sin(x):
    x = clip_gradient(-0.75, 0.75, x)
    return jnp.sin(x)


def main():
    t = jnp.linspace(0, 10, 11)
    g_plain = vmap(grad(jnp.sin))(t)
    g_clip = vmap(grad(clip_sin))(t)
    gx, gy = grad(f, argnums=(0, 1))(2.0, 3.0)
    second = grad(grad(f))(2.0, 3.0)
    print(g_clip)
    return {"plain": g_plain, "clipped": g_clip, "gx": gx, "gy": gy, "second": second}


if __name__ == "__main__":
    main()
