"""``where=`` and ``initial=`` on the ``jax.numpy`` reductions: eager, under ``jit`` and
``vmap``, and differentiated, against NumPy's own masked reductions (which JAX follows)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp

X = np.arange(12.0).reshape(3, 4) - 5
MASK = (X % 3) != 0

CASES: dict[str, tuple[Callable[[Any, Any], Any], Callable[[Any], Any]]] = {
    "sum": (lambda m, x: m.sum(x, axis=1, where=MASK), lambda x: np.where(MASK, 1.0, 0.0)),
    "sum_initial": (
        lambda m, x: m.sum(x, where=MASK, initial=2.0),
        lambda x: np.where(MASK, 1.0, 0.0),
    ),
    "prod": (lambda m, x: m.prod(x, axis=0, where=MASK), None),
    "max_initial": (lambda m, x: m.max(x, axis=1, where=MASK, initial=-100.0), None),
    "min_initial": (lambda m, x: m.min(x, initial=-7.0), None),
    "mean": (lambda m, x: m.mean(x, axis=1, where=MASK), None),
    "mean_keepdims": (lambda m, x: m.mean(x, axis=0, keepdims=True, where=MASK), None),
    "var": (lambda m, x: m.var(x, axis=0, where=MASK, ddof=1), None),
    "std": (lambda m, x: m.std(x, where=MASK), None),
    "any": (lambda m, x: m.any(x > 5, axis=1, where=MASK), None),
    "all": (lambda m, x: m.all(x > -3, where=MASK), None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_masked_reduction_matches_numpy(case: str) -> None:
    f, _ = CASES[case]
    with np.errstate(all="ignore"):
        want = f(np, X)
    np.testing.assert_allclose(f(anp, X), want, rtol=1e-13)
    np.testing.assert_allclose(ax.jit(lambda x: f(anp, x))(X), want, rtol=1e-13)
    batched = ax.vmap(lambda x: f(anp, x))(np.stack([X, 2 * X]))
    with np.errstate(all="ignore"):
        twice = f(np, 2 * X)
    np.testing.assert_allclose(batched, np.stack([want, twice]), rtol=1e-13)


@pytest.mark.parametrize("case", ["sum", "sum_initial", "prod", "max_initial", "mean", "var"])
def test_masked_reduction_gradient(case: str) -> None:
    f, exact = CASES[case]
    g = ax.grad(lambda x: anp.sum(f(anp, x)))(X)
    if exact is not None:
        np.testing.assert_array_equal(g, exact(X))
    eps = 1e-6
    for idx in [(0, 1), (1, 2), (2, 0)]:
        d = np.zeros_like(X)
        d[idx] = eps
        fd = (np.sum(f(np, X + d)) - np.sum(f(np, X - d))) / (2 * eps)
        assert g[idx] == pytest.approx(fd, abs=1e-6)
    assert np.all(g[~MASK] == 0)  # masked-out entries never reach the result


def test_max_with_a_mask_needs_initial() -> None:
    for call in (
        lambda: anp.max(X, where=MASK),
        lambda: ax.jit(lambda x: anp.min(x, where=MASK))(X),
    ):
        with pytest.raises(ax.AxcompError, match="does not have an identity") as info:
            call()
        assert isinstance(info.value, ValueError)
    with pytest.raises(TypeError, match="initial"):
        anp.any(X, initial=True)


def test_positional_arguments_follow_jax() -> None:
    # jnp.sum(a, axis, dtype, out, keepdims, initial, where); jnp.prod takes dtype third
    np.testing.assert_allclose(
        anp.sum(X, 1, None, None, True, 1.0, MASK), np.sum(X, 1, None, None, True, 1.0, MASK)
    )
    np.testing.assert_allclose(
        anp.prod(X, 0, np.float64, None, False, 2.0, MASK),
        np.prod(X, 0, np.float64, None, False, 2.0, MASK),
    )
    np.testing.assert_allclose(
        anp.max(X, 1, None, False, -50.0, MASK), np.max(X, 1, None, False, -50.0, MASK)
    )
