"""The elementwise operations of ``jax.lax`` (``lax.add``, ``lax.exp``, ``lax.igamma``, ...)
and the ``jnp``/``jax.scipy.special`` functions built on the same code.

JAX's rules, which the ``jnp`` functions relax and these keep:

* every operand of an op has one dtype (a Python ``int`` is int64, a ``float`` float64, as
  in JAX with x64), and each op accepts only the dtype kinds ``jax.lax`` accepts;
  anything else is a ``TypeError``;
* operands have one rank, or rank 0: equal ranks broadcast their size-1 axes, a 0-d
  operand broadcasts to any shape, different ranks are a ``TypeError``.

Everything lowers to existing primitives (the elementwise functions, ``where``,
``while_loop``), except ``bitcast_convert_type``: a new primitive (``bitcast``, one plan
operation; refused on the Array API backend). Compositions whose JAX derivative is a
closed form (``erf_inv``, ``bessel_i1e``, ``igamma``, ``betainc``, ``clamp``, ...) compute
their value from ``stop_gradient`` copies of the operands and carry JAX's derivative as
a rule on a ``custom_vjp`` node (``_with_rule``), so both sweeps use the formula, never
the derivative of an approximation or of a loop.

The special functions:

* ``erf_inv``: Giles' single-precision approximation (the one XLA uses for float32);
  float64 starts from it (or, far in the tails, from the asymptotic inversion of
  ``erfc``) and takes two Halley steps on ``erf``/``erfc``; ``ndtri`` shares that path.
* ``bessel_i0e``/``bessel_i1e``: Chebyshev interpolants of ``I0``/``I1`` (scaled) on
  [0, 8] and of ``sqrt(x) I(x) exp(-x)`` in ``1/x`` above 8, computed offline.
* ``igamma``/``igammac``: the power series below ``max(1, a)`` and the continued fraction
  above (Cephes' split), each a ``while_loop`` that stops when every element has
  converged (2000 steps at most); ``igamma_grad_a`` carries the derivative in ``a``
  through the same recurrences.
* ``betainc``: the continued fraction of DLMF 8.17.22 by the Lentz-Thompson-Barnett
  method (at most 200 steps in float32, 600 in float64, as JAX), with the symmetry
  ``I_x(a, b) = 1 - I_{1-x}(b, a)`` above ``(a + 1) / (a + b + 2)``.
* ``lgamma``/``digamma`` and the prefactors ``x**a e**-x / Gamma(a)`` and
  ``x**a (1 - x)**b / (a B(a, b))`` are computed in float64 for every input dtype:
  their logarithms cancel large terms.
"""

from __future__ import annotations

import enum
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.elementwise_functions import ALL, INEXACT, INTEGER, NUMERIC
from ..core.graph import Node
from ..core.independence import MIXED, Carried, Relations
from ..core.plan import Assign, Expr, LowerContext, Statement, call
from ..core.primitive import primitive
from ..errors import (
    ArgumentTypeError,
    GradError,
    IncompatibleShapesError,
    ShapeError,
)
from ..tracing.build import (
    Value,
    broadcast_map,
    broadcast_shapes,
    is_weak_scalar,
    lift,
    logical_names,
    make,
    trace_of,
    union_levels,
)
from ..tracing.tracer import Tracer
from .api import export
from .contraction import multiply
from .control import while_loop
from .elementwise import derivative_terms, elementwise, tangent_sum
from .gradients import CustomRuleParams, custom_rule_p, stop_gradient
from .reductions import reduce
from .shape import astype, broadcast_levels, broadcast_to, stack
from .special import digamma, erf, erfc, gammaln

Rule = Callable[[int, list[Tracer], Tracer], list[Any] | None]


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


# ------------------------------------------------------------------ operand checks
_KIND_NAMES = {
    "b": "bool",
    "i": "signed integer",
    "u": "unsigned integer",
    "f": "floating",
    "c": "complexfloating",
}


def _accepted(kinds: str) -> str:
    if "i" in kinds and "u" in kinds:
        kinds = kinds.replace("u", "")
        names = ["integer" if k == "i" else _KIND_NAMES[k] for k in kinds]
    else:
        names = [_KIND_NAMES[k] for k in kinds]
    return ", ".join(names)


def _operands(name: str, args: Sequence[Value], kinds: str) -> list[Tracer]:
    """The operands as tracers, checked as ``jax.lax`` checks them: each of a dtype kind
    in ``kinds``, one dtype for all, one rank (or 0-d)."""
    trace = trace_of(args)
    ts = [lift(a, trace) for a in args]
    for k, t in enumerate(ts):
        if t.dtype.kind not in kinds:
            where = f" at position {k}" if len(ts) > 1 else ""
            raise ArgumentTypeError(
                f"{name} does not accept dtype {t.dtype.name}{where}. Accepted dtypes"
                f"{where} are subtypes of {_accepted(kinds)}."
            )
    if len({t.dtype for t in ts}) > 1:
        raise ArgumentTypeError(
            f"lax.{name} requires arguments to have the same dtypes, got "
            + ", ".join(t.dtype.name for t in ts)
            + f". (Tip: jnp.{name} or its jax.numpy namesake promotes types.)"
        )
    _same_rank(name, ts)
    return ts


def _same_rank(name: str, ts: Sequence[Tracer]) -> tuple[int, ...]:
    ranks = {t.ndim for t in ts if t.ndim}
    if len(ranks) > 1:
        raise IncompatibleShapesError(
            f"{name}: arrays must have the same number of dimensions, got {sorted(ranks)}"
        )
    try:
        return broadcast_shapes(*(t.shape for t in ts))
    except IncompatibleShapesError:
        raise IncompatibleShapesError(
            f"{name} got incompatible shapes for broadcasting: "
            + ", ".join(str(t.shape) for t in ts)
        ) from None


def _like(value: complex, t: Tracer) -> np.ndarray:
    """A 0-d constant of ``t``'s dtype (a Python float would promote float16/float32)."""
    return np.asarray(value, dtype=t.dtype)


def _upcast(t: Tracer) -> tuple[Tracer, np.dtype]:
    """float16 is computed in float32 and rounded back, as XLA does."""
    return (astype(t, np.float32), t.dtype) if t.dtype == np.float16 else (t, t.dtype)


def _back(r: Tracer, dtype: np.dtype) -> Tracer:
    return r if r.dtype == dtype else astype(r, dtype)


def _eps(t: Tracer) -> float:
    return float(np.finfo(t.dtype).eps)


