"""Indexing routines of ``jax.numpy``: ``take``/``take_along_axis``, ``diagonal``, the
index generators (``nonzero``/``flatnonzero``/``argwhere`` with JAX's static ``size=``,
``diag_indices``, ``tri[ul]_indices_from``), ``select``, and the data-dependent ``interp``
and ``bincount``, which compare against every knot / bin (O(n * k) work and memory: exact,
selected with ``where`` so a NaN in one knot does not leak into the others, vectorised, and
meant for small ``k``)."""

from __future__ import annotations

import builtins
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.dtype_promotion import inexact_result, result_type
from ..errors import ArgumentTypeError, ShapeError, TracingError, UnsupportedError
from ..primitives import order as _order
from ..primitives.contraction import multiply
from ..primitives.elementwise import elementwise, where
from ..primitives.elementwise import elementwise as _e
from ..primitives.gathers import BooleanIndexError as _BooleanIndexError
from ..primitives.gathers import (
    _fill_value,
    _in_bounds,
    _intp,
    _normalize,
    gather,
    take_clamped,
)
from ..primitives.indexing import getitem
from ..primitives.reductions import reduce_sum
from ..primitives.shape import astype, broadcast_to, expand_dims, reshape
from ..tracing.build import Value, broadcast_shapes, lift, normalize_axis, trace_of
from ..tracing.tracer import Tracer
from .dispatch import numpy_function, staged_function
from .namespace import jnp as _jnp
from .namespace import traced as _traced
from .traced_values import lift_value as _one
from .traced_values import lift_values as _lift


def _interp_dtypes(x: Any, xp: Any, fp: Any) -> tuple[np.dtype, np.dtype, np.dtype]:
    """JAX's dtypes for ``interp``: the points and knots promoted inexact together, the
    values inexact on their own, the result both promoted (float32 stays float32)."""
    at = inexact_result(x, xp)
    values = inexact_result(fp)
    return at, values, np.promote_types(at, values)


def _np_interp(
    x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None, period: Any = None
) -> Any:
    """``numpy.interp`` in JAX's dtypes (``_interp_dtypes``)."""
    at, values, out = _interp_dtypes(x, xp, fp)
    found = np.interp(
        np.asarray(x, at), np.asarray(xp, at), np.asarray(fp, values), left, right, period
    )
    return np.asarray(found).astype(out, copy=False)


@numpy_function(_np_interp)
def interp(
    x: Value, xp: Value, fp: Value, left: Any = None, right: Any = None, period: Any = None
) -> Tracer:
    """``numpy.interp`` (JAX's formulas): piecewise-linear through (xp, fp), ``xp``
    increasing. ``xp``/``fp`` may be static or traced; each ``x`` is compared against every
    knot (O(len(x) * len(xp)), no searchsorted), knots picked with ``where``."""
    if period is not None:
        raise UnsupportedError("interp: period= is not supported; use x % period first")
    t, kx, kf = _lift(x, xp, fp)
    if kx.ndim != 1 or kf.ndim != 1 or kx.shape != kf.shape or kx.shape[0] == 0:
        raise ShapeError(
            f"interp: xp and fp must be 1-d of the same nonzero length, got {kx.shape} and "
            f"{kf.shape}"
        )
    at, values, dtype = _interp_dtypes(t, kx, kf)
    t, kx, kf = astype(t, at), astype(kx, at), astype(kf, values)
    k = kx.shape[0]
    nd = t.ndim
    knots_x = reshape(kx, (1,) * nd + (k,))
    knots_f = reshape(kf, (1,) * nd + (k,))
    # searchsorted(xp, x, side='right') as a count, clipped to [1, k - 1]
    count = reduce_sum(
        astype(_e("less_equal", knots_x, expand_dims(t, -1)), np.int64), axis=-1, dtype=np.int64
    )
    i = _e("maximum", _e("minimum", count, builtins.max(k - 1, 1)), 1)
    ar = np.arange(k).reshape((1,) * nd + (k,))

    def pick(knots: Tracer, idx: Tracer) -> Tracer:
        hit = _e("equal", expand_dims(idx, -1), ar)
        return reduce_sum(where(hit, knots, np.asarray(0, knots.dtype)), axis=-1)

    if k == 1:
        f = broadcast_to(getitem(kf, 0), t.shape)
    else:
        im = _e("subtract", i, 1)
        x0, x1 = pick(knots_x, im), pick(knots_x, i)
        f0, f1 = pick(knots_f, im), pick(knots_f, i)
        dx = _e("subtract", x1, x0)
        flat = _e("equal", dx, 0)
        slope = _e("true_divide", _e("subtract", t, x0), where(flat, np.asarray(1.0), dx))
        f = where(flat, f1, _e("add", f0, multiply(slope, _e("subtract", f1, f0))))
    lo = getitem(kf, 0) if left is None else left
    hi = getitem(kf, k - 1) if right is None else right
    f = where(_e("less", t, getitem(kx, 0)), lo, f)
    f = where(_e("greater", t, getitem(kx, k - 1)), hi, f)
    return astype(f, dtype)


