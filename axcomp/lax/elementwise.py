"""The ``jax.lax`` elementwise functions (``jax/_src/lax/lax.py``'s).

* The ones that are one recorded elementwise function are generated from the records of
  ``core/elementwise_functions.py`` (a record's ``lax`` name and ``kinds``): ``FUNCTIONS``,
  which ``axcomp.lax`` stages.
* The ones that compose several (``lax.mul``, ``lax.div``, ``lax.pow``, ``lax.clamp``,
  ``lax.convert_element_type``, ...) are written here, staged where they are defined.

Each checks its operands as ``jax.lax`` does (``operands.lax_operands``: dtype kinds, one
dtype, one rank). Compositions whose JAX derivative is a closed form (``clamp``,
``logistic``, ``rsqrt``, ``integer_pow``) carry it as a rule (``custom_rule.ruled``).
"""

from __future__ import annotations

import enum
import math
import operator
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..core.elementwise_functions import (
    ALL,
    INEXACT,
    INTEGER,
    NUMERIC,
    RECORDS,
    ElementwiseFunction,
)
from ..errors import ArgumentTypeError, IncompatibleShapesError, ShapeError
from ..primitives.bitcast import bitcast
from ..primitives.contraction import multiply
from ..primitives.elementwise import elementwise
from ..primitives.shape import astype, broadcast_levels, broadcast_to, stack
from ..tracing.build import Value, lift, trace_of, union_levels
from ..tracing.tracer import Tracer
from ..transforms.jit import staged_export
from .custom_rule import ruled
from .operands import accepted_kinds, lax_operands, like, same_rank


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


def _simple(name: str, rec: ElementwiseFunction) -> Callable[..., Tracer]:
    fn, kinds, arity = rec.name, rec.kinds, rec.arity

    def op(*args: Value) -> Tracer:
        if len(args) != arity:
            raise ArgumentTypeError(f"{name} takes {arity} operand(s), got {len(args)}")
        return elementwise(fn, *lax_operands(name, args, kinds))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``jax.lax.{name}``: elementwise ``{fn}`` ({accepted_kinds(kinds)} operands)."
    return op


def generate(records: Iterable[ElementwiseFunction]) -> dict[str, Callable[..., Any]]:
    """The traced ``axcomp.lax`` function of every record with a ``lax`` name."""
    return {rec.lax: _simple(rec.lax, rec) for rec in records if rec.lax is not None}


#: The generated (traced) functions by ``lax`` name; ``axcomp.lax`` stages them.
FUNCTIONS: dict[str, Callable[..., Any]] = generate(RECORDS)


@staged_export("bitcast_convert_type")
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
        return bitcast(t, dt)
    if not t.shape or t.shape[-1] * t.dtype.itemsize != dt.itemsize:
        raise ArgumentTypeError(
            f"bitcast_convert_type: {t.dtype.name} with shape {t.shape} cannot become "
            f"{dt.name}: the last axis must have {dt.itemsize // t.dtype.itemsize} entries"
        )
    return bitcast(t, dt)


# ------------------------------------------------------------------ composed ops
_ALL, _NUM, _INEXACT, _INTS = ALL, NUMERIC, INEXACT, INTEGER


@staged_export("mul")
def mul(x: Value, y: Value) -> Tracer:
    """``jax.lax.mul``: the elementwise product (a multilinear node, fused into sums)."""
    a, b = lax_operands("mul", (x, y), _NUM)
    return multiply(a, b)


@staged_export("div")
def div(x: Value, y: Value) -> Tracer:
    """``jax.lax.div``: true division for inexact types; integers divide rounding toward
    zero, with XLA's results where C is undefined (``x / 0`` is -1, all bits set, and
    ``INT_MIN / -1`` is ``INT_MIN``)."""
    a, b = lax_operands("div", (x, y), _NUM)
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


@staged_export("rem")
def rem(x: Value, y: Value) -> Tracer:
    """``jax.lax.rem``: the C remainder, of the dividend's sign (``fmod``); for integers
    ``x rem 0`` is ``x`` and ``INT_MIN rem -1`` is 0, as in XLA."""
    a, b = lax_operands("rem", (x, y), "iuf")
    if a.dtype.kind == "f":
        return _e("fmod", a, b)
    r = _e("fmod", a, _safe_divisor(a, b))
    return _e("where", _e("equal", b, 0), a, r)


def _complex_pick(x: Tracer, y: Tracer, cmp: str) -> Tracer:
    """XLA's complex max/min: compare the real parts, the imaginary ones on a tie."""
    rx, ry = _e("real", x), _e("real", y)
    which = _e("where", _e("equal", rx, ry), _e(cmp, _e("imag", x), _e("imag", y)), _e(cmp, rx, ry))
    return _e("where", which, x, y)


@staged_export("max")
def lax_max(x: Value, y: Value) -> Tracer:
    """``jax.lax.max``: NaN-propagating; complex values compare lexicographically."""
    a, b = lax_operands("max", (x, y), _ALL)
    return _complex_pick(a, b, "greater") if a.dtype.kind == "c" else _e("maximum", a, b)


