"""The expand-to-GEMM rewrite of pairwise squared forms (compiler/expand.py): same results
as the direct formula, exact on near-duplicates, GEMM contraction in the plan."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from gradcheck import numeric_grad

import axcomp as ax
import axcomp.numpy as anp
from axcomp.compiler import expand as expand_mod

rng = np.random.default_rng(10)


def sqdist(a: Any, b: Any) -> Any:
    return anp.sum((a - b) ** 2)


def dot_sqdist(a: Any, b: Any) -> Any:
    return anp.dot(a - b, a - b)


def pairwise(kernel: Any) -> Any:
    return ax.jit(ax.vmap(ax.vmap(kernel, in_axes=(None, 0)), in_axes=(0, None)))


def direct64(A: np.ndarray, B: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    A, B = A.astype(np.float64), B.astype(np.float64)
    d = A[:, None, :] - B[None, :, :]
    return (d * d * (1.0 if w is None else w.astype(np.float64))).sum(-1)


@pytest.fixture
def no_rewrite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(expand_mod, "ENABLED", False)


def near_duplicates(n: int, d: int, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    """Points of norm ~1e4 and copies perturbed by ~1e-6 relative, plus identical copies."""
    A = rng.standard_normal((n, d))
    A *= 1e4 / np.linalg.norm(A, axis=1, keepdims=True)
    B = A * (1 + 1e-6 * rng.standard_normal((n, d)))
    B[: n // 4] = A[: n // 4]  # exact copies
    B = np.concatenate([B, rng.standard_normal((5, d)) * 1e4])
    return A.astype(dtype), B.astype(dtype)


def rel_err(got: np.ndarray, ref: np.ndarray) -> float:
    return float(np.max(np.abs(got - ref) / np.maximum(np.abs(ref), np.finfo(np.float64).tiny)))


@pytest.mark.parametrize("kernel", [sqdist, dot_sqdist])
def test_rewrite_fires_and_matches_direct(kernel: Any) -> None:
    A, B = rng.standard_normal((40, 16)), rng.standard_normal((30, 16))
    f = pairwise(kernel)
    eqs = ax.explain(f, A, B).equations
    assert "ab,cb,->ac" in eqs, eqs  # the GEMM (with the -2 folded in)
    assert eqs.count("ab,ab->a") == 2  # the two norm reductions
    np.testing.assert_allclose(f(A, B), direct64(A, B), rtol=1e-12, atol=1e-12)


def test_rewritten_equals_unrewritten(monkeypatch: pytest.MonkeyPatch) -> None:
    A, B = rng.standard_normal((33, 20)), rng.standard_normal((17, 20))
    on = pairwise(sqdist)(A, B)
    monkeypatch.setattr(expand_mod, "ENABLED", False)
    f_off = pairwise(sqdist)
    assert "ab,cb,->ac" not in ax.explain(f_off, A, B).equations
    np.testing.assert_allclose(on, f_off(A, B), rtol=1e-12, atol=1e-12)


def test_weighted_square() -> None:
    A, B = rng.standard_normal((25, 48)), rng.standard_normal((21, 48))
    w = rng.uniform(0.1, 2.0, 48)
    w[3] = -0.5  # a negative weight: the bound uses |w|, the result is still exact

    def wdist(x: Any, y: Any) -> Any:
        return anp.sum((x - y) * w * (x - y))

    f = pairwise(wdist)
    assert any(eq.count(",") == 3 for eq in ax.explain(f, A, B).equations)
    np.testing.assert_allclose(f(A, B), direct64(A, B, w), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-6), (np.float32, 1e-3)])
def test_near_duplicates_are_exact(dtype: Any, tol: float) -> None:
    A, B = near_duplicates(64, 32, dtype)
    f = pairwise(sqdist)
    assert "ab,cb,->ac" in ax.explain(f, A, B).equations
    got = f(A, B)
    assert got.dtype == dtype
    ref = direct64(A, B)
    assert rel_err(got, ref) <= tol
    assert np.all(got >= 0)
    n4 = 64 // 4
    assert np.all(got[np.arange(n4), np.arange(n4)] == 0)  # identical points: exact zeros


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_identical_points_give_zero_and_never_negative(dtype: Any) -> None:
    A = (rng.standard_normal((20, 24)) * 1e3 + 5e3).astype(dtype)
    got = pairwise(sqdist)(A, A)
    assert np.all(np.diag(got) == 0)
    assert np.all(got >= 0)
    assert rel_err(got[~np.eye(20, dtype=bool)], direct64(A, A)[~np.eye(20, dtype=bool)]) <= (
        1e-6 if dtype == np.float64 else 1e-3
    )


def test_nan_and_inf_follow_the_direct_formula(no_rewrite: None) -> None:
    A, B = rng.standard_normal((6, 10)), rng.standard_normal((5, 10))
    A[1, 2], B[3, 4] = np.nan, np.inf
    off = pairwise(sqdist)(A, B)
    expand_mod.ENABLED = True
    on = pairwise(sqdist)(A, B)
    np.testing.assert_array_equal(on, off)


def test_small_summed_extent_is_not_rewritten() -> None:
    A, B = rng.standard_normal((30, 2)), rng.standard_normal((20, 2))
    assert ax.explain(pairwise(sqdist), A, B).equations == ["abc,abc->ab"]


def test_grad_of_sum_of_pairwise_sqdist() -> None:
    A, B = rng.standard_normal((6, 9)), rng.standard_normal((5, 9))
    pw = ax.vmap(ax.vmap(sqdist, in_axes=(None, 0)), in_axes=(0, None))

    def total(a: Any, b: Any) -> Any:
        return anp.sum(pw(a, b) * pw(a, b))

    for argnum in (0, 1):
        g = ax.jit(ax.grad(total, argnums=argnum))(A, B)
        ref = numeric_grad(lambda a, b: (direct64(a, b) ** 2).sum(), [A, B], argnum)
        np.testing.assert_allclose(g, ref, rtol=1e-5, atol=1e-4)


def test_dsl_kernel_gets_the_rewrite() -> None:
    mod = ax.compile(
        "kernel sqdist(a[d], b[d]) = sum[d]((a[d] - b[d]) ** 2)\n"
        "pairwise_dist = jit(vmap(vmap(sqdist, in_axes=(None, 0)), in_axes=(0, None)))\n"
    )
    A, B = near_duplicates(32, 16, np.float64)
    f = mod["pairwise_dist"]
    assert "ab,cb,->ac" in ax.explain(f, A, B).equations
    got = f(A, B)
    assert rel_err(got, direct64(A, B)) <= 1e-6
    assert np.all(got >= 0)


def test_explain_lists_the_rewrite_with_its_cost_model():
    f = ax.vmap(ax.vmap(lambda a, b: anp.sum((a - b) ** 2), (None, 0)), (0, None))
    e = ax.explain(f, np.ones((100, 64)), np.ones((90, 64)))
    (line,) = e.rewrites
    assert "sum (x - y)**2 -> norms + one GEMM" in line and "direct 1,728,000 flops" in line
    assert "rewrites:" in str(e)
    small = ax.explain(f, np.ones((3, 2)), np.ones((4, 2)))  # D=2: the model says no
    assert small.rewrites == []


def test_refine_holds_no_mask_of_the_result_size() -> None:
    # the scan for cancelled entries goes slice by slice: the peak is the result itself
    # (plus the scaled copy of B and the norms), in the model and under tracemalloc
    import tracemalloc

    from axcomp.backends import kernel_loading

    A, B = rng.standard_normal((512, 16)), rng.standard_normal((400, 16))
    f = pairwise(sqdist)
    out_bytes = 512 * 400 * 8
    predicted = ax.explain(f, A, B).peak_bytes
    assert predicted <= 1.05 * out_bytes
    f(A, B)
    # a kernel compiling on a thread (the refine's scan) would allocate inside the window
    kernel_loading.wait_all()
    tracemalloc.start()
    try:
        got = f(A, B)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= 1.05 * out_bytes
    np.testing.assert_allclose(got, direct64(A, B), rtol=1e-10, atol=1e-10)


def test_flagged_entries_span_the_scan_slices() -> None:
    # duplicates spread over more than one slice of the scan, NaN rows included: every
    # flagged entry is recomputed exactly (the direct formula's zeros and NaNs)
    from axcomp.backends.cancellation import _flat_not_greater

    A = rng.standard_normal((300, 8))
    B = np.concatenate([A[::3], rng.standard_normal((200, 8))])
    A[7, 2] = np.nan
    got = pairwise(sqdist)(A, B)
    ref = direct64(A, B)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    np.testing.assert_array_equal(got[np.arange(0, 300, 3), np.arange(100)], 0.0)
    ok = ~np.isnan(ref)
    np.testing.assert_allclose(got[ok], ref[ok], rtol=1e-9, atol=1e-9)
    x = np.array([[3.0, np.nan, -1.0], [0.5, 2.0, 9.0]])
    np.testing.assert_array_equal(_flat_not_greater(x, 0.5), [1, 2, 3])
    big = np.full(100_000, 5.0)
    big[[3, 40_000, 99_999]] = 0.0
    np.testing.assert_array_equal(_flat_not_greater(big, 1.0), [3, 40_000, 99_999])
    assert _flat_not_greater(big, -1.0).dtype == np.intp


def test_scan_adds_the_norms_slice_by_slice() -> None:
    # the addends are added into x in place, in order, before the scan reads each slice;
    # negated: subtracted, and the entries not less than the bound are found
    from axcomp.backends.cancellation import _flat_not_greater

    g = rng.standard_normal((700, 90))
    p, q = rng.standard_normal((700, 1)), rng.standard_normal(90)
    x = g.copy()
    hits = _flat_not_greater(x, 0.25, p, q)
    want = (g + p) + q
    np.testing.assert_array_equal(x, want)
    np.testing.assert_array_equal(hits, np.flatnonzero(~(want > 0.25)))
    y = -g
    hits = _flat_not_greater(y, -0.25, p, q, negated=True)
    np.testing.assert_array_equal(y, -want)
    np.testing.assert_array_equal(hits, np.flatnonzero(~(-want < -0.25)))


def test_negated_square_is_refined_negated_and_exact() -> None:
    # top_k(-d)'s negation is folded into the refine (no pass negates the result): every
    # entry is exactly the negation of the plain refine's, near-duplicates and NaN included
    A, B = near_duplicates(60, 8, np.float64)
    A[3, 1] = np.nan
    plain = pairwise(sqdist)(A, B)
    neg = ax.jit(ax.vmap(lambda a, b: -ax.vmap(sqdist, (None, 0))(a, b), (0, None)))
    source = ax.explain(neg, A, B).source
    assert "negated=True" in source and "_np.negative(t" not in source
    np.testing.assert_array_equal(np.asarray(neg(A, B)), -np.asarray(plain))
    top = ax.jit(
        ax.vmap(lambda a, b: ax.lax.top_k(-ax.vmap(sqdist, (None, 0))(a, b), 4)[1], (0, None))
    )
    ok = ~np.isnan(A).any(1)
    want = np.argsort(direct64(A, B), axis=1, kind="stable")[:, :4]
    np.testing.assert_array_equal(np.asarray(top(A, B))[ok], want[ok])
