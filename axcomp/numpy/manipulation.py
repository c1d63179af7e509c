"""Shape manipulation in ``jax.numpy``: ``reshape``, ``transpose``/``swapaxes``/
``moveaxis``/``permute_dims``, ``squeeze``/``expand_dims``, ``broadcast_to``/
``broadcast_arrays``, ``concatenate``/``stack``/``[hvd]stack``/``column_stack``/``append``,
``split``/``array_split``/``[hvd]split``/``unstack``, ``flip``/``roll``/``rot90``,
``tile``/``repeat``/``pad``, ``atleast_*d``, and ``shape``/``ndim``/``size``."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import primitives as _ops
from ..core.dtype_promotion import concrete_operands
from ..errors import ArgumentTypeError, ShapeError
from ..primitives import order as _order
from ..primitives.order import _int, _ints, _reverse, _slice, take_along
from ..tracing.build import Value, normalize_axes, normalize_axis
from ..tracing.tracer import Tracer
from .dispatch import any_traced, numpy_function
from .namespace import jnp as _jnp
from .traced_values import lift_value as _t
from .traced_values import lift_values as _lift


@numpy_function()
def atleast_1d(*arys: Value) -> Any:
    """``numpy.atleast_1d``; several arguments give a list, as in JAX."""
    out = [_ops.reshape(t, (1,)) if t.ndim == 0 else t for t in _lift(*arys)]
    return out[0] if len(out) == 1 else out


@numpy_function()
def atleast_2d(*arys: Value) -> Any:
    """``numpy.atleast_2d``: 0-d to (1, 1), 1-d (n,) to (1, n)."""
    out = [
        _ops.reshape(t, (1,) * (2 - t.ndim) + t.shape) if t.ndim < 2 else t for t in _lift(*arys)
    ]
    return out[0] if len(out) == 1 else out


@numpy_function()
def atleast_3d(*arys: Value) -> Any:
    """``numpy.atleast_3d``: 0-d to (1, 1, 1), (n,) to (1, n, 1), (m, n) to (m, n, 1)."""
    out = []
    for t in _lift(*arys):
        if t.ndim == 0:
            t = _ops.reshape(t, (1, 1, 1))
        elif t.ndim == 1:
            t = _ops.reshape(t, (1, t.shape[0], 1))
        elif t.ndim == 2:
            t = _ops.reshape(t, (*t.shape, 1))
        out.append(t)
    return out[0] if len(out) == 1 else out


def _seq(tup: Any, what: str) -> list[Tracer]:
    if isinstance(tup, Tracer) or not isinstance(tup, (list, tuple)):
        raise ArgumentTypeError(f"{what}: expects a sequence of arrays, got {type(tup).__name__}")
    if not tup:
        raise ShapeError(f"{what}: need at least one array to concatenate")
    return _lift(*tup)


@numpy_function(promotes="sequence")
def hstack(tup: Sequence[Value]) -> Tracer:
    """``numpy.hstack``: along axis 1, or axis 0 for 1-d arrays."""
    ts = [atleast_1d(t) for t in _seq(tup, "hstack")]
    return _ops.concatenate(ts, axis=0 if ts[0].ndim == 1 else 1)


@numpy_function(promotes="sequence")
def vstack(tup: Sequence[Value]) -> Tracer:
    """``numpy.vstack``: along axis 0 after ``atleast_2d``."""
    return _ops.concatenate([atleast_2d(t) for t in _seq(tup, "vstack")], axis=0)


@numpy_function(promotes="sequence")
def dstack(tup: Sequence[Value]) -> Tracer:
    """``numpy.dstack``: along axis 2 after ``atleast_3d``."""
    return _ops.concatenate([atleast_3d(t) for t in _seq(tup, "dstack")], axis=2)


@numpy_function(promotes="sequence")
def column_stack(tup: Sequence[Value]) -> Tracer:
    """``numpy.column_stack``: 1-d arrays become columns, then ``hstack``."""
    ts = [
        _ops.reshape(t, (t.shape[0], 1)) if t.ndim < 2 else t
        for t in map(atleast_1d, _seq(tup, "column_stack"))
    ]
    return _ops.concatenate(ts, axis=1)


@numpy_function()
def flip(m: Value, axis: Any = None) -> Tracer:
    """Reverse the order of elements along ``axis`` (all axes when None), as ``numpy.flip``."""
    t = _t(m)
    return _reverse(t, normalize_axes(axis, t.ndim))


@numpy_function()
def fliplr(m: Value) -> Tracer:
    """Reverse along axis 1, as ``numpy.fliplr``."""
    t = _t(m)
    if t.ndim < 2:
        raise ShapeError(f"fliplr: input must be >= 2-d, got shape {t.shape}")
    return _reverse(t, (1,))


@numpy_function()
def flipud(m: Value) -> Tracer:
    """Reverse along axis 0, as ``numpy.flipud``."""
    t = _t(m)
    if t.ndim < 1:
        raise ShapeError("flipud: input must be >= 1-d, got a 0-d array")
    return _reverse(t, (0,))


@numpy_function()
def roll(a: Value, shift: Any, axis: Any = None) -> Tracer:
    """Roll elements along ``axis`` by static ``shift`` (flattened when None), as ``numpy.roll``."""
    t = _t(a)
    if axis is None:
        return _ops.reshape(roll(_ops.reshape(t, (-1,)), shift, 0), t.shape)
    shifts, axes = _ints(shift, "roll shift"), _ints(axis, "roll axis")
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    if len(axes) == 1 and len(shifts) > 1:
        axes = axes * len(shifts)
    if len(shifts) != len(axes):
        raise ShapeError(f"roll: shift {shift!r} and axis {axis!r} must have the same length")
    total: dict[int, int] = {}
    for s, ax in zip(shifts, axes):
        d = normalize_axis(ax, t.ndim)
        total[d] = total.get(d, 0) + s
    for d, s in total.items():
        n = t.shape[d]
        k = s % n if n else 0
        if k:
            t = _ops.concatenate([_slice(t, d, n - k, None), _slice(t, d, 0, n - k)], axis=d)
    return t


@numpy_function()
def rot90(m: Value, k: int = 1, axes: Any = (0, 1)) -> Tracer:
    """Rotate by 90 degrees ``k`` times in the plane of ``axes``, as ``numpy.rot90``."""
    t = _t(m)
    axes = tuple(axes)
    if len(axes) != 2:
        raise ShapeError(f"rot90: len(axes) must be 2, got {axes!r}")
    a0, a1 = (normalize_axis(a, t.ndim, "rot90 axes") for a in axes)
    if a0 == a1:
        raise ShapeError(f"rot90: axes must be different, got {axes!r}")
    k = _int(k, "rot90 k") % 4
    if k == 0:
        return t
    if k == 2:
        return _reverse(_reverse(t, (a0,)), (a1,))
    perm = list(range(t.ndim))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return _ops.transpose(_reverse(t, (a1,)), perm)
    return _reverse(_ops.transpose(t, perm), (a1,))


@numpy_function()
def repeat(a: Value, repeats: Any, axis: Any = None) -> Tracer:
    """Repeat each element ``repeats`` times (an int or one static count per element) along
    ``axis`` (flattened when None), as ``numpy.repeat``."""
    t = _t(a)
    if axis is None:
        t, ax = _ops.reshape(t, (-1,)), 0
    else:
        ax = normalize_axis(axis, t.ndim)
    reps = _ints(repeats, "repeat repeats")
    if any(v < 0 for v in reps):
        raise ShapeError(f"repeat: negative repeats {repeats!r}")
    n = t.shape[ax]
    if len(reps) == 1:  # one count for every element (NumPy broadcasts it)
        v = reps[0]
        wide = _ops.expand_dims(t, ax + 1)
        shape = list(wide.shape)
        shape[ax + 1] = v
        big = _ops.broadcast_to(wide, tuple(shape))
        return _ops.reshape(big, (*t.shape[:ax], n * v, *t.shape[ax + 1 :]))
    if len(reps) != n:
        raise ShapeError(
            f"repeat: operands could not be broadcast: {len(reps)} repeats for axis {ax} "
            f"of size {n}"
        )
    return take_along(t, np.repeat(np.arange(n), reps), ax)


@numpy_function()
def tile(A: Value, reps: Any) -> Tracer:
    """Repeat the whole array ``reps`` times per axis, as ``numpy.tile``."""
    return _order.tile(A, reps)


@numpy_function()
def pad(array: Value, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Tracer:
    """Pad with ``mode`` constant (``constant_values``), edge, reflect, symmetric or wrap,
    as ``numpy.pad``; pad widths in NumPy's forms (an int, a pair, one pair per axis)."""
    return _order.pad(array, pad_width, mode, **kwargs)


