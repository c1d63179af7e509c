"""Data-dependent selection in ``jax.numpy``: ``interp`` and ``bincount`` compare against
every knot / bin (O(n * k) work and memory: exact, selected with ``where`` so a NaN in one
knot does not leak into the others, vectorised, and meant for small ``k``); ``select``
takes the first choice whose condition holds."""

from __future__ import annotations

import builtins
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentTypeError, ShapeError, TracingError, UnsupportedError
from ..primitives import order as _order
from ..primitives.contraction import multiply
from ..primitives.elementwise import elementwise as _e
from ..primitives.elementwise import where
from ..primitives.indexing import getitem
from ..primitives.reductions import reduce_sum
from ..primitives.shape import astype, broadcast_to, expand_dims, reshape
from ..tracing.build import Value
from ..tracing.tracer import Tracer
from .dispatch import numpy_function
from .traced_values import lift_value as _one
from .traced_values import lift_values as _lift


@numpy_function()
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
    # NumPy computes in (and returns) float64, or complex128 for complex fp
    dtype = np.dtype(np.complex128 if kf.dtype.kind == "c" else np.float64)
    t, kx, kf = astype(t, np.float64), astype(kx, np.float64), astype(kf, dtype)
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


@numpy_function()
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
