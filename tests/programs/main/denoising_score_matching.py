# Source: written the way JAX score-matching tutorials (Yang Song's score_sde / "Generative
# modeling by estimating gradients" notebooks) write the denoising score matching loss
# (noise from jax.random, a small score network, grad of the loss)
import jax
import jax.numpy as jnp
from jax import grad, jit, random, vmap

jax.config.update("jax_enable_x64", True)


def score_net(params, x):
    W1, b1, W2, b2 = params
    h = jax.nn.softplus(x @ W1 + b1)
    return h @ W2 + b2


def dsm_loss(params, key, data, sigma=0.5):
    noise = random.normal(key, data.shape)
    perturbed = data + sigma * noise
    target = -noise / sigma
    pred = vmap(score_net, in_axes=(None, 0))(params, perturbed)
    return 0.5 * jnp.mean(jnp.sum((pred - target) ** 2, axis=-1)) * sigma**2


def main():
    key = random.PRNGKey(3)
    k1, k2, k3 = random.split(key, 3)
    params = (
        0.5 * random.normal(k1, (2, 16)),
        jnp.zeros(16),
        0.5 * random.normal(k2, (16, 2)),
        jnp.zeros(2),
    )
    data = jnp.stack([jnp.cos(jnp.linspace(0, 6, 32)), jnp.sin(jnp.linspace(0, 6, 32))], 1)
    step = jit(lambda p, k: [w - 0.1 * g for w, g in zip(p, grad(dsm_loss)(p, k, data))])
    for i in range(10):
        k3, sub = random.split(k3)
        params = step(params, sub)
    final = dsm_loss(params, k3, data)
    print(final)
    return {"loss": final, "W2": params[2]}


if __name__ == "__main__":
    main()
