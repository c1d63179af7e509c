# Source: written the way Gumbel-softmax / annealing demos in JAX compute tempered softmax
# expectations (softmax with temperature, entropy, jax.grad of an expected reward; the
# straight limit checked with argmax)
import jax
import jax.numpy as jnp
from jax import grad, vmap

jax.config.update("jax_enable_x64", True)

rewards = jnp.array([1.0, 3.0, 2.0, 0.5])


def expected_reward(logits, temperature):
    p = jax.nn.softmax(logits / temperature)
    return p @ rewards


def entropy(logits, temperature):
    logp = jax.nn.log_softmax(logits / temperature)
    return -jnp.sum(jnp.exp(logp) * logp)


def main():
    logits = jnp.array([0.2, 0.1, 0.4, -0.3])
    temps = jnp.array([10.0, 1.0, 0.1, 0.01])
    er = vmap(expected_reward, in_axes=(None, 0))(logits, temps)
    ent = vmap(entropy, in_axes=(None, 0))(logits, temps)
    g = vmap(grad(expected_reward), in_axes=(None, 0))(logits, temps)
    print(er, ent)
    return {"er": er, "entropy": ent, "grad": g, "argmax": jnp.argmax(logits)}


if __name__ == "__main__":
    main()
