"""More ``jax.numpy`` names, each a composition of ``axcomp.numpy`` functions.

Because they only call the namespace's own functions, every one works eagerly on NumPy
values and, on traced values, inherits vmap/jit/grad and the Array API backend. Pure
shape or dtype helpers (``tri``, ``finfo``, ``r_``...) are NumPy re-exports, as in JAX.
Data-dependent results (``nonzero``, ``unique``...) need JAX's static ``size=`` when traced.
"""

from __future__ import annotations

import builtins as _b
import operator as _operator
from collections.abc import Sequence
from typing import Any

import numpy as _np

from .. import primitives as _ops
from ..errors import UnsupportedError as _UnsupportedError
from ..lax.special import bessel_i0e as _bessel_i0e
from ..primitives.control import fori_loop as _fori_loop
from ..primitives.gathers import BooleanIndexError as _BooleanIndexError
from ..tracing.tracer import Tracer as _Tracer
from ..transforms.jit import jit as _jit
from . import array_methods as _array_methods


class _Namespace:
    """``axcomp.numpy``'s functions, looked up at call time in the table the package fills
    once it is built (importing the package from here would be an import cycle)."""

    def __getattr__(self, name: str) -> Any:
        return _array_methods._NAMESPACE[name]


_jnp: Any = _Namespace()


def _traced(*values: Any) -> _b.bool:
    return _b.any(
        isinstance(v, _Tracer) or (isinstance(v, (list, tuple)) and _traced(*v)) for v in values
    )


def _float_dtype(x: Any) -> Any:
    # integers and bools become the default float, as in JAX with x64
    return _np.result_type(_jnp.asarray(x).dtype, 1.0)


def _as_float(x: Any) -> Any:
    x = _jnp.asarray(x)
    return _jnp.astype(x, _float_dtype(x))


# ------------------------------------------------------------------ aliases (Array API names)
def acos(x: Any, /) -> Any:
    return _jnp.arccos(x)


def asin(x: Any, /) -> Any:
    return _jnp.arcsin(x)


def atan(x: Any, /) -> Any:
    return _jnp.arctan(x)


def atan2(x1: Any, x2: Any, /) -> Any:
    return _jnp.arctan2(x1, x2)


def acosh(x: Any, /) -> Any:
    return _jnp.arccosh(x)


def asinh(x: Any, /) -> Any:
    return _jnp.arcsinh(x)


def atanh(x: Any, /) -> Any:
    return _jnp.arctanh(x)


def pow(x1: Any, x2: Any, /) -> Any:
    return _jnp.power(x1, x2)


def concat(arrays: Sequence[Any], /, *, axis: int | None = 0) -> Any:
    if axis is None:
        return _jnp.concatenate([_jnp.ravel(a) for a in arrays], 0)
    return _jnp.concatenate(arrays, axis)


def permute_dims(a: Any, /, axes: Sequence[int]) -> Any:
    return _jnp.transpose(a, tuple(axes))


def matrix_transpose(x: Any, /) -> Any:
    if _jnp.ndim(x) < 2:
        raise ValueError(f"matrix_transpose requires at least 2 dimensions; got {_jnp.ndim(x)}")
    return _jnp.swapaxes(x, -1, -2)


def fabs(x: Any, /) -> Any:
    return _jnp.absolute(_as_float(x))


def degrees(x: Any, /) -> Any:
    return _jnp.rad2deg(x)


def radians(x: Any, /) -> Any:
    return _jnp.deg2rad(x)


def angle(z: Any, deg: _b.bool = False) -> Any:
    z = _jnp.asarray(z)
    if not _np.issubdtype(z.dtype, _np.complexfloating):
        z = _as_float(z)
    out = _jnp.arctan2(_jnp.imag(z), _jnp.real(z))
    return _jnp.rad2deg(out) if deg else out


def copy(a: Any, order: str | None = None) -> Any:
    # traced values are immutable, so the value itself is a copy
    return a if isinstance(a, _Tracer) else _np.array(a, copy=True)


def empty_like(prototype: Any, dtype: Any = None, shape: Any = None) -> Any:
    """Zeros (compiled programs have no uninitialised memory); never batched."""
    want = _jnp.shape(prototype) if shape is None else shape
    return _np.zeros(want, dtype=dtype or _jnp.asarray(prototype).dtype)


def isneginf(x: Any, /) -> Any:
    return _jnp.logical_and(_jnp.isinf(x), _jnp.less(x, 0))


def isposinf(x: Any, /) -> Any:
    return _jnp.logical_and(_jnp.isinf(x), _jnp.greater(x, 0))


def isreal(x: Any) -> Any:
    return _jnp.equal(_jnp.imag(x), 0)


def iscomplex(x: Any) -> Any:
    return _jnp.not_equal(_jnp.imag(x), 0)


def iscomplexobj(x: Any) -> _b.bool:
    return _b.bool(_np.issubdtype(_jnp.asarray(x).dtype, _np.complexfloating))


def isrealobj(x: Any) -> _b.bool:
    return not iscomplexobj(x)


