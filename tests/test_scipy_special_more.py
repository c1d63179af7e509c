"""The gamma, entropy, scaled-erf, Bessel, exponential-integral, sine/cosine and Fresnel
integral, Faddeeva, dilogarithm and Owen's T functions of axcomp.scipy.special against
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
# about 1e-16 absolute where the value crosses 0 (J_n, Y_n^m); wofz's lower half plane,
# 2 exp(-z**2) - w(-z), carries the rounding of z**2 in its exponent (|z|**2 eps)
ATOL.update({"bessel_jn": 2e-15, "sph_harm_y": 1e-15})
RTOL.update({"wofz": 1e-13})


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


PARTS = {"sici_si": ("sici", 0), "sici_ci": ("sici", 1), "fresnel_s": ("fresnel", 0)}
PARTS["fresnel_c"] = ("fresnel", 1)


def _fn(name):
    if name == "multigammaln":
        return lambda a: sp.multigammaln(a, 3)
    if name in PARTS:
        fn, part = PARTS[name]
        return lambda x: getattr(sp, fn)(x)[part]
    if name == "bessel_jn":  # the orders on the last axis, as recorded
        return lambda z: sp.bessel_jn(z, v=6).T
    if name == "sph_harm_y":
        return lambda n, m, t, p: sp.sph_harm_y(n, m, t, p, n_max=8)
    return getattr(sp, name)


def _args(name):
    return [REF[f"{name}/arg{k}"] for k in range(4) if f"{name}/arg{k}" in REF.files]


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


# one compile of a few thousand series nodes each (several seconds on CI's cores)
SLOW = {"hyp1f1", "hyp2f1"}
CASE_PARAMS = [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in CASES]


@pytest.mark.parametrize("name", CASE_PARAMS)
def test_values_against_scipy(name):
    ref, skip = _scipy_ref(name)
    got = np.asarray(_fn(name)(*_args(name)))
    if name in SLOW:  # where SciPy loses digits: test_hypergeometric_..._decimal_series
        skip = _scipy_off(got, ref)
        ref = np.where(np.isinf(ref), np.inf, ref)  # JAX's +inf at the poles (SciPy signs them)
    _check(got[~skip], ref[~skip], RTOL.get(name, 5e-14), atol=ATOL.get(name, 1e-300))


@pytest.mark.parametrize("name", CASE_PARAMS)
def test_jit_and_vmap_match_eager(name):
    args = _args(name)
    fn = _fn(name)
    eager = np.asarray(fn(*args))
    _check(np.asarray(ax.jit(fn)(*args)), eager, 0.0)
    mapped = np.asarray(ax.vmap(fn)(*args))
    if name == "sph_harm_y":  # as JAX, a scalar theta is made a 1-vector: (N, 1) mapped
        assert mapped.shape == (*eager.shape, 1)
        mapped = mapped[:, 0]
    _check(mapped, eager, 4e-15)
    # a broadcast argument (in_axes None) batches like the loop over the mapped one
    if len(args) == 2:
        loop = np.array([fn(a, args[1][3]) for a in args[0][:7]])
        _check(np.asarray(ax.vmap(fn, in_axes=(0, None))(args[0][:7], args[1][3])), loop, 4e-15)


# wofz's recorded derivative is the complex one (test_wofz_holomorphic_derivative)
GRADS = [
    (n, int(k[-1])) for n in CASES for k in REF.files if k.startswith(f"{n}/grad") and n != "wofz"
]
# derivative tolerances against JAX: its betaln/log_ndtr derivatives are less accurate
GRAD_RTOL = {"betaln": 1e-5, "beta": 2e-7, "gamma": 4e-13, "factorial": 4e-13, "log_ndtr": 1e-8}
# JAX differentiates its Fresnel series; ours is the closed form sin/cos(pi x**2 / 2)
GRAD_RTOL.update({"fresnel_s": 2e-12, "fresnel_c": 2e-12})
GRAD_RTOL["spence"] = 1e-7  # JAX's is its rational approximation's derivative


@pytest.mark.parametrize(("name", "k"), GRADS)
def test_grad_against_jax(name, k):
    args = _args(name)
    got = np.asarray(ax.vmap(ax.grad(_fn(name), argnums=k))(*args))
    ref = REF[f"{name}/grad{k}"]
    scale = np.abs(REF[f"{name}/jax"]) + 1.0  # derivatives that cancel to ~0 (erfcx at 1e7)
    ok = np.isfinite(ref)
    if name == "spence":  # JAX's is nan near x = 1, 0 at 1 (-1) and finite at 0 (-inf):
        ok &= np.isfinite(got) & (_args(name)[0] != 1)  # see test_spence_derivative_...
        got, ref, scale = got[ok], ref[ok], scale[ok]
        ok = ok[ok]
    np.testing.assert_array_equal(np.isfinite(got), ok)
    err = np.abs(got[ok] - ref[ok])
    assert np.all(err <= GRAD_RTOL.get(name, 1e-13) * np.abs(ref[ok]) + 1e-14 * scale[ok])


# a step below both x itself (log singularities at 0) and the oscillation's period ~ 1/x
OSCILLATING = {"sici_si", "sici_ci", "fresnel_s", "fresnel_c", "spence"}


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
        if not np.isfinite(value) or abs(value) > 1e200 or not np.isfinite(got[i]):
            continue
        eps = 1e-6 * max(1.0, abs(point[k]))
        if name in OSCILLATING and point[k] != 0:  # a step below both 1/x's phase and x
            eps = 1e-6 * min(abs(point[k]), 1 / abs(point[k]))
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
    # every jax.scipy.special function exists now; a misspelt one is pointed to its name
    with pytest.raises(MissingFunctionError, match="nearest supported: hyp1f1"):
        sp.hyp1f2  # noqa: B018
    with pytest.raises(ValueError, match="complex") as cx:
        sp.exp1(np.array([1 + 1j]))
    assert isinstance(cx.value, AxcompError)
    with pytest.raises(TypeError, match="int64") as ti:
        sp.spence(np.array([1, 2]))
    assert isinstance(ti.value, AxcompError)


def test_wofz_holomorphic_derivative():
    z = REF["wofz/arg0"]
    near = np.abs(z) < 30  # w' = -2 z w + 2i / sqrt(pi) cancels to ~1e-16 |z w| further out
    got = np.asarray(ax.vmap(ax.grad(sp.wofz, holomorphic=True))(z[near]))
    # against JAX's, to the size of the terms that cancel in it
    terms = 2 * np.abs(z[near] * REF["wofz/scipy"][near]) + 2 / math.sqrt(math.pi)
    assert np.all(np.abs(got - REF["wofz/grad0"][near]) <= 1e-12 * terms)
    w = REF["wofz/scipy"][near]
    closed = -2 * z[near] * w + 2j / math.sqrt(math.pi)
    assert np.all(np.abs(got - closed) <= 1e-13 * terms)
    # real arguments: the derivative of the real part is -2 x exp(-x**2)
    x = np.array([-2.0, 0.3, 1.0, 4.0])
    g = np.asarray(ax.vmap(ax.grad(lambda v: sp.wofz(v).real))(x))
    np.testing.assert_allclose(g, -2 * x * np.exp(-(x**2)), rtol=1e-12, atol=1e-15)


def test_integral_functions_at_the_domain_edges():
    n = np.array([-1.0, 2.5, 0.0, 1.0, 3.0, 2.0])
    x = np.array([1.0, 1.0, 0.0, 0.0, 0.0, -1.0])
    e = np.asarray(sp.expn(n, x))  # JAX: nan for n < 0, non-integer n, x < 0
    assert np.isnan(e[[0, 1, 5]]).all() and e[2] == e[3] == np.inf and e[4] == 0.5
    np.testing.assert_array_equal(sp.expi(np.array([0.0, np.inf, -np.inf])), [-np.inf, np.inf, 0])
    assert np.isnan(np.asarray(sp.spence(np.array([-1.0, np.nan])))).all()
    np.testing.assert_allclose(sp.spence(np.array([0.0, 1.0])), [math.pi**2 / 6, 0.0], atol=1e-16)
    si, ci = sp.sici(np.array([np.inf, -np.inf, 0.0]))
    np.testing.assert_array_equal(si, [math.pi / 2, -math.pi / 2, 0.0])
    np.testing.assert_array_equal(ci, [0.0, np.nan, -np.inf])
    s, c = sp.fresnel(np.array([np.inf, -np.inf]))
    np.testing.assert_array_equal(s, [0.5, -0.5])
    np.testing.assert_array_equal(c, [0.5, -0.5])
    t = np.asarray(sp.owens_t(np.array([0.0, 1.0, np.inf]), np.array([np.inf, np.inf, 2.0])))
    np.testing.assert_allclose(t, [0.25, 0.25 * math.erfc(1 / math.sqrt(2)), 0.0], rtol=1e-14)
    assert float(sp.owens_t(0.0, 1.0)) == pytest.approx(1 / 8, rel=1e-14)


def test_owens_t_small_a_against_its_expansion():
    # SciPy loses ~1e-11 where a is tiny and h large; there
    # T = a / (2 pi) exp(-h**2 / 2) (1 - a**2 (1 + h**2 / 2) / 3 + O(a**4 h**4))
    h = np.array([5.0, 12.0, 22.0, 30.0])
    a = 1e-7
    ref = a / (2 * np.pi) * np.exp(-(h**2) / 2) * (1 - a**2 * (1 + h**2 / 2) / 3)
    np.testing.assert_allclose(sp.owens_t(h, a), ref, rtol=2e-14)


def test_fresnel_large_arguments_keep_their_phase():
    # C(x) ~ 1/2 + sin(pi x**2 / 2) / (pi x) - ...: x = 2**20 + 1/2 has x**2 / 2 mod 2 exactly
    # 1/8 + ... so a naive product pi * x * x / 2 (off by ~1e-4 there) would miss it
    x = 2.0**20 + 0.5
    phase = math.pi / 2 * 0.25  # x**2 = 2**40 + 2**20 + 1/4, and 2**40 + 2**20 = 0 mod 4
    s, c = sp.fresnel(x)
    np.testing.assert_allclose(float(c), 0.5 + math.sin(phase) / (math.pi * x), rtol=1e-15)
    np.testing.assert_allclose(float(s), 0.5 - math.cos(phase) / (math.pi * x), rtol=1e-15)


@pytest.mark.parametrize(
    "name", ["exp1", "expi", "spence", "dawsn", "sici_si", "sici_ci", "fresnel_s", "fresnel_c"]
)
def test_float32_follows_float64(name):
    x = REF[f"{name}/arg0"]
    x = x[np.isfinite(REF[f"{name}/scipy"]) & (np.abs(x) < 1e30)]
    got = np.asarray(_fn(name)(x.astype(np.float32)))
    assert got.dtype == np.float32
    ref = np.asarray(_fn(name)(x.astype(np.float32).astype(np.float64)))
    fine = (np.abs(ref) > 1e-30) & (np.abs(ref) < 1e30)
    np.testing.assert_allclose(got[fine], ref[fine], rtol=5e-5)


def test_spence_derivative_closed_form():
    x = REF["spence/arg0"][1:]
    got = np.asarray(ax.vmap(ax.grad(sp.spence))(x))
    with np.errstate(divide="ignore", invalid="ignore"):
        ref = np.where(x == 1, -1.0, np.log(x) / (1 - x))
    np.testing.assert_allclose(got, ref, rtol=1e-13, atol=1e-300)


def test_wofz_dtypes():
    assert np.asarray(sp.wofz(np.float32(1.0))).dtype == np.complex64
    assert np.asarray(sp.wofz(np.complex64(1 + 1j))).dtype == np.complex64
    assert np.asarray(sp.wofz(1.0)).dtype == np.complex128


def test_exponential_integral_derivatives():
    # dE_n/dx = -E_{n-1}(x): the recorded grid holds every n from 0 to 12 on one x grid
    n, x = _args("expn")
    keep = (n >= 1) & (x > 0)
    got = np.asarray(ax.vmap(ax.grad(sp.expn, argnums=1))(n[keep], x[keep]))
    ref = REF["expn/scipy"].reshape(-1, 13)  # rows: x, columns: n
    below = -ref[:, :-1][keep.reshape(-1, 13)[:, 1:]]
    np.testing.assert_allclose(got, below, rtol=1e-13, atol=1e-300)
    x1 = _args("exp1")[0][2:]
    g1 = np.asarray(ax.vmap(ax.grad(sp.exp1))(x1))
    np.testing.assert_allclose(g1, -np.exp(-x1) / x1, rtol=1e-14, atol=1e-300)
    xi = _args("expi")[0]
    gi = np.asarray(ax.vmap(ax.grad(sp.expi))(xi))
    np.testing.assert_allclose(gi, np.exp(xi) / xi, rtol=1e-14, atol=1e-300)
    for v in (0.3, 2.5, 40.0):  # and the value's own slope
        num = numeric_grad(lambda t: float(sp.expn(3, t)), [v], argnum=0, eps=1e-6 * v)
        assert float(ax.grad(sp.expn, argnums=1)(3, v)) == pytest.approx(num, rel=1e-7)


def test_bessel_jn_derivative_recurrence():
    # J_n' = (J_{n-1} - J_{n+1}) / 2, J_0' = -J_1, on SciPy's recorded J_0 .. J_6
    z = _args("bessel_jn")[0]
    ref = REF["bessel_jn/scipy"]
    for order in (0, 3):
        got = np.asarray(ax.vmap(ax.grad(lambda t, k=order: sp.bessel_jn(t, v=6)[k]))(z))
        want = -ref[:, 1] if order == 0 else (ref[:, order - 1] - ref[:, order + 1]) / 2
        # the derivative of the algorithm (Miller's normalised recurrence, Hankel's series),
        # not the closed form: about 1e-11 absolute (JAX's, through its 50-step Miller
        # recurrence, is wrong outright past |z| ~ 40)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=2e-11)
    with pytest.raises(ValueError):
        sp.bessel_jn(1.0, v=-1)


def test_sph_harm_y_theta_derivative_and_batching():
    n, m, theta, phi = _args("sph_harm_y")

    def re(a, b, t, p):
        return sp.sph_harm_y(a[None], b[None], t[None], p[None], n_max=8)[0].real

    inner = (theta > 0) & (theta < np.pi)
    got = np.asarray(ax.vmap(ax.grad(re, argnums=2))(n, m, theta, phi))
    np.testing.assert_allclose(
        got[inner], REF["sph_harm_y/dtheta_re"][inner], rtol=1e-11, atol=1e-13
    )
    # rows of harmonics at once, against the row-by-row loop
    rows = [a[:60].reshape(6, 10) for a in (n, m, theta, phi)]
    batched = np.asarray(ax.vmap(lambda *r: sp.sph_harm_y(*r, n_max=8))(*rows))
    loop = np.array([sp.sph_harm_y(*(r[i] for r in rows), n_max=8) for i in range(6)])
    np.testing.assert_allclose(batched, loop, rtol=1e-15, atol=1e-16)
    # n_max defaults to max(n), which must then be concrete (JAX's rule)
    np.testing.assert_allclose(sp.sph_harm_y(n, m, theta, phi), REF["sph_harm_y/scipy"], atol=1e-14)
    with pytest.raises(TypeError):
        ax.jit(sp.sph_harm_y)(n, m, theta, phi)
    with pytest.raises(NotImplementedError):
        sp.sph_harm_y(n, m, theta, phi, diff_n=1)


@pytest.mark.slow
def test_hypergeometric_derivatives():
    # d/dx 1F1(a; b; x) = a / b 1F1(a + 1; b + 1; x); d/dx 2F1 = a b / c 2F1(a + 1, b + 1; c + 1)
    a, b, x = np.array([0.7, 2.5, 8.0]), np.array([2.5, 0.7, 20.0]), np.array([-3.0, 1.5, 40.0])
    gx = np.asarray(ax.vmap(ax.grad(sp.hyp1f1, argnums=2))(a, b, x))
    np.testing.assert_allclose(gx, a / b * np.asarray(sp.hyp1f1(a + 1, b + 1, x)), rtol=1e-12)
    c, y = np.array([3.3, 9.1, 1.7]), np.array([-2.0, 0.3, 0.8])
    gy = np.asarray(ax.vmap(ax.grad(sp.hyp2f1, argnums=3))(a, b, c, y))
    want = a * b / c * np.asarray(sp.hyp2f1(a + 1, b + 1, c + 1, y))
    np.testing.assert_allclose(gy, want, rtol=1e-11)
    for k in (0, 1):  # the parameters, against central differences
        got = np.asarray(ax.vmap(ax.grad(sp.hyp1f1, argnums=k))(a, b, x))
        for i in range(3):
            point = [float(a[i]), float(b[i]), float(x[i])]
            num = numeric_grad(lambda *p: float(sp.hyp1f1(*p)), point, argnum=k, eps=1e-6)
            assert got[i] == pytest.approx(num, rel=1e-6, abs=1e-9)


def _decimal_series(params, lower, x, terms=6000):
    """sum_k prod (p)_k / prod (q)_k x**k / k! in 40-digit decimals."""
    getcontext().prec = 40
    ps, qs, xd = (
        [Decimal(float(p)) for p in params],
        [Decimal(float(q)) for q in lower],
        Decimal(float(x)),
    )
    total = term = Decimal(1)
    for k in range(terms):
        for p in ps:
            term *= p + k
        for q in qs:
            term /= q + k
        term = term * xd / (k + 1)
        total += term
        if k > 50 and abs(term) < Decimal(10) ** -36 * abs(total):
            break
    return total


def _scipy_off(got, ref):
    return np.isfinite(ref) & (np.abs(got - ref) > 5e-14 * np.abs(ref))


@pytest.mark.slow
def test_hypergeometric_where_scipy_disagrees_against_decimal_series():
    # SciPy loses digits at some of the recorded points (1e-11 for 2F1(7.5, -2.5; 3.3;
    # 0.9), 2e-9 at 0.99; 5e-13 for 1F1(0.1; b; -2.2)): there, a 40-digit direct series
    # (after Pfaff's step for x < 0) is the reference
    for name, rtol in (("hyp1f1", 5e-14), ("hyp2f1", 5e-12)):
        args = _args(name)
        got = np.asarray(_fn(name)(*args))
        for i in np.nonzero(_scipy_off(got, REF[f"{name}/scipy"]))[0]:
            p = [float(v[i]) for v in args]
            if name == "hyp1f1":
                exact = _decimal_series(p[:1], p[1:2], p[2])
            else:
                a, b, c, x = p
                assert x < 1, (p, got[i])  # Gauss's closed form at x = 1 must agree
                if x < 0:
                    w = Decimal(x) / (Decimal(x) - 1)
                    exact = _decimal_series([a, c - b], [c], w, terms=40000)
                    exact *= (1 - Decimal(x)) ** Decimal(-a)
                else:
                    exact = _decimal_series([a, b], [c], x, terms=40000)
            assert abs(got[i] - float(exact)) <= rtol * abs(float(exact)), (name, p, got[i], exact)
