"""Sliding windows over some axes (``windows``) and their transpose (``window_sum``).

``windows(x)`` keeps every axis of ``x`` in place, shortens each windowed axis to the number
of window positions (``stride`` apart) and appends one axis per windowed axis for the
offset inside the window (``dilation`` apart). On NumPy it is a read-only strided view, so a
convolution is one einsum of that view with the kernel, and pooling a reduction over the
appended axes. Padding and input dilation are done before (``lax.pad``), so the view itself
never copies.

``window_sum`` is its transpose: the appended axes are summed back onto the positions they
were read from (overlapping windows accumulate). Each is the other's reverse rule; both are
linear, so their forward rules apply them to the tangent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..core.graph import Node
from ..core.independence import MIXED, Carried, Relations
from ..core.plan import Assign, Expr, LowerContext, Ref, Statement, Store, call
from ..core.primitive import primitive
from ..core.windows import WindowParams, valid_window, window_items, windowed_shape
from ..errors import ShapeError
from ..tracing.build import make, trace_of
from ..tracing.tracer import Tracer


@dataclass(frozen=True)
class WindowSumParams:
    """The transpose of ``windows`` with ``window`` params, into an array of ``shape``."""

    window: WindowParams
    shape: tuple[int, ...]


windows_p = primitive(
    "windows",
    WindowParams,
    arity=1,
    aliases_input=True,
    readonly_result=True,
    allocates=False,
    moves_data=True,
)
window_sum_p = primitive("window_sum", WindowSumParams, arity=1)


@windows_p.def_shape
def _windows_shape(p: WindowParams, inputs: Sequence[Node]) -> tuple[int, ...]:
    return windowed_shape(p, inputs[0].shape) if valid_window(p, inputs[0].ndim) else (-1,)


@window_sum_p.def_shape
def _window_sum_shape(p: WindowSumParams, inputs: Sequence[Node]) -> tuple[int, ...]:
    fits = (
        valid_window(p.window, len(p.shape))
        and windowed_shape(p.window, p.shape) == inputs[0].shape
    )
    return p.shape if fits else (-1,)


def _text(p: WindowParams) -> str:
    return f"axes={p.axes} sizes={p.sizes} strides={p.strides} dilations={p.dilations}"


windows_p.def_describe(lambda p: f"windows {_text(p)}")
window_sum_p.def_describe(lambda p: f"window_sum {_text(p.window)} into {p.shape}")
windows_p.def_flops(lambda node: 0)
window_sum_p.def_flops(lambda node: math.prod(node.inputs[0].shape))


@windows_p.def_lower
def _lower_windows(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
) -> tuple[Statement, ...]:
    p: WindowParams = node.params
    view = call(
        "windows",
        args[0],
        axes=p.axes,
        sizes=p.sizes,
        strides=p.strides,
        dilations=p.dilations,
        shape=node.inputs[0].shape,
    )
    return (Assign(target, view),)


@window_sum_p.def_lower
def _lower_window_sum(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
) -> tuple[Statement, ...]:
    # zeros, then one strided accumulation per window offset (a few dozen at most): the
    # scatter-add of overlapping windows. The cotangent is first copied window-axes-first,
    # so each offset's piece is contiguous (strided reads of it were twice as slow).
    p: WindowSumParams = node.params
    w = p.window
    ct_shape = node.inputs[0].shape
    n = len(p.shape)
    out: list[Statement] = [
        Assign(target, call("zeros", kwargs={"dtype": ctx.dtype(node.dtype)}, shape=p.shape))
    ]
    if 0 in ct_shape:
        return tuple(out)
    # (the window axes joined into one: a reshape NumPy can only do by copying, C order)
    perm = (*range(n, len(ct_shape)), *range(n))
    moved = ctx.temp()
    moved_shape = (math.prod(w.sizes), *ct_shape[:n])
    first = call("transpose", args[0], perm=perm)
    out.append(Assign(moved, call("reshape", first, shape=moved_shape)))
    lead = tuple(("slice", 0, k, 1) for k in ct_shape[:n])
    for k, offset in enumerate(w.offsets()):
        items = window_items(w, p.shape, offset)
        piece = call("getitem", Ref(moved), items=(("int", k), *lead), shape=moved_shape)
        here = call("getitem", Ref(target), items=items, shape=p.shape)
        out.append(Store(target, items, p.shape, call("ufunc", here, piece, fn="add")))
    return tuple(out)


@windows_p.def_vjp
def _vjp_windows(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    inp = node.inputs[0]
    params = WindowSumParams(node.params, inp.shape)
    return [Node(window_sum_p, (ct,), params, inp.shape, ct.dtype, inp.axes)]


@window_sum_p.def_vjp
def _vjp_window_sum(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    inp = node.inputs[0]
    return [Node(windows_p, (ct,), node.params.window, inp.shape, ct.dtype, inp.axes)]


@windows_p.def_jvp
@window_sum_p.def_jvp
def _jvp_linear(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
    (t,) = tangents  # both are linear
    return b.apply(node, (t,)) if t is not None else None


@windows_p.def_axes
def _windows_axes(node: Node) -> Relations:
    # every axis not windowed keeps its place; a windowed one is spread over its windows
    windowed = set(node.params.axes)
    return (tuple(MIXED if k in windowed else Carried(k) for k in range(node.inputs[0].ndim)),)


@window_sum_p.def_axes
def _window_sum_axes(node: Node) -> Relations:
    p: WindowSumParams = node.params
    windowed = set(p.window.axes)
    n = len(p.shape)
    return (
        tuple(MIXED if k in windowed or k >= n else Carried(k) for k in range(node.inputs[0].ndim)),
    )


def windows(
    x: Tracer,
    axes: Sequence[int],
    sizes: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
) -> Tracer:
    """The windows of ``x`` along its logical ``axes`` (window axes appended last)."""
    trace = trace_of((x,))
    lead = len(x.levels)
    p = WindowParams(
        tuple(lead + int(a) for a in axes),
        tuple(int(s) for s in sizes),
        tuple(int(s) for s in strides),
        tuple(int(d) for d in dilations),
    )
    if not valid_window(p, x.node.ndim):
        raise ShapeError(f"windows: bad window {_text(p)} for an array of shape {x.shape}")
    shape = windowed_shape(p, x.node.shape)[lead:]
    names = x.node.axes[lead:] + tuple(f"w{k}" for k in range(len(p.axes)))
    return make(trace, windows_p, (x,), p, x.levels, shape, x.dtype, names)
