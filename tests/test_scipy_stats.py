"""axcomp.scipy.stats against SciPy and JAX values recorded by tests/stats_record.py
(stats_reference.npz): every distribution function eagerly, under jit and vmap; JAX's
values outside the support; derivatives against JAX's and finite differences."""

from __future__ import annotations

import importlib
import warnings
from pathlib import Path

import numpy as np
import pytest
from gradcheck import numeric_grad

import axcomp as ax
import axcomp.scipy
from axcomp.errors import AxcompError, MissingFunctionError
from axcomp.scipy import stats

REF = np.load(Path(__file__).parent / "stats_reference.npz")
CASES = sorted(k[: -len("/grid")] for k in REF.files if k.endswith("/grid"))

# SciPy agreement: relative, with an absolute floor for log-probabilities that round to 0
RTOL = {"norm": 3e-13, "beta": 3e-13, "gamma": 2e-13, "chi2": 2e-13}
# JAX's own derivatives are less accurate here (its log_ndtr series, its betaln)
# (and its quantiles' tan(pi (q - 1/2)) and ppf(1 - q), which round q near 0 and 1)
GRAD_RTOL = {
    "norm.logcdf": 1e-8,
    "norm.logsf": 1e-8,
    "betabinom": 1e-4,
    "norm.pdf": 1e-11,
    "cauchy.ppf": 2e-5,
    "cauchy.isf": 2e-5,
    "norm.isf": 1e-8,  # JAX's ppf(1 - q) rounds q
}


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _case(case):
    dist, fn = case.split(".")
    g = int(REF[f"{case}/grid"])
    args = [REF[f"grid{g}/arg{k}"] for k in range(5) if f"grid{g}/arg{k}" in REF.files]
    return getattr(getattr(stats, dist), fn), args


def _close(got, ref, rtol, atol):
    return np.abs(got - ref) <= rtol * np.abs(ref) + atol


@pytest.mark.parametrize("case", [c for c in CASES if f"{c}/scipy" in REF.files])
def test_values_against_scipy(case):
    fn, args = _case(case)
    got = np.asarray(fn(*args))
    ref = REF[f"{case}/scipy"]
    jax = REF[f"{case}/jax"]
    ok = np.isfinite(ref) & np.isfinite(got)
    # where SciPy's convention differs from JAX's (bernoulli.pmf at k = 1/2, a discrete
    # ppf(0) of -1) ours is JAX's
    convention = ~_close(jax, ref, 1e-6, 1e-12) & _close(got, jax, 1e-12, 1e-14)
    ok &= ~convention
    rtol = RTOL.get(case.split(".")[0], 1e-13)
    bad = ~_close(got[ok], ref[ok], rtol, 1e-14)
    assert not bad.any(), [(a[ok][bad][:3]) for a in args] + [got[ok][bad][:3], ref[ok][bad][:3]]
    # where SciPy is not finite we follow JAX (checked below); nowhere is ours nan alone
    assert not (np.isnan(got) & ~np.isnan(ref) & ~np.isnan(REF[f"{case}/jax"])).any()


@pytest.mark.parametrize("case", CASES)
def test_values_outside_the_support_follow_jax(case):
    fn, args = _case(case)
    got = np.asarray(fn(*args))
    jax = REF[f"{case}/jax"]
    scipy = REF[f"{case}/scipy"] if f"{case}/scipy" in REF.files else jax
    differs = ~((got == jax) | (np.isnan(got) & np.isnan(jax)))
    differs &= ~(np.isfinite(got) & np.isfinite(jax))  # finite values: accuracy tests
    # a non-finite difference is allowed only where SciPy has ours (JAX's ppf(1 - q) loses q)
    agree = (got == scipy) | _close(got, scipy, 1e-13, 0.0)
    assert not (differs & ~agree).any(), [a[differs & ~agree][:4] for a in args]