def _np_bincount(x: Any, weights: Any = None, minlength: int = 0, *, length: Any = None) -> Any:
    if length is None:
        return np.bincount(x, weights, minlength)
    x = np.asarray(x)
    w = np.ones(x.shape, np.int64) if weights is None else np.asarray(weights)
    out = np.zeros(length, w.dtype)
    x = np.clip(x, 0, None)  # JAX clips negative values to bin 0
    keep = x < length
    np.add.at(out, x[keep], w[keep])
    return out


@numpy_function(_np_bincount)
def bincount(x: Value, weights: Any = None, minlength: int = 0, *, length: Any = None) -> Tracer:
    """``jax.numpy.bincount``: on traced values ``length`` (static) is required; values
    below 0 count in bin 0 and those >= length are dropped; the result has the weights'
    dtype (int64 without). One-hot comparison against every bin, then a sum (O(len(x) * length))."""
    t = _one(x)
    if length is None:
        raise TracingError(
            "bincount: the output length depends on the data; pass a static length= "
            "(as jax.numpy.bincount requires under jit)"
        )
    length = builtins.max(operator.index(length), 0)
    if t.ndim != 1:
        raise ShapeError(f"bincount: x must be 1-d, got shape {t.shape}")
    if t.dtype.kind not in "biu":
        raise ArgumentTypeError(f"bincount: x must be an integer array, got {t.dtype}")
    t = _e("maximum", t, 0)  # JAX clips negative values to bin 0, drops those >= length
    hit = _e("equal", expand_dims(t, -1), np.arange(length))  # (n, length)
    if weights is None:
        return reduce_sum(astype(hit, np.int64), axis=0, dtype=np.int64)
    w = _one(weights)
    if w.shape != t.shape:
        raise ShapeError(f"bincount: weights shape {w.shape} must match x shape {t.shape}")
    return reduce_sum(where(hit, expand_dims(w, -1), np.asarray(0, w.dtype)), axis=0)


def _np_select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = 0) -> Any:
    """``numpy.select`` with the choices and ``default`` in JAX's dtype (Python scalars
    weak: int32 choices with a default of 0 stay int32)."""
    dtype = result_type(*choicelist, default)
    choices = [np.asarray(c).astype(dtype, copy=False) for c in choicelist]
    return np.select(condlist, choices, np.asarray(default).astype(dtype, copy=False))


@numpy_function(_np_select)
def select(condlist: Sequence[Value], choicelist: Sequence[Value], default: Any = 0) -> Tracer:
    """``numpy.select``: the first choice whose condition holds, else ``default``."""
    if len(condlist) != len(choicelist):
        raise ShapeError(
            f"select: condlist ({len(condlist)}) and choicelist ({len(choicelist)}) must have "
            "the same length"
        )
    if not condlist:
        raise ShapeError("select: condlist must not be empty")
    conds = _lift(*condlist)
    for i, c in enumerate(conds):
        if c.dtype != np.bool_:
            raise ArgumentTypeError(f"select: condlist entry {i} is not boolean but {c.dtype}")
    out = _one(default) if isinstance(default, Tracer) else default
    for c, v in reversed(list(zip(conds, choicelist))):
        out = where(c, v, out)
    return _one(out)


