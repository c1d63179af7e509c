"""axcomp.nn, axcomp.scipy.special and the jnp math family (nn/functions.py,
scipy/special/, lax/special_approximations.py, numpy/elementwise.py):
values against NumPy / SciPy / math, vmap against the loop oracle (in_axes 0, 1, None,
nested), jit, grad against finite differences, JAX's conventions at kinks, refusals."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from gradcheck import numeric_grad
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import loop_vmap

import axcomp as ax
import axcomp.numpy as anp
from axcomp import nn
from axcomp.errors import UnsupportedError
from axcomp.scipy import special as sp

SETTINGS = settings(deadline=None, max_examples=15, suppress_health_check=[HealthCheck.too_slow])
RNG = np.random.default_rng(12)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def close(a, b, rtol=1e-12, atol=1e-12):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol, equal_nan=True)


SPECIAL_X = np.concatenate(
    [
        np.linspace(-30, 30, 3001),
        [0.0, -0.0, 1.0, -1.0, 4.0, -4.0, 26.0, 27.5, 1e-300, 1e10, -1e10 - 0.5],
        [np.inf, -np.inf, np.nan],
    ]
)


def _math_ref(name, x):
    fn = {"erf": math.erf, "erfc": math.erfc, "gammaln": math.lgamma}[name]
    out = []
    for v in x:
        try:
            out.append(fn(v) if not math.isnan(v) else math.nan)
        except ValueError:  # lgamma at a pole
            out.append(math.inf)
    return np.array(out)


@pytest.mark.parametrize("name", ["erf", "erfc", "gammaln"])
def test_special_against_math(name):
    x = SPECIAL_X
    got = getattr(sp, name)(x)
    ref = _math_ref(name, x)
    if name == "gammaln":
        ref = np.where(x == -np.inf, np.inf, ref)
    rel = 1e-13 if name != "gammaln" else 1e-12
    tiny = (np.abs(ref) < 1e-300) & (name == "erfc")  # erfc's subnormal tail
    close(got[~tiny], ref[~tiny], rtol=rel, atol=1e-14)
    close(got[tiny], ref[tiny], rtol=0, atol=1e-300)


@pytest.mark.parametrize("name", ["erf", "erfc", "gammaln", "digamma"])
def test_special_against_scipy(name):
    ss = pytest.importorskip("scipy.special")
    x = SPECIAL_X[np.abs(SPECIAL_X) < 1e9]
    ref = getattr(ss, name)(x)
    if name == "digamma":  # JAX: nan at the poles and at -inf
        ref = np.where((x <= 0) & (x == np.round(x)), np.nan, ref)
    got = getattr(sp, name)(x)
    big = np.abs(ref) > 1e-300
    close(got[big], ref[big], rtol=1e-11 if name == "digamma" else 1e-12, atol=1e-13)
    x32 = x.astype(np.float32)
    got32 = getattr(sp, name)(x32)
    assert got32.dtype == np.float32
    ref32 = getattr(ss, name)(x32.astype(np.float64))
    if name == "digamma":
        ref32 = np.where((x32 <= 0) & (x32 == np.round(x32)), np.nan, ref32)
        ok = np.abs(x32 - np.round(x32)) > 1e-2  # f32 argument reduction near the poles
        close(got32[ok], ref32[ok], rtol=1e-4, atol=1e-4)
    else:
        close(got32, ref32, rtol=3e-6, atol=1e-5)


def test_special_edges():
    close(
        sp.digamma(np.array([1.0, 0.5, np.inf, -np.inf, 0.0, -3.0])),
        [-0.5772156649015329, -1.9635100260214235, np.inf, np.nan, np.nan, np.nan],
    )
    close(sp.gammaln(np.array([0.0, -2.0, np.inf, 3.0])), [np.inf, np.inf, np.inf, math.log(2)])
    close(
        sp.xlogy(np.array([0.0, 0.0, 0.0, 2.0]), np.array([0.0, -1.0, np.nan, 3.0])),
        [0.0, 0.0, np.nan, 2 * math.log(3)],
    )
    close(sp.xlog1py(np.array([0.0, 2.0]), np.array([-1.0, 3.0])), [0.0, 2 * math.log(4)])
    assert sp.erf(np.arange(3)).dtype == np.float64
    assert sp.erf(np.float16(0.5)).dtype == np.float16
    close(sp.betainc(1.0, 2.0, 0.5), 0.75)  # I_x(1, b) = 1 - (1 - x)**b


def test_special_grads():
    x = np.array([0.3, -0.7, 1.5, 2.2, 4.5, -5.0])
    g = ax.grad(lambda v: sp.erf(v).sum())(x)
    close(g, 2 / math.sqrt(math.pi) * np.exp(-(x**2)), rtol=1e-10, atol=1e-14)
    g = ax.grad(lambda v: sp.erfc(v).sum())(x)
    close(g, -2 / math.sqrt(math.pi) * np.exp(-(x**2)), rtol=1e-10, atol=1e-14)
    p = np.array([0.3, 1.7, 3.5, 9.0, 20.0, -2.5])
    close(ax.grad(lambda v: sp.gammaln(v).sum())(p), sp.digamma(p), rtol=1e-10, atol=1e-12)
    f = lambda v: sp.digamma(v).sum()  # noqa: E731
    close(ax.grad(f)(p), numeric_grad(f, [p]), rtol=1e-6, atol=1e-6)
    gx, gy = ax.grad(lambda a, b: sp.xlogy(a, b).sum(), argnums=(0, 1))(
        np.array([0.0, 1.5]), np.array([2.0, 3.0])
    )
    close(gx, np.log([2.0, 3.0]))  # JAX: d/dx xlogy = log(y), also at x == 0
    close(gy, [0.0, 0.5])


# ------------------------------------------------------------------ nn
def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


NN_REFS = {
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": _sigmoid,
    "softplus": lambda x: np.logaddexp(x, 0),
    "log_sigmoid": lambda x: -np.logaddexp(-x, 0),
    "silu": lambda x: x * _sigmoid(x),
    "swish": lambda x: x * _sigmoid(x),
    "gelu": lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
}


@pytest.mark.parametrize("name", sorted(NN_REFS))
def test_activations(name):
    x = np.concatenate([RNG.normal(size=50) * 5, [0.0, 800.0, -800.0]])
    close(getattr(nn, name)(x), NN_REFS[name](x))
    f = lambda v: getattr(nn, name)(v).sum()  # noqa: E731
    p = RNG.normal(size=6) + 0.05
    close(ax.grad(f)(p), numeric_grad(f, [p]), rtol=1e-6, atol=1e-7)
    x32 = x.astype(np.float32)
    assert getattr(nn, name)(x32).dtype == np.float32


def test_gelu_exact_and_kinks():
    ss = pytest.importorskip("scipy.special")
    x = RNG.normal(size=20) * 3
    close(nn.gelu(x, approximate=False), 0.5 * x * (1 + ss.erf(x / np.sqrt(2))))
    # JAX: relu'(0) = 0, softplus'(0) = 1/2, a logaddexp tie sends half to each side
    assert ax.grad(nn.relu)(0.0) == 0.0
    assert ax.grad(nn.softplus)(0.0) == 0.5
    close(ax.grad(anp.logaddexp, argnums=(0, 1))(1.0, 1.0), (0.5, 0.5))
    close(nn.relu(np.array([np.nan])), [np.nan])
    assert np.isfinite(ax.grad(lambda v: nn.sigmoid(v).sum())(np.array([-800.0, 800.0]))).all()


def _softmax_ref(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@SETTINGS
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    data=st.data(),
)
def test_softmax_family_hypothesis(shape, data):
    x = RNG.normal(size=shape) * 10
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    close(nn.softmax(x, axis=axis), _softmax_ref(x, axis))
    close(nn.log_softmax(x, axis=axis), np.log(_softmax_ref(x, axis)))
    keep = data.draw(st.booleans())
    m = x.max(axis=axis, keepdims=True)
    ref = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
    close(nn.logsumexp(x, axis=axis, keepdims=keep), ref if keep else np.squeeze(ref, axis))
    close(sp.logsumexp(x), np.log(np.exp(x - x.max()).sum()) + x.max())


def test_softmax_stability_and_grads():
    x = np.array([[1000.0, 1000.0, -np.inf], [-np.inf, -np.inf, -np.inf]])
    close(nn.softmax(x[:1]), [[0.5, 0.5, 0.0]])
    close(sp.logsumexp(x, axis=1), [1000 + math.log(2), -np.inf])
    close(
        sp.logsumexp(np.array([1.0, 2.0]), b=np.array([1.0, 0.5])),
        math.log(math.e + 0.5 * math.e**2),
    )
    p = RNG.normal(size=(3, 4))
    close(ax.grad(lambda v: sp.logsumexp(v))(p), np.exp(p) / np.exp(p).sum())
    w = RNG.normal(size=(3, 4))
    for f in (
        lambda v: (nn.softmax(v, axis=0) * w).sum(),
        lambda v: (nn.log_softmax(v) * w).sum(),
        lambda v: (nn.logsumexp(v, axis=1) * w[:, 0]).sum(),
        lambda v: (nn.standardize(v, axis=-1) * w).sum(),
    ):
        close(ax.grad(f)(p), numeric_grad(f, [p]), rtol=1e-6, atol=1e-7)


def test_one_hot_and_standardize():
    idx = np.array([[0, 2], [3, -1]])
    ref = (idx[..., None] == np.arange(3)).astype(np.float64)
    close(nn.one_hot(idx, 3), ref)
    close(nn.one_hot(idx, 3, axis=0), np.moveaxis(ref, -1, 0))
    assert nn.one_hot(idx, 3, dtype=np.int32).dtype == np.int32
    f = ax.vmap(lambda i: nn.one_hot(i, 4))
    close(f(np.array([1, 3])), np.eye(4)[[1, 3]])
    x = RNG.normal(size=(4, 5))
    mu = x.mean(-1, keepdims=True)
    var = (x**2).mean(-1, keepdims=True) - mu**2
    close(nn.standardize(x), (x - mu) / np.sqrt(var + 1e-5))
    close(nn.normalize(x, axis=0, epsilon=0.1), (x - x.mean(0)) / np.sqrt(x.var(0) + 0.1))
    with pytest.raises(TypeError):
        ax.jit(lambda i, n: nn.one_hot(i, n))(idx, np.int64(3) * np.ones((), int))


# ------------------------------------------------------------------ vmap / jit / oracle
def _kernel(a, b):
    return (
        nn.softmax(a) * sp.erf(b).sum()
        + anp.logaddexp(a, b[0])
        + nn.gelu(a, approximate=False)
        + sp.gammaln(anp.abs(a) + 0.5)
        + sp.digamma(anp.abs(b[:1]) + 1.0)
        + anp.var(a, ddof=1)
        + a.std()
        + anp.nanmean(b)
        + anp.nanmax(a)
        + anp.round(a, 2)
        + sp.xlogy(a, anp.abs(b[0]))
        + nn.one_hot(anp.argmax(a), a.shape[0])
    )


@pytest.mark.parametrize("in_axes", [(0, 0), (1, None), (None, 1)])
def test_vmap_against_loop(in_axes):
    a = RNG.normal(size=(3, 3))
    b = RNG.normal(size=(3, 3))
    got = ax.vmap(_kernel, in_axes=in_axes)(a, b)
    close(got, loop_vmap(_kernel, in_axes=in_axes)(a, b), rtol=1e-10, atol=1e-12)
    jitted = ax.jit(ax.vmap(_kernel, in_axes=in_axes))(a, b)
    close(jitted, got, rtol=1e-12, atol=1e-12)


def test_nested_vmap_and_grad():
    a = RNG.normal(size=(2, 3, 4))
    b = RNG.normal(size=(3, 4))
    inner = ax.vmap(_kernel, in_axes=(0, None))
    got = ax.vmap(inner, in_axes=(0, None))(a, b)
    ref = loop_vmap(loop_vmap(_kernel, in_axes=(0, None)), in_axes=(0, None))(a, b)
    close(got, ref, rtol=1e-10, atol=1e-12)

    def loss(p, q):
        return (
            (ax.vmap(lambda r: nn.log_softmax(r) * q + nn.softplus(r) + nn.gelu(r))(p)).sum()
            + anp.logaddexp2(p, q).sum()
            + anp.var(p, axis=0, ddof=1).sum()
            + anp.nansum(p)
        )

    p, q = RNG.normal(size=(3, 4)), RNG.normal(size=(4,))
    close(ax.grad(loss)(p, q), numeric_grad(loss, [p, q]), rtol=1e-6, atol=1e-6)
    close(
        ax.grad(loss, argnums=1)(p, q), numeric_grad(loss, [p, q], argnum=1), rtol=1e-6, atol=1e-6
    )


# ------------------------------------------------------------------ jnp math
def test_math_eager_is_numpy():
    x = np.array([1.25, 2.5, np.nan, np.inf, -np.inf])
    assert anp.round is not None and np.array_equal(anp.round(x, 1), np.round(x, 1), equal_nan=True)
    np.testing.assert_array_equal(anp.nan_to_num(x), np.nan_to_num(x))
    assert anp.nanmax(x[:2]) == 2.5


MATH_CASES = {
    "logaddexp": (lambda a, b: anp.logaddexp(a, b), np.logaddexp),
    "logaddexp2": (lambda a, b: anp.logaddexp2(a, b), np.logaddexp2),
    "round1": (lambda a, b: anp.round(a * 100, 1), lambda a, b: np.round(a * 100, 1)),
    "round-1": (lambda a, b: anp.around(a * 100, -1), lambda a, b: np.around(a * 100, -1)),
    "round_m": (lambda a, b: (a * 10).round(), lambda a, b: (a * 10).round()),
    "nan_to_num": (
        lambda a, b: anp.nan_to_num(a / b, nan=-1.0, posinf=9.0),
        lambda a, b: np.nan_to_num(a / b, nan=-1.0, posinf=9.0),
    ),
    "nansum": (
        lambda a, b: anp.nansum(anp.log(a), axis=0),
        lambda a, b: np.nansum(np.log(a), axis=0),
    ),
    "nanmean": (
        lambda a, b: anp.nanmean(anp.log(a), axis=-1, keepdims=True),
        lambda a, b: np.nanmean(np.log(a), axis=-1, keepdims=True),
    ),
    "nanmax": (
        lambda a, b: anp.nanmax(anp.log(a), axis=1),
        lambda a, b: np.nanmax(np.log(a), axis=1),
    ),
    "nanmin": (lambda a, b: anp.nanmin(anp.log(a)), lambda a, b: np.nanmin(np.log(a))),
    "var": (lambda a, b: anp.var(a, axis=0, ddof=1), lambda a, b: np.var(a, axis=0, ddof=1)),
    "std": (lambda a, b: anp.std(a, keepdims=True), lambda a, b: np.std(a, keepdims=True)),
    "var_m": (lambda a, b: a.var(axis=1), lambda a, b: a.var(axis=1)),
    "std_m": (lambda a, b: b.std(ddof=2), lambda a, b: b.std(ddof=2)),
}


@pytest.mark.parametrize("name", sorted(MATH_CASES))
def test_math_traced(name):
    traced, ref = MATH_CASES[name]
    a = RNG.normal(size=(3, 4))
    a[0, 1] = -1.0  # log -> nan
    a[1] = -2.0  # a whole nan row
    b = np.where(RNG.random((3, 4)) < 0.3, 0.0, RNG.normal(size=(3, 4)))
    close(ax.jit(traced)(a, b), ref(a, b))
    batch = np.stack([a, a[::-1] * 2.0], axis=1)  # the batch on axis 1
    got = ax.vmap(traced, in_axes=(1, None))(batch, b)
    close(got, loop_vmap(ref, in_axes=(1, None))(batch, b))


def test_numpy_ufunc_on_tracers():
    a, b = RNG.normal(size=3), RNG.normal(size=3)
    close(ax.vmap(np.logaddexp)(a, b), np.logaddexp(a, b))
    close(ax.jit(lambda u, v: np.logaddexp2(u, v))(a, b), np.logaddexp2(a, b))


def test_round_ints_and_var_dtypes():
    i = np.array([15, 25, -15, 14, 5, -5])
    for d in (-1, 0, 2):
        np.testing.assert_array_equal(ax.jit(lambda v, d=d: anp.round(v, d))(i), np.round(i, d))
    x32 = RNG.normal(size=5).astype(np.float32)
    assert ax.jit(anp.var)(x32).dtype == np.float32
    assert ax.jit(anp.std)(np.arange(5)).dtype == np.float64
    close(ax.jit(lambda v: anp.var(v, ddof=1))(np.arange(5)), np.var(np.arange(5), ddof=1))
    assert np.isnan(ax.jit(lambda v: anp.nanmean(v))(np.array([np.nan])))


def test_array_api_backend():
    xp = pytest.importorskip("array_api_strict")
    a = RNG.normal(size=(3, 3))
    b = RNG.normal(size=(3, 3))

    def k(u, v):
        return (
            (nn.softmax(u) + sp.erf(v) + sp.gammaln(u * u + 1) + anp.logaddexp2(u, v) + anp.var(u))
            + anp.median(u)
            + anp.round(v, 1)
            + sp.digamma(u * u + 1)
        )

    f = ax.vmap(k)
    got = f(xp.asarray(a), xp.asarray(b))
    assert type(got) is type(xp.asarray(0.0))
    close(np.asarray(got), f(a, b))


# ------------------------------------------------------------------ order statistics
@pytest.mark.parametrize("method", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_methods(method):
    x = RNG.normal(size=(3, 4, 5))
    x[0, 0, 0] = x[0, 0, 1]  # a tie
    q = np.array([0.0, 0.3, 0.5, 1.0])
    kws = [{}, {"axis": 1}, {"axis": -1, "keepdims": True}, {"axis": (0, 2)}]
    for kw in kws if method == "linear" else kws[2:]:
        got = ax.jit(lambda v, w, kw=kw: anp.quantile(v, w, method=method, **kw))(x, q)
        close(got, np.quantile(x, q, method=method, **kw), rtol=1e-13)
    close(ax.jit(lambda v: anp.percentile(v, 40.0, axis=0))(x), np.percentile(x, 40.0, axis=0))


def test_median_vmap_grad_nan():
    x = RNG.normal(size=(4, 6))
    close(ax.jit(lambda v: anp.median(v, axis=1))(x), np.median(x, axis=1))
    close(ax.jit(lambda v: anp.median(v[:, :5]))(x), np.median(x[:, :5]))
    k = lambda r: anp.median(r) + anp.quantile(r, 0.25)  # noqa: E731
    close(ax.vmap(k, in_axes=1)(x), loop_vmap(k, in_axes=1)(x))
    f = lambda v: ax.vmap(k)(v).sum()  # noqa: E731
    close(ax.grad(f)(x), numeric_grad(f, [x]), rtol=1e-6, atol=1e-7)
    y = x.copy()
    y[1, 2] = np.nan
    close(ax.jit(lambda v: anp.median(v, axis=1))(y), np.median(y, axis=1))
    with pytest.raises(UnsupportedError, match="method"):
        ax.jit(lambda v: anp.quantile(v, 0.5, method="weibull"))(x)