@pytest.mark.parametrize("case", CASES)
def test_jit_and_vmap_match_eager(case):
    fn, args = _case(case)
    eager = np.asarray(fn(*args))
    np.testing.assert_array_equal(np.asarray(ax.jit(fn)(*args)), eager)
    np.testing.assert_allclose(np.asarray(ax.vmap(fn)(*args)), eager, rtol=4e-15, atol=1e-300)
    # the other arguments held fixed (in_axes None) batch like a loop over the first
    rest = [float(a[5]) for a in args[1:]]
    loop = np.array([fn(v, *rest) for v in args[0][:6]])
    axes = (0,) + (None,) * len(rest)
    batched = np.asarray(ax.vmap(fn, in_axes=axes)(args[0][:6], *rest))
    np.testing.assert_allclose(batched, loop, rtol=4e-15, atol=1e-300)


GRADS = [(c, int(k[-1])) for c in CASES for k in REF.files if k.startswith(f"{c}/grad")]


def _grad_rtol(case):
    return GRAD_RTOL.get(case, GRAD_RTOL.get(case.split(".")[0], 1e-11))


@pytest.mark.parametrize(("case", "k"), GRADS)
def test_grad_against_jax(case, k):
    fn, args = _case(case)
    got = np.asarray(ax.vmap(ax.grad(fn, argnums=k))(*args))
    ref = REF[f"{case}/grad{k}"]
    value = np.abs(REF[f"{case}/jax"])
    # where JAX's derivative is finite ours is too and agrees; where JAX has nan (outside
    # the support, e.g. pareto.cdf below its start) ours may be the limit 0
    ok = np.isfinite(ref)
    if case.endswith(("ppf", "isf")):
        # at q = 0 and 1 (and 1e-300) the true derivative is infinite; JAX reports 0 for
        # ndtri and a finite tan-based slope for cauchy, axcomp inf
        ok &= (args[0] >= 1e-10) & (args[0] <= 1 - 1e-10)
    assert np.isfinite(got[ok]).all()
    scale = 1e-13 * (1 + np.abs(ref[ok]) + np.where(np.isfinite(value), value, 0)[ok])
    bad = ~_close(got[ok], ref[ok], _grad_rtol(case), scale)
    assert not bad.any(), [a[ok][bad][:3] for a in args] + [got[ok][bad][:3], ref[ok][bad][:3]]


@pytest.mark.parametrize(("case", "k"), GRADS[::3])
def test_grad_against_finite_differences(case, k):
    fn, args = _case(case)
    pick = np.linspace(0, args[0].size - 1, 7).astype(int)
    args = [a[pick] for a in args]
    jax_nan = np.isnan(REF[f"{case}/grad{k}"][pick])  # JAX has no derivative there either
    got = np.asarray(ax.vmap(ax.grad(fn, argnums=k))(*args))
    for i in range(pick.size):
        point = [float(a[i]) for a in args]
        value = float(fn(*point))
        h = 1e-6 * max(1.0, abs(point[k]))
        lo, hi = point.copy(), point.copy()
        lo[k] -= 2 * h
        hi[k] += 2 * h
        smooth = np.isfinite(value) and np.isfinite(float(fn(*lo))) and np.isfinite(float(fn(*hi)))
        if (
            jax_nan[i]
            or not smooth
            or abs(float(fn(*lo)) - float(fn(*hi))) > 1e3 * h * (abs(value) + 1)
        ):
            continue  # a support edge or a step (discrete k) within reach
        num = numeric_grad(fn, point, argnum=k, eps=h)
        assert abs(got[i] - num) <= 1e-5 * (abs(num) + abs(value) + 1), (point, got[i], num)


def test_multivariate_normal():
    x, mean, cov = (REF[f"multivariate_normal/{n}"] for n in ("x", "mean", "cov"))
    fn = stats.multivariate_normal.logpdf
    np.testing.assert_allclose(fn(x, mean, cov), REF["multivariate_normal/scipy"], rtol=1e-13)
    np.testing.assert_allclose(
        ax.vmap(fn, in_axes=(0, None, None))(x, mean, cov), fn(x, mean, cov), rtol=1e-14
    )
    grads = ax.grad(lambda *a: fn(*a).sum(), argnums=(0, 1, 2))(x, mean, cov)
    for k, g in enumerate(grads):
        np.testing.assert_allclose(g, REF[f"multivariate_normal/grad{k}"], rtol=1e-10, atol=1e-12)
    # scalar covariance: cov * I
    np.testing.assert_allclose(fn(x, mean, 2.0), fn(x, mean, 2.0 * np.eye(4)), rtol=1e-13)
    with pytest.raises(NotImplementedError):
        fn(x, mean, cov, allow_singular=True)
    with pytest.raises(ValueError) as err:
        fn(x, mean, np.eye(3))
    assert isinstance(err.value, AxcompError)


