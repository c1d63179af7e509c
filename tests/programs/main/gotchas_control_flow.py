# Source: JAX docs, "JAX - The Sharp Bits" (structured control flow primitives: lax.cond,
# lax.while_loop, lax.fori_loop, jnp.where; static_argnums for Python control flow)
# https://docs.jax.dev/en/latest/notebooks/Common_Gotchas_in_JAX.html
from functools import partial

import jax
import jax.numpy as jnp
from jax import grad, jit, lax

jax.config.update("jax_enable_x64", True)


def f(x):
    if x < 3:
        return 3.0 * x**2
    else:
        return -4 * x


@partial(jit, static_argnums=(1,))
def g(x, n):
    i = 0
    while i < n:
        i += 1
    return x + i


def main():
    a = grad(f)(2.0)
    b = grad(f)(4.0)
    c = g(10.0, 20)
    operand = jnp.array([0.0])
    d = lax.cond(True, lambda x: x + 1, lambda x: x - 1, operand)
    e = lax.cond(False, lambda x: x + 1, lambda x: x - 1, operand)
    init_val = 0
    cond_fun = lambda x: x < 10
    body_fun = lambda x: x + 1
    w = lax.while_loop(cond_fun, body_fun, init_val)
    fl = lax.fori_loop(0, 3, lambda i, x: x + i, 0)
    fl_grad = grad(lambda x: lax.fori_loop(0, 4, lambda i, c: c * x, 1.0))(1.5)
    wh = jnp.where(jnp.arange(5.0) > 2, jnp.arange(5.0), -1.0)
    print(a, b, c, d, e, w, fl)
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "w": w, "fl": fl, "flg": fl_grad, "wh": wh}


if __name__ == "__main__":
    main()