@numpy_function()
def split(ary: Value, indices_or_sections: Any, axis: int = 0) -> list[Tracer]:
    """Split into equal sections or at static indices along ``axis``, as ``numpy.split``."""
    return _order.split(ary, indices_or_sections, axis)


@numpy_function()
def array_split(ary: Value, indices_or_sections: Any, axis: int = 0) -> list[Tracer]:
    """Split into nearly equal sections or at static indices, as ``numpy.array_split``."""
    return _order.array_split(ary, indices_or_sections, axis)


def reshape(a: Any, shape: Any = None, order: str = "C", **kwargs: Any) -> Any:
    shape = kwargs.pop("newshape", shape)
    if any_traced((a,)):
        return _ops.reshape(a, shape, order=order)
    return np.reshape(a, shape, order=order)  # type: ignore[call-overload]


def transpose(a: Any, axes: Any = None) -> Any:
    return _ops.transpose(a, axes) if any_traced((a,)) else np.transpose(a, axes)


def swapaxes(a: Any, axis1: int, axis2: int) -> Any:
    return _ops.swapaxes(a, axis1, axis2) if any_traced((a,)) else np.swapaxes(a, axis1, axis2)


def moveaxis(a: Any, source: Any, destination: Any) -> Any:
    if any_traced((a,)):
        return _ops.moveaxis(a, source, destination)
    return np.moveaxis(a, source, destination)


