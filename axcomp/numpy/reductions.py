"""Reductions in ``jax.numpy``: ``sum``/``prod``/``max``/``min``/``any``/``all``/
``argmax``/``argmin``, ``mean``/``average``/``var``/``std``, ``ptp``, ``count_nonzero``,
``trace``, order statistics (``quantile``/``percentile``/``median``), the ``nan*``
variants and the running ``cumsum``/``cumprod``/``cumulative_*``."""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import primitives as _ops
from ..core.dtype_promotion import cumulative_dtype, inexact_result, summing_dtype, to_inexact
from ..errors import (
    ArgumentTypeError,
    ArgumentValueError,
    IncompatibleShapesError,
    ShapeError,
    UnsupportedError,
)
from ..primitives.contraction import multiply, transpose
from ..primitives.cumulative import cumprod_p, cumsum_p, scan
from ..primitives.elementwise import elementwise as _e
from ..primitives.order import diagonal as _diagonal
from ..primitives.reductions import inexact_dtype, reduce, reduce_sum, with_inexact_default
from ..primitives.shape import astype, broadcast_to, reshape
from ..tracing.build import Value, normalize_axes, normalize_axis
from ..tracing.tracer import Tracer
from .dispatch import any_traced, numpy_function
from .dtypes import iscomplexobj
from .namespace import as_float as _as_float
from .namespace import float_dtype as _float_dtype
from .namespace import jnp as _jnp
from .slice_warnings import (
    few_entries,
    nan_extremum,
    quiet_on_few_entries,
    quiet_on_nans,
    slice_warnings_ignored,
)
from .traced_values import lift_value as _one
from .traced_values import lift_value as _t


@numpy_function()
def count_nonzero(a: Value, axis: Any = None, *, keepdims: bool = False) -> Tracer:
    """``numpy.count_nonzero`` along ``axis`` (all axes when None); int64 counts."""
    t = _one(a)
    return reduce_sum(
        astype(_e("not_equal", t, 0), np.int64), axis=axis, dtype=np.int64, keepdims=keepdims
    )


@numpy_function()
def ptp(a: Value, axis: Any = None, out: Any = None, keepdims: bool = False) -> Tracer:
    """``numpy.ptp``: max - min along ``axis``."""
    if out is not None:
        raise UnsupportedError("ptp: out= is not supported on traced values")
    t = _one(a)
    return _e(
        "subtract",
        reduce("max", t, axis=axis, keepdims=keepdims),
        reduce("min", t, axis=axis, keepdims=keepdims),
    )


def _np_average(a: Any, axis: Any = None, weights: Any = None, *rest: Any, **kw: Any) -> Any:
    """``numpy.average`` in JAX's dtype: ``a`` and ``weights`` promoted together and made
    inexact (``inexact_result``: float32 weights keep a float32 average of integers)."""
    arr = np.asarray(a)
    dtype = to_inexact(arr.dtype) if weights is None else inexact_result(arr, weights)
    if weights is not None:
        weights = np.asarray(weights).astype(dtype, copy=False)
    run: Callable[..., Any] = np.average  # (its overloads want a literal ``returned``)
    return run(arr.astype(dtype, copy=False), axis, weights, *rest, **kw)


@numpy_function(quiet_on_few_entries(_np_average))
def average(
    a: Value,
    axis: Any = None,
    weights: Any = None,
    returned: bool = False,
    *,
    keepdims: bool = False,
) -> Any:
    """``numpy.average``: the ``weights``-weighted mean along ``axis``; with ``returned``
    also the sum of the weights (broadcast to the average's shape)."""
    t = _one(a)
    if weights is None:
        dtype = inexact_dtype(t.dtype)
        tf = astype(t, dtype)
        avg = _e("true_divide", reduce_sum(tf, axis=axis, keepdims=keepdims), 1)
        count = t.size if axis is None else None
        if count is None:
            axes = (axis,) if isinstance(axis, int) else tuple(axis)
            count = 1
            for ax in axes:
                count *= t.shape[normalize_axis(ax, t.ndim)]
        avg = astype(_e("true_divide", avg, count), dtype)
        if returned:
            return avg, broadcast_to(np.asarray(count, dtype), avg.shape)
        return avg
    w = _one(weights)
    dtype = inexact_result(t, w)  # JAX's: float32 data with int64 weights stays float32
    t, w = astype(t, dtype), astype(w, dtype)
    if w.shape != t.shape:
        if axis is None:
            raise ShapeError(
                f"average: axis must be specified when shapes of a {t.shape} and weights "
                f"{w.shape} differ"
            )
        if w.ndim != 1:
            raise ShapeError(
                f"average: 1D weights expected when shapes of a {t.shape} and weights "
                f"{w.shape} differ"
            )
        ax = normalize_axis(axis, t.ndim)
        if w.shape[0] != t.shape[ax]:
            raise ShapeError(
                f"average: length of weights {w.shape[0]} differs from that of a along axis "
                f"{axis} ({t.shape[ax]})"
            )
        w = reshape(w, tuple(w.shape[0] if i == ax else 1 for i in range(t.ndim)))
        w = broadcast_to(w, t.shape)
    scl = reduce_sum(w, axis=axis, keepdims=keepdims)
    avg = _e("true_divide", reduce_sum(multiply(t, w), axis=axis, keepdims=keepdims), scl)
    if returned:
        return avg, scl
    return avg