# ------------------------------------------------------------------ derivative rules
def _with_rule(name: str, value: Tracer, args: Sequence[Tracer], rule: Rule) -> Tracer:
    """``value`` (computed from ``stop_gradient`` copies of ``args``) with the derivative
    ``rule(k, xs, z)``: the factors of dz/dx_k, read on the operands ``xs`` aligned with
    the result ``z`` (physical arrays, as the elementwise table reads them). The factors'
    product with the cotangent, summed over broadcast axes, is the reverse rule; with the
    tangent, broadcast to the result, the forward one."""
    trace = value.trace
    levels = union_levels([value, *args])
    value = broadcast_levels(value, levels)
    maps = tuple(broadcast_map(a, levels, value.shape) for a in args)

    def factors(b: Any, node: Node, k: int) -> list[Any] | None:
        xs = [b.align(inp, m, node.ndim) for inp, m in zip(node.inputs[1:], maps)]
        # z is this node (not its stop-gradient input), so the factors differentiate again
        return rule(k, xs, b.p(node))

    def rule_factors(b: Any, node: Node) -> Callable[[int, Any], list[Any] | None]:
        return lambda k, _seed: factors(b, node, k)

    def vjp(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
        # the primal computation (input 0) is not differentiated
        seeds = [ct if a else None for a in active[1:]]
        operands = node.inputs[1:]
        return [
            None,
            *derivative_terms(b, node, operands, maps, seeds, rule_factors(b, node), True),
        ]

    def jvp(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
        operands = node.inputs[1:]
        terms = derivative_terms(
            b, node, operands, maps, tangents[1:], rule_factors(b, node), False
        )
        return tangent_sum(b, terms)

    node = Node(
        custom_rule_p,
        (value.node, *(a.node for a in args)),
        CustomRuleParams(vjp, name, jvp),
        value.node.shape,
        value.dtype,
        value.node.axes,
    )
    return Tracer(node, levels, trace)


def _ruled(name: str, fn: Callable[..., Tracer], args: Sequence[Tracer], rule: Rule) -> Tracer:
    """``fn(*args)`` with the derivative ``rule`` (see ``_with_rule``)."""
    return _with_rule(name, fn(*[stop_gradient(a) for a in args]), args, rule)


# ------------------------------------------------------------------ bitcast primitive
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


@bitcast_p.def_vjp
def _vjp_bitcast(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    # reached only for an inexact result of an inexact operand (lax.complex's parts, and
    # complex values are refused before any rule runs): bits have no derivative
    raise GradError("axcomp.grad: bitcast_convert_type is not differentiable")


@bitcast_p.def_jvp
def _jvp_bitcast(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
    raise GradError("axcomp.jvp: bitcast_convert_type is not differentiable")


def _bitcast(t: Tracer, dtype: Any) -> Tracer:
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


@export("lax", "bitcast_convert_type")
def bitcast_convert_type(operand: Value, new_dtype: Any) -> Tracer:
    """``jax.lax.bitcast_convert_type``: the same bits as ``new_dtype``. A narrower dtype
    adds a last axis of the width ratio; a wider one needs that last axis, and drops it."""
    t = lift(operand, trace_of((operand,)))
    dt = np.dtype(new_dtype)
    if dt == t.dtype:
        return t
    if t.dtype.kind == "c" or dt.kind == "c":
        raise ArgumentTypeError("bitcast_convert_type does not support complex types")
    if dt.itemsize < t.dtype.itemsize or dt.itemsize == t.dtype.itemsize:
        return _bitcast(t, dt)
    if not t.shape or t.shape[-1] * t.dtype.itemsize != dt.itemsize:
        raise ArgumentTypeError(
            f"bitcast_convert_type: {t.dtype.name} with shape {t.shape} cannot become "
            f"{dt.name}: the last axis must have {dt.itemsize // t.dtype.itemsize} entries"
        )
    return _bitcast(t, dt)


# ------------------------------------------------------------------ simple ops
_ALL, _NUM, _INEXACT, _INTS = ALL, NUMERIC, INEXACT, INTEGER

# the lax functions that are one recorded elementwise function are generated from the
# records (lax/elementwise.py) with these checks
lax_operands = _operands
accepted_kinds = _accepted


@export("lax", "mul")
def mul(x: Value, y: Value) -> Tracer:
    """``jax.lax.mul``: the elementwise product (a multilinear node, fused into sums)."""
    a, b = _operands("mul", (x, y), _NUM)
    return multiply(a, b)


@export("lax", "div")
def div(x: Value, y: Value) -> Tracer:
    """``jax.lax.div``: true division for inexact types; integers divide rounding toward
    zero, with XLA's results where C is undefined (``x / 0`` is -1, all bits set, and
    ``INT_MIN / -1`` is ``INT_MIN``)."""
    a, b = _operands("div", (x, y), _NUM)
    if a.dtype.kind in _INEXACT:
        return _e("true_divide", a, b)
    safe = _safe_divisor(a, b)
    q = _e("floor_divide", _e("subtract", a, _e("fmod", a, safe)), safe)  # exact
    ones = np.asarray(-1 if a.dtype.kind == "i" else np.iinfo(a.dtype).max, a.dtype)
    return _e("where", _e("equal", b, 0), ones, q)


def _safe_divisor(a: Tracer, b: Tracer) -> Tracer:
    """``b`` with 1 where C would trap or be undefined (0, and -1 under ``INT_MIN``)."""
    bad = _e("equal", b, 0)
    if a.dtype.kind == "i":
        low = np.asarray(np.iinfo(a.dtype).min, a.dtype)
        bad = _e("logical_or", bad, _e("logical_and", _e("equal", a, low), _e("equal", b, -1)))
    return _e("where", bad, np.asarray(1, a.dtype), b)


@export("lax", "rem")
def rem(x: Value, y: Value) -> Tracer:
    """``jax.lax.rem``: the C remainder, of the dividend's sign (``fmod``); for integers
    ``x rem 0`` is ``x`` and ``INT_MIN rem -1`` is 0, as in XLA."""
    a, b = _operands("rem", (x, y), "iuf")
    if a.dtype.kind == "f":
        return _e("fmod", a, b)
    r = _e("fmod", a, _safe_divisor(a, b))
    return _e("where", _e("equal", b, 0), a, r)


def _complex_pick(x: Tracer, y: Tracer, cmp: str) -> Tracer:
    """XLA's complex max/min: compare the real parts, the imaginary ones on a tie."""
    rx, ry = _e("real", x), _e("real", y)
    which = _e("where", _e("equal", rx, ry), _e(cmp, _e("imag", x), _e("imag", y)), _e(cmp, rx, ry))
    return _e("where", which, x, y)


@export("lax", "max")
def lax_max(x: Value, y: Value) -> Tracer:
    """``jax.lax.max``: NaN-propagating; complex values compare lexicographically."""
    a, b = _operands("max", (x, y), _ALL)
    return _complex_pick(a, b, "greater") if a.dtype.kind == "c" else _e("maximum", a, b)


@export("lax", "min")
def lax_min(x: Value, y: Value) -> Tracer:
    """``jax.lax.min``: NaN-propagating; complex values compare lexicographically."""
    a, b = _operands("min", (x, y), _ALL)
    return _complex_pick(a, b, "less") if a.dtype.kind == "c" else _e("minimum", a, b)


@export("lax", "atan2")
def atan2(x: Value, y: Value) -> Tracer:
    """``jax.lax.atan2(x, y)``: the angle of ``(y, x)``; complex operands use
    ``-i log((y + i x) / sqrt(x**2 + y**2))``, as XLA does."""
    a, b = _operands("atan2", (x, y), _INEXACT)
    if a.dtype.kind == "f":
        return _e("arctan2", a, b)
    i = _like(1j, a)
    w = _e("true_divide", _e("add", b, multiply(i, a)), _e("sqrt", _e("add", _sq(a), _sq(b))))
    return multiply(-i, _e("log", w))


def _sq(t: Tracer) -> Tracer:
    return multiply(t, t)


@export("lax", "pow")
def lax_pow(x: Value, y: Value) -> Tracer:
    """``jax.lax.pow``: an inexact base, and an integer exponent or one of the base's
    dtype."""
    trace = trace_of((x, y))
    a, b = lift(x, trace), lift(y, trace)
    if (
        a.dtype.kind not in _INEXACT
        or b.dtype.kind not in "iu" + _INEXACT
        or (b.dtype.kind in _INEXACT and b.dtype != a.dtype)
    ):
        raise ArgumentTypeError(
            "the first argument to pow must have an inexact dtype (float or complex), and the "
            "second argument must have an inexact or integer dtype, and two inexact dtypes "
            f"must match, but got {a.dtype.name} and {b.dtype.name}."
        )
    _same_rank("pow", (a, b))
    if b.dtype.kind in "iu":
        b = astype(b, a.dtype)  # exact for any exponent pow can use
    return _e("power", a, b)


@export("lax", "integer_pow")
def integer_pow(x: Value, y: Any) -> Tracer:
    """``jax.lax.integer_pow``: ``x ** y`` for a static int ``y``, by repeated squaring
    (as XLA computes it); its derivative is ``y * x ** (y - 1)``."""
    (t,) = _operands("integer_pow", (x,), _NUM)
    n = _static_int("integer_pow", y)
    if n < 0 and t.dtype.kind in _INTS:
        raise ArgumentTypeError(
            f"Integers cannot be raised to negative powers, got integer_pow({t.dtype.name}, {n})"
        )
    if t.dtype.kind in _INEXACT and n not in (0, 1):

        def rule(k: int, xs: list[Tracer], z: Tracer) -> list[Any]:
            return [float(n), _integer_pow(xs[0], n - 1)]

        return _ruled("integer_pow", lambda a: _integer_pow(a, n), [t], rule)
    return _integer_pow(t, n)


def _static_int(what: str, y: Any) -> int:
    if isinstance(y, Tracer):
        raise ArgumentTypeError(f"{what}: the exponent must be a static int, not a traced value")
    if isinstance(y, (float, np.floating)) and float(y).is_integer():
        return int(y)
    try:
        return operator.index(y)
    except TypeError:
        raise ArgumentTypeError(f"{what}: the exponent must be an int, got {y!r}") from None


def _integer_pow(t: Tracer, n: int) -> Tracer:
    if n == 0:
        return lift(np.ones(t.shape, t.dtype), t.trace)
    base, k, acc = t, abs(n), None
    while k:
        if k & 1:
            acc = base if acc is None else multiply(acc, base)
        k >>= 1
        if k:
            base = multiply(base, base)
    assert acc is not None
    return _e("true_divide", _like(1, t), acc) if n < 0 else acc


# ------------------------------------------------------------------ integer bit ops
def _unsigned(dtype: np.dtype) -> np.dtype:
    return np.dtype(f"uint{8 * dtype.itemsize}")


def _signed(dtype: np.dtype) -> np.dtype:
    return np.dtype(f"int{8 * dtype.itemsize}")


@export("lax", "shift_right_logical")
def shift_right_logical(x: Value, y: Value) -> Tracer:
    """``jax.lax.shift_right_logical``: zeros shifted in; a shift of the bit width or more
    (or a negative one) gives 0."""
    a, b = _operands("shift_right_logical", (x, y), _INTS)
    u = _unsigned(a.dtype)
    return astype(_e("right_shift", astype(a, u), astype(b, u)), a.dtype)


@export("lax", "shift_right_arithmetic")
def shift_right_arithmetic(x: Value, y: Value) -> Tracer:
    """``jax.lax.shift_right_arithmetic``: the sign bit shifted in (unsigned operands too);
    a shift of the bit width or more gives 0 or -1."""
    a, b = _operands("shift_right_arithmetic", (x, y), _INTS)
    s = _signed(a.dtype)
    # a negative signed shift amount counts as huge, as its unsigned reading does
    return astype(_e("right_shift", astype(a, s), astype(b, s)), a.dtype)


@export("lax", "population_count")
def population_count(x: Value) -> Tracer:
    """``jax.lax.population_count``: the number of set bits (of the two's complement for
    signed integers), in the operand's dtype."""
    (t,) = _operands("population_count", (x,), _INTS)
    return astype(_e("bitwise_count", astype(t, _unsigned(t.dtype))), t.dtype)


@export("lax", "clz")
def clz(x: Value) -> Tracer:
    """``jax.lax.clz``: the number of leading zero bits, in the operand's dtype."""
    (t,) = _operands("clz", (x,), _INTS)
    u = astype(t, _unsigned(t.dtype))
    bits = 8 * t.dtype.itemsize
    shift = 1
    while shift < bits:  # smear the highest set bit into every lower one
        u = _e("bitwise_or", u, _e("right_shift", u, shift))
        shift *= 2
    ones = astype(_e("bitwise_count", u), t.dtype)
    return _e("subtract", np.asarray(bits, t.dtype), ones)


@export("lax", "mulhi")
def mulhi(x: Value, y: Value) -> Tracer:
    """``jax.lax.mulhi``: the high half of the double-width product (signed for signed
    operands)."""
    a, b = _operands("mulhi", (x, y), _INTS)
    bits = 8 * a.dtype.itemsize
    if bits < 64:
        wide = np.dtype(np.int64 if a.dtype.kind == "i" else np.uint64)
        prod = multiply(astype(a, wide), astype(b, wide))
        return astype(_e("right_shift", prod, bits), a.dtype)
    u = np.dtype(np.uint64)
    ua, ub = astype(a, u), astype(b, u)
    low = np.asarray(0xFFFFFFFF, u)
    a0, a1 = _e("bitwise_and", ua, low), _e("right_shift", ua, 32)
    b0, b1 = _e("bitwise_and", ub, low), _e("right_shift", ub, 32)
    cross = _e(
        "add",
        _e(
            "add", _e("right_shift", multiply(a0, b0), 32), _e("bitwise_and", multiply(a1, b0), low)
        ),
        multiply(a0, b1),
    )
    hi = _e(
        "add",
        _e("add", multiply(a1, b1), _e("right_shift", multiply(a1, b0), 32)),
        _e("right_shift", cross, 32),
    )
    if a.dtype.kind == "u":
        return hi
    # the signed high half: subtract b where a < 0 and a where b < 0 (mod 2**64)
    zero = np.asarray(0, u)
    hi = _e("subtract", hi, _e("where", _e("less", a, 0), ub, zero))
    hi = _e("subtract", hi, _e("where", _e("less", b, 0), ua, zero))
    return astype(hi, a.dtype)


# ------------------------------------------------------------------ float ops
class RoundingMethod(enum.IntEnum):
    """``jax.lax.RoundingMethod``: how ``lax.round`` breaks ties."""

    AWAY_FROM_ZERO = 0
    TO_NEAREST_EVEN = 1


@export("lax", "round")
def lax_round(x: Value, rounding_method: Any = RoundingMethod.AWAY_FROM_ZERO) -> Tracer:
    """``jax.lax.round``: to the nearest integer, ties away from zero (or to even with
    ``RoundingMethod.TO_NEAREST_EVEN``); the sign of zero is kept."""
    method = RoundingMethod(rounding_method)
    (t,) = _operands("round", (x,), "f")
    if method is RoundingMethod.TO_NEAREST_EVEN:
        return _e("rint", t)
    whole = _e("trunc", t)
    # |x - trunc(x)| is exact, so the tie test is too (x + 0.5 would round first)
    up = _e("greater_equal", _e("absolute", _e("subtract", t, whole)), _like(0.5, t))
    return _e("where", up, _e("add", whole, _e("sign", t)), whole)


@export("lax", "logistic")
def logistic(x: Value) -> Tracer:
    """``jax.lax.logistic``: ``1 / (1 + exp(-x))``, complex for complex operands."""
    (t,) = _operands("logistic", (x,), _INEXACT)
    return logistic_of(t)


def logistic_of(t: Tracer) -> Tracer:
    """The logistic function of an inexact tracer (``nn.sigmoid`` shares it)."""
    if t.dtype.kind == "c":
        return _e("true_divide", _like(1, t), _e("add", _e("exp", _e("negative", t)), _like(1, t)))

    def value(a: Tracer) -> Tracer:
        # exp(-|x|) never overflows; the branch of the sign keeps the tails accurate
        e = _e("exp", _e("negative", _e("absolute", a)))
        denom = _e("add", e, _like(1, a))
        pos = _e("true_divide", _like(1, a), denom)
        return _e("where", _e("greater_equal", a, 0), pos, _e("true_divide", e, denom))

    return _ruled("logistic", value, [t], lambda k, xs, z: [z, _e("subtract", 1.0, z)])


@export("lax", "rsqrt")
def rsqrt(x: Value) -> Tracer:
    """``jax.lax.rsqrt``: ``1 / sqrt(x)``; its derivative is ``-z / (2 x)``, as in JAX."""
    (t,) = _operands("rsqrt", (x,), _INEXACT)

    def value(a: Tracer) -> Tracer:
        return _e("true_divide", _like(1, a), _e("sqrt", a))

    if t.dtype.kind == "c":
        return value(t)
    return _ruled("rsqrt", value, [t], lambda k, xs, z: [-0.5, z, _e("true_divide", 1.0, xs[0])])


@export("lax", "conj")
def conj(x: Value) -> Tracer:
    """``jax.lax.conj``: the complex conjugate; a float32/float64 operand becomes complex."""
    trace = trace_of((x,))
    t = lift(x, trace)
    if t.dtype not in (np.float32, np.float64) and t.dtype.kind != "c":
        raise ArgumentTypeError(
            f"conj does not accept dtype {t.dtype.name}. Accepted dtypes are subtypes of "
            "float32, float64, complexfloating."
        )
    if t.dtype.kind == "f":
        return astype(t, np.result_type(t.dtype, np.complex64))
    return _e("conjugate", t)


@export("lax", "complex")
def lax_complex(x: Value, y: Value) -> Tracer:
    """``jax.lax.complex``: ``x + i y`` from float32/float64 parts, exact for infinite
    parts too (the two parts are laid side by side and read as complex)."""
    a, b = _operands("complex", (x, y), "f")
    if a.dtype == np.float16:
        raise ArgumentTypeError(
            "complex does not accept dtype float16. Accepted dtypes are subtypes of float32, "
            "float64."
        )
    shape = _same_rank("complex", (a, b))
    levels = union_levels([a, b])
    parts = [broadcast_levels(broadcast_to(v, shape), levels) for v in (a, b)]
    return _bitcast(stack(parts, axis=-1), np.result_type(a.dtype, np.complex64))


@export("lax", "clamp")
def clamp(min: Value, x: Value, max: Value) -> Tracer:
    """``jax.lax.clamp(min, x, max)``: ``min(max(x, min), max)``; ``min`` and ``max`` are 0-d
    or of ``x``'s shape. Derivatives as JAX: ``x``'s where ``min < x < max``, ``min``'s
    where ``x < min < max``, ``max``'s where ``max < x``."""
    lo, t, hi = _operands("clamp", (min, x, max), _ALL)
    for what, bound in (("min", lo), ("max", hi)):
        if bound.shape not in ((), t.shape):
            raise IncompatibleShapesError(
                f"clamp requires {what}.shape == operand.shape or {what}.shape == (), got "
                f"{what}.shape={bound.shape}, operand.shape={t.shape}."
            )

    def value(a: Tracer, v: Tracer, c: Tracer) -> Tracer:
        if v.dtype.kind == "c":
            return _complex_pick(_complex_pick(v, a, "greater"), c, "less")
        return _e("minimum", _e("maximum", v, a), c)

    if t.dtype.kind != "f":
        return value(lo, t, hi)

    def rule(k: int, xs: list[Tracer], z: Tracer) -> list[Any]:
        a, v, c = xs
        if k == 0:
            on = _e("logical_and", _e("greater", a, v), _e("less", a, c))
        elif k == 1:
            on = _e("logical_and", _e("greater", v, a), _e("less", v, c))
        else:
            on = _e("less", c, v)
        return [_e("where", on, _like(1, z), _like(0, z))]

    return _ruled("clamp", value, [lo, t, hi], rule)


# ------------------------------------------------------------------ special functions
def _float_op(name: str, x: Value) -> Tracer:
    (t,) = _operands(name, (x,), "f")
    return t


def _in_float64(fn: Callable[[Tracer], Tracer]) -> Callable[[Tracer], Tracer]:
    """``fn`` evaluated in float64 and rounded back: the recurrences of ``gammaln`` and
    ``digamma`` cancel large terms near their zeros, which float32 cannot afford."""

    def wrapped(t: Tracer) -> Tracer:
        return _back(fn(astype(t, np.float64)), t.dtype)

    return wrapped


@export("lax", "lgamma")
def lgamma(x: Value) -> Tracer:
    """``jax.lax.lgamma``: ``log|Gamma(x)|``; its derivative is ``digamma``."""
    t = _float_op("lgamma", x)
    rule = lambda k, xs, z: [_in_float64(digamma)(xs[0])]  # noqa: E731
    return _ruled("lgamma", _in_float64(gammaln), [t], rule)


@export("lax", "digamma")
def lax_digamma(x: Value) -> Tracer:
    """``jax.lax.digamma``: the logarithmic derivative of Gamma (nan at the poles)."""
    return _in_float64(digamma)(_float_op("digamma", x))


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _gauss(x: Tracer, scale: float) -> list[Any]:
    return [scale, _e("exp", _e("negative", multiply(x, x)))]


@export("lax", "erf")
def lax_erf(x: Value) -> Tracer:
    """``jax.lax.erf``; its derivative is ``2 / sqrt(pi) exp(-x**2)``."""
    t = _float_op("erf", x)
    return _ruled("erf", erf, [t], lambda k, xs, z: _gauss(xs[0], _TWO_OVER_SQRT_PI))


@export("lax", "erfc")
def lax_erfc(x: Value) -> Tracer:
    """``jax.lax.erfc``: ``1 - erf(x)``, accurate in the right tail."""
    t = _float_op("erfc", x)
    return _ruled("erfc", erfc, [t], lambda k, xs, z: _gauss(xs[0], -_TWO_OVER_SQRT_PI))


# Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011): single precision
_ERFINV_CENTRAL = (
    2.81022636e-08,
    3.43273939e-07,
    -3.5233877e-06,
    -4.39150654e-06,
    0.00021858087,
    -0.00125372503,
    -0.00417768164,
    0.246640727,
    1.50140941,
)
_ERFINV_TAIL = (
    -0.000200214257,
    0.000100950558,
    0.00134934322,
    -0.00367342844,
    0.00573950773,
    -0.0076224613,
    0.00943887047,
    1.00167406,
    2.83297682,
)


def _horner(coef: Sequence[float], w: Tracer) -> Tracer:
    """sum coef[k] w**(n - k), highest power first."""
    acc: Any = _like(coef[0], w)
    for c in coef[1:]:
        acc = _e("add", multiply(acc, w), _like(c, w))
    return acc


def _giles(w: Tracer) -> Tracer:
    """Giles' erf_inv(x) / x as a function of w = -log(1 - x**2)."""
    small = _e("less", w, _like(5.0, w))
    central = _horner(_ERFINV_CENTRAL, _e("subtract", _e("where", small, w, 2.5), _like(2.5, w)))
    wt = _e("where", small, _like(9.0, w), w)  # finite in the branch not taken
    tail = _horner(_ERFINV_TAIL, _e("subtract", _e("sqrt", wt), _like(3.0, w)))
    return _e("where", small, central, tail)


def _erf_inv(t: Tracer) -> Tracer:
    a, dtype = _upcast(t)
    if a.dtype == np.float64:
        ax = _e("absolute", a)
        return _erf_inv64(a, _e("subtract", _like(1.0, a), ax))  # 1 - |x| is exact near 1
    w = _e("negative", _e("log1p", _e("negative", multiply(a, a))))
    y = multiply(_giles(w), a)
    one = _e("equal", _e("absolute", a), _like(1.0, a))
    y = _e("where", one, multiply(a, _like(math.inf, a)), y)
    return _back(y, dtype)


def _erf_inv64(x: Tracer, q: Tracer) -> Tracer:
    """erf_inv(x) in float64 given ``q = 1 - |x|`` to full relative accuracy (so the tail
    is resolved: ``ndtri`` passes ``2p`` for tiny ``p``). The start is Giles' approximation
    for ``w = -log(q (2 - q)) < 16``, else the asymptotic inversion of
    ``erfc(y) ~ exp(-y**2) / (y sqrt(pi))``; two Halley steps on ``erf(y) = |x|`` finish
    it, the residual taken from ``erfc`` for ``|x| > 1/2`` (where ``q`` is exact)."""
    one = _like(1.0, x)
    ax = _e("absolute", x)
    inside = _e("logical_and", _e("greater", q, _like(0.0, x)), _e("less_equal", q, one))
    qs = _e("where", inside, q, one)  # q = 1 (x = 0) keeps every lane finite
    w = _e("negative", _e("log", multiply(qs, _e("subtract", _like(2.0, x), qs))))
    giles = multiply(_giles(_e("where", _e("less", w, 16.0), w, 1.0)), ax)
    big = _e("negative", _e("log", qs))
    asym = _e("sqrt", _e("where", _e("less", w, 16.0), 16.0, big))
    for _ in range(4):
        inv = _e("true_divide", one, multiply(asym, asym))
        h = multiply(inv, 0.5)  # 1 / (2 y**2)
        corr = _horner((105.0, -15.0, 3.0, -1.0, 0.0), h)
        rest = _e("log1p", corr)  # log(1 - 1/(2y^2) + 3/(4y^4) - ...)
        lhs = _e("add", _e("subtract", big, _e("log", multiply(asym, math.sqrt(math.pi)))), rest)
        asym = _e("sqrt", lhs)
    y = _e("where", _e("less", w, 16.0), giles, asym)
    near = _e("greater", ax, _like(0.5, x))
    refine = _e("less", y, 26.0)  # beyond, exp(y**2) overflows and the start is exact
    for _ in range(2):  # each step cubes the relative error (the starts have ~1e-6)
        ys = _e("where", refine, y, 0.0)
        r = _e("where", near, _e("subtract", qs, erfc(ys)), _e("subtract", erf(ys), ax))
        step = multiply(multiply(r, math.sqrt(math.pi) / 2), _e("exp", multiply(ys, ys)))
        step = _e("true_divide", step, _e("add", one, multiply(step, ys)))
        y = _e("where", refine, _e("subtract", ys, step), y)
    y = _e("copysign", y, x)
    y = _e("where", _e("equal", q, 0.0), _e("copysign", _like(math.inf, x), x), y)
    bad = _e("logical_or", _e("less", q, 0.0), _e("isnan", x))
    return _e("where", _e("logical_or", bad, _e("isnan", q)), _like(math.nan, x), y)


@export("lax", "erf_inv")
def erf_inv(x: Value) -> Tracer:
    """``jax.lax.erf_inv``: the inverse error function (``+-inf`` at ``+-1``, nan beyond);
    its derivative is ``sqrt(pi) / 2 exp(z**2)``."""
    t = _float_op("erf_inv", x)
    half_sqrt_pi = math.sqrt(math.pi) / 2
    return _ruled(
        "erf_inv", _erf_inv, [t], lambda k, xs, z: [half_sqrt_pi, _e("exp", multiply(z, z))]
    )


# --- modified Bessel functions, exponentially scaled
# Chebyshev interpolants (coefficients of T_0, T_1, ...) computed once offline in 50-digit
# arithmetic (mpmath) at 48 Chebyshev nodes, cut below 1e-18: ``I0(x) exp(-x)`` and
# ``I1(x) exp(-x) / x`` in ``t = x / 4 - 1`` for x in [0, 8], and ``sqrt(x) I(x) exp(-x)``
# in ``t = 16 / x - 1`` for x >= 8.
_I0_INNER = (
    0.33839763720473803,
    -0.3046826723431984,
    0.17162090152220877,
    -0.09490109704804764,
    0.04930528423967071,
    -0.02373741480589947,
    0.010546460394594998,
    -0.004324309995050576,
    0.0016394756169413357,
    -0.0005763755745385824,
    0.00018850288509584165,
    -5.754195010082104e-05,
    1.6448448070728896e-05,
    -4.4167383584587505e-06,
    1.1173875391201037e-06,
    -2.670793853940612e-07,
    6.046995022541919e-08,
    -1.300025009986248e-08,
    2.6598237246823866e-09,
    -5.189795601635263e-10,
    9.675809035373237e-11,
    -1.726826291441556e-11,
    2.95505266312964e-12,
    -4.856446783111929e-13,
    7.676185498604936e-14,
    -1.1685332877993451e-14,
    1.715391285555133e-15,
    -2.431279846547955e-16,
    3.3307945188222384e-17,
    -4.4153416464793395e-18,
)
_I0_OUTER = (
    0.4022452055070544,
    0.0033691164782556943,
    6.889758346916825e-05,
    2.8913705208347567e-06,
    2.0489185894690638e-07,
    2.266668990498178e-08,
    3.3962320257083865e-09,
    4.94060238822497e-10,
    1.1889147107846439e-11,
    -3.1499165279632416e-11,
    -1.3215811840447713e-11,
    -1.7941785315068062e-12,
    7.180124451383666e-13,
    3.8527783827421426e-13,
    1.54008621752141e-14,
    -4.150569347287222e-14,
    -9.554846698828307e-15,
    3.8116806693526224e-15,
    1.7725601330565263e-15,
    -3.425485619677219e-16,
    -2.8276239805165836e-16,
    3.461222867697461e-17,
    4.46562142029676e-17,
    -4.830504485944178e-18,
    -7.23318048787476e-18,
    9.921475412173676e-19,
    1.1936508908460063e-18,
)
_I1_INNER = (
    0.12629359322181682,
    -0.17641651835783406,
    0.1026436586898471,
    -0.05294598120809499,
    0.024726449030626516,
    -0.010564084894626197,
    0.004156422944312888,
    -0.0015135724506312532,
    0.0005122859561685758,
    -0.00016176081582589674,
    4.781565107550054e-05,
    -1.3273163656039436e-05,
    3.4702513081376785e-06,
    -8.568720264695455e-07,
    2.0032947535521353e-07,
    -4.445059128796328e-08,
    9.381537386495773e-09,
    -1.8872497517228294e-09,
    3.625590281552117e-10,
    -6.663489723502027e-11,
    1.1736186298890901e-11,
    -1.9839743977649436e-12,
    3.223793365945575e-13,
    -5.042185504727912e-14,
    7.600684294735408e-15,
    -1.1055969477353862e-15,
    1.5536319577362005e-16,
    -2.111421214358166e-17,
    2.7779141127610464e-18,
)
_I1_OUTER = (
    0.38928811750914005,
    -0.009761097491361469,
    -0.00011058893876262371,
    -3.882564808877691e-06,
    -2.512236237870209e-07,
    -2.6314688468895196e-08,
    -3.835380385964237e-09,
    -5.589743462196584e-10,
    -1.8974958123505413e-11,
    3.2526035830154884e-11,
    1.4125807436613782e-11,
    2.0356285441470896e-12,
    -7.198551776245908e-13,
    -4.0835511110921974e-13,
    -2.1015418427726643e-14,
    4.272440016711951e-14,
    1.0420276984128802e-14,
    -3.8144030724370075e-15,
    -1.8803547755107825e-15,
    3.3082023109209285e-16,
    2.96262899764595e-16,
    -3.209525921993424e-17,
    -4.650305368489358e-17,
    4.414348323071704e-18,
    7.517296310842111e-18,
    -9.314178867326863e-19,
    -1.2421932751949152e-18,
)


def _bessel_tables(order: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """The two series of ``order``, cut at the dtype's resolution."""
    cut = 1e-18 if dtype == np.float64 else 1e-9
    pair = (_I0_INNER, _I0_OUTER) if order == 0 else (_I1_INNER, _I1_OUTER)
    tail = [max(k for k, c in enumerate(coef) if abs(c) > cut) for coef in pair]
    return np.array(pair[0][: tail[0] + 1]), np.array(pair[1][: tail[1] + 1])


def _chebyshev(coef: np.ndarray, t: Tracer) -> Tracer:
    """sum_k coef[k] T_k(t) for t in [-1, 1], by Clenshaw's recurrence."""
    b1: Any = _like(0.0, t)
    b2: Any = _like(0.0, t)
    two_t = multiply(_like(2.0, t), t)
    for c in coef[:0:-1]:
        b1, b2 = _e("add", _e("subtract", multiply(two_t, b1), b2), _like(c, t)), b1
    return _e("add", _e("subtract", multiply(t, b1), b2), _like(coef[0], t))


def _bessel_scaled(t: Tracer, order: int) -> Tracer:
    a, dtype = _upcast(t)
    inner, outer = _bessel_tables(order, a.dtype)
    ax = _e("absolute", a)
    small = _e("less_equal", ax, _like(8.0, a))
    xs = _e("where", small, ax, _like(0.0, a))
    near = _chebyshev(inner, _e("subtract", multiply(_like(0.25, a), xs), _like(1.0, a)))
    xl = _e("where", small, _like(8.0, a), ax)
    s = _e("true_divide", _like(1.0, a), xl)
    far = _e(
        "true_divide",
        _chebyshev(outer, _e("subtract", multiply(_like(16.0, a), s), _like(1.0, a))),
        _e("sqrt", xl),
    )
    if order == 1:
        near = multiply(near, ax)
    out = _e("where", small, near, far)
    out = _e("where", _e("isnan", a), a, out)
    if order == 1:
        out = _e("copysign", out, a)
    return _back(out, dtype)


@export("lax", "bessel_i0e")
def bessel_i0e(x: Value) -> Tracer:
    """``jax.lax.bessel_i0e``: ``exp(-|x|) I0(x)``; its derivative is
    ``i1e(x) - sign(x) i0e(x)``."""
    t = _float_op("bessel_i0e", x)
    return _ruled(
        "bessel_i0e",
        lambda a: _bessel_scaled(a, 0),
        [t],
        lambda k, xs, z: [_e("subtract", _bessel_scaled(xs[0], 1), multiply(_e("sign", xs[0]), z))],
    )


@export("lax", "bessel_i1e")
def bessel_i1e(x: Value) -> Tracer:
    """``jax.lax.bessel_i1e``: ``exp(-|x|) I1(x)``; its derivative is
    ``i0e(x) - i1e(x) (sign(x) + 1 / x)`` (1/2 at tiny x), as in JAX."""
    t = _float_op("bessel_i1e", x)

    def rule(k: int, xs: list[Tracer], z: Tracer) -> list[Any]:
        v = xs[0]
        eps = _like(_eps(v), v)
        big = _e("greater", _e("absolute", v), eps)
        safe = _e("where", big, v, eps)
        inv = _e("true_divide", _like(1.0, v), safe)
        d = _e(
            "subtract",
            _bessel_scaled(safe, 0),
            multiply(z, _e("add", _e("sign", safe), inv)),
        )
        return [_e("where", big, d, _like(0.5, v))]

    return _ruled("bessel_i1e", lambda a: _bessel_scaled(a, 1), [t], rule)


# --- incomplete gamma
_MAX_STEPS = 2000


def _any(mask: Tracer) -> Tracer:
    return reduce("any", mask) if mask.ndim else mask


def _loop(
    enabled: Tracer, state: list[Tracer], step: Callable[..., list[Tracer]], cap: int = _MAX_STEPS
) -> list[Any]:
    """Run ``state = step(*state)`` for each element while it is ``enabled`` (``step``
    returns the new state and, last, whether that element goes on), at most ``cap`` times:
    one ``while_loop`` that stops when every element is done."""

    def cond(carry: tuple[Any, ...]) -> Tracer:
        n, on = carry[0], carry[1]
        return _e("logical_and", _any(on), _e("less", n, cap))

    def body(carry: tuple[Any, ...]) -> tuple[Any, ...]:
        n, on, *old = carry
        *new, more = step(*old)
        kept = [_e("where", on, v, o) for v, o in zip(new, old)]
        return (_e("add", n, 1), _e("logical_and", on, more), *kept)

    out = while_loop(cond, body, (np.int64(0), enabled, *state))
    return list(out[2:])


def _igamma_series(
    a: Tracer, x: Tracer, enabled: Tracer, derivative: bool
) -> tuple[Tracer, Tracer | None]:
    """sum_n x**n / ((a+1)...(a+n)), and with ``derivative`` its derivative in ``a`` (the
    loop then runs until that has converged, as JAX's derivative mode does)."""
    eps = _like(_eps(a), a)
    one = _like(1.0, a)

    def step(r: Tracer, c: Tracer, ans: Tracer, *d: Tracer) -> list[Tracer]:
        r = _e("add", r, one)
        ratio = _e("true_divide", x, r)
        new_c = multiply(c, ratio)
        ans = _e("add", ans, new_c)
        if not derivative:
            return [r, new_c, ans, _e("greater", _e("true_divide", new_c, ans), eps)]
        dc, dans = d
        dc = _e("subtract", multiply(dc, ratio), _e("true_divide", multiply(c, x), multiply(r, r)))
        dans = _e("add", dans, dc)
        more = _e("greater", _e("absolute", _e("true_divide", dc, dans)), eps)
        return [r, new_c, ans, dc, dans, more]

    zeros = multiply(a, _like(0.0, a))
    ones = _e("add", zeros, one)
    state = [a, ones, ones] + ([zeros, zeros] if derivative else [])
    out = _loop(enabled, state, step)
    return out[2], (out[4] if derivative else None)


def _igammac_fraction(
    a: Tracer, x: Tracer, enabled: Tracer, derivative: bool
) -> tuple[Tracer, Tracer | None]:
    """Cephes' continued fraction of ``Q(a, x) / (x**a exp(-x) / Gamma(a))``, and with
    ``derivative`` its derivative in ``a`` (carried through the recurrence, rescaled with
    it; the loop then runs until that has converged)."""
    eps = _like(_eps(a), a)
    one, two = _like(1.0, a), _like(2.0, a)
    big = _like(1.0 / _eps(a), a)
    zero = multiply(_e("add", a, x), _like(0.0, a))
    y = _e("subtract", one, a)
    z = _e("add", _e("add", x, y), one)
    pkm2, qkm2 = _e("add", zero, one), _e("add", zero, x)
    pkm1, qkm1 = _e("add", x, one), multiply(z, x)
    ans = _e("true_divide", pkm1, qkm1)

    def step(*s: Tracer) -> list[Tracer]:
        ans, y, z, c, pkm1, qkm1, pkm2, qkm2, *d = s
        c = _e("add", c, one)
        y = _e("add", y, one)
        z = _e("add", z, two)
        yc = multiply(y, c)
        pk = _e("subtract", multiply(pkm1, z), multiply(pkm2, yc))
        qk = _e("subtract", multiply(qkm1, z), multiply(qkm2, yc))
        nonzero = _e("not_equal", qk, _like(0.0, a))
        qs = _e("where", nonzero, qk, one)
        r = _e("true_divide", pk, qs)
        rs = _e("where", _e("equal", r, 0.0), one, r)
        t = _e("where", nonzero, _e("absolute", _e("true_divide", _e("subtract", ans, r), rs)), one)
        ans = _e("where", nonzero, r, ans)
        rescale = _e("greater", _e("absolute", pk), big)

        def scaled(v: Tracer) -> Tracer:
            return _e("where", rescale, multiply(v, eps), v)

        value = [ans, y, z, c, scaled(pk), scaled(qk), scaled(pkm1), scaled(qkm1)]
        if not derivative:
            return [*value, _e("greater", t, eps)]
        dpkm2, dqkm2, dpkm1, dqkm1, dans = d
        # d/da of the recurrence: dy/da = dz/da = -1, d(yc)/da = -c
        dpk = _e(
            "add",
            _e("subtract", _e("subtract", multiply(dpkm1, z), pkm1), multiply(dpkm2, yc)),
            multiply(pkm2, c),
        )
        dqk = _e(
            "add",
            _e("subtract", _e("subtract", multiply(dqkm1, z), qkm1), multiply(dqkm2, yc)),
            multiply(qkm2, c),
        )
        quotient = _e("true_divide", _e("subtract", dpk, multiply(ans, dqk)), qs)
        dans_new = _e("where", nonzero, quotient, dans)
        dt = _e("where", nonzero, _e("absolute", _e("subtract", dans_new, dans)), one)
        grads = [scaled(dpkm1), scaled(dqkm1), scaled(dpk), scaled(dqk), dans_new]
        return [*value, *grads, _e("greater", dt, eps)]

    state = [ans, y, z, zero, pkm1, qkm1, pkm2, qkm2]
    if derivative:
        dqkm1 = _e("negative", _e("add", zero, x))
        dans = _e("true_divide", multiply(_e("negative", ans), dqkm1), qkm1)
        state += [zero, zero, zero, dqkm1, dans]
    out = _loop(enabled, state, step)
    return out[0], (out[12] if derivative else None)


def _igamma_parts(a: Tracer, x: Tracer, upper: bool, derivative: bool) -> dict[str, Tracer]:
    """The masks and branch values ``igamma``, ``igammac`` and (``derivative``)
    ``igamma_grad_a`` are assembled from, by name."""
    zero, one = _like(0.0, a), _like(1.0, a)
    nan = _e("logical_or", _e("isnan", a), _e("isnan", x))
    x_zero, a_zero = _e("equal", x, zero), _e("equal", a, zero)
    x_inf = _e("equal", x, _like(math.inf, x))
    domain = _e(
        "logical_or",
        _e("logical_or", _e("less", x, zero), _e("less", a, zero)),
        _e("logical_or", _e("logical_and", a_zero, x_zero), nan),
    )
    a_inf = _e("equal", a, _like(math.inf, a))
    # igamma takes the fraction for x >= 1 and x > a, igammac for x >= 1 and x >= a
    cmp = "greater_equal" if upper else "greater"
    use_fraction = _e("logical_and", _e("greater_equal", x, one), _e(cmp, x, a))
    # safe operands: every lane of both branches stays finite
    special = _e("logical_or", _e("logical_or", domain, x_zero), _e("logical_or", x_inf, a_zero))
    ok = _e("logical_not", _e("logical_or", special, a_inf))
    sa = _e("where", ok, a, one)
    sx = _e("where", ok, x, one)
    log_x = _e("log", sx)
    # x**a exp(-x) / Gamma(a) in float64: its logarithm cancels large terms
    wa, wx = astype(sa, np.float64), astype(sx, np.float64)
    log_ax = _e("subtract", _e("subtract", multiply(wa, _e("log", wx)), wx), gammaln(wa))
    under = _e("less", log_ax, -math.log(float(np.finfo(a.dtype).max)))
    ok = _e("logical_and", ok, _e("logical_not", under))
    ax = astype(_e("exp", log_ax), a.dtype)
    on_series = _e("logical_and", ok, _e("logical_not", use_fraction))
    series, d_series = _igamma_series(sa, sx, on_series, derivative)
    frac, d_frac = _igammac_fraction(sa, sx, _e("logical_and", ok, use_fraction), derivative)
    parts = {
        "nan": domain,
        "x_zero": x_zero,
        "a_zero": a_zero,
        "a_inf": a_inf,
        "x_inf": x_inf,
        "x_small": _e("less", x, one),
        "under": _e("logical_and", under, _e("logical_not", domain)),
        "use_fraction": use_fraction,
        # x**a e**-x / Gamma(a + 1) times the series; x**a e**-x / Gamma(a) times the fraction
        "p_series": _e("true_divide", multiply(series, ax), sa),
        "q_frac": multiply(frac, ax),
    }
    if d_series is not None and d_frac is not None:
        dlog = _e("subtract", log_x, digamma(_e("add", sa, one)))
        parts["dp_series"] = _e(
            "true_divide", multiply(ax, _e("add", multiply(series, dlog), d_series)), sa
        )
        dlog = _e("subtract", log_x, digamma(sa))
        parts["dq_frac"] = multiply(ax, _e("add", multiply(frac, dlog), d_frac))
    return parts


def _igamma_value(a: Tracer, x: Tracer, upper: bool) -> Tracer:
    """P(a, x), or Q(a, x) when ``upper``, with JAX's values at the edges: P(0, x) is 1
    from the fraction's side (x >= 1) and nan from the series' side, P(inf, x) is 0 below
    x = 1 and nan above (1 at x = inf)."""
    a, dtype = _upcast(a)
    x = astype(x, a.dtype)
    s = _igamma_parts(a, x, upper, derivative=False)
    zero, one, nan = _like(0.0, a), _like(1.0, a), _like(math.nan, a)
    if upper:
        out = _e("where", s["use_fraction"], s["q_frac"], _e("subtract", one, s["p_series"]))
    else:
        out = _e("where", s["use_fraction"], _e("subtract", one, s["q_frac"]), s["p_series"])
    # rounding can step just outside [0, 1] (1 - P for a tiny a, say)
    out = _e("minimum", _e("maximum", out, zero), one)
    lo, hi = (one, zero) if upper else (zero, one)
    # underflow of x**a e**-x: the series side is ~0 (P) and the fraction side ~0 (Q)
    out = _e("where", s["under"], _e("where", s["use_fraction"], hi, lo), out)
    out = _e("where", s["x_zero"], lo, out)
    out = _e("where", s["x_inf"], hi, out)
    at_zero = zero if upper else _e("where", s["use_fraction"], one, nan)
    out = _e("where", s["a_zero"], at_zero, out)
    at_inf = _e("where", s["x_inf"], hi, _e("where", s["x_small"], lo, nan))
    out = _e("where", s["a_inf"], at_inf, out)
    out = _e("where", s["nan"], nan, out)
    return _back(out, dtype)


def _igamma_grad_a(a: Tracer, x: Tracer) -> Tracer:
    """d/da P(a, x): nan for a <= 0 and at x = inf (a finite), 0 at x = 0, as in JAX."""
    a, dtype = _upcast(a)
    x = astype(x, a.dtype)
    s = _igamma_parts(a, x, upper=False, derivative=True)
    zero, nan = _like(0.0, a), _like(math.nan, a)
    out = _e("where", s["use_fraction"], _e("negative", s["dq_frac"]), s["dp_series"])
    out = _e("where", s["under"], zero, out)
    out = _e("where", _e("logical_or", s["x_inf"], s["a_inf"]), nan, out)
    out = _e("where", s["x_zero"], zero, out)
    bad = _e("logical_or", s["nan"], _e("logical_or", s["a_zero"], _e("less", a, zero)))
    out = _e("where", bad, nan, out)
    return _back(out, dtype)


def _igamma_dx(a: Tracer, x: Tracer) -> Tracer:
    """d/dx P(a, x) = x**(a - 1) exp(-x) / Gamma(a)."""
    return _e(
        "exp",
        _e(
            "subtract",
            _e("subtract", multiply(_e("subtract", a, 1.0), _e("log", x)), x),
            gammaln(a),
        ),
    )


def _igamma_rule(sign: float) -> Rule:
    def rule(k: int, xs: list[Tracer], z: Tracer) -> list[Any]:
        a, x = xs
        return [sign, _igamma_grad_a(a, x) if k == 0 else _igamma_dx(a, x)]

    return rule


@export("lax", "igamma")
def igamma(a: Value, x: Value) -> Tracer:
    """``jax.lax.igamma``: the regularized lower incomplete gamma ``P(a, x)``."""
    ta, tx = _operands("igamma", (a, x), "f")
    return _ruled("igamma", lambda u, v: _igamma_value(u, v, False), [ta, tx], _igamma_rule(1.0))


@export("lax", "igammac")
def igammac(a: Value, x: Value) -> Tracer:
    """``jax.lax.igammac``: the regularized upper incomplete gamma ``Q(a, x) = 1 - P``."""
    ta, tx = _operands("igammac", (a, x), "f")
    return _ruled("igammac", lambda u, v: _igamma_value(u, v, True), [ta, tx], _igamma_rule(-1.0))


@export("lax", "igamma_grad_a")
def igamma_grad_a(a: Value, x: Value) -> Tracer:
    """``jax.lax.igamma_grad_a``: ``d/da P(a, x)`` (not differentiable itself here)."""
    ta, tx = _operands("igamma_grad_a", (a, x), "f")
    return _igamma_grad_a(stop_gradient(ta), stop_gradient(tx))


# --- incomplete beta
def _betainc_value(a: Tracer, b: Tracer, x: Tracer) -> Tracer:
    a, dtype = _upcast(a)
    b, x = astype(b, a.dtype), astype(x, a.dtype)
    zero, one, two = _like(0.0, a), _like(1.0, a), _like(2.0, a)
    inf = _like(math.inf, a)
    nan = _e("logical_or", _e("logical_or", _e("isnan", a), _e("isnan", b)), _e("isnan", x))
    a_zero = _e("logical_or", _e("equal", a, zero), _e("equal", b, inf))
    b_zero = _e("logical_or", _e("equal", b, zero), _e("equal", a, inf))
    x_zero, x_one = _e("equal", x, zero), _e("equal", x, one)
    is_zero = _e(
        "logical_or",
        _e("logical_and", b_zero, _e("logical_not", x_one)),
        _e("logical_and", a_zero, x_zero),
    )
    is_one = _e(
        "logical_or",
        _e("logical_and", a_zero, _e("logical_not", x_zero)),
        _e("logical_and", b_zero, x_one),
    )
    bad = _e(
        "logical_or",
        _e("logical_or", _e("less", a, zero), _e("less", b, zero)),
        _e("logical_or", _e("less", x, zero), _e("greater", x, one)),
    )
    bad = _e("logical_or", bad, _e("logical_or", _e("logical_and", a_zero, b_zero), nan))
    special = _e("logical_or", _e("logical_or", is_zero, is_one), bad)
    # safe operands for the lanes the special cases decide
    inner = _e("logical_and", _e("greater", x, zero), _e("less", x, one))
    ok = _e("logical_and", _e("logical_not", special), inner)
    a = _e("where", ok, a, one)
    b = _e("where", ok, b, one)
    x = _e("where", ok, x, _like(0.5, a))
    direct = _e("less", x, _e("true_divide", _e("add", a, one), _e("add", _e("add", a, b), two)))
    a, b = _e("where", direct, a, b), _e("where", direct, b, a)
    x = _e("where", direct, x, _e("subtract", one, x))
    fraction = _betainc_fraction(a, b, x, ok)
    # x**a (1 - x)**b / (a B(a, b)) in float64: its logarithm cancels large terms
    wa, wb, wx = (astype(v, np.float64) for v in (a, b, x))
    lbeta_small = _e("subtract", gammaln(wb), gammaln(_e("add", wa, wb)))
    log_beta = _e("add", gammaln(wa), lbeta_small)
    log_tail = multiply(_e("log1p", _e("negative", wx)), wb)
    log_front = _e("subtract", _e("add", multiply(_e("log", wx), wa), log_tail), log_beta)
    # a * Gamma(a) -> 1 as a -> 0: for tiny a the 1 / a is folded into the beta function
    tiny = _e("less", a, _like(2 * float(np.finfo(a.dtype).tiny), a))
    small_front = _e("exp", _e("subtract", log_tail, lbeta_small))
    front = _e("true_divide", _e("exp", log_front), wa)
    result = multiply(fraction, astype(_e("where", tiny, small_front, front), a.dtype))
    result = _e("where", direct, result, _e("subtract", one, result))
    result = _e("minimum", _e("maximum", result, zero), one)  # rounding past 0 or 1
    result = _e("where", is_zero, zero, result)
    result = _e("where", is_one, one, result)
    result = _e("where", bad, _like(math.nan, a), result)
    # the ends of the interval, in the lanes no special case decided
    result = _e("where", _e("logical_and", _e("logical_not", special), x_zero), zero, result)
    result = _e("where", _e("logical_and", _e("logical_not", special), x_one), one, result)
    return _back(result, dtype)


def _betainc_fraction(a: Tracer, b: Tracer, x: Tracer, enabled: Tracer) -> Tracer:
    """The continued fraction 1 / (1 + d1 / (1 + d2 / (1 + ...))) of DLMF 8.17.22 by
    Lentz's method: h = 1 + d1 / ..., evaluated as the products of c/d ratios."""
    tiny = _like(_eps(a) / 2, a)
    one, two = _like(1.0, a), _like(2.0, a)
    steps = 200 if a.dtype == np.float32 else 600

    def numerator(m: Tracer, odd: bool) -> Tracer:
        # d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)),
        # d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m))
        a2m = _e("add", a, multiply(two, m))
        if odd:
            top = multiply(multiply(_e("add", a, m), _e("add", _e("add", a, b), m)), x)
            return _e("negative", _e("true_divide", top, multiply(a2m, _e("add", a2m, one))))
        top = multiply(multiply(m, _e("subtract", b, m)), x)
        return _e("true_divide", top, multiply(_e("subtract", a2m, one), a2m))

    def clip(v: Tracer) -> Tracer:
        return _e("where", _e("less", _e("absolute", v), tiny), tiny, v)

    def lentz(c: Tracer, d: Tracer, h: Tracer, coef: Tracer) -> tuple[Tracer, Tracer, Tracer]:
        c = clip(_e("add", one, _e("true_divide", coef, c)))
        d = _e("true_divide", one, clip(_e("add", one, multiply(coef, d))))
        delta = multiply(c, d)
        return c, d, multiply(h, delta)

    def step(m: Tracer, c: Tracer, d: Tracer, h: Tracer) -> list[Tracer]:
        # two terms a step: the odd one of index 2m + 1, then the even one of 2m + 2
        c, d, h = lentz(c, d, h, numerator(m, odd=True))
        m1 = _e("add", m, one)
        c2, d2, h2 = lentz(c, d, h, numerator(m1, odd=False))
        more = _e(
            "greater_equal", _e("absolute", _e("subtract", _e("true_divide", h2, h), one)), tiny
        )
        return [m1, c2, d2, h2, more]

    zero = multiply(x, _like(0.0, a))
    one_full = _e("add", zero, one)
    # h_0 = 1 (the leading 1 of the fraction's 1 / (1 + ...)), c_0 = 1, d_0 = 0
    state = [zero, one_full, zero, one_full]

    out = _loop(enabled, state, step, steps // 2)
    return _e("true_divide", one, out[3])


def _betainc_rule(k: int, xs: list[Tracer], z: Tracer) -> list[Any]:
    a, b, x = xs
    if k < 2:
        raise GradError("Betainc gradient with respect to a and b not supported.")
    log_beta = _e("subtract", _e("add", gammaln(a), gammaln(b)), gammaln(_e("add", a, b)))
    return [
        _e(
            "exp",
            _e(
                "subtract",
                _e(
                    "add",
                    multiply(_e("subtract", b, 1.0), _e("log1p", _e("negative", x))),
                    multiply(_e("subtract", a, 1.0), _e("log", x)),
                ),
                log_beta,
            ),
        )
    ]


@export("lax", "betainc")
def betainc(a: Value, b: Value, x: Value) -> Tracer:
    """``jax.lax.betainc``: the regularized incomplete beta function ``I_x(a, b)``;
    differentiable in ``x`` only, as in JAX."""
    ta, tb, tx = _operands("betainc", (a, b, x), "f")
    return _ruled("betainc", _betainc_value, [ta, tb, tx], _betainc_rule)


# ------------------------------------------------------------------ conversions
@export("lax", "convert_element_type")
def convert_element_type(operand: Value, new_dtype: Any) -> Tracer:
    """``jax.lax.convert_element_type``: floats become integers by truncation, saturated
    at the integer range (NaN becomes 0), as XLA converts; complex to real keeps the real
    part; anything to bool is ``!= 0``."""
    trace = trace_of((operand,))
    t = lift(operand, trace)
    dt = np.dtype(new_dtype)
    if t.dtype.kind == "c" and dt.kind != "c":
        t = _e("real", t)
    if t.dtype.kind == "f" and dt.kind in _INTS:
        return _saturate(t, dt)
    if dt.kind == "b" and t.dtype.kind != "b":
        return _e("not_equal", t, 0)
    return astype(t, dt)


def _saturate(t: Tracer, dt: np.dtype) -> Tracer:
    info = np.iinfo(dt)
    whole = _e("trunc", t)
    # the bounds as powers of two are exact in every float type
    top = float(2.0 ** (8 * dt.itemsize - (1 if dt.kind == "i" else 0)))
    high = _e("greater_equal", whole, _like(top, t))
    low = _e("less", whole, _like(float(info.min), t))
    off = _e("logical_or", _e("logical_or", high, low), _e("isnan", t))
    r = astype(_e("where", off, _like(0.0, t), whole), dt)
    r = _e("where", high, np.asarray(info.max, dt), r)
    return _e("where", low, np.asarray(info.min, dt), r)


@export("lax", "reduce_precision")
def reduce_precision(operand: Value, exponent_bits: int, mantissa_bits: int) -> Tracer:
    """``jax.lax.reduce_precision``: round to ``mantissa_bits`` (to nearest even) and
    clamp to ``exponent_bits``, bit for bit as XLA: overflow gives inf, results below the
    narrower format's normal range give zero, NaN stays NaN."""
    e_bits = operator.index(exponent_bits)
    m_bits = operator.index(mantissa_bits)
    if e_bits < 1:
        raise ShapeError(f"reduce_precision: exponent_bits must be positive; got {e_bits}")
    if m_bits < 0:
        raise ShapeError(f"reduce_precision: mantissa_bits must be non-negative; got {m_bits}")
    (t,) = _operands("reduce_precision", (operand,), "f")
    # linear in JAX (its transpose is itself): the derivative passes through
    return _ruled(
        "reduce_precision", lambda v: _reduce_precision(v, e_bits, m_bits), [t], lambda *_: []
    )


def _reduce_precision(t: Tracer, e_bits: int, m_bits: int) -> Tracer:
    bits = 8 * t.dtype.itemsize
    src_m = int(np.finfo(t.dtype).nmant)
    src_e = bits - 1 - src_m
    u = _unsigned(t.dtype)

    def k(v: int) -> np.ndarray:
        return np.asarray(v, u)

    x = _bitcast(t, u)
    if m_bits < src_m:
        drop = src_m - m_bits
        last = 1 << drop
        # round half to even on the dropped bits, then clear them
        odd = _e("bitwise_and", _e("right_shift", x, k(drop)), k(1))
        x = _e("add", x, _e("add", odd, k((last >> 1) - 1)))
        x = _e("bitwise_and", x, k(~(last - 1) & ((1 << bits) - 1)))
    if e_bits < src_e:
        sign_mask = k(1 << (bits - 1))
        exp_mask = ((1 << src_e) - 1) << src_m
        bias = (1 << (src_e - 1)) - 1
        reduced = (1 << (e_bits - 1)) - 1
        exponent = _e("bitwise_and", x, k(exp_mask))
        over = _e("greater", exponent, k((bias + reduced) << src_m))
        under = _e("less_equal", exponent, k((bias - reduced) << src_m))
        signed_zero = _e("bitwise_and", x, sign_mask)
        signed_inf = _e("bitwise_or", signed_zero, k(exp_mask))
        x = _e("where", over, signed_inf, _e("where", under, signed_zero, x))
    out = _bitcast(x, t.dtype)
    if m_bits < src_m or e_bits < src_e:
        nan = _e("isnan", t)
        fill = t if m_bits > 0 else _e("copysign", _like(math.nan, t), t)
        out = _e("where", nan, fill, out)
    return out


# ------------------------------------------------------------------ jnp and scipy.special
def _np_operands(*args: Value) -> list[Tracer]:
    trace = trace_of(args)
    return [lift(a, trace) for a in args]


@export("numpy", "fmod")
def fmod(x1: Value, x2: Value) -> Tracer:
    """``jnp.fmod``: the C remainder (the dividend's sign), with NumPy's promotion."""
    return _e("fmod", *_np_operands(x1, x2))


@export("numpy", "nextafter")
def nextafter(x1: Value, x2: Value) -> Tracer:
    """``jnp.nextafter``: the next float after ``x1`` towards ``x2``."""
    return _e("nextafter", *_np_operands(x1, x2))


def _np_binary(name: str) -> Callable[..., Tracer]:
    def fn(x1: Value, x2: Value) -> Tracer:
        return _e(name, *_np_operands(x1, x2))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``jnp.{name}`` of integers or bools, with NumPy's promotion."
    return fn


for _name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
    export("numpy", _name)(_np_binary(_name))


@export("numpy", "invert")
def invert(x: Value) -> Tracer:
    """``jnp.invert``: bitwise NOT (logical NOT for bools)."""
    return _e("invert", *_np_operands(x))


@export("numpy", "bitwise_not")
def bitwise_not(x: Value) -> Tracer:
    """``jnp.bitwise_not``: the same as ``invert``."""
    return _e("invert", *_np_operands(x))


@export("numpy", "bitwise_count")
def bitwise_count(x: Value) -> Tracer:
    """``jnp.bitwise_count``: the set bits of ``|x|``, as uint8 (NumPy's definition)."""
    return _e("bitwise_count", *_np_operands(x))


def _jax_float(*args: Value) -> list[Tracer]:
    """JAX's promotion to an inexact type (``promote_args_inexact``), broadcast to one
    shape: the widest float among the array operands (integers do not widen it; a Python
    float gives float64 when no array is a float); integers alone become float32, or
    float64 from 64-bit integers (``to_inexact_dtype``)."""
    ts = _np_operands(*args)
    strong = [t.dtype for t, v in zip(ts, args) if not is_weak_scalar(v)]
    if any(d.kind == "c" for d in strong) or any(isinstance(v, complex) for v in args):
        raise ArgumentTypeError("this special function does not accept complex operands")
    floats = [d for d in strong if d.kind == "f"]
    if floats:
        dtype = np.result_type(*floats)
    elif any(isinstance(v, float) for v in args) or not strong:
        dtype = np.dtype(np.float64)
    else:
        ints = np.result_type(*strong)
        dtype = np.dtype(np.float64 if ints.kind == "f" or ints.itemsize == 8 else np.float32)
    shape = broadcast_shapes(*(t.shape for t in ts))
    return [broadcast_to(astype(t, dtype), shape) for t in ts]


promote_args_inexact = _jax_float  # the public name other layers use


@export("special", "i0e")
def i0e(x: Value) -> Tracer:
    """``jax.scipy.special.i0e``: ``exp(-|x|) I0(x)``."""
    return bessel_i0e(*_jax_float(x))


@export("special", "i1e")
def i1e(x: Value) -> Tracer:
    """``jax.scipy.special.i1e``: ``exp(-|x|) I1(x)``."""
    return bessel_i1e(*_jax_float(x))


@export("special", "erfinv")
def erfinv(x: Value) -> Tracer:
    """``jax.scipy.special.erfinv``: the inverse error function."""
    return erf_inv(*_jax_float(x))


@export("special", "gammainc")
def gammainc(a: Value, x: Value) -> Tracer:
    """``jax.scipy.special.gammainc``: the regularized lower incomplete gamma."""
    return igamma(*_jax_float(a, x))


@export("special", "gammaincc")
def gammaincc(a: Value, x: Value) -> Tracer:
    """``jax.scipy.special.gammaincc``: the regularized upper incomplete gamma."""
    return igammac(*_jax_float(a, x))


@export("special", "ndtri")
def ndtri(p: Value) -> Tracer:
    """``jax.scipy.special.ndtri``: the standard normal quantile ``sqrt(2) erf_inv(2p - 1)``,
    computed in float64 from ``q = 2 min(p, 1 - p)`` so the tails keep their accuracy
    (``p = 0`` and ``1`` give ``-inf`` and ``inf``, nan outside [0, 1])."""
    (t,) = _jax_float(p)
    if not is_weak_scalar(p) and lift(p, t.trace).dtype not in (np.float32, np.float64):
        raise ArgumentTypeError(
            f"ndtri: x.dtype={lift(p, t.trace).dtype.name} is not supported (float32 or float64)"
        )

    def value(v: Tracer) -> Tracer:
        d = astype(v, np.float64)
        q = multiply(_e("where", _e("less", d, 0.5), d, _e("subtract", 1.0, d)), 2.0)
        q = _e("where", _e("logical_or", _e("less", d, 0.0), _e("greater", d, 1.0)), -1.0, q)
        y = _erf_inv64(_e("subtract", multiply(d, 2.0), 1.0), q)
        return _back(multiply(y, math.sqrt(2.0)), v.dtype)

    # d ndtri / dp = sqrt(2 pi) exp(z**2 / 2), the reciprocal of the normal density
    root = math.sqrt(2 * math.pi)
    rule = lambda k, xs, z: [root, _e("exp", multiply(multiply(z, z), 0.5))]  # noqa: E731
    return _ruled("ndtri", value, [t], rule)


@export("special", "betainc")
def special_betainc(a: Value, b: Value, x: Value) -> Tracer:
    """``jax.scipy.special.betainc``: the regularized incomplete beta function."""
    return betainc(*_jax_float(a, b, x))


@bitcast_p.def_axes
def _bitcast_axes(node: Node) -> Relations:
    # the bytes of one element become one element (or a new last axis of parts): every axis
    # but a last one that changes is carried
    src = node.inputs[0]
    changes = src.ndim > node.ndim
    return (tuple(MIXED if changes and k == src.ndim - 1 else Carried(k) for k in range(src.ndim)),)