@staged_export("min")
def lax_min(x: Value, y: Value) -> Tracer:
    """``jax.lax.min``: NaN-propagating; complex values compare lexicographically."""
    a, b = lax_operands("min", (x, y), _ALL)
    return _complex_pick(a, b, "less") if a.dtype.kind == "c" else _e("minimum", a, b)


@staged_export("atan2")
def atan2(x: Value, y: Value) -> Tracer:
    """``jax.lax.atan2(x, y)``: the angle of ``(y, x)``; complex operands use
    ``-i log((y + i x) / sqrt(x**2 + y**2))``, as XLA does."""
    a, b = lax_operands("atan2", (x, y), _INEXACT)
    if a.dtype.kind == "f":
        return _e("arctan2", a, b)
    i = like(1j, a)
    w = _e("true_divide", _e("add", b, multiply(i, a)), _e("sqrt", _e("add", _sq(a), _sq(b))))
    return multiply(-i, _e("log", w))


def _sq(t: Tracer) -> Tracer:
    return multiply(t, t)


@staged_export("pow")
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
    same_rank("pow", (a, b))
    if b.dtype.kind in "iu":
        b = astype(b, a.dtype)  # exact for any exponent pow can use
    return _e("power", a, b)


@staged_export("integer_pow")
def integer_pow(x: Value, y: Any) -> Tracer:
    """``jax.lax.integer_pow``: ``x ** y`` for a static int ``y``, by repeated squaring
    (as XLA computes it); its derivative is ``y * x ** (y - 1)``."""
    (t,) = lax_operands("integer_pow", (x,), _NUM)
    n = _static_int("integer_pow", y)
    if n < 0 and t.dtype.kind in _INTS:
        raise ArgumentTypeError(
            f"Integers cannot be raised to negative powers, got integer_pow({t.dtype.name}, {n})"
        )
    if t.dtype.kind in _INEXACT and n not in (0, 1):

        def rule(k: int, xs: list[Tracer], z: Tracer) -> list[Any]:
            return [float(n), _integer_pow(xs[0], n - 1)]

        return ruled("integer_pow", lambda a: _integer_pow(a, n), [t], rule)
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
    return _e("true_divide", like(1, t), acc) if n < 0 else acc


# ------------------------------------------------------------------ integer bit ops
def _unsigned(dtype: np.dtype) -> np.dtype:
    return np.dtype(f"uint{8 * dtype.itemsize}")


def _signed(dtype: np.dtype) -> np.dtype:
    return np.dtype(f"int{8 * dtype.itemsize}")


@staged_export("shift_right_logical")
def shift_right_logical(x: Value, y: Value) -> Tracer:
    """``jax.lax.shift_right_logical``: zeros shifted in; a shift of the bit width or more
    (or a negative one) gives 0."""
    a, b = lax_operands("shift_right_logical", (x, y), _INTS)
    u = _unsigned(a.dtype)
    return astype(_e("right_shift", astype(a, u), astype(b, u)), a.dtype)


@staged_export("shift_right_arithmetic")
def shift_right_arithmetic(x: Value, y: Value) -> Tracer:
    """``jax.lax.shift_right_arithmetic``: the sign bit shifted in (unsigned operands too);
    a shift of the bit width or more gives 0 or -1."""
    a, b = lax_operands("shift_right_arithmetic", (x, y), _INTS)
    s = _signed(a.dtype)
    # a negative signed shift amount counts as huge, as its unsigned reading does
    return astype(_e("right_shift", astype(a, s), astype(b, s)), a.dtype)


@staged_export("population_count")
def population_count(x: Value) -> Tracer:
    """``jax.lax.population_count``: the number of set bits (of the two's complement for
    signed integers), in the operand's dtype."""
    (t,) = lax_operands("population_count", (x,), _INTS)
    return astype(_e("bitwise_count", astype(t, _unsigned(t.dtype))), t.dtype)


@staged_export("clz")
def clz(x: Value) -> Tracer:
    """``jax.lax.clz``: the number of leading zero bits, in the operand's dtype."""
    (t,) = lax_operands("clz", (x,), _INTS)
    u = astype(t, _unsigned(t.dtype))
    bits = 8 * t.dtype.itemsize
    shift = 1
    while shift < bits:  # smear the highest set bit into every lower one
        u = _e("bitwise_or", u, _e("right_shift", u, shift))
        shift *= 2
    ones = astype(_e("bitwise_count", u), t.dtype)
    return _e("subtract", np.asarray(bits, t.dtype), ones)


@staged_export("mulhi")
def mulhi(x: Value, y: Value) -> Tracer:
    """``jax.lax.mulhi``: the high half of the double-width product (signed for signed
    operands)."""
    a, b = lax_operands("mulhi", (x, y), _INTS)
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