def expand_dims(a: Any, axis: Any) -> Any:
    return _ops.expand_dims(a, axis) if any_traced((a,)) else np.expand_dims(a, axis)


def squeeze(a: Any, axis: Any = None) -> Any:
    return _ops.squeeze(a, axis) if any_traced((a,)) else np.squeeze(a, axis)


def broadcast_to(a: Any, shape: Any) -> Any:
    return _ops.broadcast_to(a, shape) if any_traced((a,)) else np.broadcast_to(a, shape)


def ravel(a: Any) -> Any:
    return _ops.reshape(a, (-1,)) if any_traced((a,)) else np.ravel(a)


def _array_like(name: str, arrays: Sequence[Any]) -> None:
    # JAX's concatenate and stack take arrays and scalars, never nested lists
    for at, x in enumerate(arrays):
        if isinstance(x, (list, tuple)):
            raise ArgumentTypeError(
                f"{name} requires ndarray or scalar arguments, got {type(x)} at position {at}."
            )


def concatenate(arrays: Sequence[Any], axis: int = 0) -> Any:
    _array_like("concatenate", arrays)
    if any_traced(tuple(arrays)):
        return _ops.concatenate(arrays, axis)
    return np.concatenate(concrete_operands(tuple(arrays)), axis)


def stack(arrays: Sequence[Any], axis: int = 0) -> Any:
    _array_like("stack", arrays)
    if any_traced(tuple(arrays)):
        return _ops.stack(arrays, axis)
    return np.stack(concrete_operands(tuple(arrays)), axis)


def shape(a: Any) -> tuple[int, ...]:
    return tuple(a.shape) if isinstance(a, Tracer) else np.shape(a)


def ndim(a: Any) -> int:
    return a.ndim if isinstance(a, Tracer) else np.ndim(a)


def size(a: Any) -> int:
    return a.size if isinstance(a, Tracer) else np.size(a)


def concat(arrays: Sequence[Any], /, *, axis: int | None = 0) -> Any:
    if axis is None:
        return _jnp.concatenate([_jnp.ravel(a) for a in arrays], 0)
    return _jnp.concatenate(arrays, axis)


def permute_dims(a: Any, /, axes: Sequence[int]) -> Any:
    return _jnp.transpose(a, tuple(axes))


def matrix_transpose(x: Any, /) -> Any:
    if _jnp.ndim(x) < 2:
        raise ShapeError(f"matrix_transpose requires at least 2 dimensions; got {_jnp.ndim(x)}")
    return _jnp.swapaxes(x, -1, -2)


def unstack(x: Any, /, *, axis: int = 0) -> tuple[Any, ...]:
    moved = _jnp.moveaxis(x, axis, 0)
    return tuple(moved[i] for i in range(_jnp.shape(moved)[0]))


def _split_at_least(name: str, ary: Any, ios: Any, axis: int, rank: int) -> list[Any]:
    if _jnp.ndim(ary) < rank:
        raise ShapeError(f"{name} only works on arrays of {rank} or more dimensions")
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
    axis = operator.index(axis) % n if n else 0
    if not -n <= start <= n:
        raise ShapeError(f"rollaxis: start={start} out of range for {n} dimensions")
    start = start + n if start < 0 else start
    if axis < start:
        start -= 1  # the axis is removed before it is reinserted
    perm = [i for i in range(n) if i != axis]
    perm.insert(start, axis)
    return _jnp.transpose(a, tuple(perm))


def append(arr: Any, values: Any, axis: int | None = None) -> Any:
    if axis is None:
        return _jnp.concatenate([_jnp.ravel(arr), _jnp.ravel(values)], 0)
    return _jnp.concatenate([arr, values], axis)


def broadcast_arrays(*args: Any) -> list[Any]:
    target = np.broadcast_shapes(*(_jnp.shape(a) for a in args))
    return [_jnp.broadcast_to(_jnp.asarray(a), target) for a in args]


def broadcast_shapes(*shapes: Any) -> tuple[int, ...]:
    """The shape the ``shapes`` broadcast to (static: shapes are never traced)."""
    dims = [(operator.index(s),) if np.ndim(s) == 0 else tuple(s) for s in shapes]
    try:
        return tuple(int(d) for d in np.broadcast_shapes(*dims))
    except ValueError:
        raise ShapeError(f"Incompatible shapes for broadcasting: shapes={dims}") from None
