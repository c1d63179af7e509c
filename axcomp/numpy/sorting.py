"""Sorting and searching in ``jax.numpy``: ``sort``, ``argsort`` (stable, ascending or
``descending``) and ``searchsorted`` (an all-pairs comparison)."""

from __future__ import annotations

import operator
from typing import Any, cast

import numpy as np

from ..errors import ArgumentTypeError, AxisError, ShapeError, UnsupportedError
from ..primitives.elementwise import elementwise
from ..primitives.order import _argsort_along, _reverse, _sort
from ..primitives.reductions import reduce_sum
from ..primitives.shape import astype, reshape
from ..tracing.build import Value, normalize_axis
from ..tracing.tracer import Tracer
from .dispatch import numpy_function, staged_function
from .namespace import jnp as _jnp
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


@numpy_function()
def lexsort(keys: Any, axis: int = -1) -> Tracer:
    """Indices sorting by the last key, then the one before...: one stable argsort per key,
    from the first key (least significant) to the last."""
    ks = [_t(k) for k in (_jnp.unstack(keys) if isinstance(keys, Tracer) else keys)]
    if not ks:
        raise ShapeError("lexsort: need at least one key")
    shape = ks[0].shape
    if any(k.shape != shape for k in ks):
        shapes = [k.shape for k in ks]
        raise ShapeError(f"lexsort: all keys need to be the same shape, got {shapes}")
    ax = normalize_axis(axis, len(shape), "axis")
    order = _argsort_along(ks[0], ax, False)
    for k in ks[1:]:
        step = _argsort_along(_jnp.take_along_axis(k, order, axis=ax), ax, False)
        order = _jnp.take_along_axis(order, step, axis=ax)
    return order


def _partition_check(t: Tracer, kth: Any, axis: int, what: str) -> tuple[int, int]:
    if isinstance(kth, Tracer) or not isinstance(kth, (int, np.integer)):
        raise ArgumentTypeError(f"{what}: kth must be a static integer, got {kth!r}")
    ax = normalize_axis(axis, t.ndim, "axis")
    n = t.shape[ax]
    k = operator.index(kth)
    if not -n <= k < n:
        raise ShapeError(f"{what}: kth={k} out of bounds for axis {ax} of size {n}")
    return ax, k % n


@staged_function
def partition(a: Value, kth: int, axis: int = -1) -> Tracer:
    """As ``jnp.partition``: the ``kth + 1`` smallest values ascending along ``axis``,
    then the rest descending (the order JAX's two ``top_k`` give)."""
    t = _t(a)
    ax, k = _partition_check(t, kth, axis, "partition")
    s = _jnp.sort(t, axis=ax)
    low = _jnp.take(s, np.arange(k + 1), axis=ax)
    high = _jnp.take(s, np.arange(t.shape[ax] - 1, k, -1), axis=ax)
    return cast(Tracer, _jnp.concatenate([low, high], axis=ax))  # (_jnp is typed Any)


@staged_function
def argpartition(a: Value, kth: int, axis: int = -1) -> Tracer:
    """The indices ``partition`` places (int32, as JAX's ``top_k`` gives them); equal
    values keep their index order in both parts."""
    t = _t(a)
    ax, k = _partition_check(t, kth, axis, "argpartition")
    n = t.shape[ax]
    up = _argsort_along(t, ax, False)
    down = _argsort_along(t, ax, True)
    low = _jnp.take(up, np.arange(k + 1), axis=ax)
    high = _jnp.take(down, np.arange(n - k - 1), axis=ax)
    return astype(_jnp.concatenate([low, high], axis=ax), np.int32)


@numpy_function()
def sort_complex(a: Value) -> Tracer:
    """``a`` sorted along its last axis, as complex (real part first, then imaginary)."""
    t = _t(a)
    dtype = np.result_type(t.dtype, np.complex64)
    return _sort(astype(t, dtype), t.ndim - 1)
