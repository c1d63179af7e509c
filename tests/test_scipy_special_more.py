"""The gamma, entropy, scaled-erf and Bessel functions of axcomp.scipy.special against
SciPy and JAX values recorded by tests/special_record.py (special_reference.npz), eagerly,
under jit and vmap; derivatives against JAX's recorded ones and finite differences; JAX's
values outside the domains and its refusals."""

from __future__ import annotations

import math
import warnings
from decimal import Decimal, getcontext
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from gradcheck import numeric_grad

import axcomp as ax
from axcomp.errors import AxcompError, MissingFunctionError, UnsupportedError
from axcomp.scipy import special as sp

REF = np.load(Path(__file__).parent / "special_reference.npz")
CASES = sorted({k.split("/")[0] for k in REF.files})

# relative accuracy against SciPy over the recorded grid (gamma/factorial: exp(gammaln)
# carries gammaln's absolute error, up to ~700 eps near the overflow, as in JAX)
RTOL = {"gamma": 4e-13, "factorial": 4e-13, "log_ndtr": 3e-13, "comb": 1e-13}
ATOL = {"betaln": 2e-14}  # gammaln(a) + gammaln(b) - gammaln(a + b) near its zeros


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _fn(name):
    if name == "multigammaln":
        return lambda a: sp.multigammaln(a, 3)
    return getattr(sp, name)


def _args(name):
    return [REF[f"{name}/arg{k}"] for k in range(3) if f"{name}/arg{k}" in REF.files]


def _check(got, ref, rtol, atol=0.0):
    got = np.asarray(got)
    assert got.shape == ref.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    inf = np.isinf(ref)
    np.testing.assert_array_equal(got[inf], ref[inf])
    ok = np.isfinite(ref)
    np.testing.assert_allclose(got[ok], ref[ok], rtol=rtol, atol=atol)


def _scipy_ref(name):
    ref = REF[f"{name}/scipy"]
    if name == "betaln":  # SciPy's lbeta loses up to ~1e-9 once an argument is large:
        a, b = _args(name)  # those points are checked against 50-digit Stirling below
        return ref, np.maximum(a, b) >= 10
    return ref, np.zeros(ref.shape, bool)


@pytest.mark.parametrize("name", CASES)
def test_values_against_scipy(name):
    ref, skip = _scipy_ref(name)
    got = np.asarray(_fn(name)(*_args(name)))
    _check(got[~skip], ref[~skip], RTOL.get(name, 5e-14), atol=ATOL.get(name, 1e-300))


@pytest.mark.parametrize("name", CASES)
def test_jit_and_vmap_match_eager(name):
    args = _args(name)
    fn = _fn(name)
    eager = np.asarray(fn(*args))
    _check(np.asarray(ax.jit(fn)(*args)), eager, 0.0)
    _check(np.asarray(ax.vmap(fn)(*args)), eager, 4e-15)
    # a broadcast argument (in_axes None) batches like the loop over the mapped one
    if len(args) == 2:
        loop = np.array([fn(a, args[1][3]) for a in args[0][:7]])
        _check(np.asarray(ax.vmap(fn, in_axes=(0, None))(args[0][:7], args[1][3])), loop, 4e-15)


GRADS = [(n, int(k[-1])) for n in CASES for k in REF.files if k.startswith(f"{n}/grad")]
# derivative tolerances against JAX: its betaln/log_ndtr derivatives are less accurate
GRAD_RTOL = {"betaln": 1e-5, "beta": 2e-7, "gamma": 4e-13, "factorial": 4e-13, "log_ndtr": 1e-8}


@pytest.mark.parametrize(("name", "k"), GRADS)
def test_grad_against_jax(name, k):
    args = _args(name)
    got = np.asarray(ax.vmap(ax.grad(_fn(name), argnums=k))(*args))
    ref = REF[f"{name}/grad{k}"]
    scale = np.abs(REF[f"{name}/jax"]) + 1.0  # derivatives that cancel to ~0 (erfcx at 1e7)
    ok = np.isfinite(ref)
    np.testing.assert_array_equal(np.isfinite(got), ok)
    err = np.abs(got[ok] - ref[ok])
    assert np.all(err <= GRAD_RTOL.get(name, 1e-13) * np.abs(ref[ok]) + 1e-14 * scale[ok])


