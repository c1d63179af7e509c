"""The Cholesky inverse (LAPACK's ``potri``, or blocked NumPy products without SciPy) and
the Cholesky reverse rule that uses it for matrices symmetric by construction: the
helper against NumPy's inverse (both paths), the primitive's derivative rules against
finite differences, the structural symmetry test on symmetric and non-symmetric graphs,
the rule with cotangents it must leave to the general part, and the Array API spelling.
The GP gradient through it is checked in ``test_triangular_derivative_rules.py``."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from gradcheck import numeric_jvp

import axcomp as ax
import axcomp.numpy as anp
import axcomp.primitives.linalg as plinalg
import axcomp.scipy.linalg as sl
from axcomp.backends.cholesky_inverse import _cholesky, _cholesky_inverse, _solve_triangular


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def factor(n: int, seed: int, stack: tuple[int, ...] = ()) -> np.ndarray:
    a = rng(seed).normal(size=stack + (n, n + 2))
    return np.linalg.cholesky(a @ np.swapaxes(a, -1, -2) / n + 0.5 * np.eye(n))


@pytest.mark.parametrize("n", [1, 7, 64, 65, 150])
def test_numpy_cholesky_inverse_matches_the_inverse_and_ignores_the_upper_triangle(n):
    low = factor(n, n)
    want = np.linalg.inv(low @ low.T)
    noisy = low + np.triu(rng(1).normal(size=(n, n)), 1)  # only the lower triangle is read
    got = _cholesky_inverse(noisy, lapack=False, leaf=16)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10 * np.abs(want).max())
    np.testing.assert_array_equal(got, got.T)


def test_numpy_cholesky_inverse_stacks_and_keeps_float32():
    low = factor(40, 3, stack=(3, 2))
    got = _cholesky_inverse(low, lapack=False, leaf=8)
    np.testing.assert_allclose(got, np.linalg.inv(low @ np.swapaxes(low, -1, -2)), rtol=1e-9)
    single = _cholesky_inverse(low[0, 0].astype(np.float32), lapack=False, leaf=8)
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, got[0, 0], rtol=2e-3)


def test_lapack_cholesky_inverse_agrees_with_the_numpy_path():
    pytest.importorskip("scipy")
    low = factor(300, 4) + np.triu(rng(5).normal(size=(300, 300)), 1)
    before = low.copy()
    got = _cholesky_inverse(low)
    np.testing.assert_array_equal(low, before)  # LAPACK worked on a copy
    np.testing.assert_allclose(got, _cholesky_inverse(low, lapack=False), rtol=1e-9, atol=1e-11)
    np.testing.assert_array_equal(got, got.T)


def test_cholesky_inverse_derivative_rules_match_finite_differences():
    low = factor(9, 5)
    w = rng(6).normal(size=(9, 9))
    d = np.tril(rng(7).normal(size=(9, 9)))

    def f(m):
        return (plinalg.cholesky_inverse(m) * w).sum()

    grad = np.asarray(ax.jit(ax.grad(f))(low))
    np.testing.assert_allclose(np.sum(grad * d), numeric_jvp(ax.jit(f), [low], [d]), rtol=1e-6)
    assert not np.any(np.triu(grad, 1))  # the upper triangle is not read
    tangent = ax.jit(lambda m, t: ax.jvp(f, (m,), (t,))[1])(low, d)
    np.testing.assert_allclose(tangent, np.sum(grad * d), rtol=1e-9)


def _symmetry(fn, *args):
    seen: list[bool] = []

    def probe(*xs):
        out = fn(*xs)
        seen.append(plinalg._symmetric(out.node))
        return out

    ax.jit(probe)(*args)
    return seen[0]


@pytest.mark.parametrize(
    ("fn", "want"),
    [
        (lambda x, u, a: x @ x.T, True),
        (lambda x, u, a: anp.exp(-(x @ x.T)) + 2.0 * anp.eye(5), True),
        (lambda x, u, a: a + a.T, True),
        (lambda x, u, a: u[:, None] + u[None, :] - 2.0 * (x @ x.T), True),
        (lambda x, u, a: anp.maximum(a, a.T) * (x @ x.T), True),
        (lambda x, u, a: a @ a.T + a, False),
        (lambda x, u, a: u[:, None] - u[None, :], False),
        (lambda x, u, a: x @ (x + 1.0).T, False),
        (lambda x, u, a: a * u, False),
    ],
)
def test_structural_symmetry(fn, want):
    args = (rng(1).normal(size=(5, 3)), rng(2).normal(size=5), rng(3).normal(size=(5, 5)))
    assert _symmetry(fn, *args) is want


def test_symmetric_rule_with_other_cotangents_and_numpy_cholesky():
    # jnp.linalg.cholesky symmetrizes (so the rule applies), and a weight on the factor
    # and a second solve leave terms for the general part of the rule
    n = 30
    a = rng(10).normal(size=(n, n))
    b = rng(11).normal(size=(n, 2))
    w = rng(12).normal(size=(n, n))

    def f(m):
        k = m @ m.T + anp.eye(n)
        c = anp.linalg.cholesky(k)
        x = sl.cho_solve((c, True), b)
        z = sl.solve_triangular(c, b[:, 0], lower=True)
        return (x**2).sum() + (c * w).sum() + 2.0 * anp.log(anp.diag(c)).sum() + z @ z

    grad = ax.jit(ax.grad(f))
    assert "_cholesky_inverse(" in ax.explain(ax.grad(f), a).source
    d = rng(13).normal(size=(n, n))
    np.testing.assert_allclose(
        np.sum(np.asarray(grad(a)) * d), numeric_jvp(ax.jit(f), [a], [d]), rtol=1e-6
    )


def test_cholesky_inverse_on_the_array_api_target():
    # the Array API spelling (the extension's inv of L L^T) gives the NumPy program's gradient
    xp = pytest.importorskip("array_api_strict")
    m = rng(14).normal(size=(12, 12))

    def logdet(a):
        return anp.log(anp.diag(anp.linalg.cholesky(a @ a.T + anp.eye(12)))).sum()

    grad = ax.jit(ax.grad(logdet))
    strict = grad.lower(xp.asarray(m))
    assert strict.backend == "array_api" and ".linalg.inv(" in strict.source
    want = np.linalg.inv(m @ m.T + np.eye(12)) @ m  # d/dm of log det(m m^T + I) / 2
    np.testing.assert_allclose(np.asarray(grad(xp.asarray(m))), want, rtol=1e-9)
    np.testing.assert_allclose(np.asarray(grad(m)), want, rtol=1e-9)


@pytest.mark.parametrize("lower", [True, False])
def test_triangular_solve_helper_matches_numpy(lower):
    # trtrs through SciPy when importable, NumPy's LU solve otherwise; stacks go to NumPy
    low = factor(40, 15)
    tri = low if lower else low.T
    b = rng(16).normal(size=(40, 3))
    want = np.linalg.solve(tri, b)
    np.testing.assert_allclose(_solve_triangular(tri, b, lower), want, rtol=1e-10)
    stack = np.stack([tri, 2 * tri])
    np.testing.assert_allclose(
        _solve_triangular(stack, b, lower), np.linalg.solve(stack, b), rtol=1e-10
    )


def _hermitian(n: int, dtype: type, seed: int) -> np.ndarray:
    a = rng(seed).normal(size=(n, n + 2))
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng(seed + 1).normal(size=a.shape)
    return (a @ a.conj().T / n + np.eye(n)).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.complex64])
@pytest.mark.parametrize("n", [1, 9, 140])
def test_cholesky_helper_is_numpys_factor_reading_the_lower_triangle(dtype, n):
    # LAPACK's potrf on the transpose when SciPy is importable, NumPy's cholesky otherwise:
    # either way NumPy's factor, whatever the layout and the upper triangle hold
    k = _hermitian(n, dtype, n)
    noisy = k + 3 * np.triu(rng(2).normal(size=(n, n)), 1).astype(dtype)
    wide = np.zeros((n, 2 * n), dtype)
    wide[:, ::2] = noisy
    tol = 1e-4 if np.finfo(dtype).bits == 32 else 1e-12
    for a in (noisy, np.asfortranarray(noisy), wide[:, ::2]):
        got, want = _cholesky(a), np.linalg.cholesky(a)
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
        np.testing.assert_array_equal(np.triu(got, 1), 0)


def test_cholesky_helper_errors_and_non_finite_values_as_numpy(monkeypatch):
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.cholesky(-np.eye(3))
    with pytest.raises(np.linalg.LinAlgError):
        _cholesky(-np.eye(3))
    for a in (
        np.full((3, 3), np.nan),
        np.diag([np.inf, 1.0, 2.0]),
        np.array([[4.0, 1.0], [np.nan, 4.0]]),
    ):
        np.testing.assert_array_equal(_cholesky(a), np.linalg.cholesky(a))
    stack = np.stack([_hermitian(5, np.float64, 1), _hermitian(5, np.float64, 2)])
    np.testing.assert_allclose(_cholesky(stack), np.linalg.cholesky(stack), rtol=1e-13)
    assert _cholesky(np.zeros((0, 0))).shape == (0, 0)
    k = _hermitian(20, np.float64, 3)
    with_lapack = _cholesky(k)
    monkeypatch.setitem(sys.modules, "scipy.linalg", None)  # as without SciPy: NumPy's own
    np.testing.assert_array_equal(_cholesky(k), np.linalg.cholesky(k))
    np.testing.assert_allclose(with_lapack, np.linalg.cholesky(k), rtol=1e-13)


def test_compiled_cholesky_calls_the_helper_and_matches_numpy():
    k = _hermitian(130, np.float64, 7)
    f = ax.jit(lambda a: anp.linalg.cholesky(a) * 2.0)
    assert "_cholesky(" in ax.explain(f, k).source
    np.testing.assert_allclose(f(k), 2 * np.linalg.cholesky((k + k.T) / 2), rtol=1e-12)