def isscalar(element: Any) -> _b.bool:
    # JAX: 0-d arrays count as scalars, as do Python and NumPy scalars
    if isinstance(element, (_np.ndarray, _Tracer)):
        return element.ndim == 0
    return _b.bool(_np.isscalar(element))


def _shift(name: str, x1: Any, x2: Any) -> Any:
    if _traced(x1, x2):
        return _ops.elementwise(name, x1, x2)
    return getattr(_np, name)(x1, x2)


def left_shift(x1: Any, x2: Any, /) -> Any:
    return _shift("left_shift", x1, x2)


def right_shift(x1: Any, x2: Any, /) -> Any:
    return _shift("right_shift", x1, x2)


bitwise_left_shift, bitwise_right_shift = left_shift, right_shift


def bitwise_invert(x: Any, /) -> Any:
    return _jnp.invert(x)


# ------------------------------------------------------------------ shape helpers
def unstack(x: Any, /, *, axis: int = 0) -> tuple[Any, ...]:
    moved = _jnp.moveaxis(x, axis, 0)
    return tuple(moved[i] for i in range(_jnp.shape(moved)[0]))


def _split_at_least(name: str, ary: Any, ios: Any, axis: int, rank: int) -> list[Any]:
    if _jnp.ndim(ary) < rank:
        raise ValueError(f"{name} only works on arrays of {rank} or more dimensions")
    return list(_jnp.split(ary, ios, axis=axis))


def vsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    return _split_at_least("vsplit", ary, indices_or_sections, 0, 2)


def hsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    axis = 1 if _jnp.ndim(ary) > 1 else 0
    return _split_at_least("hsplit", ary, indices_or_sections, axis, 1)


def dsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    return _split_at_least("dsplit", ary, indices_or_sections, 2, 3)


def rollaxis(a: Any, axis: int, start: int = 0) -> Any:
    n = _jnp.ndim(a)
    axis = _operator.index(axis) % n if n else 0
    if not -n <= start <= n:
        raise ValueError(f"rollaxis: start={start} out of range for {n} dimensions")
    start = start + n if start < 0 else start
    if axis < start:
        start -= 1  # the axis is removed before it is reinserted
    perm = [i for i in range(n) if i != axis]
    perm.insert(start, axis)
    return _jnp.transpose(a, tuple(perm))


def matvec(x1: Any, x2: Any, /) -> Any:
    return _jnp.matmul(x1, _jnp.expand_dims(x2, -1))[..., 0]


def vecmat(x1: Any, x2: Any, /) -> Any:
    return _jnp.matmul(_jnp.expand_dims(_jnp.conjugate(x1), -2), x2)[..., 0, :]


def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    return _jnp.sum(_jnp.multiply(_jnp.conjugate(x1), x2), axis=axis)


def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> Any:
    return _np.tri(N, M, k, dtype=dtype or _np.float64)


def tril_indices_from(arr: Any, k: int = 0) -> tuple[Any, Any]:
    s = _jnp.shape(arr)
    if len(s) != 2:
        raise ValueError("tril_indices_from: input array must be 2-d")
    return _np.tril_indices(s[0], k, s[1])


def triu_indices_from(arr: Any, k: int = 0) -> tuple[Any, Any]:
    s = _jnp.shape(arr)
    if len(s) != 2:
        raise ValueError("triu_indices_from: input array must be 2-d")
    return _np.triu_indices(s[0], k, s[1])


diag_indices = _np.diag_indices


def diag_indices_from(arr: Any) -> tuple[Any, ...]:
    s = _jnp.shape(arr)
    if len(s) < 2 or len(set(s)) != 1:
        raise ValueError("diag_indices_from: input must be at least 2-d with equal lengths")
    return _np.diag_indices(s[0], len(s))


def diagflat(v: Any, k: int = 0) -> Any:
    return _jnp.diag(_jnp.ravel(v), k)


def append(arr: Any, values: Any, axis: int | None = None) -> Any:
    if axis is None:
        return _jnp.concatenate([_jnp.ravel(arr), _jnp.ravel(values)], 0)
    return _jnp.concatenate([arr, values], axis)


def broadcast_arrays(*args: Any) -> list[Any]:
    target = _np.broadcast_shapes(*(_jnp.shape(a) for a in args))
    return [_jnp.broadcast_to(_jnp.asarray(a), target) for a in args]


def divmod(x1: Any, x2: Any, /) -> tuple[Any, Any]:
    return _jnp.floor_divide(x1, x2), _jnp.remainder(x1, x2)


def modf(x: Any, /) -> tuple[Any, Any]:
    x = _as_float(x)
    whole = _jnp.trunc(x)
    # infinities have fraction 0; copysign keeps NumPy's signed zeros
    frac = _jnp.where(_jnp.isinf(x), 0.0, _jnp.subtract(x, whole))
    return _jnp.copysign(frac, x), whole