def test_dirichlet():
    x, alpha = REF["dirichlet/x"], REF["dirichlet/alpha"]
    np.testing.assert_allclose(stats.dirichlet.logpdf(x, alpha), REF["dirichlet/scipy"], rtol=1e-13)
    np.testing.assert_allclose(
        stats.dirichlet.logpdf(x[:-1], alpha), REF["dirichlet/scipy"], rtol=1e-12
    )
    grads = ax.grad(lambda a, b: stats.dirichlet.logpdf(a, b).sum(), argnums=(0, 1))(x, alpha)
    for k, g in enumerate(grads):
        np.testing.assert_allclose(g, REF[f"dirichlet/grad{k}"], rtol=1e-12, atol=1e-12)
    off = x.copy()
    off[0, 0] += 0.1
    assert np.asarray(stats.dirichlet.logpdf(off, alpha))[0] == -np.inf
    with pytest.raises(ValueError, match="one-dimensional"):
        stats.dirichlet.logpdf(x, alpha[None])


def test_multinomial():
    x, p = REF["multinomial/x"], REF["multinomial/p"]
    np.testing.assert_allclose(
        stats.multinomial.logpmf(x, 6, p), REF["multinomial/scipy"], rtol=1e-13
    )
    np.testing.assert_allclose(
        ax.vmap(stats.multinomial.pmf, in_axes=(0, None, None))(x, 6, p),
        np.exp(REF["multinomial/scipy"]),
        rtol=1e-13,
    )
    assert np.asarray(stats.multinomial.logpmf(x, 5, p)).max() == -np.inf
    g = np.asarray(ax.grad(lambda q: stats.multinomial.logpmf(x, 6, q).sum())(p))
    np.testing.assert_allclose(g, x.sum(0) / p, rtol=1e-13)  # d/dp sum x log p
    with pytest.raises(ValueError, match="integer type"):
        stats.multinomial.logpmf(x.astype(float), 6, p)


def test_sem():
    a = REF["sem/a"]
    np.testing.assert_allclose(stats.sem(a), REF["sem/scipy"], rtol=1e-14)
    np.testing.assert_allclose(
        stats.sem(a, axis=None), np.std(a, ddof=1) / np.sqrt(a.size), rtol=1e-14
    )
    b = a.copy()
    b[2, 1] = np.nan
    col = b[:, 1][~np.isnan(b[:, 1])]
    got = np.asarray(stats.sem(b, nan_policy="omit"))
    assert got[1] == pytest.approx(np.std(col, ddof=1) / np.sqrt(col.size), rel=1e-14)
    assert np.isnan(np.asarray(stats.sem(b))[1])
    with pytest.raises(ValueError, match="not supported"):
        stats.sem(a, nan_policy="raise")


def test_namespace():
    functions = ("sem", "rankdata", "mode", "gaussian_kde")  # the rest are modules
    for name in stats.__all__:
        if name in functions:
            assert callable(getattr(stats, name))
            continue
        mod = importlib.import_module(f"axcomp.scipy.stats.{name}")
        assert mod is getattr(axcomp.scipy.stats, name)
    assert axcomp.scipy.stats.norm.cdf is stats.norm.cdf
    with pytest.raises(MissingFunctionError, match="'gaussian_kdf' is not in jax"):
        stats.gaussian_kdf  # noqa: B018
    with pytest.raises(MissingFunctionError, match=r"jax\.scipy\.integrate"):
        axcomp.scipy.integrate  # noqa: B018
