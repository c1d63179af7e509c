# Source: JAX docs, "Automatic differentiation" tutorial (value_and_grad, has_aux returning
# auxiliary data, differentiating w.r.t. nested dicts/tuples of parameters)
# https://docs.jax.dev/en/latest/automatic-differentiation.html
import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)


def loss_fn(params, x, y):
    pred = jnp.tanh(x @ params["w"] + params["b"])
    err = pred - y
    return jnp.mean(err**2), {"pred": pred, "max_err": jnp.max(jnp.abs(err))}


def main():
    params = {"w": jnp.array([[0.1], [0.2], [-0.3]]), "b": jnp.array([0.05])}
    x = jnp.arange(12.0).reshape(4, 3) / 10
    y = jnp.array([[0.1], [0.3], [0.2], [0.5]])
    (loss, aux), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, x, y)
    g2, aux2 = jax.grad(loss_fn, has_aux=True)(params, x, y)
    f = lambda p: jnp.sum(p[0] ** 2 * p[1]["s"])
    nested = jax.grad(f)((jnp.array([1.0, 2.0]), {"s": jnp.array(3.0)}))
    print(loss, aux["max_err"])
    return {"loss": loss, "aux": aux, "grads": grads, "g2": g2, "nested": nested}


if __name__ == "__main__":
    main()