def ldexp(x1: Any, x2: Any, /) -> Any:
    x1 = _as_float(x1)
    # a power of two is exact, so the product is exact wherever ldexp is representable
    return _jnp.multiply(x1, _jnp.exp2(_jnp.astype(_jnp.asarray(x2), x1.dtype)))


def _scale_down(v: Any, e: Any) -> Any:
    # v / 2**e in two halves, so neither power overflows or underflows at the range ends
    lo = _jnp.floor(_jnp.true_divide(e, 2.0))
    return _jnp.true_divide(_jnp.true_divide(v, _jnp.exp2(lo)), _jnp.exp2(_jnp.subtract(e, lo)))


def frexp(x: Any, /) -> tuple[Any, Any]:
    """Mantissa in [0.5, 1) and int32 exponent (JAX's dtype); 0, inf and nan keep ``x``
    and exponent 0."""
    x = _as_float(x)
    regular = _jnp.logical_and(_jnp.isfinite(x), _jnp.not_equal(x, 0))
    safe = _jnp.where(regular, _jnp.absolute(x), 1.0)
    e = _jnp.add(_jnp.floor(_jnp.log2(safe)), 1.0)
    # log2 can round across a power of two: one step fixes the exponent either way
    m = _scale_down(safe, e)
    e = _jnp.where(_jnp.greater_equal(m, 1.0), _jnp.add(e, 1.0), e)
    e = _jnp.where(_jnp.less(m, 0.5), _jnp.subtract(e, 1.0), e)
    mant = _jnp.where(regular, _jnp.copysign(_scale_down(safe, e), x), x)
    return mant, _jnp.astype(_jnp.where(regular, e, 0.0), _np.int32)


def _i0_traced(x: Any) -> Any:
    return _jnp.multiply(_jnp.exp(_jnp.absolute(x)), _bessel_i0e(x))


_i0_eager = _jit(_i0_traced)


def i0(x: Any) -> Any:
    """Modified Bessel function of order 0: ``exp(|x|) * i0e(x)`` (lax's interpolant)."""
    x = _as_float(x)
    return _i0_traced(x) if _traced(x) else _i0_eager(x)


# Euclid's steps are bounded by the Fibonacci number past the dtype's range
_EUCLID_STEPS = {1: 12, 2: 24, 4: 47, 8: 93}


def gcd(x1: Any, x2: Any) -> Any:
    """Integers only; traced values run a fixed number of vectorized Euclid steps."""
    if not _traced(x1, x2):
        return _np.gcd(x1, x2)
    a, b = _jnp.broadcast_arrays(_jnp.absolute(x1), _jnp.absolute(x2))
    dt = _np.result_type(a.dtype, b.dtype)
    if not _np.issubdtype(dt, _np.integer):
        raise TypeError(f"gcd: arguments must be integers, got {dt}")
    a, b = _jnp.astype(a, dt), _jnp.astype(b, dt)

    def step(_: Any, ab: tuple[Any, Any]) -> tuple[Any, Any]:
        u, v = ab
        done = _jnp.equal(v, 0)
        rem = _jnp.remainder(u, _jnp.where(done, 1, v))  # no division by zero once done
        return _jnp.where(done, u, v), _jnp.where(done, v, rem)

    return _fori_loop(0, _EUCLID_STEPS[dt.itemsize], step, (a, b))[0]


def lcm(x1: Any, x2: Any) -> Any:
    if not _traced(x1, x2):
        return _np.lcm(x1, x2)
    d = gcd(x1, x2)
    q = _jnp.floor_divide(_jnp.absolute(x2), _jnp.where(_jnp.equal(d, 0), 1, d))
    return _jnp.where(_jnp.equal(d, 0), 0, _jnp.absolute(_jnp.multiply(x1, q)))


def spacing(x: Any, /) -> Any:
    """Distance to the next float away from zero (NumPy's sign convention)."""
    x = _as_float(x)
    finite = _jnp.isfinite(x)
    safe = _jnp.where(finite, x, 0.0)  # inf - inf would warn; those give nan below
    away = _jnp.astype(_jnp.copysign(_np.inf, safe), x.dtype)
    return _jnp.where(finite, _jnp.subtract(_jnp.nextafter(safe, away), safe), _np.nan)


# ------------------------------------------------------------------ nan reductions
def _nan_fill(a: Any, value: Any) -> Any:
    return _jnp.where(_jnp.isnan(a), value, a)


def nanprod(a: Any, axis: Any = None, dtype: Any = None, keepdims: _b.bool = False) -> Any:
    a = _jnp.asarray(a)
    if dtype is not None:
        a = _jnp.astype(a, dtype)
    return _jnp.prod(_nan_fill(a, 1), axis=axis, keepdims=keepdims)


def nanvar(
    a: Any, axis: Any = None, dtype: Any = None, ddof: int = 0, keepdims: _b.bool = False
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
    a: Any, axis: Any = None, dtype: Any = None, ddof: int = 0, keepdims: _b.bool = False
) -> Any:
    return _jnp.sqrt(nanvar(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims))


