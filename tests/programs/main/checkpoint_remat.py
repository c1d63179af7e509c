# Source: JAX docs, "Gradient checkpointing with jax.checkpoint" (jax.checkpoint around
# layers of a deep function, policies, grad unchanged by rematerialisation)
# https://docs.jax.dev/en/latest/gradient-checkpointing.html
import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)


def g(W, x):
    y = jnp.dot(W, x)
    return jnp.sin(y)


def f(W1, W2, W3, x):
    x = g(W1, x)
    x = g(W2, x)
    x = g(W3, x)
    return x


def f2(W1, W2, W3, x):
    x = jax.checkpoint(g)(W1, x)
    x = jax.checkpoint(g)(W2, x)
    x = jax.checkpoint(g)(W3, x)
    return x


def main():
    W1 = jnp.cos(jnp.arange(16.0)).reshape(4, 4)
    W2 = jnp.sin(jnp.arange(16.0)).reshape(4, 4)
    W3 = jnp.eye(4) * 0.5
    x = jnp.array([0.1, 0.2, 0.3, 0.4])
    loss = lambda *a: jnp.sum(f(*a))
    loss2 = lambda *a: jnp.sum(f2(*a))
    g1 = jax.grad(loss, argnums=(0, 1, 2))(W1, W2, W3, x)
    g2 = jax.grad(loss2, argnums=(0, 1, 2))(W1, W2, W3, x)
    pol = jax.checkpoint(g, policy=jax.checkpoint_policies.dots_saveable)
    g3 = jax.grad(lambda W: jnp.sum(pol(W, x)))(W1)
    print(jnp.max(jnp.abs(g1[0] - g2[0])))
    return {"plain": g1, "remat": g2, "policy": g3}


if __name__ == "__main__":
    main()
