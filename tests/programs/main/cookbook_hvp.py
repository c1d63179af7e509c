# Source: JAX docs, "The Autodiff Cookbook" (Hessian-vector products: forward-over-reverse,
# reverse-over-forward, reverse-over-reverse; batched with vmap)
# https://docs.jax.dev/en/latest/notebooks/autodiff_cookbook.html
import jax
import jax.numpy as jnp
from jax import grad, jacfwd, jacrev, jvp, vjp, vmap

jax.config.update("jax_enable_x64", True)


def f(X):
    return jnp.sum(jnp.tanh(X) ** 2)


def hvp(f, primals, tangents):
    return jvp(grad(f), primals, tangents)[1]


def hvp_revfwd(f, primals, tangents):
    g = lambda primals: jvp(f, primals, tangents)[1]
    return grad(g)(primals)


def hvp_revrev(f, primals, tangents):
    x = primals
    v = tangents
    g = lambda x: vjp(grad(f), x)[1](v)
    return grad(lambda x: jnp.vdot(g(x)[0], v))(x)


def hessian(f):
    return jacfwd(jacrev(f))


def main():
    X = jnp.linspace(-1.0, 1.0, 6).reshape(2, 3)
    V = jnp.cos(jnp.arange(6.0)).reshape(2, 3)
    ans1 = hvp(f, (X,), (V,))
    ans2 = jnp.tensordot(hessian(f)(X), V, 2)
    (ans3,) = hvp_revfwd(f, (X,), (V,))
    ans4 = hvp_revrev(f, X, V)
    Vs = jnp.stack([V, 2 * V, -V])
    batched = vmap(lambda v: hvp(f, (X,), (v,)))(Vs)
    print(jnp.allclose(ans1, ans2), jnp.allclose(ans1, ans3))
    return {"fwd_rev": ans1, "dense": ans2, "rev_fwd": ans3, "rev_rev": ans4, "batched": batched}


if __name__ == "__main__":
    main()
