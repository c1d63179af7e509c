# Source: written the way JAX graph-network code (jraph) aggregates messages (edge messages
# gathered by sender, summed per receiver with jax.ops.segment_sum, degree normalisation)
# https://github.com/google-deepmind/jraph
import jax
import jax.numpy as jnp
from jax import grad

jax.config.update("jax_enable_x64", True)

senders = jnp.array([0, 1, 2, 2, 3, 4])
receivers = jnp.array([1, 2, 0, 3, 4, 0])


def gcn_layer(W, nodes):
    messages = nodes[senders] @ W
    agg = jax.ops.segment_sum(messages, receivers, num_segments=nodes.shape[0])
    deg = jax.ops.segment_sum(jnp.ones_like(receivers), receivers, num_segments=nodes.shape[0])
    return jax.nn.relu(agg / jnp.maximum(deg, 1)[:, None])


def main():
    nodes = jnp.arange(10.0).reshape(5, 2) / 5
    W = jnp.array([[0.5, -0.2, 0.1], [0.3, 0.8, -0.4]])
    out = gcn_layer(W, nodes)
    g = grad(lambda W: jnp.sum(gcn_layer(W, nodes) ** 2))(W)
    print(out)
    return {"out": out, "grad": g}


if __name__ == "__main__":
    main()
