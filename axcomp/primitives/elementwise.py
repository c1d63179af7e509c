"""Elementwise functions with NumPy broadcasting: one primitive, the function a param.

What the primitive knows of each function (its NumPy function, its derivative, its FLOP
cost) is read from its record in ``core/elementwise_functions.py``; ``derivative_terms``
applies a derivative in both sweeps. Conventions at kinks follow JAX (see
``transforms/autodiff.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.dtype_promotion import IDENTITY_ON_BOOLS, NUMERIC_ONLY, numeric_from_bools
from ..core.elementwise_functions import REGISTRY, ElementwiseFunction
from ..core.graph import Node
from ..core.independence import MIXED, Carried, Relations
from ..core.integer_powers import check_integer_power
from ..core.plan import Assign, Expr, LowerContext, Statement, call
from ..core.primitive import primitive
from ..errors import GradError, UnsupportedError
from ..tracing.build import (
    Value,
    broadcast_map,
    broadcast_shapes,
    cast_to_jax_dtype,
    cast_weak_inputs,
    inexact_operands,
    lift,
    make,
    merge_names,
    result_dtype,
    trace_of,
    union_levels,
)
from ..tracing.tracer import Tracer
from .contraction import multiply
from .lowering import aligned
from .shape import astype, reshape

Factor = Any  # a Tracer or a Python scalar, broadcastable to a node's shape


@dataclass(frozen=True)
class ElementwiseParams:
    """``fn`` applied with broadcasting; ``maps[i][k]`` is the output axis of input i's axis k,
    or -1 when that axis has size 1 and is broadcast away."""

    fn: str
    maps: tuple[tuple[int, ...], ...]


elementwise_p = primitive("elementwise", ElementwiseParams, inline_literals=True)
elementwise_p.def_describe(lambda p: p.fn)
elementwise_p.def_flops(lambda node: record_of(node.params.fn).flops * math.prod(node.shape))


@elementwise_p.def_shape
def _elementwise_shape(p: ElementwiseParams, inputs: Sequence[Node]) -> tuple[int, ...]:
    sizes: dict[int, int] = {}
    for inp, maps in zip(inputs, p.maps):
        if len(maps) != inp.ndim:
            return (-1,)
        for m, n in zip(maps, inp.shape):
            if m >= 0 and sizes.setdefault(m, n) != n:
                return (-1,)
    ndim = max(sizes, default=-1) + 1
    return tuple(sizes.get(m, 1) for m in range(ndim))


@elementwise_p.def_lower
def _lower_elementwise(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
) -> tuple[Statement, ...]:
    p: ElementwiseParams = node.params
    operands = [
        a if not inp.ndim else aligned(a, node.ndim, m, inp.shape)
        for a, inp, m in zip(args, node.inputs, p.maps)
    ]
    return (Assign(target, call("ufunc", *operands, fn=p.fn)),)


#: The NumPy function of every recorded name and alias (generated from the records).
_UFUNCS: dict[str, Callable[..., Any]] = {
    key: getattr(np, rec.name) for key, rec in REGISTRY.items()
}
for _f in list(_UFUNCS.values()):
    _UFUNCS.setdefault(_f.__name__, _f)  # NumPy 2 renames (true_divide is 'divide')

ELEMENTWISE_FUNCTIONS = _UFUNCS


def record_of(fn: str) -> ElementwiseFunction:
    """The record of ``fn`` (a recorded name, an alias or NumPy's own name for it)."""
    rec = REGISTRY.get(fn)
    if rec is None and fn in _UFUNCS:
        rec = REGISTRY[_UFUNCS[fn].__name__]
    if rec is None:
        raise UnsupportedError(f"elementwise function {fn!r} is not supported by axcomp")
    return rec


# the operand that does not promote with the others
_NOT_PROMOTED = {"where": 0, "ldexp": 1}
_COMPARISONS = frozenset(("equal", "not_equal", "less", "less_equal", "greater", "greater_equal"))


#: Functions whose result from integers is inexact in JAX though not in NumPy, and those
#: whose integer operands become another inexact dtype than ``inexact_result``'s: the
#: dtype, or None for ``inexact_result``'s (``reciprocal(int32)`` is float32, ``rint`` of
#: integers float64)
INEXACT_FROM_INTEGERS: dict[str, np.dtype | None] = {
    "reciprocal": None,
    "rint": np.dtype(np.float64),
}


def elementwise(fn: str, *args: Value) -> Tracer:
    """``fn`` (a NumPy ufunc name, or where/clip) applied with NumPy broadcasting."""
    trace = trace_of(args)
    tracers = [lift(a, trace) for a in args]
    np_fn = _UFUNCS.get(fn)
    if np_fn is None:
        np_fn = getattr(np, record_of(fn).name)  # a record registered after import
    if fn in NUMERIC_ONLY and numeric_from_bools(fn, [(t.dtype, t.weak) for t in tracers]):
        # square(bool) is int32 in JAX, int8 in NumPy
        bools = [astype(t, np.int32) if t.dtype.kind == "b" else t for t in tracers]
        args = tuple(c if c is not t else a for a, c, t in zip(args, bools, tracers))
        tracers = bools
    elif fn in IDENTITY_ON_BOOLS and tracers[0].dtype.kind == "b":
        return tracers[0]  # conj(bool) is the bool in JAX, int8 in NumPy
    cast = cast_to_jax_dtype(tracers, skip=_NOT_PROMOTED.get(fn, -1))
    if any(c is not t for c, t in zip(cast, tracers)):  # JAX's dtype, narrower than NumPy's
        args = tuple(c if c is not t else a for a, c, t in zip(args, cast, tracers))
        tracers = cast
    dtype = result_dtype(np_fn, *args)
    if (dtype.kind in "fc" or fn in INEXACT_FROM_INTEGERS) and fn not in _NOT_PROMOTED:
        inexact = inexact_operands(tracers, dtype, INEXACT_FROM_INTEGERS.get(fn))
        if inexact is not tracers:  # sin(int32) is float32 in JAX, float64 in NumPy
            args = tuple(c if c is not t else a for a, c, t in zip(args, inexact, tracers))
            tracers = inexact
            dtype = result_dtype(np_fn, *args)
    if fn in _COMPARISONS:  # compared in the operands' common dtype (f32 0.1 > 0.1 is False)
        tracers = cast_weak_inputs(tracers, result_dtype(np.add, *args))
    elif fn != "ldexp":  # its exponent is an int operand, not promoted with the mantissa
        tracers = cast_weak_inputs(tracers, dtype)
    out_logical = broadcast_shapes(*(t.shape for t in tracers))
    levels = union_levels(tracers)
    maps = tuple(broadcast_map(t, levels, out_logical) for t in tracers)
    names = merge_names(tracers, out_logical)
    out = make(
        trace,
        elementwise_p,
        tracers,
        ElementwiseParams(fn, maps),
        levels,
        out_logical,
        dtype,
        names,
    )
    if fn == "where" and tracers[1].weak and tracers[2].weak:
        # the condition does not type the result: two weak branches give a weak result, as
        # in JAX (``where(x > 0, 2.0, 3.0) * x`` keeps ``x``'s float32)
        return Tracer(out.node, out.levels, out.trace, weak=True)
    if fn == "floor_divide" and dtype.kind in "iu" and _may_be_zero(args[1]):
        return _integer_division_by_zero(tracers, out)
    return out


def _may_be_zero(divisor: Value) -> bool:
    # a traced divisor, or a constant with a zero (x // 2 needs no guard)
    return isinstance(divisor, Tracer) or bool(np.any(np.equal(divisor, 0)))


def _integer_division_by_zero(tracers: list[Tracer], out: Tracer) -> Tracer:
    """``out`` (an integer ``x // y``) with JAX's quotient where ``y`` is 0: all ones
    bits (-1 or the unsigned maximum, XLA's), less one where ``x`` is nonzero for signed
    types (``floor_divide``'s rounding of -1 with the remainder ``x``); NumPy gives 0.
    (``core/integer_division.py`` does the same on concrete values.)"""
    x, y = tracers
    dtype = out.dtype
    if dtype.kind == "u":
        fill: Any = np.asarray(np.iinfo(dtype).max, dtype)
    else:
        minus = np.asarray(-1, dtype), np.asarray(-2, dtype)
        fill = elementwise("where", elementwise("equal", x, 0), *minus)
    guarded = elementwise("where", elementwise("equal", y, 0), fill, out)
    return Tracer(guarded.node, guarded.levels, guarded.trace, weak=out.weak)


def power(x: Value, y: Value) -> Tracer:
    # x ** 2 as x * x: NumPy computes the same values, and the product is multilinear, so
    # sum((a - b) ** 2) fuses into one contraction instead of a squared temporary.
    if isinstance(x, Tracer) and type(y) in (int, float) and y == 2 and x.dtype.kind in "iufc":
        return multiply(x, x)
    if not isinstance(y, Tracer):
        check_integer_power(x.dtype if isinstance(x, Tracer) else np.result_type(x), y)
    return elementwise("power", x, y)


def where(cond: Value, x: Value, y: Value) -> Tracer:
    return elementwise("where", cond, x, y)


# ---------------------------------------------------------------- derivatives
FactorRule = Callable[[int, Tracer], Any]


def derivative_terms(
    b: Any,
    node: Node,
    operands: Sequence[Node],
    maps: tuple[tuple[int, ...], ...],
    seeds: Sequence[Node | None],
    factors: FactorRule,
    reverse: bool,
) -> list[Node | None]:
    """The terms of an elementwise derivative, for both sweeps: ``factors(k, seed)`` gives
    the factors of dz/dx_k (a list; ``None`` for none; for ``where`` the term itself) read
    with the seed aligned to the result. Reverse, the seeds are the cotangent (one per
    active operand) and each term is its product with the factors summed down to operand
    k's shape; forward, the seeds are the operands' tangents and each term is the product
    broadcast to the result (elementwise derivatives are diagonal)."""
    every = tuple(range(node.ndim))
    terms: list[Node | None] = []
    for k, (inp, seed) in enumerate(zip(operands, seeds)):
        if seed is None:
            terms.append(None)
            continue
        s = b.p(seed) if reverse else b.align(seed, maps[k], node.ndim)
        d = factors(k, s)
        if d is None:
            terms.append(None)
            continue
        product = [s, *d] if isinstance(d, list) else [d]
        if not reverse:
            terms.append(b.product_reduced(product, node.shape, every))
            continue
        g = b.product_reduced(product, node.shape, [m for m in maps[k] if m >= 0])
        if g.shape != inp.shape:  # size-1 axes that were broadcast away
            g = reshape(b.p(g), inp.shape).node
        terms.append(g)
    return terms


def tangent_sum(b: Any, terms: Sequence[Node | None]) -> Node | None:
    """The forward sweep's tangent: the sum of the operands' terms."""
    total: Node | None = None
    for term in terms:
        if term is not None:
            total = term if total is None else b.add(total, term)
    return total


def _typed(value: float, like: Tracer) -> Tracer:
    return lift(np.asarray(value, dtype=like.dtype), like.trace)


class _Builder:
    """The ``d`` the records' derivatives are written against: ``d.<fn>(...)`` is the
    elementwise primitive, ``d.multiply`` the product that fuses into contractions."""

    multiply = staticmethod(multiply)
    typed = staticmethod(_typed)

    @staticmethod
    def constant(x: Tracer) -> Any:
        node = x.node
        if node.op.name != "const" or node.ndim != 0:
            return None
        c = node.params.value
        return c.item() if isinstance(c, np.ndarray) else c

    def __getattr__(self, fn: str) -> Callable[..., Tracer]:
        return lambda *args: elementwise(fn, *args)


_BUILDER = _Builder()


def _record_rule(node: Node, sweep: str) -> Callable[..., Any]:
    fn: str = node.params.fn
    rule = record_of(fn).derivative
    if rule is None:
        what = "reverse rule" if sweep == "grad" else "derivative rule"
        raise GradError(
            f"axcomp.{sweep}: {fn} is not differentiable (no {what}); "
            "compute it outside the differentiated function or use a differentiable op"
        )
    return rule


@elementwise_p.def_vjp
def _vjp_elementwise(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    maps: tuple[tuple[int, ...], ...] = node.params.maps
    rule = _record_rule(node, "grad")
    xs = [b.align(inp, m, node.ndim) for inp, m in zip(node.inputs, maps)]
    z = b.p(node)
    seeds = [ct if a else None for a in active]
    return derivative_terms(
        b, node, node.inputs, maps, seeds, lambda k, s: rule(_BUILDER, k, xs, z, s), True
    )


@elementwise_p.def_jvp
def _jvp_elementwise(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
    maps: tuple[tuple[int, ...], ...] = node.params.maps
    rule = _record_rule(node, "jvp")
    xs = [b.align(inp, m, node.ndim) for inp, m in zip(node.inputs, maps)]
    z = b.p(node)
    terms = derivative_terms(
        b, node, node.inputs, maps, tangents, lambda k, s: rule(_BUILDER, k, xs, z, s), False
    )
    return tangent_sum(b, terms)


@elementwise_p.def_axes
def _elementwise_axes(node: Node) -> Relations:
    # a size-1 axis broadcast away (-1) is not a position of the result's axis
    return tuple(tuple(Carried(m) if m >= 0 else MIXED for m in maps) for maps in node.params.maps)