@pytest.mark.parametrize(("name", "k"), GRADS)
def test_grad_against_finite_differences(name, k):
    args = [a[:: max(1, a.size // 9)][:9] for a in _args(name)]
    fn = _fn(name)
    got = np.asarray(ax.vmap(ax.grad(fn, argnums=k))(*args))
    if name == "polygamma":  # the order stays an integer
        fn = lambda n, x: sp.polygamma(int(n), x)  # noqa: E731
    for i in range(args[0].size):
        point = [float(a[i]) for a in args]
        if name == "factorial" and point[0] == 0:
            continue  # the step to 0 for n < 0 sits there
        value = float(fn(*point))
        if not np.isfinite(value) or abs(value) > 1e200:
            continue
        eps = 1e-6 * max(1.0, abs(point[k]))
        num = numeric_grad(lambda *p: fn(*p), point, argnum=k, eps=eps)
        assert abs(got[i] - num) <= 1e-5 * (abs(num) + abs(value) + 1.0), (point, got[i], num)


def _lgamma_decimal(x):
    """log Gamma(x) for x >= 10 in 50-digit decimal arithmetic (Stirling, 7 terms)."""
    getcontext().prec = 50
    bern = [Fraction(1, 6), Fraction(-1, 30), Fraction(1, 42), Fraction(-1, 30)]
    bern += [Fraction(5, 66), Fraction(-691, 2730), Fraction(7, 6)]
    x = Decimal(x)
    two_pi = Decimal(2) * Decimal("3.14159265358979323846264338327950288419716939937510")
    s = (x - Decimal("0.5")) * x.ln() - x + two_pi.ln() / 2
    for k, b in enumerate(bern, 1):
        s += (
            Decimal(b.numerator) / Decimal(b.denominator) / (2 * k * (2 * k - 1)) / x ** (2 * k - 1)
        )
    return s


def test_betaln_large_arguments_against_decimal():
    a, b = _args("betaln")
    big = np.maximum(a, b) >= 10
    small, large = np.minimum(a, b)[big], np.maximum(a, b)[big]
    ref = []
    for x, y in zip(small, large):
        lx = Decimal(math.lgamma(x)) if x < 10 else _lgamma_decimal(x)
        ref.append(float(lx + _lgamma_decimal(y) - _lgamma_decimal(Decimal(x) + Decimal(y))))
    got = np.asarray(sp.betaln(a, b))[big]
    np.testing.assert_allclose(got, ref, rtol=2e-14, atol=1e-14)


def test_log_ndtr_derivative_closed_form():
    x = REF["log_ndtr/arg0"]
    got = np.asarray(ax.vmap(ax.grad(sp.log_ndtr))(x))
    # d/dx log Phi(x) = phi(x) / Phi(x) = exp(-x**2 / 2 - log Phi(x)) / sqrt(2 pi)
    mid = x > -30
    ref = np.exp(-(x[mid] ** 2) / 2 - REF["log_ndtr/scipy"][mid]) / math.sqrt(2 * math.pi)
    np.testing.assert_allclose(got[mid], ref, rtol=1e-12, atol=1e-300)
    # far left, the asymptotic Mills ratio -x / (1 - 1/x**2 + 3/x**4 - 15/x**6 + 105/x**8)
    w = 1 / x[x <= -40] ** 2
    tail = -x[x <= -40] / (1 - w + 3 * w**2 - 15 * w**3 + 105 * w**4)
    np.testing.assert_allclose(got[x <= -40], tail, rtol=1e-13)


def test_conventions_outside_the_domain():
    x = np.array([-np.inf, -3.0, -2.5, -0.0, 0.0, 0.5, np.inf, np.nan])
    np.testing.assert_array_equal(sp.gammasgn(x), [np.nan, np.nan, -1, -1, 1, 1, 1, np.nan])
    g = np.asarray(sp.gamma(x))
    assert np.isnan(g[[0, 1, 7]]).all() and g[3] == -np.inf and g[4] == np.inf
    assert np.isnan(np.asarray(sp.loggamma(np.array([-1.5, 0.0])))).all()
    z = np.asarray(sp.zeta(np.array([1.0, 0.5, 2.0, 2.0]), np.array([1.0, 1.0, 0.0, -2.0])))
    assert z[0] == np.inf and np.isnan(z[1]) and z[2] == np.inf and z[3] == np.inf
    # zeta(2, q - 1) = zeta(2, q) + 1 / (q - 1)**2 reaches negative non-integer q
    assert float(sp.zeta(2.0, -1.5)) == pytest.approx(
        float(sp.zeta(2.0, 0.5)) + 1 / 0.25 + 1 / 2.25, rel=1e-14
    )
    np.testing.assert_allclose(sp.factorial(np.array([-1.0, 0.0, 5.0])), [0, 1, 120], rtol=1e-14)
    c = sp.comb(np.array([5.0, 5.0, -1.0]), np.array([2.0, 6.0, 1.0]))
    np.testing.assert_allclose(c, [10, 0, 0], rtol=1e-14)
    assert float(sp.comb(3.0, 2.0, repetition=True)) == pytest.approx(6.0, rel=1e-14)
    np.testing.assert_array_equal(sp.entr(np.array([-1.0, 0.0])), [-np.inf, 0.0])
    r = np.asarray(sp.rel_entr(np.array([0.0, 0.0, 1.0, -1.0]), np.array([0.0, -1.0, 0.0, 1.0])))
    np.testing.assert_array_equal(r, [0.0, np.inf, np.inf, np.inf])
    e = np.asarray(sp.erfcx(np.array([-np.inf, -30.0, np.inf, np.nan])))
    np.testing.assert_array_equal(e, [np.inf, np.inf, 0.0, np.nan])


def test_bernoulli_exact():
    b = np.asarray(sp.bernoulli(12))
    ref = [1, -1 / 2, 1 / 6, 0, -1 / 30, 0, 1 / 42, 0, -1 / 30, 0, 5 / 66, 0, -691 / 2730]
    np.testing.assert_allclose(b, ref, rtol=1e-15, atol=0)
    with pytest.raises(ValueError):
        sp.bernoulli(-1)


def test_softmax_over_all_axes_by_default():
    x = np.random.default_rng(1).normal(size=(3, 4))
    e = np.exp(x - x.max())
    np.testing.assert_allclose(sp.softmax(x), e / e.sum(), rtol=1e-14)
    np.testing.assert_allclose(
        sp.log_softmax(x, axis=1), x - np.log(np.exp(x).sum(1, keepdims=True)), rtol=1e-13
    )


def test_polygamma_matches_digamma_derivatives():
    x = np.linspace(0.3, 9.0, 7)
    d1 = np.asarray(ax.vmap(ax.grad(sp.digamma))(x))
    np.testing.assert_allclose(sp.polygamma(1, x), d1, rtol=1e-12)
    d2 = np.asarray(ax.vmap(ax.grad(lambda v: sp.polygamma(1, v)))(x))
    np.testing.assert_allclose(sp.polygamma(2, x), d2, rtol=1e-12)


def test_refusals_are_jax_types():
    with pytest.raises(ValueError, match="integer type") as err:
        sp.polygamma(1.0, 2.0)
    assert isinstance(err.value, AxcompError)
    with pytest.raises(NotImplementedError) as nie:
        sp.factorial(3, exact=True)
    assert isinstance(nie.value, UnsupportedError)
    with pytest.raises(MissingFunctionError, match="wofz"):
        sp.wofz  # noqa: B018
