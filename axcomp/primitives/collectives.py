"""Named-axis collectives under ``vmap(..., axis_name=...)``: ``psum``, ``pmean``, ``pmax``,
``pmin``, ``axis_index``, ``axis_size``, ``all_gather``, ``psum_scatter``, ``ppermute``,
``pshuffle``, ``all_to_all``, ``pswapaxes`` (``axcomp.lax``, as in JAX).

A vmap level's batch axis is a physical axis of every tracer that carries the level, so a
collective over a level is an ordinary reduction over that axis. The result no longer
carries the level: it is the same for every example, and ops broadcast it back along the
level wherever it meets batched values (vmap's exit does so for outputs, ``out_axes=None``
is allowed, as in JAX). ``psum``, ``pmax`` and ``pmin`` are primitives of their own, whose
description names the axis (``explain`` lists ``psum over 'b' (vmap level 1)``); they lower
to a sum (keeping the dtype, as JAX) or the ``reduce`` primitive's max/min, and ``pmax``/
``pmin`` reuse its reverse rule. ``pmean`` is ``psum`` divided by the size, ``axis_index``,
``all_gather`` and ``psum_scatter`` are einsums that move an axis between the batch and the
logical axes. Under vmap the cotangent of ``psum`` is the ``psum`` of the cotangent (JAX's
transpose rule): the sweep is seeded for every example, so that comes out of the physical
sum by itself. Unlike JAX, which has no differentiation rule for them, ``pmax``/``pmin``
are differentiable: the cotangent goes to the examples that attain the extremum, shared
equally among ties (the rule of ``max``/``min``).

``ppermute``/``pshuffle``/``all_to_all``/``pswapaxes`` move data between examples: every
example's value is gathered along a logical axis (the ``all_gather`` einsum), indexed or
reshaped there, and that axis becomes the level's batch axis again (``_bind``), so their
reverse rules are those of einsum and gather. Examples ``ppermute`` writes to no pair of
get zeros (JAX's vmap accepts full permutations only).

A value that does not carry the named level is the same for every example of it:
``psum(x, 'i')`` is then ``x * size`` (``psum(1, 'i')`` is the axis size), ``pmean``,
``pmax`` and ``pmin`` return it unchanged, ``all_gather`` stacks ``size`` copies.

A name refers to the innermost enclosing ``vmap`` with that ``axis_name``; a name that no
enclosing vmap binds raises ``UnboundAxisError`` (a ``NameError``) listing the bound names.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.graph import Node
from ..core.plan import Assign, Expr, LowerContext, Statement, call
from ..core.primitive import primitive
from ..errors import (
    AxisSpecError,
    IncompatibleShapesError,
    IndexOutOfBounds,
    UnboundAxisError,
    UnsupportedError,
)
from ..tracing.build import (
    Value,
    batch_names,
    lift,
    logical_names,
    make,
    normalize_axis,
)
from ..tracing.trace import Level, Trace, current_trace
from ..tracing.tracer import Tracer
from . import indexing
from .api import export
from .contraction import EinsumParams, einsum_p, moveaxis, multiply
from .elementwise import elementwise
from .reductions import _jvp_reduce, _lower_reduce, _reduce_shape, _vjp_reduce, reduction_relations
from .shape import add_batch_axis, astype, reshape


@dataclass(frozen=True)
class CollectiveParams:
    """``fn`` (max, min) over physical ``axes`` (one: the batch axis of level ``level``)."""

    fn: str
    axes: tuple[int, ...]
    axis_name: str
    depth: int  # 1 for the outermost vmap, as explain numbers levels


psum_p = primitive("psum", CollectiveParams, arity=1)
pmax_p = primitive("pmax", CollectiveParams, arity=1)
pmin_p = primitive("pmin", CollectiveParams, arity=1)
for _p in (psum_p, pmax_p, pmin_p):
    _p.def_describe(lambda q: f"p{q.fn} over '{q.axis_name}' (vmap level {q.depth})")
    _p.def_shape(_reduce_shape)
    _p.def_flops(lambda node: math.prod(node.inputs[0].shape))
    _p.def_axes(reduction_relations)  # over the examples: a partial sum/max/min per block
for _p in (pmax_p, pmin_p):
    _p.def_lower(_lower_reduce)
    _p.def_vjp(_vjp_reduce)
    _p.def_jvp(_jvp_reduce)  # the extremum over the examples, ties sharing its tangent


@psum_p.def_lower
def _lower_psum(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
) -> tuple[Statement, ...]:
    # dtype=: ndarray.sum upcasts small integers, psum keeps the dtype (as JAX)
    kwargs = {"dtype": ctx.dtype(node.dtype)}
    return (Assign(target, call("sum", args[0], kwargs=kwargs, axis=node.params.axes)),)


@psum_p.def_vjp
def _vjp_psum(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    # every example's value enters the sum once: each gets the cotangent of the sum (under
    # vmap that cotangent is itself summed over the examples: psum transposes to psum)
    (inp,) = node.inputs
    labels = tuple(b.fresh_label() for _ in inp.shape)
    kept = tuple(lab for i, lab in enumerate(labels) if i not in node.params.axes)
    return [b.einsum([ct], [kept], labels, inp.shape)]


@psum_p.def_jvp
def _jvp_psum(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
    # linear: the tangent of the sum over the examples is the sum of their tangents
    (t,) = tangents
    return b.apply(node, (t,)) if t is not None else None


Names = tuple[str, ...]


def _names(axis_name: Any, what: str) -> Names:
    names = tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)
    for n in names:
        if not isinstance(n, str):
            raise AxisSpecError(
                f"{what}: axis_name must be a string or a tuple of strings (the axis_name= of "
                f"an enclosing vmap), got {axis_name!r}"
            )
    if len(set(names)) != len(names):
        raise AxisSpecError(f"{what}: axis_name {axis_name!r} names an axis twice")
    return names


def _trace(values: Sequence[Value]) -> Trace:
    for v in values:
        if isinstance(v, Tracer):
            return v.trace
    trace = current_trace()
    if trace is None:  # cannot happen through axcomp.lax, which traces through jit
        raise UnboundAxisError("collectives need an enclosing vmap(..., axis_name=...)")
    return trace


def _level(trace: Trace, name: str, what: str) -> Level:
    level = trace.bound_level(name)
    if level is None:
        bound = trace.bound_names()
        if bound:
            here = "the axis names bound here are " + ", ".join(repr(n) for n in bound)
        else:
            here = "no enclosing vmap has an axis_name"
        raise UnboundAxisError(
            f"{what}: unbound axis name {name!r} in {trace.current_function!r}: {here}; "
            f"call {what} inside vmap(f, axis_name={name!r})"
        )
    return level


def _levels(values: Sequence[Value], axis_name: Any, what: str) -> tuple[Trace, list[Level]]:
    trace = _trace(values)
    return trace, [_level(trace, n, what) for n in _names(axis_name, what)]


def _position(t: Tracer, level: Level) -> int | None:
    ids = [lv.id for lv in t.levels]
    return ids.index(level.id) if level.id in ids else None


def _without(t: Tracer, level: Level) -> tuple[Level, ...]:
    return tuple(lv for lv in t.levels if lv.id != level.id)


def _sum_level(t: Tracer, level: Level) -> Tracer:
    """The sum over ``level``'s examples: an einsum summing its batch axis."""
    k = _position(t, level)
    if k is None:
        return multiply(t, level.total)
    if t.dtype == np.bool_:
        t = astype(t, np.sum(np.ones(1, np.bool_)).dtype)
    params = CollectiveParams("sum", (k,), level.name, level.depth + 1)
    return make(
        t.trace, psum_p, (t,), params, _without(t, level), t.shape, t.dtype, logical_names(t)
    )


