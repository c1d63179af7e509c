"""Basic indexing (``x[1:, None, 0]``) and its transpose, the scatter into zeros."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.graph import Node
from ..core.independence import MIXED, Carried, Flow, Relations
from ..core.plan import Assign, Expr, LowerContext, Statement, Store, call
from ..core.primitive import primitive
from ..errors import ArgumentTypeError, IndexOutOfBounds, ShapeError, UnsupportedError
from ..tracing.build import Value, lift, logical_names, make, trace_of
from ..tracing.tracer import Tracer


@dataclass(frozen=True)
class IndexParams:
    """Basic indexing; items are ('int', i), ('slice', start, stop, step) or ('new',)."""

    items: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class ScatterParams:
    """Zeros of ``shape`` with the input written at ``items`` (the transpose of indexing)."""

    items: tuple[tuple[Any, ...], ...]
    shape: tuple[int, ...]


index_p = primitive(
    "index", IndexParams, arity=1, aliases_input=True, allocates=False, moves_data=True
)
scatter_p = primitive("scatter", ScatterParams, arity=1)


def indexed_shape(items: Sequence[tuple[Any, ...]], shape: Sequence[int]) -> tuple[int, ...]:
    """The shape of ``x[items]`` for ``x`` of ``shape``."""
    out: list[int] = []
    dim = 0
    for item in items:
        if item[0] == "new":
            out.append(1)
            continue
        if item[0] == "slice":
            out.append(len(range(item[1], item[2], item[3])))
        dim += 1
    return tuple(out) + tuple(shape[dim:])


@index_p.def_shape
def _index_shape(p: IndexParams, inputs: Sequence[Node]) -> tuple[int, ...]:
    return indexed_shape(p.items, inputs[0].shape)


@scatter_p.def_shape
def _scatter_shape(p: ScatterParams, inputs: Sequence[Node]) -> tuple[int, ...]:
    if indexed_shape(p.items, p.shape) != inputs[0].shape:
        return (-1,)  # the window does not fit: the verifier reports it
    return p.shape


index_p.def_describe(lambda p: f"index {p.items}")
scatter_p.def_describe(lambda p: f"scatter {p.items}")


@index_p.def_lower
def _lower_index(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
) -> tuple[Statement, ...]:
    return (
        Assign(
            target, call("getitem", args[0], items=node.params.items, shape=node.inputs[0].shape)
        ),
    )


@scatter_p.def_lower
def _lower_scatter(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
) -> tuple[Statement, ...]:
    p: ScatterParams = node.params
    zeros = call("zeros", kwargs={"dtype": ctx.dtype(node.dtype)}, shape=node.shape)
    return (Assign(target, zeros), Store(target, p.items, p.shape, args[0]))


@index_p.def_vjp
def _vjp_index(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    inp = node.inputs[0]
    params = ScatterParams(node.params.items, inp.shape)
    return [Node(scatter_p, (ct,), params, inp.shape, ct.dtype, inp.axes)]


@scatter_p.def_vjp
def _vjp_scatter(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    # scatter is linear; its transpose reads the window back out
    inp = node.inputs[0]
    return [Node(index_p, (ct,), IndexParams(node.params.items), inp.shape, ct.dtype, inp.axes)]


@index_p.def_jvp
@scatter_p.def_jvp
def _jvp_linear(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
    # both are linear: the tangent is indexed (scattered) like the value
    (t,) = tangents
    return b.apply(node, (t,)) if t is not None else None


def window(node_shape: Sequence[int], axis: int, start: int, stop: int) -> Any:
    """Index params selecting ``start:stop`` along ``axis`` of an array of ``node_shape``."""
    return IndexParams(
        tuple(
            ("slice", start, stop, 1) if i == axis else ("slice", 0, s, 1)
            for i, s in enumerate(node_shape)
        )
    )


def _is_bool(item: Any) -> bool:
    return isinstance(item, (bool, np.bool_))


def _bool_scalars(t: Tracer, items: tuple[Any, ...]) -> Tracer:
    """NumPy's meaning of ``x[True]`` / ``x[0, False]``: a 0-d boolean index adds one axis
    of size 1 (all True) or 0, where the advanced indices (ints included) stand when they
    are adjacent, else in front."""
    size = 1 if all(bool(it) for it in items if _is_bool(it)) else 0
    rest = tuple(it for it in items if not _is_bool(it))
    out = getitem(t, rest)
    advanced = [
        k for k, it in enumerate(items) if _is_bool(it) or isinstance(it, (int, np.integer))
    ]
    position = 0
    if advanced == list(range(advanced[0], advanced[-1] + 1)):
        consumed = sum(1 for it in rest if it is not None and it is not Ellipsis)
        for it in items[: advanced[0]]:
            position += t.ndim - consumed if it is Ellipsis else 1
    out = getitem(out, (slice(None),) * position + (None,))
    if size == 0:
        out = getitem(out, (slice(None),) * position + (slice(0, 0),))
    return out


#: Handlers of integer-array / traced indices (``gathers`` registers one): each returns
#: the result, or None to leave the index to basic indexing.
ADVANCED: list[Callable[[Tracer, tuple[Any, ...]], Tracer | None]] = []


def getitem(x: Value, index: Any) -> Tracer:
    trace = trace_of((x,))
    t = lift(x, trace)
    items = index if isinstance(index, tuple) else (index,)
    for handler in ADVANCED:
        out = handler(t, items)
        if out is not None:
            return out
    if any(_is_bool(it) for it in items):
        return _bool_scalars(t, items)
    for it in items:
        if isinstance(it, Tracer) or (isinstance(it, (list, np.ndarray)) and not np.ndim(it) == 0):
            raise UnsupportedError(
                f"advanced (array) indexing is not supported in traced kernel "
                f"{trace.current_function!r}; use basic indexing (ints, slices, None, ...)"
            )
    n_real = sum(1 for it in items if it is not None and it is not Ellipsis)
    if n_real > t.ndim:
        raise IndexOutOfBounds(
            f"too many indices for array: array is {t.ndim}-dimensional, but {n_real} were indexed"
        )
    if sum(1 for it in items if it is Ellipsis) > 1:
        raise ShapeError("an index can only have a single ellipsis ('...')")
    expanded: list[Any] = []
    for it in items:
        if it is Ellipsis:
            expanded.extend([slice(None)] * (t.ndim - n_real))
        else:
            expanded.append(it)
    if Ellipsis not in items:
        expanded.extend([slice(None)] * (t.ndim - n_real))
    norm: list[tuple[Any, ...]] = [("slice", 0, s, 1) for s in t.node.shape[: len(t.levels)]]
    shape: list[int] = []
    names: list[str] = []
    dim = 0
    lnames = logical_names(t)
    for it in expanded:
        if it is None:
            norm.append(("new",))
            shape.append(1)
            names.append(f"n{len(names)}")
            continue
        size = t.shape[dim]
        if isinstance(it, slice):
            start, stop, step = it.indices(size)
            norm.append(("slice", start, stop, step))
            shape.append(len(range(start, stop, step)))
            names.append(lnames[dim])
        else:
            try:
                i = operator.index(it)
            except TypeError:
                raise ArgumentTypeError(
                    f"invalid index {it!r} of type {type(it).__name__}"
                ) from None
            if not -size <= i < size:
                raise IndexOutOfBounds(
                    f"index {i} is out of bounds for axis {dim} with size {size}"
                )
            norm.append(("int", i % size))
        dim += 1
    if (
        all(item == ("slice", 0, s, 1) for item, s in zip(norm[len(t.levels) :], t.shape))
        and len(norm) - len(t.levels) == t.ndim
    ):
        return t
    return make(
        trace,
        index_p,
        (t,),
        IndexParams(tuple(norm)),
        t.levels,
        tuple(shape),
        t.dtype,
        tuple(names),
    )


def _window_flows(items: Sequence[tuple[Any, ...]], shape: Sequence[int]) -> tuple[Flow, ...]:
    """For an array of ``shape`` indexed by ``items``: each axis carried to its axis of the
    window when the window keeps it whole (a full slice, step 1), else mixed."""
    flows: list[Flow] = []
    out = 0
    for item in items:
        if item[0] == "new":
            out += 1
            continue
        k = len(flows)
        if item[0] == "slice":
            whole = item[1] == 0 and item[2] == shape[k] and item[3] == 1
            flows.append(Carried(out) if whole else MIXED)
            out += 1
        else:
            flows.append(MIXED)
    return tuple(flows) + tuple(Carried(out + j) for j in range(len(shape) - len(flows)))


@index_p.def_axes
def _index_axes(node: Node) -> Relations:
    return (_window_flows(node.params.items, node.inputs[0].shape),)


@scatter_p.def_axes
def _scatter_axes(node: Node) -> Relations:
    # the input is the window: its axes sit where the window's kept axes sit in the result
    window = _window_flows(node.params.items, node.params.shape)
    whole = {f.axis: k for k, f in enumerate(window) if isinstance(f, Carried)}
    return (tuple(Carried(whole[j]) if j in whole else MIXED for j in range(node.inputs[0].ndim)),)