def _nanarg(name: str, fill: float, a: Any, axis: Any, keepdims: _b.bool) -> Any:
    a = _jnp.asarray(a)
    nans = _jnp.isnan(a)
    idx = getattr(_jnp, name)(_nan_fill(a, fill), axis=axis, keepdims=keepdims)
    # an all-nan slice gives -1, as in JAX
    return _jnp.where(_jnp.all(nans, axis=axis, keepdims=keepdims), -1, idx)


def nanargmax(a: Any, axis: int | None = None, keepdims: _b.bool = False) -> Any:
    return _nanarg("argmax", -_np.inf, a, axis, keepdims)


def nanargmin(a: Any, axis: int | None = None, keepdims: _b.bool = False) -> Any:
    return _nanarg("argmin", _np.inf, a, axis, keepdims)


def nancumsum(a: Any, axis: int | None = None, dtype: Any = None) -> Any:
    return _jnp.cumsum(_nan_fill(_jnp.asarray(a), 0), axis=axis, dtype=dtype)


def nancumprod(a: Any, axis: int | None = None, dtype: Any = None) -> Any:
    return _jnp.cumprod(_nan_fill(_jnp.asarray(a), 1), axis=axis, dtype=dtype)


def nanquantile(
    a: Any,
    q: Any,
    axis: int | None = None,
    out: None = None,
    overwrite_input: _b.bool = False,
    method: str = "linear",
    keepdims: _b.bool = False,
) -> Any:
    """``method='linear'`` over one axis (or all): nans sort last, so each slice's valid
    count picks the two order statistics to interpolate; an all-nan slice gives nan."""
    if method != "linear":
        raise _UnsupportedError("nanquantile: only method='linear' is supported")
    a = _as_float(a)
    shape_in = _jnp.shape(a)
    if axis is None:
        a, axis_ = _jnp.ravel(a), 0
    else:
        axis_ = axis % _b.max(_jnp.ndim(a), 1)
    x = _jnp.sort(_jnp.moveaxis(a, axis_, -1), axis=-1)
    valid = _jnp.sum(_jnp.astype(_jnp.logical_not(_jnp.isnan(x)), x.dtype), axis=-1)
    qa = _jnp.asarray(q)
    qs = _jnp.reshape(qa, _jnp.shape(qa) + (1,) * (_jnp.ndim(x) - 1))
    pos = _jnp.multiply(qs, _jnp.maximum(_jnp.subtract(valid, 1), 0))
    lo = _jnp.floor(pos)
    frac = _jnp.subtract(pos, lo)
    n = _jnp.shape(x)[-1]
    lo_i = _jnp.astype(lo, _np.int64)
    last = _jnp.astype(_jnp.maximum(_jnp.subtract(valid, 1), 0), _np.int64)
    hi_i = _jnp.minimum(_jnp.add(lo_i, 1), last)  # never a trailing nan
    xb = _jnp.broadcast_to(x, _jnp.shape(pos) + (n,))
    low = _jnp.take_along_axis(xb, _jnp.expand_dims(lo_i, -1), axis=-1)[..., 0]
    high = _jnp.take_along_axis(xb, _jnp.expand_dims(hi_i, -1), axis=-1)[..., 0]
    res = _jnp.add(low, _jnp.multiply(_jnp.subtract(high, low), frac))
    res = _jnp.where(_jnp.equal(valid, 0), _np.nan, res)
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
    overwrite_input: _b.bool = False,
    method: str = "linear",
    keepdims: _b.bool = False,
) -> Any:
    return nanquantile(a, _jnp.true_divide(q, 100.0), axis=axis, method=method, keepdims=keepdims)


def nanmedian(
    a: Any,
    axis: int | None = None,
    out: None = None,
    overwrite_input: _b.bool = False,
    keepdims: _b.bool = False,
) -> Any:
    return nanquantile(a, 0.5, axis=axis, keepdims=keepdims)


def _cumulative(name: str, x: Any, axis: Any, dtype: Any, include_initial: _b.bool) -> Any:
    x = _jnp.asarray(x)
    if axis is None:
        if _jnp.ndim(x) > 1:
            raise ValueError(f"cumulative_{name}: axis must be given for arrays of rank > 1")
        axis = 0
        x = _jnp.ravel(x)
    out = getattr(_jnp, "cum" + name)(x, axis=axis, dtype=dtype)
    if not include_initial:
        return out
    head = list(_jnp.shape(out))
    head[axis] = 1
    first = _np.zeros(head, out.dtype) if name == "sum" else _np.ones(head, out.dtype)
    return _jnp.concatenate([first, out], axis)


def cumulative_sum(
    x: Any, /, *, axis: int | None = None, dtype: Any = None, include_initial: _b.bool = False
) -> Any:
    return _cumulative("sum", x, axis, dtype, include_initial)


def cumulative_prod(
    x: Any, /, *, axis: int | None = None, dtype: Any = None, include_initial: _b.bool = False
) -> Any:
    return _cumulative("prod", x, axis, dtype, include_initial)


