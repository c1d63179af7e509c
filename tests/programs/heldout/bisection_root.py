# Source: written the way JAX root-bracketing snippets are (bisection with lax.while_loop on a
# bracket, vmapped over parameters; quantile of a normal by inverting jax.scipy.special.ndtr)
import jax
import jax.numpy as jnp
from jax import jit, lax, vmap
from jax.scipy.special import ndtr, ndtri

jax.config.update("jax_enable_x64", True)


def bisect(f, lo, hi, tol=1e-12):
    def cond(s):
        lo, hi = s
        return hi - lo > tol

    def body(s):
        lo, hi = s
        mid = 0.5 * (lo + hi)
        go_left = f(mid) > 0
        return jnp.where(go_left, lo, mid), jnp.where(go_left, mid, hi)

    lo, hi = lax.while_loop(cond, body, (lo, hi))
    return 0.5 * (lo + hi)


def quantile(p):
    return bisect(lambda x: ndtr(x) - p, -10.0, 10.0)


def main():
    ps = jnp.array([0.05, 0.5, 0.9, 0.99])
    q = jit(vmap(quantile))(ps)
    ref = ndtri(ps)
    r = bisect(lambda x: jnp.cos(x) - x, 0.0, 1.0)
    print(q, ref, r)
    return {"q": q, "ref": ref, "dottie": r}


if __name__ == "__main__":
    main()
