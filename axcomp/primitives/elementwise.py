"""Elementwise functions with NumPy broadcasting: one primitive, the function a param.

The reverse rule of each function is a table entry (``_DERIVATIVES``) next to the
primitive; conventions at kinks follow JAX (see ``transforms/autodiff.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.graph import Node
from ..core.independence import MIXED, Carried, Relations
from ..core.plan import Assign, Expr, LowerContext, Statement, call
from ..core.primitive import primitive
from ..errors import GradError, UnsupportedError
from ..tracing.build import (
    Value,
    broadcast_map,
    broadcast_shapes,
    cast_weak_inputs,
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
from .shape import reshape

Factor = Any  # a Tracer or a Python scalar, broadcastable to a node's shape


@dataclass(frozen=True)
class ElementwiseParams:
    """``fn`` applied with broadcasting; ``maps[i][k]`` is the output axis of input i's axis k,
    or -1 when that axis has size 1 and is broadcast away."""

    fn: str
    maps: tuple[tuple[int, ...], ...]


elementwise_p = primitive("elementwise", ElementwiseParams, inline_literals=True)
elementwise_p.def_describe(lambda p: p.fn)
elementwise_p.def_flops(lambda node: math.prod(node.shape))


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


_UFUNCS: dict[str, Callable[..., Any]] = {
    name: getattr(np, name)
    for name in (
        "add subtract true_divide floor_divide remainder power negative positive square sqrt "
        "exp exp2 log log2 log10 log1p expm1 absolute sign tanh sinh cosh sin cos tan arcsin "
        "arccos arctan arctan2 arcsinh arccosh arctanh maximum minimum fmax fmin greater "
        "greater_equal less less_equal equal not_equal logical_and logical_or logical_not "
        "logical_xor bitwise_and bitwise_or bitwise_xor invert conjugate real imag floor ceil "
        "rint trunc reciprocal isnan isinf isfinite where clip hypot copysign cbrt deg2rad "
        "rad2deg heaviside multiply fmod nextafter left_shift right_shift bitwise_count"
    ).split()
}


ELEMENTWISE_FUNCTIONS = _UFUNCS


for _f in list(_UFUNCS.values()):
    _UFUNCS.setdefault(_f.__name__, _f)  # NumPy 2 renames (true_divide is 'divide')


_COMPARISONS = frozenset(("equal", "not_equal", "less", "less_equal", "greater", "greater_equal"))


def elementwise(fn: str, *args: Value) -> Tracer:
    """``fn`` (a NumPy ufunc name, or where/clip) applied with NumPy broadcasting."""
    trace = trace_of(args)
    tracers = [lift(a, trace) for a in args]
    np_fn = _UFUNCS.get(fn)
    if np_fn is None:
        raise UnsupportedError(f"elementwise function {fn!r} is not supported by axcomp")
    dtype = result_dtype(np_fn, *args)
    if fn in _COMPARISONS:  # compared in the operands' common dtype (f32 0.1 > 0.1 is False)
        tracers = cast_weak_inputs(tracers, result_dtype(np.add, *args))
    elif fn != "ldexp":  # its exponent is an int operand, not promoted with the mantissa
        tracers = cast_weak_inputs(tracers, dtype)
    out_logical = broadcast_shapes(*(t.shape for t in tracers))
    levels = union_levels(tracers)
    maps = tuple(broadcast_map(t, levels, out_logical) for t in tracers)
    names = merge_names(tracers, out_logical)
    return make(
        trace,
        elementwise_p,
        tracers,
        ElementwiseParams(fn, maps),
        levels,
        out_logical,
        dtype,
        names,
    )


def power(x: Value, y: Value) -> Tracer:
    # x ** 2 as x * x: NumPy computes the same values, and the product is multilinear, so
    # sum((a - b) ** 2) fuses into one contraction instead of a squared temporary.
    if isinstance(x, Tracer) and type(y) in (int, float) and y == 2 and x.dtype.kind in "iufc":
        return multiply(x, x)
    return elementwise("power", x, y)


def where(cond: Value, x: Value, y: Value) -> Tracer:
    return elementwise("where", cond, x, y)


# ---------------------------------------------------------------- reverse rules


@elementwise_p.def_vjp
def _vjp_elementwise(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    fn: str = node.params.fn
    maps: tuple[tuple[int, ...], ...] = node.params.maps
    if np.issubdtype(node.dtype, np.complexfloating):
        raise GradError(
            f"axcomp.grad: complex-valued {fn} is not differentiable (real dtypes only)"
        )
    rule = _DERIVATIVES.get(fn)
    if rule is None:
        raise GradError(
            f"axcomp.grad: {fn} is not differentiable (no reverse rule); "
            "compute it outside the differentiated function or use a differentiable op"
        )
    xs = [b.align(inp, m, node.ndim) for inp, m in zip(node.inputs, maps)]
    z = b.p(node)
    ctt = b.p(ct)
    grads: list[Node | None] = []
    for k, inp in enumerate(node.inputs):
        if not active[k]:
            grads.append(None)
            continue
        d = rule(k, xs, z, ctt)
        if d is None:
            grads.append(None)
            continue
        factors = [ctt] + list(d) if isinstance(d, list) else [d]
        keep = [m for m in maps[k] if m >= 0]
        g = b.product_reduced(factors, node.shape, keep)
        if g.shape != inp.shape:  # size-1 axes that were broadcast away
            g = reshape(b.p(g), inp.shape).node
        grads.append(g)
    return grads


@elementwise_p.def_jvp
def _jvp_elementwise(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
    # the reverse rule's table, read forwards: an entry gives the factors d of dz/dx_k (or,
    # for where, the contribution itself given the "cotangent" passed in). Elementwise
    # derivatives are diagonal, so the tangent term is d * t_k, *broadcast* to the output
    # (where the reverse rule sums d * ct down to the input's shape).
    fn: str = node.params.fn
    maps: tuple[tuple[int, ...], ...] = node.params.maps
    rule = _DERIVATIVES.get(fn)
    if rule is None:
        raise GradError(
            f"axcomp.jvp: {fn} is not differentiable (no derivative rule); "
            "compute it outside the differentiated function or use a differentiable op"
        )
    xs = [b.align(inp, m, node.ndim) for inp, m in zip(node.inputs, maps)]
    z = b.p(node)
    every = tuple(range(node.ndim))
    total: Node | None = None
    for k, t in enumerate(tangents):
        if t is None:
            continue
        tk = b.align(t, maps[k], node.ndim)
        d = rule(k, xs, z, tk)
        if d is None:
            continue
        factors = [tk, *d] if isinstance(d, list) else [d]
        term = b.product_reduced(factors, node.shape, every)  # a product, broadcast to z
        total = term if total is None else b.add(total, term)
    return total


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


def _recip(x: Tracer) -> Tracer:
    return _e("true_divide", 1.0, x)


def _typed(value: float, like: Tracer) -> Tracer:
    return lift(np.asarray(value, dtype=like.dtype), like.trace)


def _chooser(k: int, xs: list[Tracer], z: Tracer) -> list[Factor]:
    # JAX's balanced convention: a tie sends half the cotangent to each side
    me, other = xs[k], xs[1 - k]
    half, one, zero = _typed(0.5, z), _typed(1.0, z), _typed(0.0, z)
    return [_e("where", _e("equal", me, z), _e("where", _e("equal", other, z), half, one), zero)]


def _fchooser(k: int, xs: list[Tracer], z: Tracer, cmp: str) -> list[Factor]:
    # jnp.fmax(x, y) = where((x > y) | isnan(y), x, y): ties go to y
    x, y = xs
    pick_x = _e("logical_or", _e(cmp, x, y), _e("isnan", y))
    one, zero = _typed(1.0, z), _typed(0.0, z)
    return [_e("where", pick_x, one, zero) if k == 0 else _e("where", pick_x, zero, one)]


def _power(k: int, xs: list[Tracer], z: Tracer) -> list[Factor] | None:
    x, y = xs
    if k == 0:
        ynode = y.node
        if ynode.op.name == "const" and ynode.ndim == 0:  # a constant exponent
            c = ynode.params.value
            c = c.item() if isinstance(c, np.ndarray) else c
            if c == 0:
                return None
            if c == 1:
                return []
            if c == 2:
                return [2.0, x]
            return [c, _e("power", x, c - 1)]
        # JAX: y * x ** (y - 1), with 0 where y == 0
        dx = multiply(y, _e("power", x, _e("subtract", y, 1)))
        return [_e("where", _e("equal", y, 0), _typed(0.0, z), dx)]
    # JAX replaces x == 0 by 1 inside the log, so the derivative there is 0
    safe = _e("where", _e("equal", x, 0), _typed(1.0, x), x)
    return [z, _e("log", safe)]


def _abs(xs: list[Tracer], z: Tracer) -> list[Factor]:
    # JAX: select(x >= 0, g, -g), so abs'(0) = 1
    return [_e("where", _e("greater_equal", xs[0], 0), _typed(1.0, z), _typed(-1.0, z))]


def _square(x: Tracer) -> Tracer:
    return _e("square", x)


def _zero(*_: Any) -> None:
    return None


def _atan2(k: int, xs: list[Tracer]) -> list[Factor]:
    a, c = xs
    denom = _recip(_e("add", _square(a), _square(c)))
    return [c, denom] if k == 0 else [-1.0, a, denom]


_DERIVATIVES: dict[str, Callable[[int, list[Tracer], Tracer, Tracer], Any]] = {
    "add": lambda k, xs, z, ct: [],
    "subtract": lambda k, xs, z, ct: [] if k == 0 else [-1.0],
    "multiply": lambda k, xs, z, ct: [xs[1 - k]],
    "true_divide": lambda k, xs, z, ct: [_recip(xs[1])] if k == 0 else [-1.0, z, _recip(xs[1])],
    "negative": lambda k, xs, z, ct: [-1.0],
    "positive": lambda k, xs, z, ct: [],
    "conjugate": lambda k, xs, z, ct: [],
    "real": lambda k, xs, z, ct: [],
    "imag": _zero,
    "power": lambda k, xs, z, ct: _power(k, xs, z),
    "square": lambda k, xs, z, ct: [2.0, xs[0]],
    "sqrt": lambda k, xs, z, ct: [0.5, _recip(z)],  # inf at 0, like JAX
    "cbrt": lambda k, xs, z, ct: [1.0 / 3.0, _recip(_square(z))],
    "reciprocal": lambda k, xs, z, ct: [-1.0, _square(z)],
    "exp": lambda k, xs, z, ct: [z],
    "exp2": lambda k, xs, z, ct: [math.log(2.0), z],
    "expm1": lambda k, xs, z, ct: [_e("add", z, 1.0)],
    "log": lambda k, xs, z, ct: [_recip(xs[0])],
    "log2": lambda k, xs, z, ct: [1.0 / math.log(2.0), _recip(xs[0])],
    "log10": lambda k, xs, z, ct: [1.0 / math.log(10.0), _recip(xs[0])],
    "log1p": lambda k, xs, z, ct: [_recip(_e("add", xs[0], 1.0))],
    "absolute": lambda k, xs, z, ct: _abs(xs, z),
    "tanh": lambda k, xs, z, ct: [_e("subtract", 1.0, _square(z))],
    "sinh": lambda k, xs, z, ct: [_e("cosh", xs[0])],
    "cosh": lambda k, xs, z, ct: [_e("sinh", xs[0])],
    "sin": lambda k, xs, z, ct: [_e("cos", xs[0])],
    "cos": lambda k, xs, z, ct: [-1.0, _e("sin", xs[0])],
    "tan": lambda k, xs, z, ct: [_e("add", 1.0, _square(z))],
    "arcsin": lambda k, xs, z, ct: [_recip(_e("sqrt", _e("subtract", 1.0, _square(xs[0]))))],
    "arccos": lambda k, xs, z, ct: [-1.0, _recip(_e("sqrt", _e("subtract", 1.0, _square(xs[0]))))],
    "arctan": lambda k, xs, z, ct: [_recip(_e("add", 1.0, _square(xs[0])))],
    "arcsinh": lambda k, xs, z, ct: [_recip(_e("sqrt", _e("add", _square(xs[0]), 1.0)))],
    "arccosh": lambda k, xs, z, ct: [_recip(_e("sqrt", _e("subtract", _square(xs[0]), 1.0)))],
    "arctanh": lambda k, xs, z, ct: [_recip(_e("subtract", 1.0, _square(xs[0])))],
    "arctan2": lambda k, xs, z, ct: _atan2(k, xs),
    "hypot": lambda k, xs, z, ct: [xs[k], _recip(z)],
    "copysign": lambda k, xs, z, ct: (
        [_e("copysign", 1.0, xs[0]), _e("copysign", 1.0, xs[1])] if k == 0 else None
    ),
    "deg2rad": lambda k, xs, z, ct: [math.pi / 180.0],
    "rad2deg": lambda k, xs, z, ct: [180.0 / math.pi],
    "maximum": lambda k, xs, z, ct: _chooser(k, xs, z),
    "minimum": lambda k, xs, z, ct: _chooser(k, xs, z),
    "fmax": lambda k, xs, z, ct: _fchooser(k, xs, z, "greater"),
    "fmin": lambda k, xs, z, ct: _fchooser(k, xs, z, "less"),
    # d/dy of x mod y is -floor(x / y); d/dx is 1
    "remainder": lambda k, xs, z, ct: [] if k == 0 else [-1.0, _e("floor_divide", xs[0], xs[1])],
    "where": lambda k, xs, z, ct: (
        None if k == 0 else _e("where", xs[0], ct, 0.0) if k == 1 else _e("where", xs[0], 0.0, ct)
    ),
    "clip": lambda k, xs, z, ct: [
        _e("where", _e("equal", xs[k], z), _typed(1.0, z), _typed(0.0, z))
    ],
    # piecewise constant: zero derivative almost everywhere (JAX gives zeros too)
    "sign": _zero,
    "floor": _zero,
    "ceil": _zero,
    "rint": _zero,
    "trunc": _zero,
    "floor_divide": _zero,
    "heaviside": _zero,
    # C-style remainder (lax.rem): d/dy of fmod(x, y) is -trunc(x / y), as in JAX
    "fmod": lambda k, xs, z, ct: (
        [] if k == 0 else [-1.0, _e("trunc", _e("true_divide", xs[0], xs[1]))]
    ),
}
_DERIVATIVES["divide"] = _DERIVATIVES["true_divide"]  # NumPy 2 names true_divide "divide"


@elementwise_p.def_axes
def _elementwise_axes(node: Node) -> Relations:
    # a size-1 axis broadcast away (-1) is not a position of the result's axis
    return tuple(tuple(Carried(m) if m >= 0 else MIXED for m in maps) for maps in node.params.maps)
