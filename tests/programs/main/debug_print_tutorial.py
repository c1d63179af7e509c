# Source: JAX docs, "Introduction to debugging" (jax.debug.print under jit, vmap and grad;
# jax.debug.callback; printing inside lax.scan and lax.while_loop)
# https://docs.jax.dev/en/latest/debugging.html
# Compare: stdout
import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)


@jax.jit
def f(x):
    jax.debug.print("jax.debug.print(x) -> {x}", x=x)
    y = jnp.sin(x)
    jax.debug.print("jax.debug.print(y) -> {y}", y=y)
    return y


def log_value(x):
    print("log:", x)


@jax.jit
def logged(x):
    jax.debug.callback(log_value, x)
    return x


def cumulative(xs):
    def step(carry, x):
        jax.debug.print("carry {c}, x {x}", c=carry, x=x)
        return carry + x, carry * x

    return jax.lax.scan(step, 0.0, xs)


def halvings(x):
    def body(state):
        k, v = state
        jax.debug.print("step {k}: {v}", k=k, v=v)
        return k + 1, v / 2

    return jax.lax.while_loop(lambda s: s[1] > 1.0, body, (0, x))


def main():
    y = f(2.0)
    ys = jax.vmap(f)(jnp.arange(3.0))
    g = jax.grad(f)(1.0)
    z = logged(jnp.array([1.0, 2.0]))
    carry, prods = jax.jit(cumulative)(jnp.arange(1.0, 4.0))
    k, v = halvings(10.0)
    return {"y": y, "ys": ys, "g": g, "z": z, "carry": carry, "prods": prods, "k": k, "v": v}


if __name__ == "__main__":
    main()
