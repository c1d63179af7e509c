"""``scipy.stats.rankdata`` and ``mode`` against an independent NumPy reference built on
sorting (``np.unique``), eager, under ``jit`` and ``vmap``, with JAX's refusals."""

from __future__ import annotations

import numpy as np
import pytest

import axcomp as ax
from axcomp.scipy import stats

METHODS = ["average", "min", "max", "dense", "ordinal"]


def _ranks(x: np.ndarray, method: str) -> np.ndarray:
    """The reference: ranks of a 1-d array from a stable sort and its distinct values."""
    order = np.argsort(x, kind="stable")
    ordinal = np.empty(len(x))
    ordinal[order] = np.arange(1, len(x) + 1)
    values = np.unique(x)
    low = np.searchsorted(np.sort(x), x, side="left") + 1.0
    high = np.searchsorted(np.sort(x), x, side="right").astype(float)
    return {
        "ordinal": ordinal,
        "min": low,
        "max": high,
        "average": (low + high) / 2,
        "dense": np.searchsorted(values, x) + 1.0,
    }[method]


RNG = np.random.default_rng(0)
DATA = RNG.integers(0, 4, size=(3, 7)).astype(float)  # many ties


@pytest.mark.parametrize("method", METHODS)
def test_rankdata_matches_the_sorting_reference(method: str) -> None:
    flat = _ranks(DATA.ravel(), method)
    np.testing.assert_array_equal(stats.rankdata(DATA, method), flat)
    rows = np.stack([_ranks(r, method) for r in DATA])
    np.testing.assert_array_equal(stats.rankdata(DATA, method, axis=1), rows)
    cols = np.stack([_ranks(c, method) for c in DATA.T], axis=1)
    np.testing.assert_array_equal(stats.rankdata(DATA, method, axis=0), cols)
    jitted = ax.jit(lambda a: stats.rankdata(a, method, axis=1))(DATA)
    np.testing.assert_array_equal(jitted, rows)
    batched = ax.vmap(lambda r: stats.rankdata(r, method))(DATA)
    np.testing.assert_array_equal(batched, rows)


def test_rankdata_nan_and_refusals() -> None:
    x = np.array([3.0, np.nan, 3.0, 2.0])
    assert np.all(np.isnan(stats.rankdata(x)))  # a slice with a nan ranks as nan
    with pytest.raises(ax.AxcompError, match="unknown method") as info:
        stats.rankdata(x, method="foo")
    assert isinstance(info.value, ValueError)
    with pytest.raises(NotImplementedError, match="omit"):
        stats.rankdata(x, nan_policy="omit")


def _mode(x: np.ndarray) -> tuple[float, int]:
    values, counts = np.unique(x, return_counts=True)
    k = int(np.argmax(counts))  # the first (smallest) of the most frequent
    return values[k], counts[k]


def test_mode_matches_the_counting_reference() -> None:
    got = stats.mode(DATA, axis=1)
    want = [_mode(r) for r in DATA]
    np.testing.assert_array_equal(got.mode, [m for m, _ in want])
    np.testing.assert_array_equal(got.count, [c for _, c in want])
    m, c = _mode(DATA.ravel())
    flat = stats.mode(DATA, axis=None)
    assert (float(flat.mode), int(flat.count)) == (m, c)
    ints = np.array([[1, 2], [1, 3]])
    kept = stats.mode(ints, axis=0, keepdims=True)
    assert kept.mode.shape == (1, 2) and kept.mode.dtype == ints.dtype
    np.testing.assert_array_equal(kept.mode, [[1, 2]])
    np.testing.assert_array_equal(kept.count, [[2, 1]])
    jitted = ax.jit(lambda a: stats.mode(a, axis=0))(DATA)
    want_cols = [_mode(col) for col in DATA.T]
    np.testing.assert_array_equal(jitted.mode, [m for m, _ in want_cols])