@staged_export("round")
def lax_round(x: Value, rounding_method: Any = RoundingMethod.AWAY_FROM_ZERO) -> Tracer:
    """``jax.lax.round``: to the nearest integer, ties away from zero (or to even with
    ``RoundingMethod.TO_NEAREST_EVEN``); the sign of zero is kept."""
    method = RoundingMethod(rounding_method)
    (t,) = lax_operands("round", (x,), "f")
    if method is RoundingMethod.TO_NEAREST_EVEN:
        return _e("rint", t)
    whole = _e("trunc", t)
    # |x - trunc(x)| is exact, so the tie test is too (x + 0.5 would round first)
    up = _e("greater_equal", _e("absolute", _e("subtract", t, whole)), like(0.5, t))
    return _e("where", up, _e("add", whole, _e("sign", t)), whole)


@staged_export("logistic")
def logistic(x: Value) -> Tracer:
    """``jax.lax.logistic``: ``1 / (1 + exp(-x))``, complex for complex operands."""
    (t,) = lax_operands("logistic", (x,), _INEXACT)
    return logistic_of(t)


def logistic_of(t: Tracer) -> Tracer:
    """The logistic function of an inexact tracer (``nn.sigmoid`` shares it)."""
    if t.dtype.kind == "c":
        return _e("true_divide", like(1, t), _e("add", _e("exp", _e("negative", t)), like(1, t)))

    def value(a: Tracer) -> Tracer:
        # exp(-|x|) never overflows; the branch of the sign keeps the tails accurate
        e = _e("exp", _e("negative", _e("absolute", a)))
        denom = _e("add", e, like(1, a))
        pos = _e("true_divide", like(1, a), denom)
        return _e("where", _e("greater_equal", a, 0), pos, _e("true_divide", e, denom))

    return ruled("logistic", value, [t], lambda k, xs, z: [z, _e("subtract", 1.0, z)])


@staged_export("rsqrt")
def rsqrt(x: Value) -> Tracer:
    """``jax.lax.rsqrt``: ``1 / sqrt(x)``; its derivative is ``-z / (2 x)``, as in JAX."""
    (t,) = lax_operands("rsqrt", (x,), _INEXACT)

    def value(a: Tracer) -> Tracer:
        return _e("true_divide", like(1, a), _e("sqrt", a))

    if t.dtype.kind == "c":
        return value(t)
    return ruled("rsqrt", value, [t], lambda k, xs, z: [-0.5, z, _e("true_divide", 1.0, xs[0])])


@staged_export("conj")
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


@staged_export("complex")
def lax_complex(x: Value, y: Value) -> Tracer:
    """``jax.lax.complex``: ``x + i y`` from float32/float64 parts, exact for infinite
    parts too (the two parts are laid side by side and read as complex)."""
    a, b = lax_operands("complex", (x, y), "f")
    if a.dtype == np.float16:
        raise ArgumentTypeError(
            "complex does not accept dtype float16. Accepted dtypes are subtypes of float32, "
            "float64."
        )
    shape = same_rank("complex", (a, b))
    levels = union_levels([a, b])
    parts = [broadcast_levels(broadcast_to(v, shape), levels) for v in (a, b)]
    return bitcast(stack(parts, axis=-1), np.result_type(a.dtype, np.complex64))


@staged_export("clamp")
def clamp(min: Value, x: Value, max: Value) -> Tracer:
    """``jax.lax.clamp(min, x, max)``: ``min(max(x, min), max)``; ``min`` and ``max`` are 0-d
    or of ``x``'s shape. Derivatives as JAX: ``x``'s where ``min < x < max``, ``min``'s
    where ``x < min < max``, ``max``'s where ``max < x``."""
    lo, t, hi = lax_operands("clamp", (min, x, max), _ALL)
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
        return [_e("where", on, like(1, z), like(0, z))]

    return ruled("clamp", value, [lo, t, hi], rule)


# ------------------------------------------------------------------ conversions
@staged_export("convert_element_type")
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
    high = _e("greater_equal", whole, like(top, t))
    low = _e("less", whole, like(float(info.min), t))
    off = _e("logical_or", _e("logical_or", high, low), _e("isnan", t))
    r = astype(_e("where", off, like(0.0, t), whole), dt)
    r = _e("where", high, np.asarray(info.max, dt), r)
    return _e("where", low, np.asarray(info.min, dt), r)


@staged_export("reduce_precision")
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
    (t,) = lax_operands("reduce_precision", (operand,), "f")
    # linear in JAX (its transpose is itself): the derivative passes through
    return ruled(
        "reduce_precision", lambda v: _reduce_precision(v, e_bits, m_bits), [t], lambda *_: []
    )


def _reduce_precision(t: Tracer, e_bits: int, m_bits: int) -> Tracer:
    bits = 8 * t.dtype.itemsize
    src_m = int(np.finfo(t.dtype).nmant)
    src_e = bits - 1 - src_m
    u = _unsigned(t.dtype)

    def k(v: int) -> np.ndarray:
        return np.asarray(v, u)

    x = bitcast(t, u)
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
    out = bitcast(x, t.dtype)
    if m_bits < src_m or e_bits < src_e:
        nan = _e("isnan", t)
        fill = t if m_bits > 0 else _e("copysign", like(math.nan, t), t)
        out = _e("where", nan, fill, out)
    return out
