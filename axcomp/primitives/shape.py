"""Shape and layout: reshape, broadcast, cast, concatenate (and what is built from them)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.dtype_promotion import weak_result
from ..core.graph import Node
from ..core.independence import (
    MIXED,
    Carried,
    Relations,
    all_axes_but,
    identity_relations,
    reshape_relations,
)
from ..core.plan import Assign, Expr, LowerContext, Statement, call
from ..core.primitive import primitive
from ..errors import IncompatibleShapesError, ShapeError, UnsupportedError
from ..tracing.build import (
    Value,
    broadcast_map,
    broadcast_shapes,
    lift,
    logical_names,
    make,
    normalize_axes,
    normalize_axis,
    register_weak_cast,
    trace_of,
    union_levels,
)
from ..tracing.trace import Level
from ..tracing.tracer import Tracer
from .indexing import index_p, window
from .lowering import aligned


@dataclass(frozen=True)
class ReshapeParams:
    shape: tuple[int, ...]


@dataclass(frozen=True)
class BroadcastParams:
    """``maps[k]``: output axis of input axis k, or -1 for a size-1 axis broadcast away."""

    maps: tuple[int, ...]


@dataclass(frozen=True)
class CastParams:
    dtype: np.dtype


@dataclass(frozen=True)
class ConcatParams:
    axis: int


reshape_p = primitive(
    "reshape", ReshapeParams, arity=1, aliases_input=True, allocates=False, moves_data=True
)
broadcast_p = primitive(
    "broadcast", BroadcastParams, arity=1, readonly_result=True, moves_data=True
)
cast_p = primitive("cast", CastParams, arity=1, moves_data=True)
concat_p = primitive("concat", ConcatParams, moves_data=True)

reshape_p.def_describe(lambda p: f"reshape {p.shape}")
broadcast_p.def_describe(lambda p: f"broadcast {p.maps}")
cast_p.def_describe(lambda p: f"cast {p.dtype}")
concat_p.def_describe(lambda p: f"concat {p}")


@reshape_p.def_shape
def _reshape_shape(p: ReshapeParams, inputs: Sequence[Node]) -> tuple[int, ...]:
    same = math.prod(p.shape) == math.prod(inputs[0].shape)
    return p.shape if same else (-1,)


@cast_p.def_shape
def _cast_shape(p: CastParams, inputs: Sequence[Node]) -> tuple[int, ...]:
    return inputs[0].shape


@concat_p.def_shape
def _concat_shape(p: ConcatParams, inputs: Sequence[Node]) -> tuple[int, ...]:
    first = list(inputs[0].shape)
    first[p.axis] = sum(i.shape[p.axis] for i in inputs)
    return tuple(first)


@reshape_p.def_lower
def _lower_reshape(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
) -> tuple[Statement, ...]:
    return (Assign(target, call("reshape", args[0], shape=node.params.shape)),)


@broadcast_p.def_lower
def _lower_broadcast(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
) -> tuple[Statement, ...]:
    src = aligned(args[0], node.ndim, node.params.maps, node.inputs[0].shape)
    return (Assign(target, call("broadcast_to", src, shape=node.shape)),)


@cast_p.def_lower
def _lower_cast(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
) -> tuple[Statement, ...]:
    return (Assign(target, call("astype", args[0], ctx.dtype(node.params.dtype))),)


@concat_p.def_lower
def _lower_concat(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
) -> tuple[Statement, ...]:
    return (Assign(target, call("concatenate", *args, axis=node.params.axis)),)


@reshape_p.def_vjp
def _vjp_reshape(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    return [reshape(b.p(ct), node.inputs[0].shape).node]


@broadcast_p.def_vjp
def _vjp_broadcast(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    inp = node.inputs[0]
    maps: tuple[int, ...] = node.params.maps
    labels = tuple(b.fresh_label() for _ in node.shape)
    kept = tuple(labels[m] for m in maps if m >= 0)
    g = b.einsum([ct], [labels], kept, tuple(node.shape[m] for m in maps if m >= 0))
    return [g if g.shape == inp.shape else reshape(b.p(g), inp.shape).node]


@cast_p.def_vjp
def _vjp_cast(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    inp = node.inputs[0]
    return [b.cast(ct, inp.dtype) if np.issubdtype(inp.dtype, np.inexact) else None]


@concat_p.def_vjp
def _vjp_concat(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    axis: int = node.params.axis
    grads: list[Node | None] = []
    start = 0
    for k, inp in enumerate(node.inputs):
        stop = start + inp.shape[axis]
        if active[k]:
            params = window(node.shape, axis, start, stop)
            grads.append(Node(index_p, (ct,), params, inp.shape, ct.dtype, inp.axes))
        else:
            grads.append(None)
        start = stop
    return grads


# ---------------------------------------------------------------- forward rules
# all four are linear: each applies itself, with its own params, to the tangents


@reshape_p.def_jvp
@broadcast_p.def_jvp
def _jvp_layout(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
    (t,) = tangents
    return b.apply(node, (t,)) if t is not None else None


@cast_p.def_jvp
def _jvp_cast(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
    (t,) = tangents
    return b.cast(t, node.dtype) if t is not None else None


@concat_p.def_jvp
def _jvp_concat(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
    tangent: Node = b.apply(node, [b.tangent(t, inp) for t, inp in zip(tangents, node.inputs)])
    return tangent


def astype(x: Value, dtype: Any) -> Tracer:
    trace = trace_of((x,))
    t = lift(x, trace)
    dt = np.dtype(dtype)
    if dt == t.dtype:
        return t
    return make(trace, cast_p, (t,), CastParams(dt), t.levels, t.shape, dt, logical_names(t))


register_weak_cast(astype)


def reshape(x: Value, shape: Any, order: str = "C") -> Tracer:
    if order != "C":
        raise UnsupportedError("reshape only supports order='C'")
    trace = trace_of((x,))
    t = lift(x, trace)
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    shape = tuple(int(s) for s in shape)
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1 or any(s < -1 for s in shape):
        raise IncompatibleShapesError(f"cannot reshape array of shape {t.shape} into shape {shape}")
    if unknown:
        known = math.prod(s for s in shape if s != -1)
        if known == 0 or t.size % known:
            raise IncompatibleShapesError(
                f"cannot reshape array of size {t.size} into shape {shape}"
            )
        shape = tuple(t.size // known if s == -1 else s for s in shape)
    if math.prod(shape) != t.size:
        raise IncompatibleShapesError(
            f"cannot reshape array of size {t.size} (shape {t.shape}) into shape {shape}"
        )
    if shape == t.shape:
        return t
    nb = len(t.levels)
    full = t.node.shape[:nb] + shape
    return make(trace, reshape_p, (t,), ReshapeParams(full), t.levels, shape, t.dtype)


def expand_dims(x: Value, axis: Any) -> Tracer:
    trace = trace_of((x,))
    t = lift(x, trace)
    axes: list[Any] = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    nd = t.ndim + len(axes)
    norm = sorted(normalize_axis(a, nd) for a in axes)
    if len(set(norm)) != len(norm):
        raise ShapeError(f"repeated axis in expand_dims axis={axis}")
    it = iter(t.shape)
    shape = tuple(1 if i in norm else next(it) for i in range(nd))
    return reshape(t, shape)


def squeeze(x: Value, axis: Any = None) -> Tracer:
    trace = trace_of((x,))
    t = lift(x, trace)
    if axis is None:
        axes = tuple(i for i, s in enumerate(t.shape) if s == 1)
    else:
        axes = normalize_axes(axis, t.ndim)
        for a in axes:
            if t.shape[a] != 1:
                raise ShapeError(
                    f"cannot select an axis to squeeze out which has size not equal to one "
                    f"(axis {a} of shape {t.shape})"
                )
    return reshape(t, tuple(s for i, s in enumerate(t.shape) if i not in axes))


def broadcast_to(x: Value, shape: Any) -> Tracer:
    trace = trace_of((x,))
    t = lift(x, trace)
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if len(shape) < t.ndim or broadcast_shapes(t.shape, shape) != shape:
        raise ShapeError(f"cannot broadcast array of shape {t.shape} to shape {shape}")
    if shape == t.shape:
        return t
    maps = broadcast_map(t, t.levels, shape)
    return make(trace, broadcast_p, (t,), BroadcastParams(maps), t.levels, shape, t.dtype)


def add_batch_axis(t: Tracer, level: Level, position: int) -> Tracer:
    """Broadcast an unbatched value along ``level`` and place that axis at logical ``position``
    (used by out_axes for outputs that do not depend on the mapped inputs)."""
    levels = t.levels
    shape = t.shape[:position] + (level.size,) + t.shape[position:]
    nb = len(levels)
    maps = tuple(range(nb)) + tuple(nb + (k if k < position else k + 1) for k in range(t.ndim))
    names = logical_names(t)
    names = names[:position] + (level.name,) + names[position:]
    return make(t.trace, broadcast_p, (t,), BroadcastParams(maps), levels, shape, t.dtype, names)


def broadcast_levels(t: Tracer, levels: tuple[Level, ...]) -> Tracer:
    """Give ``t`` the batch axes of all ``levels`` (materialising a broadcast)."""
    if tuple(lv.id for lv in t.levels) == tuple(lv.id for lv in levels):
        return t
    pos = {lv.id: i for i, lv in enumerate(levels)}
    nb = len(levels)
    maps = tuple(pos[lv.id] for lv in t.levels) + tuple(nb + k for k in range(t.ndim))
    return make(
        t.trace,
        broadcast_p,
        (t,),
        BroadcastParams(maps),
        levels,
        t.shape,
        t.dtype,
        logical_names(t),
    )


def concatenate(values: Sequence[Value], axis: int = 0) -> Tracer:
    trace = trace_of(values)
    tracers = [lift(v, trace) for v in values]
    if not tracers:
        raise ShapeError("need at least one array to concatenate")
    nd = tracers[0].ndim
    if nd == 0:
        raise ShapeError("zero-dimensional arrays cannot be concatenated")
    ax = normalize_axis(axis, nd)
    for t in tracers:
        if t.ndim != nd or any(
            a != b for i, (a, b) in enumerate(zip(t.shape, tracers[0].shape)) if i != ax
        ):
            raise IncompatibleShapesError(
                "all the input array dimensions except for the concatenation axis must match "
                f"exactly, got shapes {[x.shape for x in tracers]}"
            )
    levels = union_levels(tracers)
    dtype = weak_result((t.dtype, t.weak) for t in tracers)[0]  # JAX's promotion
    # give every operand every batch axis so the physical concat is on one axis
    full = [broadcast_levels(t, levels) for t in tracers]
    full = [astype(t, dtype) for t in full]
    shape = list(tracers[0].shape)
    shape[ax] = sum(t.shape[ax] for t in tracers)
    return make(trace, concat_p, full, ConcatParams(len(levels) + ax), levels, tuple(shape), dtype)


def stack(values: Sequence[Value], axis: int = 0) -> Tracer:
    trace = trace_of(values)
    tracers = [lift(v, trace) for v in values]
    if not tracers:
        raise ShapeError("need at least one array to stack")
    shapes = {t.shape for t in tracers}
    if len(shapes) != 1:
        raise ShapeError(
            f"all input arrays must have the same shape, got {[t.shape for t in tracers]}"
        )
    ax = normalize_axis(axis, tracers[0].ndim + 1)
    return concatenate([expand_dims(t, ax) for t in tracers], axis=ax)


reshape_p.def_axes(lambda node: (reshape_relations(node.inputs[0].shape, node.shape),))
cast_p.def_axes(identity_relations)
concat_p.def_axes(lambda node: all_axes_but(node, (node.params.axis,)))


@broadcast_p.def_axes
def _broadcast_axes(node: Node) -> Relations:
    # new axes repeat the input along them: no position of the input is involved
    return (tuple(Carried(m) if m >= 0 else MIXED for m in node.params.maps),)
