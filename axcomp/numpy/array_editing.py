"""Arrays rebuilt from pieces of others in ``jax.numpy``: ``delete`` and ``insert`` (at
static positions), ``block``, ``resize`` and ``trim_zeros`` (concrete only: its shape
depends on the data)."""

from __future__ import annotations

import math
import operator
from typing import Any, cast

import numpy as np

from ..errors import ArgumentValueError, ConcretizationTypeError, ShapeError
from ..tracing.build import normalize_axis
from ..tracing.tracer import Tracer
from .dispatch import numpy_function
from .namespace import jnp as _jnp
from .namespace import traced as _traced


def _static_positions(obj: Any, what: str) -> Any:
    if isinstance(obj, slice):
        return obj
    if _traced(obj):
        raise ConcretizationTypeError(
            f"{what}: the 'obj' positions must be concrete (static), as in jax.numpy.{what}"
        )
    return np.asarray(obj)


def _flat_or_axis(arr: Any, axis: Any) -> tuple[Any, int]:
    a = _jnp.asarray(arr)
    if axis is None:
        return _jnp.ravel(a), 0
    return a, normalize_axis(operator.index(axis), _jnp.ndim(a), "axis")


def delete(
    arr: Any, obj: Any, axis: int | None = None, *, assume_unique_indices: bool = False
) -> Any:
    """``arr`` without the entries at the static positions ``obj`` along ``axis``."""
    if not _traced(arr, obj):
        return np.delete(arr, obj, axis)
    a, ax = _flat_or_axis(arr, axis)
    keep = np.delete(np.arange(_jnp.shape(a)[ax]), _static_positions(obj, "delete"))
    return _jnp.take(a, keep, axis=ax)


def insert(arr: Any, obj: Any, values: Any, axis: int | None = None) -> Any:
    """``arr`` with ``values`` inserted before the static positions ``obj`` along
    ``axis``, as ``numpy.insert`` (a scalar position takes a whole block of values)."""
    if not _traced(arr, obj, values):
        return np.insert(arr, obj, values, axis)
    a, ax = _flat_or_axis(arr, axis)
    n = _jnp.shape(a)[ax]
    pos = _static_positions(obj, "insert")
    pos = np.arange(n)[pos] if isinstance(pos, slice) else pos
    v = _jnp.asarray(values)
    if pos.ndim == 0:
        # NumPy: the values, made ``a.ndim``-d, form one block whose first axis is inserted
        v = _jnp.reshape(v, (1,) * (_jnp.ndim(a) - _jnp.ndim(v)) + _jnp.shape(v))
        v = _jnp.moveaxis(v, 0, ax)
        k = _jnp.shape(v)[ax]
        pos = np.full(k, pos)
    else:
        k = pos.size
        v = _jnp.moveaxis(
            _jnp.reshape(v, (1,) * (_jnp.ndim(a) - _jnp.ndim(v)) + _jnp.shape(v)), 0, ax
        )
    shape = list(_jnp.shape(a))
    shape[ax] = k
    v = _jnp.astype(_jnp.broadcast_to(v, tuple(shape)), _jnp.asarray(a).dtype)
    pos = np.where(pos < 0, pos + n, pos)
    if np.any((pos < 0) | (pos > n)):
        raise ShapeError(f"insert: index out of bounds for axis {ax} with size {n}")
    source = np.insert(np.arange(n), pos, n + np.arange(k))
    return _jnp.take(_jnp.concatenate([a, v], axis=ax), source, axis=ax)


def _depth(arrays: Any) -> int:
    return 1 + _depth(arrays[0]) if isinstance(arrays, list) and arrays else 0


def _max_ndim(arrays: Any) -> int:
    if isinstance(arrays, list):
        return max((_max_ndim(x) for x in arrays), default=0)
    return int(_jnp.ndim(arrays))


def _assemble(arrays: Any, level: int, depth: int, ndim: int) -> Any:
    if not isinstance(arrays, list):
        a = _jnp.asarray(arrays)
        return _jnp.reshape(a, (1,) * (ndim - _jnp.ndim(a)) + _jnp.shape(a))
    if not arrays or _depth(arrays) != depth - level:
        raise ShapeError("block: the nested lists must all have the same, nonzero depth")
    parts = [_assemble(x, level + 1, depth, ndim) for x in arrays]
    return _jnp.concatenate(parts, axis=ndim - depth + level)


def block(arrays: Any) -> Any:
    """``numpy.block``: the innermost lists joined along the last axis, the next ones
    along the axis before..."""
    if not _traced(arrays):
        return np.block(arrays)
    depth = _depth(arrays)
    return _assemble(arrays, 0, depth, max(depth, _max_ndim(arrays)))


@numpy_function()
def resize(a: Any, new_shape: Any) -> Tracer:
    """``a``'s entries, flattened and repeated as needed, in an array of ``new_shape``."""
    shape = (operator.index(new_shape),) if np.ndim(new_shape) == 0 else tuple(new_shape)
    if any(operator.index(d) < 0 for d in shape):
        raise ArgumentValueError(f"resize: new_shape must be non-negative, got {shape}")
    flat = _jnp.ravel(_jnp.asarray(a))
    total, size = math.prod(shape), _jnp.size(flat)
    if size == 0:
        return cast(Tracer, _jnp.zeros(shape, flat.dtype))  # (_jnp is typed Any)
    flat = _jnp.tile(flat, -(-total // size))[:total]
    return cast(Tracer, _jnp.reshape(flat, shape))


def _np_trim_zeros(filt: Any, trim: str = "fb", axis: Any = None) -> Any:
    # numpy >= 2.2 takes axis=; older NumPy trims 1-d arrays only
    return np.trim_zeros(filt, trim) if axis is None else np.trim_zeros(filt, trim, axis)  # type: ignore[arg-type]


@numpy_function(_np_trim_zeros)
def trim_zeros(filt: Any, trim: str = "fb", axis: Any = None) -> Tracer:
    raise ConcretizationTypeError(
        "trim_zeros: the result's shape depends on the values, so filt must be concrete"
    )
