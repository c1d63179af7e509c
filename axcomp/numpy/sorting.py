"""Sorting and searching in ``jax.numpy``: ``sort``, ``argsort`` (stable, ascending or
``descending``) and ``searchsorted`` (an all-pairs comparison)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentTypeError, AxisError, ShapeError, UnsupportedError
from ..primitives.elementwise import elementwise
from ..primitives.order import _argsort_along, _reverse, _sort
from ..primitives.reductions import reduce_sum
from ..primitives.shape import astype, reshape
from ..tracing.build import Value, normalize_axis
from ..tracing.tracer import Tracer
from .dispatch import numpy_function
from .traced_values import lift_value as _t


def _axis_or_flat(t: Tracer, axis: Any) -> tuple[Tracer, int]:
    if axis is None:
        return reshape(t, (-1,)), 0
    if t.ndim == 0:
        raise AxisError(f"axis {axis} is out of bounds for an array of dimension 0")
    return t, normalize_axis(axis, t.ndim)


def _check_kind(kind: Any, order: Any) -> None:
    if order is not None:
        raise UnsupportedError("sort/argsort: 'order' (structured arrays) is not supported")
    if kind not in (None, "stable", "mergesort", "quicksort", "heapsort"):
        raise ArgumentTypeError(f"sort/argsort: unknown kind {kind!r}")


@numpy_function()
def sort(
    a: Value,
    axis: Any = -1,
    kind: Any = None,
    order: Any = None,
    *,
    stable: Any = None,
    descending: bool = False,
) -> Tracer:
    """Sorted copy along ``axis`` (flattened when None), as ``jax.numpy.sort``."""
    _check_kind(kind, order)
    t, ax = _axis_or_flat(_t(a), axis)
    out = _sort(t, ax)
    return _reverse(out, (ax,)) if descending else out


@numpy_function()
def argsort(
    a: Value,
    axis: Any = -1,
    kind: Any = None,
    order: Any = None,
    *,
    stable: Any = None,
    descending: bool = False,
) -> Tracer:
    """Indices that sort along ``axis`` (stable), as ``jax.numpy.argsort``."""
    _check_kind(kind, order)
    t, ax = _axis_or_flat(_t(a), axis)
    return _argsort_along(t, ax, bool(descending))


@numpy_function()
def searchsorted(a: Value, v: Value, side: str = "left", sorter: Any = None) -> Tracer:
    """Insertion indices of ``v`` into sorted 1-d ``a``, as ``numpy.searchsorted`` (an
    all-pairs comparison: O(len(a) * v.size))."""
    if sorter is not None:
        raise UnsupportedError("searchsorted: 'sorter' is not supported inside kernels")
    if side not in ("left", "right"):
        raise ArgumentTypeError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    ta, tv = _t(a), _t(v)
    if ta.ndim != 1:
        raise ShapeError(f"searchsorted: a must be 1-d, got shape {ta.shape}")
    cmp = "less" if side == "left" else "less_equal"
    wide = reshape(tv, (*tv.shape, 1))
    hits = elementwise(cmp, ta, wide)
    if np.issubdtype(ta.dtype, np.floating) or np.issubdtype(tv.dtype, np.floating):
        # NaN sorts last (as in jnp.searchsorted): below a NaN query is every number, and
        # for side='right' every NaN too
        below = elementwise("isnan", wide)
        if side == "left":
            below = elementwise(
                "logical_and", below, elementwise("logical_not", elementwise("isnan", ta))
            )
        hits = elementwise("logical_or", hits, below)
    return astype(reduce_sum(hits, axis=-1), np.intp)
