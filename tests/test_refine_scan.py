"""The refine step's scan as a numba kernel (backends/refine_scan.py) equals the NumPy
scan it replaces in process (backends/cancellation.py): the same array after the norms
are added and the same candidate indices, and whole pairwise distances equal the plain
path's and the direct formula's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.backends import fused_loops, refine_scan
from axcomp.backends.cancellation import _flat_not_greater

numba = pytest.importorskip("numba")

pytestmark = pytest.mark.usefixtures("shared_kernel_cache")

rng = np.random.default_rng(7)


@pytest.fixture(autouse=True)
def kernel_always(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The kernel compiles in the call (no NumPy calls while it compiles), whatever the size."""
    monkeypatch.setenv("AXCOMP_FUSE", "always")
    monkeypatch.setattr(refine_scan, "MIN_ENTRIES", 0)
    yield


def both_paths(x: np.ndarray, bound: Any, *addends: Any, negated: bool = False) -> np.ndarray:
    """Runs the kernel and the NumPy scan on copies of ``x``; asserts that they agree."""
    x_kernel, x_numpy = x.copy(), x.copy()
    got = refine_scan.flat_not_greater(x_kernel, bound, *addends, negated=negated)
    want = _flat_not_greater(x_numpy, bound, *addends, negated=negated)
    np.testing.assert_array_equal(x_kernel, x_numpy)
    np.testing.assert_array_equal(got, want)
    assert got.dtype == np.intp
    return got


def test_kernel_adds_the_norms_and_finds_the_numpy_candidates() -> None:
    g = rng.standard_normal((300, 200))
    g[5, 7] = np.nan
    p, q = rng.standard_normal((300, 1)), rng.standard_normal(200)
    hits = both_paths(g, np.float64(-1.5), p, q)
    want = (g + p) + q
    np.testing.assert_array_equal(hits, np.flatnonzero(~(want > -1.5)))
    assert 0 < hits.size < want.size and 5 * 200 + 7 in hits  # NaN entries are candidates
    both_paths(-g, np.float64(1.5), p, q, negated=True)
    assert both_paths(g, np.float64(-1e9), p, q).size == 1  # only the NaN
    # more candidates than a block keeps room for: that block is compared again
    assert both_paths(g, np.float64(1.0), p, q).size > refine_scan.ROOM


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    ("a_shape", "b_shape"),
    [((90, 1), (70,)), ((1, 70), (90, 1)), ((90, 70), (1, 70)), ((90, 1), (90, 1)), ((), (70,))],
)
def test_every_addend_layout_and_dtype(
    dtype: Any, a_shape: tuple[int, ...], b_shape: tuple[int, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(refine_scan, "MAX_BLOCK", 70 * 16)  # several blocks of 16 rows
    g = rng.standard_normal((90, 70)).astype(dtype)
    g[40, 3] = np.nan
    a = np.asarray(rng.standard_normal(a_shape)).astype(dtype)
    b = np.asarray(rng.standard_normal(b_shape)).astype(dtype)
    for bound in (np.float64(0.3), np.float32(0.3), 0.3):
        both_paths(g, bound, a, b)
        both_paths(-g, -bound, a, b, negated=True)


def test_what_the_kernel_does_not_serve_takes_the_numpy_scan() -> None:
    g = rng.standard_normal((40, 30))
    p, q = rng.standard_normal((40, 1)), rng.standard_normal(30)
    both_paths(np.asfortranarray(g), 0.1, p, q)  # not C-contiguous (a copy of it is)
    both_paths(g, 0.1, p.astype(np.float32), q)  # an addend of another dtype
    both_paths(g, 0.1, p)  # one addend
    both_paths(rng.standard_normal((4, 10, 30)), 0.1, rng.standard_normal((4, 10, 1)), q)
    both_paths(rng.standard_normal((0, 30)), 0.1, rng.standard_normal((0, 1)), q)


def pairwise(f: Any) -> Any:
    return ax.jit(ax.vmap(ax.vmap(f, (None, 0)), (0, None)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pairwise_distances_equal_the_plain_path(
    dtype: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # near-duplicate rows cancel in the GEMM expansion: the refine recomputes them
    A = rng.standard_normal((260, 24)).astype(dtype)
    B = np.concatenate([A[::2] + dtype(1e-7), rng.standard_normal((70, 24)).astype(dtype)])

    def sqdist(a: Any, b: Any) -> Any:
        return anp.sum((a - b) ** 2)

    def negated(a: Any, b: Any) -> Any:
        return -anp.sum((a - b) ** 2)

    got, got_neg = pairwise(sqdist)(A, B), pairwise(negated)(A, B)
    assert refine_scan._slot(("row", "col"), str(fused_loops.cache_dir())).kernel is not None
    monkeypatch.setenv("AXCOMP_FUSE", "0")
    plain, plain_neg = pairwise(sqdist)(A, B), pairwise(negated)(A, B)
    np.testing.assert_array_equal(got, plain)
    np.testing.assert_array_equal(got_neg, plain_neg)
    direct = ((A[:, None].astype(np.float64) - B[None]) ** 2).sum(-1)
    tol = 1e-9 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(got, direct, rtol=tol, atol=tol)
    np.testing.assert_allclose(-got_neg, direct, rtol=tol, atol=tol)
    assert np.all(np.asarray(got)[np.arange(0, 260, 2), np.arange(130)] < 1e-10)


def test_the_kernel_keeps_the_peak_at_the_result() -> None:
    import tracemalloc

    A, B = rng.standard_normal((512, 16)), rng.standard_normal((400, 16))
    f = pairwise(lambda a, b: anp.sum((a - b) ** 2))
    f(A, B)
    tracemalloc.start()
    try:
        f(A, B)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= 1.05 * 512 * 400 * 8
