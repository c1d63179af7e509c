"""Updated copies in ``jax.numpy``: ``put``, ``put_along_axis``, ``fill_diagonal`` and
``place``. JAX arrays are immutable, so each needs ``inplace=False`` (JAX's
``ValueError`` otherwise) and returns the updated array; traced, each is one ``.at[]``
update or ``where``."""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..errors import ArgumentValueError, ShapeError, UnsupportedError
from ..tracing.build import normalize_axis
from .namespace import jnp as _jnp
from .namespace import traced as _traced


def _not_inplace(inplace: bool, what: str) -> None:
    if inplace:
        raise ArgumentValueError(
            f"jax.numpy.{what} cannot modify arrays in-place, because JAX arrays are "
            "immutable. Pass inplace=False to instead return an updated array."
        )


def _cycled(values: Any, n: int) -> Any:
    """``values`` flattened and repeated cyclically to length ``n``, as NumPy fills."""
    flat = _jnp.ravel(_jnp.asarray(values))
    size = _jnp.size(flat)
    if size == 0:
        raise ShapeError("the values to put must not be empty")
    return _jnp.tile(flat, -(-n // size))[:n]


def put(a: Any, ind: Any, v: Any, mode: str | None = None, *, inplace: bool = True) -> Any:
    """``a`` with its flat entries ``ind`` set to ``v`` (cycled), as ``jnp.put``."""
    _not_inplace(inplace, "put")
    if mode not in (None, "fill", "drop", "clip", "wrap", "promise_in_bounds"):
        raise ArgumentValueError(f"put: invalid mode={mode!r}")
    if not _traced(a, ind, v):
        out = np.array(a, copy=True)
        np.put(
            out, ind, v, mode="clip" if mode == "clip" else "wrap" if mode == "wrap" else "raise"
        )
        return out
    arr = _jnp.asarray(a)
    idx = _jnp.ravel(_jnp.asarray(ind))
    n = _jnp.size(arr)
    if mode == "wrap":
        idx = _jnp.remainder(idx, n)
    elif mode == "clip":
        idx = _jnp.clip(idx, 0, n - 1)
    flat = _jnp.ravel(arr).at[idx].set(_cycled(v, _jnp.size(idx)))
    return _jnp.reshape(flat, _jnp.shape(arr))


def put_along_axis(
    arr: Any,
    indices: Any,
    values: Any,
    axis: int | None,
    inplace: bool = True,
    *,
    mode: str | None = None,
) -> Any:
    """``arr`` with ``values`` written where ``take_along_axis(arr, indices, axis)`` reads."""
    _not_inplace(inplace, "put_along_axis")
    if not _traced(arr, indices, values):
        out = np.array(arr, copy=True)
        np.put_along_axis(out, np.asarray(indices), values, axis)
        return out
    a = _jnp.asarray(arr)
    if axis is None:
        a, axis = _jnp.ravel(a), 0
    idx = _jnp.asarray(indices)
    ax = normalize_axis(operator.index(axis), _jnp.ndim(a), "axis")
    if _jnp.ndim(idx) != _jnp.ndim(a):
        raise ShapeError(
            f"put_along_axis: indices must have as many dimensions as arr, got "
            f"{_jnp.ndim(idx)} and {_jnp.ndim(a)}"
        )
    shape = tuple(max(s, t) for s, t in zip(_jnp.shape(a), _jnp.shape(idx)))
    shape = tuple(_jnp.shape(idx)[d] if d == ax else shape[d] for d in range(len(shape)))
    index = []
    for d in range(len(shape)):
        if d == ax:
            index.append(_jnp.broadcast_to(idx, shape))
        else:
            grid = np.arange(shape[d]).reshape([-1 if e == d else 1 for e in range(len(shape))])
            index.append(np.broadcast_to(grid, shape))
    out = a.at[tuple(index)].set(_jnp.broadcast_to(values, shape), mode=mode)
    return _jnp.reshape(out, _jnp.shape(arr)) if axis is None else out


def fill_diagonal(a: Any, val: Any, wrap: bool = False, *, inplace: bool = True) -> Any:
    """``a`` with its main diagonal set to ``val`` (cycled), as ``jnp.fill_diagonal``."""
    _not_inplace(inplace, "fill_diagonal")
    if wrap:
        raise UnsupportedError("fill_diagonal: wrap=True is not implemented, must use wrap=False")
    arr = _jnp.asarray(a)
    shape = _jnp.shape(arr)
    if len(shape) < 2:
        raise ShapeError("array must be at least 2-d")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise ShapeError("All dimensions of input must be of equal length")
    if not _traced(a, val):
        out = np.array(a, copy=True)
        np.fill_diagonal(out, val)
        return out
    n = min(shape)
    diag = np.arange(n)
    v = _jnp.asarray(val)
    return arr.at[(diag,) * len(shape)].set(v if _jnp.ndim(v) == 0 else _cycled(v, n))


def place(arr: Any, mask: Any, vals: Any, *, inplace: bool = True) -> Any:
    """``arr`` with its entries where ``mask`` is True set to ``vals`` in order (cycled)."""
    _not_inplace(inplace, "place")
    if not _traced(arr, mask, vals):
        out = np.array(arr, copy=True)
        np.place(out, mask, vals)
        return out
    a = _jnp.asarray(arr)
    m = _jnp.astype(_jnp.asarray(mask), np.bool_)
    if _jnp.shape(m) != _jnp.shape(a):
        raise ShapeError(f"place: mask of shape {_jnp.shape(m)} for arr of shape {_jnp.shape(a)}")
    v = _jnp.ravel(_jnp.asarray(vals))
    k = _jnp.size(v)
    if k == 0:
        return a
    # the i-th True entry (in C order) takes vals[i % len(vals)]
    slot = _jnp.remainder(_jnp.subtract(_jnp.cumsum(_jnp.ravel(m)), 1), k)
    picked = _jnp.reshape(_jnp.take(v, _jnp.clip(slot, 0, k - 1)), _jnp.shape(a))
    return _jnp.where(m, _jnp.astype(picked, a.dtype), a)
