"""Shape manipulation of ``jax.numpy``: stacking (``hstack``, ``vstack``, ``dstack``,
``column_stack``), ``atleast_*d`` and ``diag``, each a few reshape, concatenate and
indexing nodes (lowering, both backends, vmap and the reverse rules come from those)."""

from __future__ import annotations

import builtins
import operator
from collections.abc import Sequence
from typing import Any

from ..errors import ArgumentTypeError, ShapeError
from ..primitives.indexing import getitem
from ..primitives.shape import concatenate, reshape
from ..tracing.build import Value
from ..tracing.tracer import Tracer
from .dispatch import numpy_function
from .traced_values import lift_value as _one
from .traced_values import lift_values as _lift
from .traced_values import pad_last as _pad_last


@numpy_function()
def atleast_1d(*arys: Value) -> Any:
    """``numpy.atleast_1d``; several arguments give a list, as in JAX."""
    out = [reshape(t, (1,)) if t.ndim == 0 else t for t in _lift(*arys)]
    return out[0] if len(out) == 1 else out


@numpy_function()
def atleast_2d(*arys: Value) -> Any:
    """``numpy.atleast_2d``: 0-d to (1, 1), 1-d (n,) to (1, n)."""
    out = [reshape(t, (1,) * (2 - t.ndim) + t.shape) if t.ndim < 2 else t for t in _lift(*arys)]
    return out[0] if len(out) == 1 else out


@numpy_function()
def atleast_3d(*arys: Value) -> Any:
    """``numpy.atleast_3d``: 0-d to (1, 1, 1), (n,) to (1, n, 1), (m, n) to (m, n, 1)."""
    out = []
    for t in _lift(*arys):
        if t.ndim == 0:
            t = reshape(t, (1, 1, 1))
        elif t.ndim == 1:
            t = reshape(t, (1, t.shape[0], 1))
        elif t.ndim == 2:
            t = reshape(t, (*t.shape, 1))
        out.append(t)
    return out[0] if len(out) == 1 else out


def _seq(tup: Any, what: str) -> list[Tracer]:
    if isinstance(tup, Tracer) or not isinstance(tup, (list, tuple)):
        raise ArgumentTypeError(f"{what}: expects a sequence of arrays, got {type(tup).__name__}")
    if not tup:
        raise ShapeError(f"{what}: need at least one array to concatenate")
    return _lift(*tup)


@numpy_function()
def hstack(tup: Sequence[Value]) -> Tracer:
    """``numpy.hstack``: along axis 1, or axis 0 for 1-d arrays."""
    ts = [atleast_1d(t) for t in _seq(tup, "hstack")]
    return concatenate(ts, axis=0 if ts[0].ndim == 1 else 1)


@numpy_function()
def vstack(tup: Sequence[Value]) -> Tracer:
    """``numpy.vstack``: along axis 0 after ``atleast_2d``."""
    return concatenate([atleast_2d(t) for t in _seq(tup, "vstack")], axis=0)


@numpy_function()
def dstack(tup: Sequence[Value]) -> Tracer:
    """``numpy.dstack``: along axis 2 after ``atleast_3d``."""
    return concatenate([atleast_3d(t) for t in _seq(tup, "dstack")], axis=2)


@numpy_function()
def column_stack(tup: Sequence[Value]) -> Tracer:
    """``numpy.column_stack``: 1-d arrays become columns, then ``hstack``."""
    ts = [
        reshape(t, (t.shape[0], 1)) if t.ndim < 2 else t
        for t in map(atleast_1d, _seq(tup, "column_stack"))
    ]
    return concatenate(ts, axis=1)


@numpy_function()
def diag(v: Value, k: int = 0) -> Tracer:
    """``numpy.diag``: a 1-d array to a matrix with it on diagonal ``k``, a 2-d array to its
    ``k``-th diagonal. Built by strided slicing of the flattened matrix (exact: no products
    with zeros, so a NaN or inf stays in its place)."""
    t = _one(v)
    k = operator.index(k)
    if t.ndim == 1:
        length = t.shape[0]
        n = length + abs(k)
        if n == 0:
            return reshape(t, (0, 0))
        # row i of (length, n + 1): v_i then n zeros; flattened, v_i lands at i*(n+1)
        padded = _pad_last(reshape(t, (length, 1)), 0, n)
        flat = reshape(padded, (length * (n + 1),))
        front = k if k >= 0 else -k * n
        have = length * (n + 1) + front
        flat = _pad_last(flat, front, builtins.max(0, n * n - have))
        return reshape(getitem(flat, slice(0, n * n)), (n, n))
    if t.ndim != 2:
        raise ShapeError(f"diag: input must be 1-d or 2-d, got shape {t.shape}")
    rows, cols = t.shape
    if k >= 0:
        length, start = builtins.max(0, builtins.min(rows, cols - k)), k
    else:
        length, start = builtins.max(0, builtins.min(rows + k, cols)), -k * cols
    flat = reshape(t, (rows * cols,))
    if length == 0:
        return getitem(flat, slice(0, 0))
    return getitem(flat, slice(start, start + (length - 1) * (cols + 1) + 1, cols + 1))
