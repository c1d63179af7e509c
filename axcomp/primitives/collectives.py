"""Named-axis collectives under ``vmap(..., axis_name=...)``: ``psum``, ``pmean``, ``pmax``,
``pmin``, ``axis_index``, ``axis_size``, ``all_gather``, ``psum_scatter``, ``ppermute``,
``pshuffle``, ``all_to_all``, ``pswapaxes``: the primitives and helpers here, the
user-facing functions in ``axcomp/lax/parallel.py``.

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
    UnboundAxisError,
    UnsupportedError,
)
from ..tracing.build import (
    Value,
    batch_names,
    logical_names,
    make,
)
from ..tracing.trace import Level, Trace, current_trace
from ..tracing.tracer import Tracer
from .contraction import EinsumParams, einsum_p, multiply
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
