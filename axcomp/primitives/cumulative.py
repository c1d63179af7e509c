"""Cumulative sums and products along one axis (``cumsum``, ``cumprod``), with ``reverse``.

Everything about them is here: the primitives, their shape rule, lowering, reverse rules,
and the functions they export to ``axcomp.numpy`` and the array methods (``lax.cumsum``/
``cumprod`` are in ``axcomp/lax/operators.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.dtype_promotion import cumulative_dtype
from ..core.graph import Node
from ..core.independence import all_axes_but
from ..core.plan import Assign, Expr, LowerContext, Statement, call
from ..core.primitive import Primitive, primitive
from ..tracing.build import Value, lift, logical_names, make, normalize_axis, trace_of
from ..tracing.tracer import Tracer
from .contraction import moveaxis, multiply
from .elementwise import elementwise
from .indexing import getitem
from .reductions import reduce_sum
from .shape import astype, concatenate, reshape


@dataclass(frozen=True)
class CumulativeParams:
    axis: int  # physical axis (batch axes included)
    reverse: bool  # accumulate from the end, like ``jax.lax.cumsum(..., reverse=True)``


cumsum_p = primitive("cumsum", CumulativeParams, arity=1)
cumprod_p = primitive("cumprod", CumulativeParams, arity=1)


def _rules(p: Primitive) -> None:
    p.def_describe(lambda q: f"{p.name} axis={q.axis}{' reverse' if q.reverse else ''}")
    p.def_flops(lambda node: math.prod(node.shape))
    p.def_shape(lambda q, inputs: inputs[0].shape if 0 <= q.axis < inputs[0].ndim else (-1,))

    @p.def_lower
    def _lower(
        ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
    ) -> tuple[Statement, ...]:
        q: CumulativeParams = node.params
        value: Expr = args[0]
        if q.reverse:
            value = call("flip", value, axis=q.axis)
        value = call("cumulative", value, fn=p.name, axis=q.axis)
        if q.reverse:
            value = call("flip", value, axis=q.axis)
        # NumPy accumulates small integers and bools in the platform integer; a node that
        # keeps its dtype (lax semantics, ``dtype=int8``) casts back, which is exact:
        # integer sums and products wrap modulo 2**bits either way, bool ones are or/and
        eager = np.cumsum if p.name == "cumsum" else np.cumprod
        if eager(np.ones(1, node.inputs[0].dtype)).dtype != node.dtype:
            value = call("astype", value, ctx.dtype(node.dtype))
        return (Assign(target, value),)


_rules(cumsum_p)
_rules(cumprod_p)


def scan(
    prim: Primitive, x: Value, axis: Any, dtype: Any, reverse: bool, lax: bool = False
) -> Tracer:
    """``prim`` along logical ``axis`` (None: over the flattened array), in ``dtype`` or
    JAX's (``cumulative_dtype``: int8 stays int8, bools count in int64)."""
    trace = trace_of((x,))
    t = lift(x, trace)
    if axis is None:
        t, axis = reshape(t, (-1,)), 0
    elif t.ndim == 0 and not lax:
        t = reshape(t, (1,))  # NumPy ravels a 0-d input whatever the axis (0 and -1 fit)
    ax = normalize_axis(axis, t.ndim)
    target = np.dtype(dtype) if dtype is not None else cumulative_dtype(t.dtype)
    if t.dtype != target:
        t = astype(t, target)
    params = CumulativeParams(len(t.levels) + ax, bool(reverse))
    return make(trace, prim, (t,), params, t.levels, t.shape, t.dtype, logical_names(t))


@cumsum_p.def_vjp
def _vjp_cumsum(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    # each input feeds every later (earlier, if reversed) partial sum: the adjoint is the
    # cumulative sum of the cotangent in the other direction
    q: CumulativeParams = node.params
    return [scan(cumsum_p, b.p(ct), q.axis, None, not q.reverse).node]


@cumprod_p.def_vjp
def _vjp_cumprod(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    # d y_j / d x_i = prod_{k <= j, k != i} x_k for i <= j: built without dividing by x,
    # so it is exact where entries are zero (an n-by-n table per example)
    q: CumulativeParams = node.params
    n = node.shape[q.axis]
    if n == 0:
        return [ct]
    x, g = _last(b.p(node.inputs[0]), q), _last(b.p(ct), q)
    before, after, upper = _partial_products(x)
    weighted = elementwise("where", upper, multiply(after, reshape(g, (*g.shape[:-1], 1, n))), 0)
    dx = multiply(before, reduce_sum(weighted, axis=-1))
    return [_unlast(dx, q).node]


@cumprod_p.def_jvp
def _jvp_cumprod(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
    # the same table as the reverse rule, summed over the inputs i instead of the outputs j
    (t,) = tangents
    q: CumulativeParams = node.params
    n = node.shape[q.axis]
    if t is None or n == 0:
        return t
    x, dt = _last(b.p(node.inputs[0]), q), _last(b.p(t), q)
    before, after, upper = _partial_products(x)
    w = multiply(before, dt)  # [i]
    weighted = elementwise("where", upper, multiply(after, reshape(w, (*w.shape, 1))), 0)
    return _unlast(reduce_sum(weighted, axis=-2), q).node


@cumsum_p.def_jvp
def _jvp_cumsum(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
    (t,) = tangents  # linear: the cumulative sum of the tangent
    return b.apply(node, (t,)) if t is not None else None


_FLIP = (Ellipsis, slice(None, None, -1))


def _last(x: Tracer, q: CumulativeParams) -> Tracer:
    """The scanned axis last, in accumulation order."""
    x = moveaxis(x, q.axis, -1)
    return getitem(x, _FLIP) if q.reverse else x


def _unlast(x: Tracer, q: CumulativeParams) -> Tracer:
    return moveaxis(getitem(x, _FLIP) if q.reverse else x, -1, q.axis)


def _partial_products(x: Tracer) -> tuple[Tracer, Tracer, np.ndarray]:
    """For ``x`` scanned along its last axis (size n): ``before[i] = prod_{k < i} x_k``,
    ``after[i, j] = prod_{i < k <= j} x_k`` (1 for j <= i) and the mask ``j >= i``."""
    n = x.shape[-1]
    later = np.arange(n)[None, :] > np.arange(n)[:, None]  # [i, j]: j > i
    upper = np.arange(n)[None, :] >= np.arange(n)[:, None]
    one = np.asarray(1, dtype=x.dtype)
    table = elementwise("where", later, reshape(x, (*x.shape[:-1], 1, n)), one)
    after = scan(cumprod_p, table, -1, None, False)
    head = np.ones((*x.shape[:-1], 1), x.dtype)
    prefix = scan(cumprod_p, getitem(x, (Ellipsis, slice(0, n - 1))), -1, None, False)
    return concatenate([head, prefix], axis=-1), after, upper


for _scan in (cumsum_p, cumprod_p):
    # each position depends on every earlier one along the scanned axis
    _scan.def_axes(lambda node: all_axes_but(node, (node.params.axis,)))