def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Any:
    flat = _jnp.ravel(_jnp.asarray(ary))
    parts = [_jnp.subtract(flat[1:], flat[:-1])]
    if to_begin is not None:
        parts.insert(0, _jnp.astype(_jnp.ravel(_jnp.asarray(to_begin)), parts[0].dtype))
    if to_end is not None:
        parts.append(_jnp.astype(_jnp.ravel(_jnp.asarray(to_end)), parts[-1].dtype))
    return _jnp.concatenate(parts, 0)


def trapezoid(y: Any, x: Any = None, dx: Any = 1.0, axis: int = -1) -> Any:
    y = _jnp.moveaxis(_jnp.asarray(y), axis, -1)
    if x is None:
        d: Any = dx
    else:
        x = _jnp.asarray(x)
        d = _jnp.diff(x) if _jnp.ndim(x) == 1 else _jnp.diff(_jnp.moveaxis(x, axis, -1), axis=-1)
    mid = _jnp.multiply(_jnp.add(y[..., 1:], y[..., :-1]), 0.5)
    return _jnp.sum(_jnp.multiply(d, mid), axis=-1)


def gradient(f: Any, *varargs: Any, axis: Any = None, edge_order: Any = None) -> Any:
    """Uniform spacing only (scalar ``varargs``), first-order edges as NumPy's default."""
    if edge_order is not None and edge_order != 1:
        raise _UnsupportedError("gradient: only edge_order=1 is supported")
    f = _as_float(f)
    n = _jnp.ndim(f)
    axes = list(range(n)) if axis is None else [axis] if isinstance(axis, int) else list(axis)
    axes = [a % n for a in axes]
    steps = list(varargs) if len(varargs) > 1 else list(varargs) * len(axes) or [1.0] * len(axes)
    if len(steps) != len(axes):
        raise TypeError("gradient: give one spacing, or one per axis")
    outs = []
    for ax, h in zip(axes, steps):
        if _jnp.ndim(h) != 0:
            raise _UnsupportedError("gradient: only scalar (uniform) spacings are supported")
        g = _jnp.moveaxis(f, ax, -1)
        if _jnp.shape(g)[-1] < 2:
            raise ValueError("gradient: each axis needs at least 2 samples (edge_order=1)")
        inner = _jnp.true_divide(_jnp.subtract(g[..., 2:], g[..., :-2]), 2.0)
        first = _jnp.subtract(g[..., 1:2], g[..., 0:1])
        last = _jnp.subtract(g[..., -1:], g[..., -2:-1])
        d = _jnp.true_divide(_jnp.concatenate([first, inner, last], -1), h)
        outs.append(_jnp.moveaxis(d, -1, ax))
    return outs[0] if len(outs) == 1 else outs


def cov(
    m: Any,
    y: Any = None,
    rowvar: _b.bool = True,
    bias: _b.bool = False,
    ddof: int | None = None,
    fweights: Any = None,
    aweights: Any = None,
    dtype: Any = None,
) -> Any:
    if fweights is not None or aweights is not None:
        raise _UnsupportedError("cov: fweights/aweights are not supported")

    def rows(v: Any) -> Any:
        v = _jnp.atleast_2d(_jnp.asarray(v))
        return _jnp.transpose(v) if not rowvar and _jnp.shape(v)[0] != 1 else v

    x = rows(m)
    if y is not None:
        x = _jnp.concatenate([x, rows(y)], 0)
    x = _jnp.astype(x, dtype or _float_dtype(x))
    ddof = (0 if bias else 1) if ddof is None else ddof
    xc = _jnp.subtract(x, _jnp.mean(x, axis=1, keepdims=True))
    c = _jnp.matmul(xc, _jnp.transpose(_jnp.conjugate(xc)))
    return _jnp.squeeze(_jnp.true_divide(c, _jnp.shape(x)[1] - ddof))


def corrcoef(x: Any, y: Any = None, rowvar: _b.bool = True, dtype: Any = None) -> Any:
    c = cov(x, y, rowvar, dtype=dtype)
    if _jnp.ndim(c) == 0:
        return _jnp.true_divide(c, c)
    std = _jnp.sqrt(_jnp.real(_jnp.diagonal(c)))
    c = _jnp.true_divide(_jnp.true_divide(c, std[:, None]), std[None, :])
    if iscomplexobj(c):
        return c
    return _jnp.clip(c, -1.0, 1.0)  # rounding can step just outside [-1, 1]


# ------------------------------------------------------------------ construction, polynomials
def logspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: _b.bool = True,
    base: Any = 10.0,
    dtype: Any = None,
    axis: int = 0,
) -> Any:
    exps = _jnp.linspace(start, stop, num, endpoint=endpoint, axis=axis)
    out = _jnp.power(base, exps)
    return out if dtype is None else _jnp.astype(out, dtype)


def geomspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: _b.bool = True,
    dtype: Any = None,
    axis: int = 0,
) -> Any:
    """Real ``start``/``stop`` of one sign (NumPy's endpoints are exact)."""
    lo, hi = _as_float(start), _as_float(stop)
    sign = _jnp.sign(lo)
    logs = _jnp.linspace(
        _jnp.log10(_jnp.absolute(lo)), _jnp.log10(_jnp.absolute(hi)), num, endpoint
    )
    out = _jnp.multiply(sign, _jnp.power(10.0, logs))
    rank = len(_np.broadcast_shapes(_jnp.shape(lo), _jnp.shape(hi)))
    pos = _np.arange(num).reshape((num,) + (1,) * rank)
    out = _jnp.where(pos == 0, lo, out)
    if endpoint and num > 1:
        out = _jnp.where(pos == num - 1, hi, out)
    if axis != 0:
        out = _jnp.moveaxis(out, 0, axis)
    return out if dtype is None else _jnp.astype(out, dtype)


def vander(x: Any, N: int | None = None, increasing: _b.bool = False) -> Any:
    x = _jnp.asarray(x)
    if _jnp.ndim(x) != 1:
        raise ValueError("vander: x must be one-dimensional")
    n = _jnp.shape(x)[0] if N is None else N
    powers = _np.arange(n) if increasing else _np.arange(n - 1, -1, -1)
    return _jnp.power(_jnp.expand_dims(x, -1), powers.astype(_np.result_type(x.dtype, 0)))


def _pad_front(p: Any, n: int) -> Any:
    p = _jnp.atleast_1d(_jnp.asarray(p))
    extra = n - _jnp.shape(p)[0]
    return p if extra == 0 else _jnp.concatenate([_np.zeros(extra, p.dtype), p], 0)


def polyadd(a1: Any, a2: Any) -> Any:
    n = _b.max(_jnp.size(_jnp.atleast_1d(a1)), _jnp.size(_jnp.atleast_1d(a2)))
    return _jnp.add(_pad_front(a1, n), _pad_front(a2, n))


def polysub(a1: Any, a2: Any) -> Any:
    n = _b.max(_jnp.size(_jnp.atleast_1d(a1)), _jnp.size(_jnp.atleast_1d(a2)))
    return _jnp.subtract(_pad_front(a1, n), _pad_front(a2, n))


def polymul(a1: Any, a2: Any, *, trim_leading_zeros: _b.bool = False) -> Any:
    if trim_leading_zeros:
        if _traced(a1, a2):
            raise _BooleanIndexError("polymul: trim_leading_zeros=True has a data-dependent shape")
        a1, a2 = _np.trim_zeros(_np.atleast_1d(a1), "f"), _np.trim_zeros(_np.atleast_1d(a2), "f")
    # JAX's result is inexact
    return _jnp.convolve(_as_float(_jnp.atleast_1d(a1)), _as_float(_jnp.atleast_1d(a2)))


def polyder(p: Any, m: int = 1) -> Any:
    if m < 0:
        raise ValueError("polyder: order of derivative must be positive")
    p = _as_float(_jnp.atleast_1d(_jnp.asarray(p)))  # JAX's result is inexact
    for _ in range(m):
        n = _jnp.shape(p)[0]
        p = _jnp.multiply(p[:-1], _np.arange(n - 1, 0, -1))
    return p


def polyint(p: Any, m: int = 1, k: Any = None) -> Any:
    if m < 0:
        raise ValueError("polyint: order of integral must be positive")
    p = _as_float(_jnp.atleast_1d(_jnp.asarray(p)))
    ks = _np.zeros(m) if k is None else k
    ks = [ks] * m if _jnp.ndim(ks) == 0 else list(unstack(_jnp.asarray(ks)))
    if len(ks) != m:
        raise ValueError("polyint: k must be a scalar or have length m")
    for i in range(m):
        n = _jnp.shape(p)[0]
        const = _jnp.astype(_jnp.reshape(_jnp.asarray(ks[i]), (1,)), p.dtype)
        p = _jnp.concatenate([_jnp.true_divide(p, _np.arange(n, 0, -1)), const], 0)
    return p


def isin(
    element: Any, test_elements: Any, assume_unique: _b.bool = False, invert: _b.bool = False
) -> Any:
    tests = _jnp.ravel(_jnp.asarray(test_elements))
    hit = _jnp.any(_jnp.equal(_jnp.expand_dims(_jnp.asarray(element), -1), tests), axis=-1)
    return _jnp.logical_not(hit) if invert else hit


def digitize(x: Any, bins: Any, right: _b.bool = False) -> Any:
    bins = _jnp.asarray(bins)
    if _jnp.ndim(bins) != 1:
        raise ValueError("digitize: bins must be a 1-dimensional array")
    n = _jnp.shape(bins)[0]
    if n == 0:
        return _np.zeros(_jnp.shape(x), _np.int64)
    up = _jnp.searchsorted(bins, x, side="left" if right else "right")
    down = n - _jnp.searchsorted(_jnp.flip(bins), x, side="right" if right else "left")
    # decreasing bins are searched reversed, as NumPy does
    return _jnp.where(_jnp.greater_equal(bins[-1], bins[0]), up, down)


