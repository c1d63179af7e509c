"""``axcomp.nn.dot_product_attention`` against JAX's outputs and gradients (recorded once
by tests/nn_attention_record.py): grouped-query heads, bias, causal/boolean/length/window
masks, the log-sum-exp residual, float32; under vmap; and JAX's shape errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from nn_attention_record import cases

import axcomp
import axcomp.nn as nn
import axcomp.numpy as jnp
from axcomp.errors import AxcompError

REF = np.load(Path(__file__).parent / "nn_attention_reference.npz")
X = {name: REF[name] for name in ("q", "k", "v", "bias", "mask", "q_len", "kv_len", "weights")}
CASES = cases(nn, X)


# JAX's softmax runs in float32 even for float64 inputs
TOL = {"rtol": 2e-5, "atol": 2e-6}


@pytest.mark.parametrize("name", sorted(CASES))
def test_outputs_match_jax(name: str) -> None:
    res = CASES[name](X["q"], X["k"], X["v"])
    leaves = res if isinstance(res, tuple) else (res,)
    assert f"{name}/out{len(leaves)}" not in REF
    for i, leaf in enumerate(leaves):
        want = REF[f"{name}/out{i}"]
        assert np.asarray(leaf).dtype == want.dtype
        np.testing.assert_allclose(np.asarray(leaf), want, **TOL)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_match_jax(name: str) -> None:
    def loss(q: Any, k: Any, v: Any) -> Any:
        res = CASES[name](q, k, v)
        first = res[0] if isinstance(res, tuple) else res
        w = X["weights"].reshape(-1)[: first.size].reshape(first.shape)
        return jnp.sum(first * w)

    grads = axcomp.grad(loss, argnums=(0, 1, 2))(X["q"], X["k"], X["v"])
    for part, g in zip("qkv", grads):
        np.testing.assert_allclose(np.asarray(g), REF[f"{name}/grad_{part}"], rtol=1e-4, atol=1e-5)


def test_vmap_over_the_batch_matches_each_example() -> None:
    q, k, v = X["q"], X["k"], X["v"]
    got = axcomp.vmap(lambda a, b, c: nn.dot_product_attention(a, b, c, is_causal=True))(q, k, v)
    for i in range(q.shape[0]):
        one = nn.dot_product_attention(q[i], k[i], v[i], is_causal=True)
        np.testing.assert_allclose(got[i], one, rtol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"key": np.ones((2, 6, 3, 8)), "value": np.ones((2, 6, 3, 8))}, "multiple of key/value"),
        ({"value": np.ones((2, 6, 2, 7))}, "value shape should be"),
        ({"mask": np.ones((2, 1, 5, 6))}, "mask dtype should be bool"),
        ({"query_seq_lengths": np.array([1, 2])}, "query_seq_lengths dtype"),
    ],
)
def test_bad_arguments_are_value_errors(kwargs: dict[str, Any], message: str) -> None:
    args = {"query": X["q"], "key": X["k"], "value": X["v"], **kwargs}
    with pytest.raises(ValueError, match=message) as info:
        nn.dot_product_attention(**args)
    assert isinstance(info.value, AxcompError)