@numpy_function()
def diagonal(a: Value, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tracer:
    """The ``offset`` diagonal of the (axis1, axis2) planes, appended as the last axis, as
    ``numpy.diagonal``."""
    return _order.diagonal(a, offset, axis1, axis2)


@staged_function  # eagerly too: NumPy's take raises where JAX's fills or clamps
def take(
    a: Value, indices: Value, axis: Any = None, mode: Any = None, fill_value: Any = None
) -> Tracer:
    """``jnp.take``: mode None/fill (out-of-bounds -> NaN / int min), clip, wrap."""
    trace = trace_of((a, indices))
    t = lift(a, trace)
    if axis is None:
        t, axis = reshape(t, (-1,)), 0
    if mode == "clip":
        return take_clamped(t, indices, axis, "clip", negative=False)
    return take_clamped(t, indices, axis, "fill" if mode is None else mode, fill_value)


@staged_function  # eagerly too: NumPy's take_along_axis has no mode and raises
def take_along_axis(
    arr: Value, indices: Value, axis: Any, mode: Any = None, fill_value: Any = None
) -> Tracer:
    """``jnp.take_along_axis``: one gather on the flattened array (out-of-bounds filled,
    or clamped with mode='clip')."""
    trace = trace_of((arr, indices))
    t, i = lift(arr, trace), _intp(lift(indices, trace))
    if axis is None:
        t, axis = reshape(t, (-1,)), 0
        if i.ndim != 1:
            raise ShapeError(f"indices must be 1-d when axis is None, got shape {i.shape}")
    if i.ndim != t.ndim:
        raise ShapeError(
            f"indices of shape {i.shape} and arr of shape {t.shape} need the same ndim"
        )
    ax = normalize_axis(axis, t.ndim)
    n = t.shape[ax]
    shape = list(
        broadcast_shapes(
            t.shape[:ax] + (1,) + t.shape[ax + 1 :], i.shape[:ax] + (1,) + i.shape[ax + 1 :]
        )
    )
    shape[ax] = i.shape[ax]
    t = broadcast_to(t, tuple(shape[:ax]) + (n,) + tuple(shape[ax + 1 :]))
    i = broadcast_to(i, tuple(shape))
    i = _normalize(i, n)
    strides = np.cumprod((t.shape[1:] + (1,))[::-1])[::-1]
    base = np.zeros(tuple(shape), np.intp)
    for d in range(len(shape)):
        if d != ax:
            r = [1] * len(shape)
            r[d] = shape[d]
            base = base + np.arange(shape[d]).reshape(r) * int(strides[d])
    flat = elementwise(
        "add",
        base,
        elementwise("multiply", elementwise("clip", i, 0, max(n - 1, 0)), int(strides[ax])),
    )
    out = gather(reshape(t, (-1,)), flat, 0)
    if mode == "clip":
        return out
    return elementwise(
        "where", _in_bounds(i, n), out, np.asarray(_fill_value(t.dtype, fill_value), t.dtype)
    )


def tril_indices_from(arr: Any, k: int = 0) -> tuple[Any, Any]:
    s = _jnp.shape(arr)
    if len(s) != 2:
        raise ShapeError("tril_indices_from: input array must be 2-d")
    return np.tril_indices(s[0], k, s[1])


def triu_indices_from(arr: Any, k: int = 0) -> tuple[Any, Any]:
    s = _jnp.shape(arr)
    if len(s) != 2:
        raise ShapeError("triu_indices_from: input array must be 2-d")
    return np.triu_indices(s[0], k, s[1])


diag_indices = np.diag_indices


def diag_indices_from(arr: Any) -> tuple[Any, ...]:
    s = _jnp.shape(arr)
    if len(s) < 2 or len(set(s)) != 1:
        raise ShapeError("diag_indices_from: input must be at least 2-d with equal lengths")
    return np.diag_indices(s[0], len(s))


def _need_size(name: str, size: Any, *values: Any) -> builtins.bool:
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
    key = _jnp.sort(_jnp.where(mask, np.arange(n), n))
    if size > n:
        key = _jnp.concatenate([key, np.full(size - n, n)], 0)
    key = key[:size]
    return key, _jnp.less(key, n)


def nonzero(a: Any, *, size: int | None = None, fill_value: Any = None) -> tuple[Any, ...]:
    if not _need_size("nonzero", size, a):
        return np.nonzero(a)
    a = _jnp.asarray(a)
    if _jnp.ndim(a) == 0:
        raise ShapeError("nonzero: 0-d arrays are not supported; use atleast_1d")
    pos, ok = _first_true(_jnp.not_equal(_jnp.ravel(a), 0), operator.index(size))  # type: ignore[arg-type]
    pos = _jnp.where(ok, pos, 0)
    dims = _jnp.shape(a)
    fills = fill_value if isinstance(fill_value, tuple) else (fill_value or 0,) * len(dims)
    out = []
    for i, d in enumerate(dims):
        stride = int(np.prod(dims[i + 1 :], dtype=np.int64))
        coord = _jnp.remainder(_jnp.floor_divide(pos, stride), d)
        out.append(_jnp.astype(_jnp.where(ok, coord, fills[i]), np.int64))
    return tuple(out)


def flatnonzero(a: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    return nonzero(_jnp.ravel(_jnp.asarray(a)), size=size, fill_value=fill_value)[0]


def argwhere(a: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    if not _need_size("argwhere", size, a):
        return np.argwhere(a)
    a = _jnp.asarray(a)
    if _jnp.ndim(a) == 0:  # no coordinates to give, as JAX
        return np.zeros((operator.index(size), 0), np.int64)  # type: ignore[arg-type]
    return _jnp.stack(nonzero(a, size=size, fill_value=fill_value), 1)


def mask_indices(n: int, mask_func: Any, k: int = 0, *, size: int | None = None) -> tuple[Any, ...]:
    """The indices where ``mask_func(ones((n, n)), k)`` is nonzero (with ``size=``: the
    first ``size`` of them, zero-padded, as ``nonzero``)."""
    mask = mask_func(_jnp.ones((operator.index(n), operator.index(n))), k)
    return nonzero(mask, size=size)