def histogram(
    a: Any, bins: Any = 10, range: Any = None, weights: Any = None, density: Any = None
) -> tuple[Any, Any]:
    """Static integer ``bins``; ``range`` may be traced; counts are floats, as in JAX."""
    if not isinstance(bins, (int, _np.integer)):
        raise _UnsupportedError("histogram: only a static integer number of bins is supported")
    a = _jnp.ravel(_as_float(a))
    if range is None:
        lo, hi = _jnp.min(a), _jnp.max(a)
    else:
        lo, hi = _as_float(range[0]), _as_float(range[1])
    # an empty range is widened by one half each way, as NumPy does
    same = _jnp.equal(lo, hi)
    lo, hi = _jnp.where(same, _jnp.subtract(lo, 0.5), lo), _jnp.where(same, _jnp.add(hi, 0.5), hi)
    edges = _jnp.linspace(lo, hi, int(bins) + 1)
    idx = _jnp.subtract(_jnp.searchsorted(edges, a, side="right"), 1)
    idx = _jnp.where(_jnp.equal(a, hi), int(bins) - 1, idx)  # the last bin is closed
    inside = _jnp.logical_and(_jnp.greater_equal(a, lo), _jnp.less_equal(a, hi))
    w = _np.ones((), a.dtype) if weights is None else _jnp.ravel(_jnp.asarray(weights))
    w = _jnp.where(inside, w, 0)
    onehot = _jnp.equal(_jnp.expand_dims(idx, -1), _np.arange(int(bins)))
    counts = _jnp.sum(_jnp.multiply(_jnp.astype(onehot, a.dtype), _jnp.expand_dims(w, -1)), axis=0)
    if density:
        widths = _jnp.subtract(edges[1:], edges[:-1])
        counts = _jnp.true_divide(counts, _jnp.multiply(_jnp.sum(counts), widths))
    return counts, edges


def unwrap(p: Any, discont: Any = None, axis: int = -1, period: Any = 2 * _np.pi) -> Any:
    p = _jnp.moveaxis(_as_float(p), axis, -1)
    half = _jnp.true_divide(period, 2)
    discont = half if discont is None else discont
    dd = _jnp.diff(p, axis=-1)
    ddmod = _jnp.subtract(_jnp.remainder(_jnp.add(dd, half), period), half)
    # the ambiguous -period/2 goes the way the jump went, as NumPy does
    ddmod = _jnp.where(_jnp.logical_and(_jnp.equal(ddmod, -half), _jnp.greater(dd, 0)), half, ddmod)
    fix = _jnp.where(_jnp.less(_jnp.absolute(dd), discont), 0, _jnp.subtract(ddmod, dd))
    rest = _jnp.add(p[..., 1:], _jnp.cumsum(fix, axis=-1))
    return _jnp.moveaxis(_jnp.concatenate([p[..., :1], rest], -1), -1, axis)


# ------------------------------------------------------------------ static-size data-dependent
def _need_size(name: str, size: Any, *values: Any) -> _b.bool:
    """True when the composition must run (traced, or ``size=`` asked for)."""
    if size is None and _traced(*values):
        raise _BooleanIndexError(
            f"{name} has a data-dependent shape and cannot be traced; pass a static size="
        )
    return size is not None


def _first_true(mask: Any, size: int) -> tuple[Any, Any]:
    """Positions of the first ``size`` True entries of 1-d ``mask`` (n where missing) and
    whether each exists: the masked positions sorted to the front."""
    n = _jnp.shape(mask)[0]
    key = _jnp.sort(_jnp.where(mask, _np.arange(n), n))
    if size > n:
        key = _jnp.concatenate([key, _np.full(size - n, n)], 0)
    key = key[:size]
    return key, _jnp.less(key, n)


def nonzero(a: Any, *, size: int | None = None, fill_value: Any = None) -> tuple[Any, ...]:
    if not _need_size("nonzero", size, a):
        return _np.nonzero(a)
    a = _jnp.asarray(a)
    if _jnp.ndim(a) == 0:
        raise ValueError("nonzero: 0-d arrays are not supported; use atleast_1d")
    pos, ok = _first_true(_jnp.not_equal(_jnp.ravel(a), 0), _operator.index(size))  # type: ignore[arg-type]
    pos = _jnp.where(ok, pos, 0)
    dims = _jnp.shape(a)
    fills = fill_value if isinstance(fill_value, tuple) else (fill_value or 0,) * len(dims)
    out = []
    for i, d in enumerate(dims):
        stride = int(_np.prod(dims[i + 1 :], dtype=_np.int64))
        coord = _jnp.remainder(_jnp.floor_divide(pos, stride), d)
        out.append(_jnp.astype(_jnp.where(ok, coord, fills[i]), _np.int64))
    return tuple(out)


