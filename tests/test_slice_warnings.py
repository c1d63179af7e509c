"""Eager reductions of empty or all-NaN slices give NumPy's (and JAX's) NaN without
NumPy's RuntimeWarning, which JAX never prints; the values stay NumPy's."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import axcomp.numpy as anp

E, E2 = np.zeros((0,)), np.zeros((0, 3))
N = np.array([[np.nan, 1.0, np.nan], [np.nan, 2.0, np.nan]])

CASES: dict[str, tuple[Callable[..., Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = {
    "mean of empty": (anp.mean, np.mean, (E,), {}),
    "mean over an empty axis": (anp.mean, np.mean, (E2,), {"axis": 0}),
    "mean with an empty mask": (anp.mean, np.mean, (np.ones(3),), {"where": np.zeros(3, bool)}),
    "var of empty": (anp.var, np.var, (E,), {}),
    "std, ddof past the count": (anp.std, np.std, (np.ones(2),), {"ddof": 3}),
    "var, positional ddof": (anp.var, np.var, (np.ones((2, 2)), 1, None, None, 2), {}),
    "var, correction": (anp.var, np.var, (np.ones(2),), {"correction": 2}),
    "median of empty": (anp.median, np.median, (E,), {}),
    "average of empty": (anp.average, np.average, (E,), {}),
    "nanmean of all-NaN columns": (anp.nanmean, np.nanmean, (N,), {"axis": 0}),
    "nanmax of all-NaN columns": (anp.nanmax, np.nanmax, (N,), {"axis": 0}),
    "nanmin of all-NaN columns, kept": (anp.nanmin, np.nanmin, (N,), {"axis": 0, "keepdims": True}),
    "nanmax of all NaN": (anp.nanmax, np.nanmax, (N[:, ::2],), {}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_nan_results_come_without_warnings(case: str) -> None:
    ours, numpy_fn, args, kwargs = CASES[case]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        want = numpy_fn(*args, **kwargs)
    assert any(issubclass(w.category, RuntimeWarning) for w in caught)  # NumPy does warn
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = ours(*args, **kwargs)
    np.testing.assert_array_equal(got, want)  # NaN where NumPy's is NaN
    assert np.shape(got) == np.shape(want)


def test_the_quiet_paths_keep_numpys_values_and_errors() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 7))
    x[rng.random(x.shape) < 0.3] = np.nan
    for axis in (None, 0, 1, (0, 1), -1):
        for ours, theirs in ((anp.nanmax, np.nanmax), (anp.nanmin, np.nanmin)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                want = theirs(x, axis=axis)
            np.testing.assert_array_equal(ours(x, axis=axis), want)
    np.testing.assert_array_equal(anp.nanmax(np.arange(4)), 3)  # integers: NumPy's path
    with pytest.raises(ValueError, match="zero-size"):
        anp.nanmax(E)  # JAX raises too: no identity
    with pytest.raises(np.exceptions.AxisError):
        anp.mean(E, axis=2)
    # a user's own warning filter is back after a quiet call
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        anp.mean(E)
        with pytest.raises(RuntimeWarning):
            np.mean(E)
