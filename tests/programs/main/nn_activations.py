# Source: jax.nn docs (relu, gelu, silu, softplus, sigmoid, log_softmax, softmax, one_hot,
# logsumexp, standardize) and their gradients
# https://docs.jax.dev/en/latest/jax.nn.html
import jax
import jax.numpy as jnp
from jax import grad, vmap

jax.config.update("jax_enable_x64", True)


def main():
    x = jnp.linspace(-3.0, 3.0, 7)
    out = {
        "relu": jax.nn.relu(x),
        "gelu": jax.nn.gelu(x),
        "gelu_exact": jax.nn.gelu(x, approximate=False),
        "silu": jax.nn.silu(x),
        "softplus": jax.nn.softplus(x),
        "sigmoid": jax.nn.sigmoid(x),
        "elu": jax.nn.elu(x),
        "leaky": jax.nn.leaky_relu(x, 0.1),
        "softmax": jax.nn.softmax(x.reshape(7, 1) * jnp.ones((7, 3)), axis=0),
        "log_softmax": jax.nn.log_softmax(x),
        "one_hot": jax.nn.one_hot(jnp.array([0, 2, 1]), 3),
        "logsumexp": jax.nn.logsumexp(x),
        "standardize": jax.nn.standardize(x),
        "d_relu": vmap(grad(jax.nn.relu))(x),
        "d_gelu": vmap(grad(jax.nn.gelu))(x),
        "d_softplus": vmap(grad(jax.nn.softplus))(x),
    }
    print(out["gelu"])
    return out


if __name__ == "__main__":
    main()