def _extreme_level(t: Tracer, level: Level, fn: str) -> Tracer:
    k = _position(t, level)
    if k is None:
        return t
    prim = pmax_p if fn == "max" else pmin_p
    params = CollectiveParams(fn, (k,), level.name, level.depth + 1)
    return make(t.trace, prim, (t,), params, _without(t, level), t.shape, t.dtype, logical_names(t))


def _whole(level: Level, what: str) -> None:
    if level.global_size is not None:
        raise UnsupportedError(
            f"{what} over {level.name!r} needs every shard's values; a pmap with it runs whole"
        )


def _gathered_name(level: Level) -> str:
    # not the level's own name: the gathered axis mixes examples, so it must not pass for
    # the batch axis (chunking splits batch axes by name)
    return f"{level.name}.gathered"


def _unbind(t: Tracer, level: Level, position: int) -> Tracer:
    """All examples of ``level`` at logical ``position`` (a value without the level)."""
    _whole(level, "all_gather")
    k = _position(t, level)
    names = list(logical_names(t))
    names.insert(position, _gathered_name(level))
    shape = t.shape[:position] + (level.size,) + t.shape[position:]
    if k is None:
        return _broadcast_in(t, level, position)
    sub = tuple(f"a{i}" for i in range(t.node.ndim))
    nb = len(t.levels)
    rest = [sub[i] for i in range(nb) if i != k]
    logical = list(sub[nb:])
    logical.insert(position, sub[k])
    return make(
        t.trace,
        einsum_p,
        (t,),
        EinsumParams((sub,), tuple(rest + logical)),
        _without(t, level),
        shape,
        t.dtype,
        tuple(names),
    )


def _broadcast_in(t: Tracer, level: Level, position: int) -> Tracer:
    r = add_batch_axis(t, level, position)  # a broadcast; rename its new axis
    names = list(logical_names(r))
    names[position] = _gathered_name(level)
    return Tracer(
        Node(
            r.node.op,
            r.node.inputs,
            r.node.params,
            r.node.shape,
            r.node.dtype,
            batch_names(r.levels) + tuple(names),
        ),
        r.levels,
        r.trace,
    )


