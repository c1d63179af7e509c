"""The ``bitcast`` primitive: an array's bytes read as another dtype (one plan operation,
refused on the Array API backend). ``lax.bitcast_convert_type`` checks its operands and
builds it; ``lax.complex`` and ``lax.reduce_precision`` use it too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.graph import Node
from ..core.independence import MIXED, Carried, Relations
from ..core.plan import Assign, Expr, LowerContext, Statement, call
from ..core.primitive import primitive
from ..errors import GradError
from ..tracing.build import logical_names, make
from ..tracing.tracer import Tracer
from .elementwise import elementwise


@dataclass(frozen=True)
class BitcastParams:
    """The bytes of the input read as ``dtype``; a narrower dtype adds a last axis of the
    width ratio, a wider one removes the input's last axis (of that ratio)."""

    dtype: np.dtype


bitcast_p = primitive(
    "bitcast", BitcastParams, arity=1, aliases_input=True, readonly_result=True, moves_data=True
)
bitcast_p.def_describe(lambda p: f"bitcast {p.dtype.name}")


def _bitcast_shape(shape: tuple[int, ...], src: np.dtype, dst: np.dtype) -> tuple[int, ...]:
    if src.itemsize == dst.itemsize:
        return shape
    if src.itemsize > dst.itemsize:
        return (*shape, src.itemsize // dst.itemsize)
    if not shape or shape[-1] * src.itemsize != dst.itemsize:
        return (-1,)
    return shape[:-1]


@bitcast_p.def_shape
def _bitcast_shape_rule(p: BitcastParams, inputs: Sequence[Node]) -> tuple[int, ...]:
    return _bitcast_shape(inputs[0].shape, inputs[0].dtype, p.dtype)


@bitcast_p.def_lower
def _lower_bitcast(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
) -> tuple[Statement, ...]:
    return (Assign(target, call("bitcast", args[0], ctx.dtype(node.dtype), shape=node.shape)),)


def _complex_parts(node: Node) -> bool:
    """Whether ``node`` reads (real, imag) float pairs as complex numbers (``lax.complex``):
    the one bitcast that is linear in its operand's values."""
    src, dst = node.inputs[0].dtype, node.dtype
    return src.kind == "f" and dst.kind == "c" and dst.itemsize == 2 * src.itemsize


@bitcast_p.def_vjp
def _vjp_bitcast(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    if _complex_parts(node):
        # x + i y transposed: the pair (re ct, -im ct), the bits of conj(ct)
        conj = elementwise("conjugate", b.p(ct))
        return [bitcast(conj, node.inputs[0].dtype).node]
    # other reinterpretations of an inexact operand's bits have no derivative
    raise GradError("axcomp.grad: bitcast_convert_type is not differentiable")


@bitcast_p.def_jvp
def _jvp_bitcast(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
    if _complex_parts(node):
        (t,) = tangents
        tangent: Node = b.apply(node, (b.tangent(t, node.inputs[0]),))
        return tangent
    raise GradError("axcomp.jvp: bitcast_convert_type is not differentiable")


def bitcast(t: Tracer, dtype: Any) -> Tracer:
    dt = np.dtype(dtype)
    if dt == t.dtype:
        return t
    shape = _bitcast_shape(t.shape, t.dtype, dt)
    names = logical_names(t)
    if len(shape) > t.ndim:
        names = (*names, "bytes")
    elif len(shape) < t.ndim:
        names = names[:-1]
    return make(t.trace, bitcast_p, (t,), BitcastParams(dt), t.levels, shape, dt, names)


@bitcast_p.def_axes
def _bitcast_axes(node: Node) -> Relations:
    # the bytes of one element become one element (or a new last axis of parts): every axis
    # but a last one that changes is carried
    src = node.inputs[0]
    changes = src.ndim > node.ndim
    return (tuple(MIXED if changes and k == src.ndim - 1 else Carried(k) for k in range(src.ndim)),)