@numpy_function()  # no ``x.trace()`` method: ``Tracer.trace`` is the tracer's Trace
def trace(a: Value, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None) -> Tracer:
    """Sum along the ``offset`` diagonal, as ``numpy.trace``."""
    return reduce_sum(_diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


def _nan_free(a: Value, fill: float) -> tuple[Tracer, Tracer | None]:
    t = _t(a)
    if t.dtype.kind not in "fc":
        return t, None
    isnan = _e("isnan", t)
    return _e("where", isnan, np.asarray(fill, t.dtype), t), isnan


@numpy_function()
def nansum(a: Value, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Tracer:
    """``sum`` with nan entries counted as zero."""
    t, _ = _nan_free(a, 0.0)
    return reduce_sum(t, axis=axis, dtype=dtype, keepdims=keepdims)


@numpy_function(quiet_on_nans(with_inexact_default(np.nanmean)))
def nanmean(a: Value, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Tracer:
    """``mean`` over the entries that are not nan (nan where there are none)."""
    t, isnan = _nan_free(a, 0.0)
    if isnan is None:
        return _ops.mean(t, axis=axis, dtype=dtype, keepdims=keepdims)
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


@numpy_function(nan_extremum(np.fmax, np.nanmax))
def nanmax(a: Value, axis: Any = None, keepdims: bool = False) -> Tracer:
    """``max`` ignoring nan entries (nan where every entry is nan)."""
    return _nanext("max", a, axis, keepdims)


@numpy_function(nan_extremum(np.fmin, np.nanmin))
def nanmin(a: Value, axis: Any = None, keepdims: bool = False) -> Tracer:
    """``min`` ignoring nan entries (nan where every entry is nan)."""
    return _nanext("min", a, axis, keepdims)


def _unset_dropped(np_fn: Callable[..., Any]) -> Callable[..., Any]:
    """``np_fn`` called without the keywords left at None (NumPy reads ``where=None`` as
    a mask, not as "no mask")."""

    def eager(*args: Any, **kwargs: Any) -> Any:
        return np_fn(*args, **{k: v for k, v in kwargs.items() if v is not None})

    eager.__name__ = np_fn.__name__
    return eager


def _var(
    a: Value,
    axis: Any,
    dtype: Any,
    ddof: Any,
    keepdims: bool,
    correction: Any,
    where: Any = None,
    mean: Any = None,
) -> Tracer:
    if correction is not None:
        ddof = correction
    if isinstance(ddof, Tracer):
        raise ArgumentTypeError("var: ddof must be static, not a traced value")
    t = _t(a)
    axes = normalize_axes(axis, t.ndim)
    target = inexact_dtype(t.dtype) if dtype is None else np.dtype(dtype)
    if t.dtype != target:
        t = astype(t, target)
    given = None if mean is None else _given_mean(mean, t, axes, target)
    if where is not None:  # the selected entries only; their count is traced
        mask = broadcast_to(_t(where), t.shape)
        real = np.empty(0, target).real.dtype  # a count (and a variance) is real
        count = reduce_sum(astype(mask, real), axis=axes, keepdims=True)
        if given is not None:
            avg = given
        else:
            with np.errstate(all="ignore"):
                total_sum = reduce_sum(_masked("sum", t, mask, None), axes, keepdims=True)
                avg = _e("true_divide", total_sum, count)
        dev = _masked("sum", _e("subtract", t, avg), mask, None)
        total = reduce_sum(_squared_magnitude(dev), axis=axes, keepdims=keepdims)
        kept = count if keepdims else reshape(count, total.shape)
        with np.errstate(all="ignore"):
            return _e("true_divide", total, _e("maximum", _e("subtract", kept, ddof), 0))
    avg = given if given is not None else _ops.mean(t, axis=axes, keepdims=True)
    dev = _e("subtract", t, avg)
    total = reduce_sum(_squared_magnitude(dev), axis=axes, keepdims=keepdims)
    n = math.prod(t.shape[i] for i in axes)
    with np.errstate(all="ignore"):
        return _e("true_divide", total, np.asarray(builtins.max(n - ddof, 0), total.dtype))


def _given_mean(mean: Any, t: Tracer, axes: tuple[int, ...], dtype: np.dtype) -> Tracer:
    """``mean=`` of var/std: shaped as the mean with ``keepdims=True`` (NumPy's rule)."""
    m = _t(mean)
    want = tuple(1 if i in axes else n for i, n in enumerate(t.shape))
    try:
        np.broadcast_shapes(m.shape, want)
        fits = m.ndim == t.ndim  # JAX subtracts without rank promotion
    except ValueError:
        fits = False
    if not fits:
        raise IncompatibleShapesError(
            f"var/std: mean of shape {m.shape} does not fit {want}, the shape of the mean over "
            "the reduced axes with keepdims=True"
        )
    return astype(m, dtype) if m.dtype != dtype else m


def _squared_magnitude(dev: Tracer) -> Tracer:
    """``|dev|**2``: real for complex deviations (a complex variance is real, as in NumPy)."""
    if dev.dtype.kind != "c":
        return multiply(dev, dev)
    re, im = _e("real", dev), _e("imag", dev)
    return _e("add", multiply(re, re), multiply(im, im))


@numpy_function(quiet_on_few_entries(_unset_dropped(with_inexact_default(np.var)), ddof_at=4))
def var(
    a: Value,
    axis: Any = None,
    dtype: Any = None,
    out: None = None,
    ddof: Any = 0,
    keepdims: bool = False,
    *,
    where: Any = None,
    mean: Any = None,
    correction: Any = None,
) -> Tracer:
    """The variance ``sum(|x - mean|**2) / (n - ddof)`` along ``axis``, as NumPy (with
    ``where=``, of the selected entries)."""
    return _var(a, axis, dtype, ddof, keepdims, correction, where, mean)


@numpy_function(quiet_on_few_entries(_unset_dropped(with_inexact_default(np.std)), ddof_at=4))
def std(
    a: Value,
    axis: Any = None,
    dtype: Any = None,
    out: None = None,
    ddof: Any = 0,
    keepdims: bool = False,
    *,
    where: Any = None,
    mean: Any = None,
    correction: Any = None,
) -> Tracer:
    """The standard deviation, ``sqrt(var(a, axis, ddof=ddof))`` (with ``where=``, of the
    selected entries)."""
    return _e("sqrt", _var(a, axis, dtype, ddof, keepdims, correction, where, mean))


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
    t = _t(a)
    t = astype(t, to_inexact(t.dtype))  # JAX's: float32 from bools and int32
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


@numpy_function(with_inexact_default(np.quantile))  # JAX's float32 from int32
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


@numpy_function(with_inexact_default(np.percentile))  # JAX's float32 from int32
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


@numpy_function(quiet_on_few_entries(with_inexact_default(np.median)))  # JAX's float32 from int32
def median(
    a: Value,
    axis: Any = None,
    out: None = None,
    overwrite_input: bool = False,
    keepdims: bool = False,
) -> Tracer:
    """The median along ``axis`` (the mean of the two middle entries for even counts)."""
    return _quantile(a, 0.5, axis, "midpoint", keepdims)


def _np_cumulative(np_fn: Callable[..., Any]) -> Callable[..., Any]:
    """NumPy's ``cumsum``/``cumprod`` in JAX's dtype when ``dtype`` is not given
    (``cumulative_dtype``: int8 stays int8, where NumPy's is int64)."""

    def run(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
        if dtype is None:
            a = np.asarray(a)
            dtype = cumulative_dtype(a.dtype)
        return np_fn(a, axis, dtype, out)

    return run


@numpy_function(_np_cumulative(np.cumsum))
def cumsum(a: Value, axis: Any = None, dtype: Any = None) -> Tracer:
    """Cumulative sum along ``axis`` (flattened when None), as ``jax.numpy.cumsum``: in the
    input's dtype (int8 stays int8; NumPy widens integers) and bools counted in int64."""
    return scan(cumsum_p, a, axis, dtype, False)


@numpy_function(_np_cumulative(np.cumprod))
def cumprod(a: Value, axis: Any = None, dtype: Any = None) -> Tracer:
    """Cumulative product along ``axis`` (flattened when None), as ``jax.numpy.cumprod``:
    in the input's dtype (int8 stays int8; NumPy widens integers), bools in int64."""
    return scan(cumprod_p, a, axis, dtype, False)


#: what a masked-out entry counts as in each reduction (JAX's ``where=``)
_IDENTITY: dict[str, Any] = {"sum": 0, "prod": 1, "any": False, "all": True}
#: how ``initial`` joins a reduction's result
_JOIN = {"sum": "add", "prod": "multiply", "max": "maximum", "min": "minimum"}


def _check_identity(name: str, where: Any, initial: Any) -> None:
    if where is not None and name not in _IDENTITY and initial is None:
        raise ArgumentValueError(
            f"reduction operation {name} does not have an identity, so to use a where "
            "mask one has to specify 'initial'"
        )


def _masked(name: str, a: Any, where: Any, initial: Any) -> Any:
    """``a`` with the entries outside ``where`` replaced by the reduction's identity (or by
    ``initial`` for max/min, which have none: JAX refuses a mask without it)."""
    if where is None:
        return a
    _check_identity(name, where, initial)
    t = _t(a)
    fill = _IDENTITY.get(name, initial)
    return _e("where", _t(where), t, np.asarray(fill).astype(t.dtype))


def _joined(name: str, r: Any, initial: Any) -> Any:
    if initial is None:
        return r
    return _e(_JOIN[name], r, np.asarray(initial).astype(r.dtype))


def _eager_options(initial: Any, where: Any) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if initial is not None:
        options["initial"] = initial
    if where is not None:
        options["where"] = where
    return options


def sum(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: None = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = None,
    promote_integers: bool = True,
) -> Any:
    """``jnp.sum``: with ``where=`` masked-out entries count as 0; ``initial`` is added."""
    if any_traced((a, where, initial)):
        r = _ops.reduce_sum(
            _masked("sum", a, where, None), axis=axis, dtype=dtype, keepdims=keepdims
        )
        return _joined("sum", r, initial)
    return np.sum(a, axis=axis, dtype=dtype, keepdims=keepdims, **_eager_options(initial, where))


def mean(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: None = None,
    keepdims: bool = False,
    *,
    where: Any = None,
) -> Any:
    """``jnp.mean``: with ``where=`` the mean of the selected entries (nan where none is)."""
    if any_traced((a, where)):
        if where is None:
            return _ops.mean(a, axis=axis, dtype=dtype, keepdims=keepdims)
        t = _t(a)
        target = inexact_dtype(t.dtype) if dtype is None else np.dtype(dtype)
        mask = broadcast_to(_t(where), t.shape)
        total = reduce_sum(
            _masked("sum", t, mask, None), axis=axis, dtype=target, keepdims=keepdims
        )
        count = reduce_sum(astype(mask, target), axis=axis, keepdims=keepdims)
        with np.errstate(all="ignore"):
            return _e("true_divide", total, count)
    if dtype is None:  # JAX's dtype: booleans and narrow integers average in float32
        dtype = _ops.inexact_dtype(np.asarray(a).dtype)
    with np.errstate(all="ignore"), slice_warnings_ignored(few_entries(a, axis, 0, where)):
        return np.mean(a, axis=axis, dtype=dtype, keepdims=keepdims, **_eager_options(None, where))


def _reduced(
    name: str, a: Any, axis: Any, keepdims: bool, initial: Any, where: Any, **kwargs: Any
) -> Any:
    takes_initial = name in _JOIN
    if initial is not None and not takes_initial:
        raise ArgumentTypeError(f"{name}() got an unexpected keyword argument 'initial'")
    _check_identity(name, where, initial)
    if any_traced((a, where, initial)):
        masked = _masked(name, a, where, initial)
        r = _ops.reduce(name, masked, axis=axis, keepdims=keepdims, **kwargs)
        return _joined(name, r, initial) if takes_initial else r
    options = _eager_options(initial, where)
    return getattr(np, name)(a, axis=axis, keepdims=keepdims, **options, **kwargs)


def prod(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: None = None,
    keepdims: bool = False,
    initial: Any = None,
    where: Any = None,
    promote_integers: bool = True,
) -> Any:
    """``jnp.prod``: with ``where=`` masked-out entries count as 1; ``initial`` multiplies."""
    return _reduced("prod", a, axis, keepdims, initial, where, dtype=dtype)


def _reducer(name: str) -> Callable[..., Any]:
    takes_initial = name in _JOIN

    def fn(
        a: Any,
        axis: Any = None,
        out: None = None,
        keepdims: bool = False,
        initial: Any = None,
        where: Any = None,
    ) -> Any:
        return _reduced(name, a, axis, keepdims, initial, where)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``jnp.{name}``: with ``where=`` only the selected entries count" + (
        ", joined with ``initial``." if takes_initial else "."
    )
    return fn


max = _reducer("max")
min = _reducer("min")
any = _reducer("any")
all = _reducer("all")
amax = max
amin = min


def _ordered(name: str, a: Any) -> None:
    # JAX compares with lax.gt/lt, which refuse complex values (NumPy orders them
    # lexicographically)
    if iscomplexobj(a):
        raise ArgumentTypeError(
            f"{name}: complex values have no order (JAX's gt does not accept complex dtypes)"
        )


def argmax(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    _ordered("argmax", a)
    if any_traced((a,)):
        return _ops.reduce("argmax", a, axis=axis, keepdims=keepdims)
    return np.argmax(a, axis=axis, keepdims=keepdims)


def argmin(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    _ordered("argmin", a)
    if any_traced((a,)):
        return _ops.reduce("argmin", a, axis=axis, keepdims=keepdims)
    return np.argmin(a, axis=axis, keepdims=keepdims)


def _nan_fill(a: Any, value: Any) -> Any:
    return _jnp.where(_jnp.isnan(a), value, a)


def nanprod(a: Any, axis: Any = None, dtype: Any = None, keepdims: builtins.bool = False) -> Any:
    a = _jnp.asarray(a)
    if dtype is not None:
        a = _jnp.astype(a, dtype)
    return _jnp.prod(_nan_fill(a, 1), axis=axis, keepdims=keepdims)


def nanvar(
    a: Any, axis: Any = None, dtype: Any = None, ddof: int = 0, keepdims: builtins.bool = False
) -> Any:
    a = _jnp.asarray(a)
    a = _jnp.astype(a, dtype or _float_dtype(a))
    valid = _jnp.logical_not(_jnp.isnan(a))
    count = _jnp.sum(_jnp.astype(valid, _jnp.real(a).dtype), axis=axis, keepdims=True)
    avg = _jnp.true_divide(_jnp.sum(_nan_fill(a, 0), axis=axis, keepdims=True), count)
    dev = _jnp.where(valid, _jnp.subtract(a, avg), 0)
    sq = _jnp.real(_jnp.multiply(dev, _jnp.conjugate(dev)))
    out = _jnp.true_divide(_jnp.sum(sq, axis=axis, keepdims=True), _jnp.subtract(count, ddof))
    return out if keepdims else _jnp.squeeze(out, axis)


def nanstd(
    a: Any, axis: Any = None, dtype: Any = None, ddof: int = 0, keepdims: builtins.bool = False
) -> Any:
    return _jnp.sqrt(nanvar(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims))


def _nanarg(name: str, fill: float, a: Any, axis: Any, keepdims: builtins.bool) -> Any:
    a = _jnp.asarray(a)
    nans = _jnp.isnan(a)
    idx = getattr(_jnp, name)(_nan_fill(a, fill), axis=axis, keepdims=keepdims)
    # an all-nan slice gives -1, as in JAX
    return _jnp.where(_jnp.all(nans, axis=axis, keepdims=keepdims), -1, idx)


def nanargmax(a: Any, axis: int | None = None, keepdims: builtins.bool = False) -> Any:
    return _nanarg("argmax", -np.inf, a, axis, keepdims)


def nanargmin(a: Any, axis: int | None = None, keepdims: builtins.bool = False) -> Any:
    return _nanarg("argmin", np.inf, a, axis, keepdims)


def nancumsum(a: Any, axis: int | None = None, dtype: Any = None) -> Any:
    return _jnp.cumsum(_nan_fill(_jnp.asarray(a), 0), axis=axis, dtype=dtype)


def nancumprod(a: Any, axis: int | None = None, dtype: Any = None) -> Any:
    return _jnp.cumprod(_nan_fill(_jnp.asarray(a), 1), axis=axis, dtype=dtype)


def nanquantile(
    a: Any,
    q: Any,
    axis: int | None = None,
    out: None = None,
    overwrite_input: builtins.bool = False,
    method: str = "linear",
    keepdims: builtins.bool = False,
) -> Any:
    """``method='linear'`` over one axis (or all): nans sort last, so each slice's valid
    count picks the two order statistics to interpolate; an all-nan slice gives nan."""
    if method != "linear":
        raise UnsupportedError("nanquantile: only method='linear' is supported")
    a = _as_float(a)
    shape_in = _jnp.shape(a)
    if axis is None:
        a, axis_ = _jnp.ravel(a), 0
    else:
        axis_ = axis % builtins.max(_jnp.ndim(a), 1)
    x = _jnp.sort(_jnp.moveaxis(a, axis_, -1), axis=-1)
    valid = _jnp.sum(_jnp.astype(_jnp.logical_not(_jnp.isnan(x)), x.dtype), axis=-1)
    qa = _jnp.asarray(q)
    qs = _jnp.reshape(qa, _jnp.shape(qa) + (1,) * (_jnp.ndim(x) - 1))
    pos = _jnp.multiply(qs, _jnp.maximum(_jnp.subtract(valid, 1), 0))
    lo = _jnp.floor(pos)
    frac = _jnp.subtract(pos, lo)
    n = _jnp.shape(x)[-1]
    lo_i = _jnp.astype(lo, np.int64)
    last = _jnp.astype(_jnp.maximum(_jnp.subtract(valid, 1), 0), np.int64)
    hi_i = _jnp.minimum(_jnp.add(lo_i, 1), last)  # never a trailing nan
    xb = _jnp.broadcast_to(x, _jnp.shape(pos) + (n,))
    low = _jnp.take_along_axis(xb, _jnp.expand_dims(lo_i, -1), axis=-1)[..., 0]
    high = _jnp.take_along_axis(xb, _jnp.expand_dims(hi_i, -1), axis=-1)[..., 0]
    res = _jnp.add(low, _jnp.multiply(_jnp.subtract(high, low), frac))
    res = _jnp.where(_jnp.equal(valid, 0), np.nan, res)
    if keepdims:
        kept = [1] * len(shape_in) if axis is None else list(shape_in)
        if axis is not None:
            kept[axis_] = 1
        res = _jnp.reshape(res, _jnp.shape(qa) + tuple(kept))
    return res


def nanpercentile(
    a: Any,
    q: Any,
    axis: int | None = None,
    out: None = None,
    overwrite_input: builtins.bool = False,
    method: str = "linear",
    keepdims: builtins.bool = False,
) -> Any:
    return nanquantile(a, _jnp.true_divide(q, 100.0), axis=axis, method=method, keepdims=keepdims)


def nanmedian(
    a: Any,
    axis: int | None = None,
    out: None = None,
    overwrite_input: builtins.bool = False,
    keepdims: builtins.bool = False,
) -> Any:
    return nanquantile(a, 0.5, axis=axis, keepdims=keepdims)


def _cumulative(name: str, x: Any, axis: Any, dtype: Any, include_initial: builtins.bool) -> Any:
    x = _jnp.asarray(x)
    if axis is None:
        if _jnp.ndim(x) > 1:
            raise ArgumentValueError(
                f"cumulative_{name}: axis must be given for arrays of rank > 1"
            )
        axis = 0
        x = _jnp.ravel(x)
    if dtype is None and name == "sum":  # (JAX's cumulative_prod keeps int8; its sum widens)
        dtype = summing_dtype(x.dtype)
    out = getattr(_jnp, "cum" + name)(x, axis=axis, dtype=dtype)
    if not include_initial:
        return out
    head = list(_jnp.shape(out))
    head[axis] = 1
    first = np.zeros(head, out.dtype) if name == "sum" else np.ones(head, out.dtype)
    return _jnp.concatenate([first, out], axis)


def cumulative_sum(
    x: Any, /, *, axis: int | None = None, dtype: Any = None, include_initial: builtins.bool = False
) -> Any:
    return _cumulative("sum", x, axis, dtype, include_initial)


def cumulative_prod(
    x: Any, /, *, axis: int | None = None, dtype: Any = None, include_initial: builtins.bool = False
) -> Any:
    return _cumulative("prod", x, axis, dtype, include_initial)
