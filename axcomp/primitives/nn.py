"""The ``jnp`` math built from elementwise ops and reductions (``logaddexp``, ``round``,
``nan_to_num``, the ``nan*`` reductions, ``var``/``std``, ``quantile``), exported to
``axcomp.numpy``, and the ``softmax``/``log_softmax`` builders that ``axcomp.nn`` and
``scipy.special`` (``special_entropy.py``) share. ``jax.nn`` itself is ``axcomp/nn/``.

Every function is a composition of existing primitives (elementwise, reductions), so
lowering, both backends and reverse mode come for free. The compositions are chosen to
stay finite in both branches of every ``where`` (so no ``nan`` leaks into a gradient):
``logaddexp`` splits a tie's cotangent in halves.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ArgumentTypeError, UnsupportedError
from ..tracing.build import Value, lift, normalize_axes, trace_of
from ..tracing.tracer import Tracer
from .api import export
from .contraction import multiply, transpose
from .elementwise import elementwise
from .reductions import inexact_dtype, mean, reduce, reduce_sum, with_inexact_default
from .shape import astype, reshape
from .special import float_input


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


def _t(x: Value) -> Tracer:
    return lift(x, trace_of((x,)))


# ------------------------------------------------------------------ softmax builders
# axcomp.nn's softmax/log_softmax and scipy.special's (primitives/special_entropy.py) call these
def _shifted(t: Tracer, axis: Any) -> tuple[Tracer, tuple[int, ...]]:
    """``x - max(x)`` along ``axis`` (infinite maxima replaced by 0, as in JAX)."""
    axes = normalize_axes(axis, t.ndim)
    m = reduce("max", t, axis=axes, keepdims=True)
    m = _e("where", _e("isfinite", m), m, 0.0)
    return _e("subtract", t, m), axes


def softmax(x: Value, axis: Any = -1) -> Tracer:
    """``exp(x) / sum(exp(x))`` along ``axis`` (an int or a tuple), shifted by the maximum."""
    t = float_input(x)
    s, axes = _shifted(t, axis)
    e = _e("exp", s)
    return _e("true_divide", e, reduce_sum(e, axis=axes, keepdims=True))


def log_softmax(x: Value, axis: Any = -1) -> Tracer:
    """``x - logsumexp(x)`` along ``axis``, shifted by the maximum."""
    t = float_input(x)
    s, axes = _shifted(t, axis)
    return _e("subtract", s, _e("log", reduce_sum(_e("exp", s), axis=axes, keepdims=True)))


# ------------------------------------------------------------------ jnp math
def _pair(x1: Value, x2: Value) -> tuple[Tracer, Tracer]:
    trace = trace_of((x1, x2))
    a, b = lift(x1, trace), lift(x2, trace)
    dtype = np.result_type(np.logaddexp(np.ones(1, a.dtype), np.ones(1, b.dtype)))
    if a.dtype != dtype and not isinstance(x1, (int, float)):
        a = astype(a, dtype)
    if b.dtype != dtype and not isinstance(x2, (int, float)):
        b = astype(b, dtype)
    return a, b


def _logaddexp(a: Tracer, b: Tracer, log1p_exp: Any) -> Tracer:
    # the larger argument by a where that sends ties to a: with abs'(0) = 1 each side of a
    # tie gets half the cotangent (JAX's rule); nan or inf - inf falls back to a + b
    delta = _e("subtract", a, b)
    amax = _e("where", _e("greater_equal", a, b), a, b)
    out = _e("add", amax, log1p_exp(_e("negative", _e("absolute", delta))))
    return _e("where", _e("isnan", delta), _e("add", a, b), out)


@export("numpy")
def logaddexp(x1: Value, x2: Value) -> Tracer:
    """``log(exp(x1) + exp(x2))`` without overflow, as ``numpy.logaddexp``."""
    a, b = _pair(x1, x2)
    return _logaddexp(a, b, lambda d: _e("log1p", _e("exp", d)))


@export("numpy")
def logaddexp2(x1: Value, x2: Value) -> Tracer:
    """``log2(2**x1 + 2**x2)`` without overflow, as ``numpy.logaddexp2``."""
    a, b = _pair(x1, x2)
    return _logaddexp(a, b, _log1p_exp2)


def _log1p_exp2(d: Tracer) -> Tracer:
    # 2**d as exp(d ln 2): the Array API standard has no exp2
    return multiply(1 / math.log(2), _e("log1p", _e("exp", multiply(d, math.log(2)))))


@export("numpy")
def nan_to_num(
    x: Value, copy: bool = True, nan: float = 0.0, posinf: Any = None, neginf: Any = None
) -> Tracer:
    """``nan`` to ``nan``, ``inf`` to ``posinf`` (the largest float), ``-inf`` to ``neginf``."""
    t = _t(x)
    if t.dtype.kind not in "fc":
        return t
    if t.dtype.kind == "c":
        raise UnsupportedError("nan_to_num: complex inputs are not supported by axcomp")
    info = np.finfo(t.dtype)
    hi = np.asarray(info.max if posinf is None else posinf, t.dtype)
    lo = np.asarray(info.min if neginf is None else neginf, t.dtype)
    out = _e("where", _e("isnan", t), np.asarray(nan, t.dtype), t)
    out = _e("where", _e("equal", t, math.inf), hi, out)
    return _e("where", _e("equal", t, -math.inf), lo, out)


def _nan_free(a: Value, fill: float) -> tuple[Tracer, Tracer | None]:
    t = _t(a)
    if t.dtype.kind not in "fc":
        return t, None
    isnan = _e("isnan", t)
    return _e("where", isnan, np.asarray(fill, t.dtype), t), isnan


@export("numpy")
def nansum(a: Value, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Tracer:
    """``sum`` with nan entries counted as zero."""
    t, _ = _nan_free(a, 0.0)
    return reduce_sum(t, axis=axis, dtype=dtype, keepdims=keepdims)


@export("numpy")
def nanmean(a: Value, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Tracer:
    """``mean`` over the entries that are not nan (nan where there are none)."""
    t, isnan = _nan_free(a, 0.0)
    if isnan is None:
        return mean(t, axis=axis, dtype=dtype, keepdims=keepdims)
    target = t.dtype if dtype is None else np.dtype(dtype)
    total = reduce_sum(t, axis=axis, dtype=target, keepdims=keepdims)
    count = reduce_sum(_e("logical_not", isnan), axis=axis, dtype=target, keepdims=keepdims)
    return _e("true_divide", total, count)


def _nanext(fn: str, a: Value, axis: Any, keepdims: bool) -> Tracer:
    t, isnan = _nan_free(a, -math.inf if fn == "max" else math.inf)
    out = reduce(fn, t, axis=axis, keepdims=keepdims)
    if isnan is None:
        return out
    every = reduce("all", isnan, axis=axis, keepdims=keepdims)
    return _e("where", every, np.asarray(math.nan, t.dtype), out)


@export("numpy")
def nanmax(a: Value, axis: Any = None, keepdims: bool = False) -> Tracer:
    """``max`` ignoring nan entries (nan where every entry is nan)."""
    return _nanext("max", a, axis, keepdims)


@export("numpy")
def nanmin(a: Value, axis: Any = None, keepdims: bool = False) -> Tracer:
    """``min`` ignoring nan entries (nan where every entry is nan)."""
    return _nanext("min", a, axis, keepdims)


def _var(a: Value, axis: Any, dtype: Any, ddof: Any, keepdims: bool, correction: Any) -> Tracer:
    if correction is not None:
        ddof = correction
    if isinstance(ddof, Tracer):
        raise ArgumentTypeError("var: ddof must be static, not a traced value")
    t = _t(a)
    if t.dtype.kind == "c":
        raise UnsupportedError("var/std: complex inputs are not supported by axcomp")
    axes = normalize_axes(axis, t.ndim)
    target = inexact_dtype(t.dtype) if dtype is None else np.dtype(dtype)
    if t.dtype != target:
        t = astype(t, target)
    dev = _e("subtract", t, mean(t, axis=axes, keepdims=True))
    total = reduce_sum(multiply(dev, dev), axis=axes, keepdims=keepdims)
    n = math.prod(t.shape[i] for i in axes)
    with np.errstate(all="ignore"):
        return _e("true_divide", total, np.asarray(max(n - ddof, 0), target))


@export("numpy")
@export("methods")
def var(
    a: Value,
    axis: Any = None,
    dtype: Any = None,
    out: None = None,
    ddof: Any = 0,
    keepdims: bool = False,
    *,
    correction: Any = None,
) -> Tracer:
    """The variance ``sum(|x - mean|**2) / (n - ddof)`` along ``axis``, as NumPy."""
    return _var(a, axis, dtype, ddof, keepdims, correction)


@export("numpy")
@export("methods")
def std(
    a: Value,
    axis: Any = None,
    dtype: Any = None,
    out: None = None,
    ddof: Any = 0,
    keepdims: bool = False,
    *,
    correction: Any = None,
) -> Tracer:
    """The standard deviation, ``sqrt(var(a, axis, ddof=ddof))``."""
    return _e("sqrt", _var(a, axis, dtype, ddof, keepdims, correction))


var.__axcomp_eager__ = with_inexact_default(np.var)  # type: ignore[attr-defined]
std.__axcomp_eager__ = with_inexact_default(np.std)  # type: ignore[attr-defined]


# ------------------------------------------------------------------ order statistics
_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _ranked(t: Tracer, axis: Any) -> tuple[Tracer, Tracer, tuple[int, ...], int]:
    """(x with the reduced axes flattened last, each entry's rank there, the kept shape, n).

    The rank counts the smaller entries (earlier equal ones too, so ranks are a
    permutation): an n-by-n comparison table per example instead of a sort."""
    axes = normalize_axes(axis, t.ndim)
    rest = [i for i in range(t.ndim) if i not in axes]
    moved = transpose(t, (*rest, *axes)) if list(axes) != list(range(t.ndim))[len(rest) :] else t
    kept = tuple(t.shape[i] for i in rest)
    n = math.prod(t.shape[i] for i in axes)
    if n == 0:
        raise UnsupportedError("quantile/median of an empty axis (zero-size reduction)")
    x = reshape(moved, (*kept, n))
    later = np.arange(n)[None, :] < np.arange(n)[:, None]  # [i, j]: j before i
    xi = reshape(x, (*kept, n, 1))
    xj = reshape(x, (*kept, 1, n))
    before = _e("logical_or", _e("less", xj, xi), _e("logical_and", _e("equal", xj, xi), later))
    rank = reduce_sum(astype(before, np.int64), axis=-1)
    return x, rank, kept, n


def _order_stat(x: Tracer, rank: Tracer, k: Tracer) -> Tracer:
    """The k-th smallest entry (k's dims in front of the kept ones)."""
    kk = reshape(k, (*k.shape, *(1,) * x.ndim))  # q dims, kept dims, n
    pick = _e("equal", rank, kk)
    return reduce_sum(_e("where", pick, x, np.zeros((), x.dtype)), axis=-1)


def _quantile(a: Value, q: Value, axis: Any, method: str, keepdims: bool) -> Tracer:
    if method not in _METHODS:
        raise UnsupportedError(
            f"quantile: method {method!r} is not supported; use one of {_METHODS}"
        )
    t = float_input(a)
    if t.dtype.kind == "c":
        raise UnsupportedError("quantile: complex inputs are not supported by axcomp")
    tq = _t(q)
    x, rank, kept, n = _ranked(t, axis)
    pos = multiply(astype(tq, t.dtype) if tq.dtype != t.dtype else tq, float(n - 1))
    lo = _e("floor", pos)
    hi = _e("ceil", pos)
    if method == "lower":
        out = _order_stat(x, rank, lo)
    elif method == "higher":
        out = _order_stat(x, rank, hi)
    elif method == "nearest":
        out = _order_stat(x, rank, _e("rint", pos))
    else:
        a_lo, a_hi = _order_stat(x, rank, lo), _order_stat(x, rank, hi)
        if method == "midpoint":
            out = multiply(_e("add", a_lo, a_hi), 0.5)
        else:  # NumPy's lerp: exact at both ends
            frac = reshape(_e("subtract", pos, lo), (*tq.shape, *(1,) * len(kept)))
            diff = _e("subtract", a_hi, a_lo)
            out = _e(
                "where",
                _e("greater_equal", frac, 0.5),
                _e("subtract", a_hi, multiply(diff, _e("subtract", 1.0, frac))),
                _e("add", a_lo, multiply(diff, frac)),
            )
    anynan = reduce("any", _e("isnan", x), axis=-1)
    out = _e("where", anynan, np.asarray(math.nan, out.dtype), out)
    if keepdims:
        axes = normalize_axes(axis, t.ndim)
        out = reshape(out, (*tq.shape, *(1 if i in axes else s for i, s in enumerate(t.shape))))
    return out


@export("numpy")
def quantile(
    a: Value,
    q: Value,
    axis: Any = None,
    out: None = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: bool = False,
) -> Tracer:
    """The ``q``-th quantiles along ``axis`` (q's dims first, as NumPy); ``method`` linear,
    lower, higher, midpoint or nearest. Ranks by an n-by-n comparison per example."""
    return _quantile(a, q, axis, method, keepdims)


@export("numpy")
def percentile(
    a: Value,
    q: Value,
    axis: Any = None,
    out: None = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: bool = False,
) -> Tracer:
    """``quantile(a, q / 100)``."""
    return _quantile(a, _e("true_divide", _t(q), 100), axis, method, keepdims)


@export("numpy")
def median(
    a: Value,
    axis: Any = None,
    out: None = None,
    overwrite_input: bool = False,
    keepdims: bool = False,
) -> Tracer:
    """The median along ``axis`` (the mean of the two middle entries for even counts)."""
    return _quantile(a, 0.5, axis, "midpoint", keepdims)
