"""The Cholesky and triangular helpers on NumPy's own OpenBLAS (``backends/numpy_lapack``)
against NumPy: the factor, the inverse and the solves, for both real dtypes, any layout,
reading one triangle only; NumPy's errors and non-finite results; and which library a call
uses (NumPy's when its pool has threads or SciPy is missing)."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.backends import cholesky_inverse, numpy_lapack

needs_numpy_openblas = pytest.mark.skipif(
    numpy_lapack.routine("dpotrf") is None,
    reason="NumPy is not linked to the ILP64 scipy-openblas (its LAPACK is not called)",
)


@pytest.fixture
def numpy_routines(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every call takes NumPy's routine, whatever the threads and SciPy."""
    monkeypatch.setattr(numpy_lapack, "_preferred", numpy_lapack.routine)


def _spd(n: int, dtype: Any, seed: int) -> np.ndarray:
    a = np.random.default_rng(seed).normal(size=(n, n + 2))
    return (a @ a.T / n + np.eye(n)).astype(dtype)


def _layouts(a: np.ndarray) -> list[np.ndarray]:
    wide = np.zeros((a.shape[0], 2 * a.shape[1]), a.dtype)
    wide[:, ::2] = a
    return [a, np.asfortranarray(a), wide[:, ::2]]


def _tol(dtype: Any) -> float:
    return 2e-4 if np.dtype(dtype) == np.float32 else 1e-11


@needs_numpy_openblas
@pytest.mark.usefixtures("numpy_routines")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [1, 9, 140, 300])
def test_factor_inverse_and_solves_agree_with_numpy(dtype: Any, n: int) -> None:
    k = _spd(n, dtype, n)
    noisy = k + 3 * np.triu(np.random.default_rng(1).normal(size=(n, n)), 1).astype(dtype)
    tol = _tol(dtype)
    want = np.linalg.cholesky(k)
    for a in _layouts(noisy):  # the upper triangle is never read
        before = a.copy()
        got = numpy_lapack.cholesky(a)
        np.testing.assert_array_equal(a, before)
        assert got.dtype == want.dtype and got.flags.c_contiguous
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
        np.testing.assert_array_equal(np.triu(got, 1), 0)
    factor = want + np.triu(np.ones((n, n), dtype), 1)  # an upper triangle to ignore
    inverse = numpy_lapack.cholesky_inverse(factor)
    reference = np.linalg.inv(k.astype(np.float64))
    np.testing.assert_allclose(inverse, reference, rtol=100 * tol, atol=100 * tol)
    np.testing.assert_array_equal(inverse, inverse.T)
    b = np.random.default_rng(2).normal(size=(n, 3)).astype(dtype)
    for tri, lower in ((want, True), (np.ascontiguousarray(want.T), False)):
        for t in _layouts(tri):
            for rhs in _layouts(b):
                x = numpy_lapack.solve_triangular(t, rhs, lower)
                assert x.dtype == np.dtype(dtype)
                np.testing.assert_allclose(t @ x, b, rtol=100 * tol, atol=100 * tol)


@needs_numpy_openblas
@pytest.mark.usefixtures("numpy_routines")
def test_results_equal_the_helpers_they_stand_for() -> None:
    # the same LAPACK routines on the same entries as the helpers' paths: equal to rounding
    k = _spd(200, np.float64, 4)
    factor = numpy_lapack.cholesky(k)
    np.testing.assert_allclose(factor, cholesky_inverse._cholesky(k), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(
        numpy_lapack.cholesky_inverse(factor),
        cholesky_inverse._cholesky_inverse(factor, lapack=False),
        rtol=1e-9,
        atol=1e-12,
    )


@needs_numpy_openblas
@pytest.mark.usefixtures("numpy_routines")
def test_errors_and_non_finite_values_as_numpy() -> None:
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        numpy_lapack.cholesky(-np.eye(3))
    singular = np.eye(4)
    singular[2, 2] = 0.0
    with pytest.raises(np.linalg.LinAlgError, match="Singular"):
        numpy_lapack.cholesky_inverse(singular)
    with pytest.raises(np.linalg.LinAlgError, match="Singular"):
        numpy_lapack.solve_triangular(singular, np.ones((4, 1)), True)
    for a in (np.full((3, 3), np.nan), np.diag([np.inf, 1.0, 2.0])):
        np.testing.assert_array_equal(numpy_lapack.cholesky(a), np.linalg.cholesky(a))


@pytest.mark.usefixtures("numpy_routines")
def test_what_the_routines_do_not_take_goes_to_the_helpers() -> None:
    # complex, stacks, empty matrices, integer right-hand sides: the helpers' answers
    z = _spd(6, np.float64, 5) + 0j
    np.testing.assert_allclose(numpy_lapack.cholesky(z), np.linalg.cholesky(z), rtol=1e-13)
    stack = np.stack([_spd(5, np.float64, 1), _spd(5, np.float64, 2)])
    np.testing.assert_allclose(numpy_lapack.cholesky(stack), np.linalg.cholesky(stack))
    assert numpy_lapack.cholesky(np.zeros((0, 0))).shape == (0, 0)
    low = np.linalg.cholesky(_spd(5, np.float64, 3))
    x = numpy_lapack.solve_triangular(low, np.ones((5, 2), np.int64), True)
    np.testing.assert_allclose(low @ x, np.ones((5, 2)), rtol=1e-12)


@needs_numpy_openblas
def test_numpys_routine_is_taken_with_threads_or_without_scipy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    threads = [2]
    monkeypatch.setitem(
        numpy_lapack._routines, "scipy_openblas_get_num_threads64_", lambda: threads[0]
    )
    assert numpy_lapack._preferred("dpotrf") is numpy_lapack.routine("dpotrf")
    threads[0] = 1
    monkeypatch.setitem(sys.modules, "scipy.linalg", None)  # as without SciPy
    assert numpy_lapack._preferred("dpotrf") is numpy_lapack.routine("dpotrf")
    monkeypatch.delitem(sys.modules, "scipy.linalg")
    if pytest.importorskip("scipy.linalg"):  # one thread and SciPy: SciPy's build
        assert numpy_lapack._preferred("dpotrf") is None


def test_compiled_programs_call_the_in_process_routines() -> None:
    k = _spd(130, np.float64, 7)
    f = ax.jit(lambda a: anp.linalg.cholesky(a) * 2.0)
    assert "_cholesky(" in ax.explain(f, k).source
    np.testing.assert_allclose(f(k), 2 * np.linalg.cholesky(k), rtol=1e-12)
    from axcomp.backends.numpy_backend import IN_PROCESS

    assert IN_PROCESS["_cholesky"] is numpy_lapack.cholesky
    assert IN_PROCESS["_cholesky_inverse"] is numpy_lapack.cholesky_inverse
    assert IN_PROCESS["_solve_triangular"] is numpy_lapack.solve_triangular
