"""``jax.lax``'s named-axis collectives under ``vmap(..., axis_name=...)``: ``psum``,
``pmean``, ``pmax``, ``pmin``, ``axis_index``, ``axis_size``, ``all_gather``,
``psum_scatter``, ``ppermute``, ``pshuffle``, ``all_to_all``, ``pswapaxes``.

They build the collective primitives of ``primitives/collectives.py`` (``psum``, ``pmax``,
``pmin`` are primitives of their own; the rest are einsums and gathers that move an axis
between the batch and the logical axes), whose docstring gives the semantics.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import AxisSpecError, IncompatibleShapesError, IndexOutOfBounds, UnsupportedError
from ..primitives import indexing
from ..primitives.collectives import (
    _bind,
    _extreme_level,
    _gather_levels,
    _levels,
    _no_groups,
    _scatter_levels,
    _size,
    _sum_level,
    _unbind,
    _whole,
)
from ..primitives.contraction import moveaxis, multiply
from ..primitives.elementwise import elementwise
from ..primitives.shape import reshape
from ..tracing.build import Value, lift, normalize_axis
from ..tracing.tracer import Tracer
from ..transforms.jit import staged_export


@staged_export
def psum(x: Value, axis_name: Any, *, axis_index_groups: Any = None) -> Tracer:
    """``jax.lax.psum``: the sum of ``x`` over the examples of the named vmap axis (or axes),
    seen by every example; keeps the dtype (bools count as integers)."""
    _no_groups(axis_index_groups, "psum")
    trace, levels = _levels((x,), axis_name, "psum")
    t = lift(x, trace)
    for level in levels:
        t = _sum_level(t, level)
    return t


@staged_export
def pmean(x: Value, axis_name: Any, *, axis_index_groups: Any = None) -> Tracer:
    """``jax.lax.pmean``: ``psum(x, axis_name) / size`` (integers give floats)."""
    _no_groups(axis_index_groups, "pmean")
    trace, levels = _levels((x,), axis_name, "pmean")
    t = lift(x, trace)
    for level in levels:
        t = _sum_level(t, level)
    count = math.prod(lv.total for lv in levels)
    with np.errstate(all="ignore"):
        return elementwise("true_divide", t, count)


@staged_export
def pmax(x: Value, axis_name: Any, *, axis_index_groups: Any = None) -> Tracer:
    """``jax.lax.pmax``: the largest ``x`` among the examples of the named axis (or axes)."""
    _no_groups(axis_index_groups, "pmax")
    trace, levels = _levels((x,), axis_name, "pmax")
    t = lift(x, trace)
    for level in levels:
        t = _extreme_level(t, level, "max")
    return t


@staged_export
def pmin(x: Value, axis_name: Any, *, axis_index_groups: Any = None) -> Tracer:
    """``jax.lax.pmin``: the smallest ``x`` among the examples of the named axis (or axes)."""
    _no_groups(axis_index_groups, "pmin")
    trace, levels = _levels((x,), axis_name, "pmin")
    t = lift(x, trace)
    for level in levels:
        t = _extreme_level(t, level, "min")
    return t


@staged_export
def axis_index(axis_name: Any) -> Tracer:
    """``jax.lax.axis_index``: each example's position (int32) along the named vmap axis; for
    a tuple of names, the row-major position over all of them."""
    trace, levels = _levels((), axis_name, "axis_index")
    index: Tracer | None = None
    for level in levels:
        positions = np.arange(level.offset, level.offset + level.size, dtype=np.int32)
        own = _bind(lift(positions, trace), 0, level)
        index = own if index is None else elementwise("add", multiply(index, level.total), own)
    assert index is not None
    return index


@staged_export
def all_gather(
    x: Value,
    axis_name: Any,
    *,
    axis_index_groups: Any = None,
    axis: int = 0,
    tiled: bool = False,
) -> Tracer:
    """``jax.lax.all_gather``: every example sees all examples' ``x`` stacked along a new
    ``axis`` (outermost name first for a tuple); ``tiled=True`` concatenates instead."""
    _no_groups(axis_index_groups, "all_gather")
    trace, levels = _levels((x,), axis_name, "all_gather")
    t = lift(x, trace)
    if tiled and t.ndim == 0:
        raise IncompatibleShapesError("all_gather(tiled=True) needs an operand of rank >= 1")
    pos = normalize_axis(axis, t.ndim if tiled else t.ndim + 1)
    # the last name varies fastest: gather it first, then the others in front of it
    for level in reversed(levels):
        t = _unbind(t, level, pos)
    if tiled:
        shape = list(t.shape)
        k = len(levels)
        merged = math.prod(shape[pos : pos + k + 1])
        t = reshape(t, (*shape[:pos], merged, *shape[pos + k + 1 :]))
    elif len(levels) > 1:
        shape = list(t.shape)
        merged = math.prod(shape[pos : pos + len(levels)])
        t = reshape(t, (*shape[:pos], merged, *shape[pos + len(levels) :]))
    return t


@staged_export
def psum_scatter(
    x: Value,
    axis_name: Any,
    *,
    scatter_dimension: int = 0,
    axis_index_groups: Any = None,
    tiled: bool = False,
) -> Tracer:
    """``jax.lax.psum_scatter``: the ``psum`` of ``x``, of which example i keeps block i
    along ``scatter_dimension`` (an entry, or a ``size``-th of the axis with ``tiled``)."""
    _no_groups(axis_index_groups, "psum_scatter")
    _, levels = _levels((x,), axis_name, "psum_scatter")
    if len(levels) != 1:
        raise UnsupportedError("psum_scatter: axcomp supports one axis name here")
    (level,) = levels
    t = psum.traced(x, axis_name)
    dim = normalize_axis(scatter_dimension, t.ndim, "scatter_dimension")
    _whole(level, "psum_scatter")
    n = level.size
    if tiled:
        if t.shape[dim] % n:
            raise IncompatibleShapesError(
                f"psum_scatter: scatter_dimension {dim} of shape {t.shape} is not divisible "
                f"by the size {n} of axis {level.name!r}"
            )
        shape = t.shape[:dim] + (n, t.shape[dim] // n) + t.shape[dim + 1 :]
        return _bind(reshape(t, shape), dim, level)
    if t.shape[dim] != n:
        raise IncompatibleShapesError(
            f"psum_scatter: scatter_dimension {dim} of shape {t.shape} must have the size {n} "
            f"of axis {level.name!r} (or pass tiled=True)"
        )
    return _bind(t, dim, level)


@staged_export
def axis_size(axis_name: Any) -> int:
    """``jax.lax.axis_size``: the number of examples of the named vmap axis (the product
    for a tuple of names), a Python int."""
    _, levels = _levels((), axis_name, "axis_size")
    return _size(levels)


@staged_export
def ppermute(x: Value, axis_name: Any, perm: Sequence[Sequence[int]]) -> Tracer:
    """``jax.lax.ppermute``: example ``dst`` receives ``x`` of example ``src`` for each
    ``(src, dst)`` pair of ``perm``; an example no pair writes to gets zeros."""
    trace, levels = _levels((x,), axis_name, "ppermute")
    n = _size(levels)
    pairs = [tuple(int(v) for v in pair) for pair in perm]
    if any(len(pair) != 2 for pair in pairs):
        raise AxisSpecError(f"ppermute: perm must be (source, destination) pairs, got {perm!r}")
    for src, dst in pairs:
        if not (0 <= src < n and 0 <= dst < n):
            raise IndexOutOfBounds(
                f"ppermute: pair ({src}, {dst}) is out of bounds for axis {axis_name!r} of size {n}"
            )
    srcs, dsts = [p[0] for p in pairs], [p[1] for p in pairs]
    if len(set(srcs)) != len(srcs) or len(set(dsts)) != len(dsts):
        raise AxisSpecError(f"ppermute sources and destinations must be unique, got {perm!r}")
    t = lift(x, trace)
    source = np.zeros(n, np.intp)
    written = np.zeros(n, np.bool_)
    for src, dst in pairs:
        source[dst], written[dst] = src, True
    everyone = _gather_levels(t, levels, "ppermute")
    moved = indexing.getitem(everyone, (source,))
    if not written.all():
        mask = written.reshape((n,) + (1,) * t.ndim)
        moved = elementwise("where", mask, moved, np.zeros((), t.dtype))
    return _scatter_levels(moved, 0, levels)


@staged_export
def pshuffle(x: Value, axis_name: Any, perm: Sequence[int]) -> Tracer:
    """``jax.lax.pshuffle``: example i receives ``x`` of example ``perm[i]`` (a permutation
    of the axis)."""
    _, levels = _levels((x,), axis_name, "pshuffle")
    order = [int(p) for p in perm]
    if sorted(order) != list(range(_size(levels))):
        raise AxisSpecError(
            f"pshuffle: perm must be a permutation of range({_size(levels)}), got {perm!r}"
        )
    return ppermute.traced(x, axis_name, [(src, dst) for dst, src in enumerate(order)])


@staged_export
def all_to_all(
    x: Value,
    axis_name: Any,
    split_axis: int,
    concat_axis: int,
    *,
    axis_index_groups: Any = None,
    tiled: bool = False,
) -> Tracer:
    """``jax.lax.all_to_all``: example i receives block i of every example's
    ``split_axis``, stacked along ``concat_axis`` in example order. Untiled, ``split_axis``
    has the axis size and is replaced by the new axis; ``tiled`` splits it into equal
    blocks and concatenates them along ``concat_axis`` instead."""
    _no_groups(axis_index_groups, "all_to_all")
    trace, levels = _levels((x,), axis_name, "all_to_all")
    t = lift(x, trace)
    n = _size(levels)
    split = normalize_axis(split_axis, t.ndim, "split_axis")
    concat = normalize_axis(concat_axis, t.ndim, "concat_axis")
    blocks = t.shape[split] // n if tiled else 1
    if (t.shape[split] != n) if not tiled else (t.shape[split] % n):
        need = "a multiple of" if tiled else "equal to"
        raise AxisSpecError(
            f"all_to_all requires x.shape[split_axis] to be {need} the size {n} of axis "
            f"{axis_name!r}, got shape {t.shape} and split_axis {split_axis}"
        )
    everyone = _gather_levels(t, levels, "all_to_all")  # (source, *x.shape)
    if tiled:
        shape = everyone.shape
        everyone = reshape(everyone, (*shape[: 1 + split], n, blocks, *shape[2 + split :]))
    out = _scatter_levels(everyone, 1 + split, levels)  # (source, *x.shape less one block)
    out = moveaxis(out, 0, concat)
    if tiled:  # the sources, outermost, merged with the concatenated axis
        shape = out.shape
        out = reshape(out, (*shape[:concat], n * shape[concat + 1], *shape[concat + 2 :]))
    return out


@staged_export
def pswapaxes(x: Value, axis_name: Any, axis: int, *, axis_index_groups: Any = None) -> Tracer:
    """``jax.lax.pswapaxes``: the named vmap axis and logical ``axis`` (of the axis size)
    swapped: ``all_to_all(x, axis_name, axis, axis)``."""
    return all_to_all.traced(x, axis_name, axis, axis, axis_index_groups=axis_index_groups)