def flatnonzero(a: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    return nonzero(_jnp.ravel(_jnp.asarray(a)), size=size, fill_value=fill_value)[0]


def argwhere(a: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    if not _need_size("argwhere", size, a):
        return _np.argwhere(a)
    a = _jnp.asarray(a)
    if _jnp.ndim(a) == 0:  # no coordinates to give, as JAX
        return _np.zeros((_operator.index(size), 0), _np.int64)  # type: ignore[arg-type]
    return _jnp.stack(nonzero(a, size=size, fill_value=fill_value), 1)


def unique(
    ar: Any,
    return_index: _b.bool = False,
    return_inverse: _b.bool = False,
    return_counts: _b.bool = False,
    axis: int | None = None,
    *,
    equal_nan: _b.bool = True,
    size: int | None = None,
    fill_value: Any = None,
) -> Any:
    """Flattened (``axis=None``) only; padding as JAX: ``fill_value`` defaults to the
    smallest value, its index and padded counts are 0-based as JAX gives them."""
    flags = (return_index, return_inverse, return_counts)
    if not _need_size("unique", size, ar):
        return _np.unique(ar, *flags, axis=axis, equal_nan=equal_nan)  # type: ignore[call-overload]
    if axis is not None:
        raise _UnsupportedError("unique: size= with axis is not supported")
    flat = _jnp.ravel(_jnp.asarray(ar))
    size = _operator.index(size)  # type: ignore[arg-type]
    perm = _jnp.argsort(flat, stable=True)  # stable: each group's first index comes first
    s = _jnp.take(flat, perm)
    new = _jnp.not_equal(s[1:], s[:-1])
    if equal_nan and _np.issubdtype(flat.dtype, _np.inexact):
        new = _jnp.logical_and(
            new, _jnp.logical_not(_jnp.logical_and(_jnp.isnan(s[1:]), _jnp.isnan(s[:-1])))
        )
    first = _jnp.concatenate([_np.ones(1, _np.bool_), new], 0)
    starts, ok = _first_true(first, size + 1)
    at = _jnp.where(ok, starts, 0)[:size]
    fill = s[0] if fill_value is None else fill_value
    values = _jnp.where(ok[:size], _jnp.take(s, at), fill)
    out: list[Any] = [_jnp.astype(values, flat.dtype)]
    if return_index:
        # JAX pads the index with the fill value's own first index (0 when fill is s[0])
        out.append(_jnp.where(ok[:size], _jnp.take(perm, at), perm[0]))
    if return_inverse:
        group = _jnp.subtract(_jnp.cumsum(_jnp.astype(first, _np.int64)), 1)
        inv = _jnp.take(group, _jnp.argsort(perm))
        out.append(_jnp.reshape(inv, _jnp.shape(ar)))
    if return_counts:
        counts = _jnp.subtract(starts[1:], starts[:size])
        out.append(_jnp.where(ok[:size], counts, 0))
    return out[0] if len(out) == 1 else tuple(out)


# ------------------------------------------------------------------ NumPy re-exports
finfo, iinfo, issubdtype, can_cast, iterable = (
    _np.finfo,
    _np.iinfo,
    _np.issubdtype,
    _np.can_cast,
    _np.iterable,
)
isdtype = _np.isdtype
bool = _np.bool_
int_, uint, float_, complex_ = _np.int64, _np.uint64, _np.float64, _np.complex128
single, double, csingle, cdouble = _np.float32, _np.float64, _np.complex64, _np.complex128
integer, floating, inexact, number = _np.integer, _np.floating, _np.inexact, _np.number
signedinteger, unsignedinteger = _np.signedinteger, _np.unsignedinteger
complexfloating, generic, character, flexible = (
    _np.complexfloating,
    _np.generic,
    _np.character,
    _np.flexible,
)
object_ = _np.object_
r_, c_, s_, index_exp, mgrid, ogrid = _np.r_, _np.c_, _np.s_, _np.index_exp, _np.mgrid, _np.ogrid
ix_, indices, fromfunction = _np.ix_, _np.indices, _np.fromfunction


def array_equal(a1: Any, a2: Any, equal_nan: _b.bool = False) -> Any:
    """``jnp.array_equal``: same shape and equal elements (NaNs equal with ``equal_nan``);
    a shape mismatch is False without comparing."""
    x, y = _jnp.asarray(a1), _jnp.asarray(a2)
    if _jnp.shape(x) != _jnp.shape(y):
        return _np.bool_(False)
    same = _jnp.equal(x, y)
    if equal_nan:
        same = _jnp.logical_or(same, _jnp.logical_and(_jnp.isnan(x), _jnp.isnan(y)))
    return _jnp.all(same)


def array_equiv(a1: Any, a2: Any) -> Any:
    """``jnp.array_equiv``: equal after broadcasting to one shape (False when they do not
    broadcast)."""
    x, y = _jnp.asarray(a1), _jnp.asarray(a2)
    try:
        _np.broadcast_shapes(_jnp.shape(x), _jnp.shape(y))
    except ValueError:
        return _np.bool_(False)
    return _jnp.all(_jnp.equal(x, y))


__all__ = [name for name in list(globals()) if not name.startswith("_") and name != "annotations"]
__all__.remove("Any")
__all__.remove("Sequence")