def _bind(t: Tracer, axis: int, level: Level) -> Tracer:
    """Logical ``axis`` (of ``level``'s size) of ``t`` becomes ``level``'s batch axis: the
    example at position i along the level sees entry i (``t`` must not carry the level)."""
    assert _position(t, level) is None
    levels = tuple(sorted((*t.levels, level), key=lambda lv: (lv.depth, lv.id)))
    nb = len(t.levels)
    sub = tuple(f"a{i}" for i in range(t.node.ndim))
    ids = [lv.id for lv in t.levels]
    batch = tuple(sub[nb + axis] if lv.id == level.id else sub[ids.index(lv.id)] for lv in levels)
    logical = tuple(sub[nb + i] for i in range(t.ndim) if i != axis)
    names = tuple(n for i, n in enumerate(logical_names(t)) if i != axis)
    shape = tuple(s for i, s in enumerate(t.shape) if i != axis)
    return make(
        t.trace,
        einsum_p,
        (t,),
        EinsumParams((sub,), batch + logical),
        levels,
        shape,
        t.dtype,
        names,
    )


def _no_groups(axis_index_groups: Any, what: str) -> None:
    if axis_index_groups is not None:
        raise UnsupportedError(f"{what}: axis_index_groups is not supported by axcomp")


@export("lax", "psum")
def psum(x: Value, axis_name: Any, *, axis_index_groups: Any = None) -> Tracer:
    """``jax.lax.psum``: the sum of ``x`` over the examples of the named vmap axis (or axes),
    seen by every example; keeps the dtype (bools count as integers)."""
    _no_groups(axis_index_groups, "psum")
    trace, levels = _levels((x,), axis_name, "psum")
    t = lift(x, trace)
    for level in levels:
        t = _sum_level(t, level)
    return t


@export("lax", "pmean")
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


@export("lax", "pmax")
def pmax(x: Value, axis_name: Any, *, axis_index_groups: Any = None) -> Tracer:
    """``jax.lax.pmax``: the largest ``x`` among the examples of the named axis (or axes)."""
    _no_groups(axis_index_groups, "pmax")
    trace, levels = _levels((x,), axis_name, "pmax")
    t = lift(x, trace)
    for level in levels:
        t = _extreme_level(t, level, "max")
    return t


@export("lax", "pmin")
def pmin(x: Value, axis_name: Any, *, axis_index_groups: Any = None) -> Tracer:
    """``jax.lax.pmin``: the smallest ``x`` among the examples of the named axis (or axes)."""
    _no_groups(axis_index_groups, "pmin")
    trace, levels = _levels((x,), axis_name, "pmin")
    t = lift(x, trace)
    for level in levels:
        t = _extreme_level(t, level, "min")
    return t


@export("lax", "axis_index")
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


@export("lax", "all_gather")
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


@export("lax", "psum_scatter")
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
    t = psum(x, axis_name)
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


# ------------------------------------------------------------------ moving data between examples


def _gather_levels(t: Tracer, levels: Sequence[Level], what: str) -> Tracer:
    """Every example of ``levels`` along a new logical axis 0 (row-major over the names,
    the last fastest), the levels removed."""
    for level in reversed(levels):
        _whole(level, what)
        t = _unbind(t, level, 0)
    if len(levels) > 1:
        t = reshape(t, (math.prod(t.shape[: len(levels)]), *t.shape[len(levels) :]))
    return t


def _scatter_levels(t: Tracer, axis: int, levels: Sequence[Level]) -> Tracer:
    """Logical ``axis`` (all examples of ``levels``, row-major) becomes their batch axes:
    example i sees entry i."""
    if len(levels) > 1:
        sizes = tuple(lv.size for lv in levels)
        t = reshape(t, (*t.shape[:axis], *sizes, *t.shape[axis + 1 :]))
    for level in levels:
        t = _bind(t, axis, level)
    return t


def _size(levels: Sequence[Level]) -> int:
    return math.prod(lv.total for lv in levels)


@export("lax", "axis_size")
def axis_size(axis_name: Any) -> int:
    """``jax.lax.axis_size``: the number of examples of the named vmap axis (the product
    for a tuple of names), a Python int."""
    _, levels = _levels((), axis_name, "axis_size")
    return _size(levels)


@export("lax", "ppermute")
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


@export("lax", "pshuffle")
def pshuffle(x: Value, axis_name: Any, perm: Sequence[int]) -> Tracer:
    """``jax.lax.pshuffle``: example i receives ``x`` of example ``perm[i]`` (a permutation
    of the axis)."""
    _, levels = _levels((x,), axis_name, "pshuffle")
    order = [int(p) for p in perm]
    if sorted(order) != list(range(_size(levels))):
        raise AxisSpecError(
            f"pshuffle: perm must be a permutation of range({_size(levels)}), got {perm!r}"
        )
    return ppermute(x, axis_name, [(src, dst) for dst, src in enumerate(order)])


@export("lax", "all_to_all")
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


@export("lax", "pswapaxes")
def pswapaxes(x: Value, axis_name: Any, axis: int, *, axis_index_groups: Any = None) -> Tracer:
    """``jax.lax.pswapaxes``: the named vmap axis and logical ``axis`` (of the axis size)
    swapped: ``all_to_all(x, axis_name, axis, axis)``."""
    return all_to_all(x, axis_name, axis, axis, axis_index_groups=axis_index_groups)
