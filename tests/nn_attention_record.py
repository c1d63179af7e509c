"""Record reference values for tests/test_nn_attention.py (run once, with JAX installed:
``python tests/nn_attention_record.py``). Writes ``nn_attention_reference.npz``: the
inputs, and per case JAX's (x64) ``jax.nn.dot_product_attention`` outputs ``<case>/out<i>``
and the gradient of a weighted sum of the first output in query, key and value
``<case>/grad_q|k|v``. CI reads the file and needs no JAX."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path(__file__).parent / "nn_attention_reference.npz"


def inputs() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(5)
    return {
        "q": rng.normal(size=(2, 5, 4, 8)),
        "k": rng.normal(size=(2, 6, 2, 8)),
        "v": rng.normal(size=(2, 6, 2, 8)),
        "bias": rng.normal(size=(2, 4, 5, 6)),
        "mask": rng.random((2, 1, 5, 6)) < 0.7,
        "q_len": np.array([3, 5], np.int32),
        "kv_len": np.array([6, 2], np.int32),
        "weights": rng.normal(size=(2, 5, 4, 8)),
    }


def cases(nn: Any, x: dict[str, Any]) -> dict[str, Callable[..., Any]]:
    """Case name -> a function of (q, k, v) calling ``nn.dot_product_attention``."""
    return {
        "plain": lambda q, k, v: nn.dot_product_attention(q, k, v),
        "causal_bias_scale": lambda q, k, v: nn.dot_product_attention(
            q, k, v, x["bias"], is_causal=True, scale=0.3
        ),
        "mask_lengths_window": lambda q, k, v: nn.dot_product_attention(
            q,
            k,
            v,
            mask=x["mask"],
            query_seq_lengths=x["q_len"],
            key_value_seq_lengths=x["kv_len"],
            local_window_size=(2, 1),
        ),
        "residual_unbatched": lambda q, k, v: nn.dot_product_attention(
            q[0], k[0], v[0], is_causal=True, return_residual=True
        ),
        "float32": lambda q, k, v: nn.dot_product_attention(
            q.astype(np.float32), k.astype(np.float32), v.astype(np.float32), x["bias"]
        ),
    }


def main() -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    x = inputs()
    out: dict[str, np.ndarray] = dict(x)
    for name, fn in cases(jax.nn, x).items():
        res = fn(x["q"], x["k"], x["v"])
        for i, r in enumerate(res if isinstance(res, tuple) else (res,)):
            out[f"{name}/out{i}"] = np.asarray(r)

        def loss(q: Any, k: Any, v: Any, fn: Any = fn) -> Any:
            res = fn(q, k, v)
            first = res[0] if isinstance(res, tuple) else res
            w = x["weights"].reshape(-1)[: first.size].reshape(first.shape)
            return jnp.sum(first * w)

        grads = jax.grad(loss, argnums=(0, 1, 2))(x["q"], x["k"], x["v"])
        for part, gr in zip("qkv", grads):
            out[f"{name}/grad_{part}"] = np.asarray(gr)
    np.savez_compressed(OUT, **out)


if __name__ == "__main__":
    main()
