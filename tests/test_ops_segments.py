"""``axcomp.ops`` segment reductions and ``jnp.array_equal``/``array_equiv``, against what
JAX 0.10 returns for the same calls (read off JAX once) and NumPy loops."""

from __future__ import annotations

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp

DATA = np.arange(5.0)
IDS = np.array([0, 0, 1, 2, 2])


def _loop(fn, start, data, ids, n):
    out = np.full((n, *data.shape[1:]), start, data.dtype)
    for row, k in zip(data, ids):
        if 0 <= k < n:
            out[k] = fn(out[k], row)
    return out


@pytest.mark.parametrize(
    ("name", "fn", "start"),
    [
        ("segment_sum", np.add, 0.0),
        ("segment_prod", np.multiply, 1.0),
        ("segment_max", np.maximum, -np.inf),
        ("segment_min", np.minimum, np.inf),
    ],
)
def test_segments_eager_jit_and_vmap_match_a_loop(name, fn, start):
    op = getattr(ax.ops, name)
    data = np.random.default_rng(0).normal(size=(7, 3))
    ids = np.array([0, 3, 1, 3, 9, 0, 1])  # 9 is out of range: dropped; segment 2 empty
    want = _loop(fn, start, data, ids, 4)
    np.testing.assert_array_equal(op(data, ids, 4), want)
    np.testing.assert_array_equal(ax.jit(lambda d: op(d, ids, 4))(data), want)
    got = ax.vmap(lambda d: op(d, ids, 4))(np.stack([data, 2 * data]))
    np.testing.assert_array_equal(got[1], _loop(fn, start, 2 * data, ids, 4))


def test_segment_sum_infers_its_length_and_differentiates():
    np.testing.assert_array_equal(ax.ops.segment_sum(DATA, IDS), [1.0, 2.0, 7.0])  # JAX
    g = ax.grad(lambda d: anp.sum(ax.ops.segment_sum(d, IDS, 3) ** 2))(DATA)
    np.testing.assert_array_equal(g, [2.0, 2.0, 4.0, 14.0, 14.0])
    with pytest.raises(TypeError, match="num_segments must be given"):
        ax.jit(lambda d, i: ax.ops.segment_sum(d, i))(DATA, IDS)


def test_array_equal_and_equiv():
    assert bool(anp.array_equal(np.ones(2), np.ones(2)))
    assert not bool(anp.array_equal(np.ones(2), np.ones(3)))
    nan = np.array([np.nan])
    assert not bool(anp.array_equal(nan, nan)) and bool(anp.array_equal(nan, nan, equal_nan=True))
    assert bool(ax.jit(anp.array_equal)(np.ones(2), np.ones(2)))
    assert bool(anp.array_equiv(np.ones(2), np.ones((3, 2))))
    assert not bool(anp.array_equiv(np.ones(2), np.ones(3)))
