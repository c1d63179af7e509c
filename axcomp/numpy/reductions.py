"""Reductions of ``jax.numpy`` built from the reduction primitives: ``count_nonzero``,
``ptp`` and ``average``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError, UnsupportedError
from ..primitives.contraction import multiply
from ..primitives.elementwise import elementwise as _e
from ..primitives.order import diagonal as _diagonal
from ..primitives.reductions import inexact_dtype, reduce, reduce_sum, with_inexact_default
from ..primitives.shape import astype, broadcast_to, reshape
from ..tracing.build import Value, normalize_axis
from ..tracing.tracer import Tracer
from .dispatch import numpy_function
from .traced_values import lift_value as _one


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


@numpy_function(with_inexact_default(np.average))
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
    dtype = np.result_type(t.dtype, w.dtype, 1.0)
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
