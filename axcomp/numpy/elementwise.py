"""Elementwise ``jax.numpy`` functions that are compositions rather than one ufunc:
rounding (``round``/``around``, ``fix``), ``sinc``, ``signbit``, ``float_power``,
``logaddexp``/``logaddexp2``, ``nan_to_num``, closeness and equality (``isclose``,
``allclose``, ``array_equal``, ``array_equiv``), the Array API aliases (``acos``, ``pow``...),
bit shifts, ``divmod``/``modf``/``ldexp``/``frexp``, ``i0``, ``gcd``/``lcm``, ``spacing``,
``unwrap`` and the complex predicates."""

from __future__ import annotations

import builtins
import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import primitives as _ops
from ..core.dtype_promotion import (
    concrete_operands,
    inexact_operands,
    inexact_result,
    numeric_operands,
    result_type,
    to_inexact,
)
from ..errors import ArgumentValueError, UnsupportedError
from ..lax.elementwise import lax_complex as _lax_complex
from ..lax.operands import lifted as _lifted
from ..lax.operators import logaddexp as _logaddexp_traced
from ..lax.operators import logaddexp_of as _logaddexp
from ..lax.operators import logaddexp_operands as _pair
from ..lax.special import bessel_i0e as _bessel_i0e
from ..primitives.contraction import multiply
from ..primitives.control import fori_loop as _fori_loop
from ..primitives.elementwise import elementwise as _e
from ..primitives.elementwise import power, where
from ..primitives.reductions import reduce
from ..primitives.shape import astype
from ..tracing.build import Value
from ..tracing.tracer import Tracer
from ..transforms.jit import jit as _jit
from .complex_elementwise import complex_logaddexp, complex_logaddexp2, is_complex
from .dispatch import numpy_function
from .dtypes import dtype_of
from .namespace import as_float as _as_float
from .namespace import jnp as _jnp
from .namespace import traced as _traced
from .traced_values import lift_value as _one
from .traced_values import lift_value as _t
from .traced_values import lift_values as _lift


def _np_sinc(x: Any) -> Any:
    arr = np.asarray(x)
    return np.sinc(arr.astype(to_inexact(arr.dtype), copy=False))


@numpy_function(_np_sinc)
def sinc(x: Value) -> Tracer:
    """``numpy.sinc``: sin(pi x) / (pi x), 1 at 0 (derivative 0 there, as in JAX), in
    JAX's inexact dtype (float32 from int32)."""
    t = _one(x)
    t = astype(t, to_inexact(t.dtype))
    zero = _e("equal", t, 0)
    px = multiply(np.pi, t)
    safe = where(zero, np.asarray(1, t.dtype), px)
    return where(zero, np.asarray(1, t.dtype), _e("true_divide", _e("sin", safe), safe))


@numpy_function()
def signbit(x: Value) -> Tracer:
    """``numpy.signbit``: True where the sign bit is set (-0.0 and -nan included)."""
    t = _one(x)
    if t.dtype.kind in "fc":
        return _e("less", _e("copysign", np.asarray(1, t.dtype), t), 0)
    if t.dtype.kind == "b":
        return _e("logical_and", t, False)
    return _e("less", t, 0)


@numpy_function()
def fix(x: Value, out: Any = None) -> Tracer:
    """``numpy.fix``: round toward zero."""
    if out is not None:
        raise UnsupportedError("fix: out= is not supported on traced values")
    t = _one(x)
    target = np.fix(np.ones(1, t.dtype)).dtype
    return astype(t, target) if t.dtype.kind in "biu" else _e("trunc", t)


def _np_float_power(x1: Any, x2: Any) -> Any:
    dtype = inexact_result(x1, x2)
    return np.power(*(np.asarray(x, dtype) for x in (x1, x2)))


@numpy_function(_np_float_power)
def float_power(x1: Value, x2: Value) -> Tracer:
    """``jax.numpy.float_power``: power in the operands' inexact dtype
    (``promote_args_inexact``: float32 stays float32, where NumPy's is float64)."""
    dtype = inexact_result(x1, x2)
    x, y = _lift(x1, x2)
    return power(astype(x, dtype), astype(y, dtype))


def _no_bools(name: str, dtype: Any) -> None:
    # JAX's round and around refuse bools (NumPy rounds them to float16)
    if np.dtype(dtype) == np.bool_:
        raise ArgumentValueError(f"{name}: data type bool is not inexact (as JAX says)")


def _np_round(a: Any, decimals: int = 0, out: Any = None) -> Any:
    _no_bools("round", np.result_type(a))
    return np.round(a, decimals, out)


@numpy_function(_np_round)
def round(a: Value, decimals: int = 0, out: Any = None) -> Tracer:
    """``numpy.round``: to ``decimals`` places, halves to even (as NumPy, scaling by 10**d)."""
    if out is not None:
        raise UnsupportedError("round: out= is not supported on traced values")
    t = _one(a)
    _no_bools("round", t.dtype)
    d = operator.index(decimals)
    if t.dtype.kind in "iu":
        if d >= 0:
            return t
        scale = 10 ** (-d)
        # NumPy rounds integers half to even too: via float64 and back
        return astype(multiply(_e("rint", _e("true_divide", t, scale)), scale), t.dtype)
    if d == 0:
        return _e("rint", t)
    real = np.finfo(t.dtype).dtype  # complex64 scales by a float32: it stays complex64
    if d > 0:
        scale = np.asarray(10.0**d, real)
        return _e("true_divide", _e("rint", multiply(t, scale)), scale)
    scale = np.asarray(10.0 ** (-d), real)
    return multiply(_e("rint", _e("true_divide", t, scale)), scale)


def _np_isclose(
    a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Any:
    dtype = inexact_result(a, b)
    return np.isclose(np.asarray(a, dtype), np.asarray(b, dtype), rtol, atol, equal_nan)


@numpy_function(_np_isclose)
def isclose(
    a: Value, b: Value, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tracer:
    """``numpy.isclose``: |a - b| <= atol + rtol * |b| where b is finite, or a == b,
    computed in JAX's inexact dtype of the pair (``promote_args_inexact``)."""
    dtype = inexact_result(a, b)
    x, y = _lift(a, b)
    x, y = astype(x, dtype), astype(y, dtype)
    diff = _e("absolute", _e("subtract", x, y))
    tol = _e("add", atol, multiply(rtol, _e("absolute", y)))
    close = _e("logical_and", _e("less_equal", diff, tol), _e("isfinite", y))
    out = _e("logical_or", close, _e("equal", x, y))
    if equal_nan:
        out = _e("logical_or", out, _e("logical_and", _e("isnan", x), _e("isnan", y)))
    return out


@numpy_function()
def allclose(
    a: Value, b: Value, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tracer:
    """``numpy.allclose``; on traced values a traced boolean scalar (as in JAX)."""
    return reduce("all", isclose(a, b, rtol, atol, equal_nan))


around = round  # as numpy.around and jax.numpy.around


def _np_inexact(name: str) -> Callable[[Any, Any], Any]:
    """NumPy's ``name`` of two concrete operands in JAX's inexact dtype for them
    (``logaddexp(int32, int32)`` is float32 in JAX, float64 in NumPy; bools float32,
    not float16)."""
    np_fn = getattr(np, name)

    def run(x1: Any, x2: Any) -> Any:
        return np_fn(*inexact_operands(concrete_operands((x1, x2))))

    return run


def _or_complex(eager: Callable[[Any, Any], Any], form: Any) -> Callable[[Any, Any], Any]:
    """``eager``, or JAX's complex ``form`` where an operand is complex (NumPy has none)."""

    def run(x1: Any, x2: Any) -> Any:
        return form(x1, x2) if is_complex(x1, x2) else eager(x1, x2)

    return run


@numpy_function(_or_complex(_np_inexact("logaddexp"), complex_logaddexp))
def logaddexp(x1: Value, x2: Value) -> Tracer:
    """``log(exp(x1) + exp(x2))`` without overflow, as ``numpy.logaddexp``; of complex
    operands JAX's (``complex_elementwise.py``)."""
    if is_complex(x1, x2):
        both: Tracer = complex_logaddexp(x1, x2)
        return both
    return _logaddexp_traced(x1, x2)


@numpy_function(_or_complex(_np_inexact("logaddexp2"), complex_logaddexp2))
def logaddexp2(x1: Value, x2: Value) -> Tracer:
    """``log2(2**x1 + 2**x2)`` without overflow, as ``numpy.logaddexp2``; of complex
    operands JAX's."""
    if is_complex(x1, x2):
        both: Tracer = complex_logaddexp2(x1, x2)
        return both
    a, b = _pair(x1, x2)
    return _logaddexp(a, b, _log1p_exp2)


def _log1p_exp2(d: Tracer) -> Tracer:
    # 2**d as exp(d ln 2): the Array API standard has no exp2
    return multiply(1 / math.log(2), _e("log1p", _e("exp", multiply(d, math.log(2)))))


@numpy_function()
def nan_to_num(
    x: Value, copy: bool = True, nan: float = 0.0, posinf: Any = None, neginf: Any = None
) -> Tracer:
    """``nan`` to ``nan``, ``inf`` to ``posinf`` (the largest float), ``-inf`` to ``neginf``."""
    t = _t(x)
    if t.dtype.kind not in "fc":
        return t
    if t.dtype.kind == "c":  # each part, as NumPy and JAX
        parts = (nan_to_num(_e(part, t), copy, nan, posinf, neginf) for part in ("real", "imag"))
        both: Tracer = _lax_complex(*parts)
        return both
    info = np.finfo(t.dtype)
    hi = np.asarray(info.max if posinf is None else posinf, t.dtype)
    lo = np.asarray(info.min if neginf is None else neginf, t.dtype)
    out = _e("where", _e("isnan", t), np.asarray(nan, t.dtype), t)
    out = _e("where", _e("equal", t, math.inf), hi, out)
    return _e("where", _e("equal", t, -math.inf), lo, out)


def acos(x: Any, /) -> Any:
    return _jnp.arccos(x)


def asin(x: Any, /) -> Any:
    return _jnp.arcsin(x)


def atan(x: Any, /) -> Any:
    return _jnp.arctan(x)


def atan2(x1: Any, x2: Any, /) -> Any:
    return _jnp.arctan2(x1, x2)


def acosh(x: Any, /) -> Any:
    return _jnp.arccosh(x)


def asinh(x: Any, /) -> Any:
    return _jnp.arcsinh(x)


def atanh(x: Any, /) -> Any:
    return _jnp.arctanh(x)


def pow(x1: Any, x2: Any, /) -> Any:
    return _jnp.power(x1, x2)


def fabs(x: Any, /) -> Any:
    return _jnp.absolute(_as_float(x))


def degrees(x: Any, /) -> Any:
    return _jnp.rad2deg(x)


def radians(x: Any, /) -> Any:
    return _jnp.deg2rad(x)


def angle(z: Any, deg: builtins.bool = False) -> Any:
    z = _jnp.asarray(z)
    if not np.issubdtype(z.dtype, np.complexfloating):  # JAX's: float64 from integers
        z = _jnp.astype(z, np.result_type(z.dtype, 1.0))
    out = _jnp.arctan2(_jnp.imag(z), _jnp.real(z))
    return _jnp.rad2deg(out) if deg else out


def isneginf(x: Any, /) -> Any:
    return _jnp.logical_and(_jnp.isinf(x), _jnp.less(x, 0))


def isposinf(x: Any, /) -> Any:
    return _jnp.logical_and(_jnp.isinf(x), _jnp.greater(x, 0))


def isreal(x: Any) -> Any:
    return _jnp.equal(_jnp.imag(x), 0)


def iscomplex(x: Any) -> Any:
    return _jnp.not_equal(_jnp.imag(x), 0)


def _shift(name: str, x1: Any, x2: Any) -> Any:
    if _traced(x1, x2):
        return _ops.elementwise(name, x1, x2)
    return getattr(np, name)(*numeric_operands(name, (x1, x2)))


def left_shift(x1: Any, x2: Any, /) -> Any:
    return _shift("left_shift", x1, x2)


def right_shift(x1: Any, x2: Any, /) -> Any:
    return _shift("right_shift", x1, x2)


bitwise_left_shift, bitwise_right_shift = left_shift, right_shift


def bitwise_invert(x: Any, /) -> Any:
    return _jnp.invert(x)


# the integer and float ufuncs with NumPy's promotion (``lax.rem``'s fmod, the bitwise ones)
def _np_numeric(name: str) -> Callable[[Any, Any], Any]:
    """NumPy's ``name`` of two concrete operands in JAX's dtype (``fmod(bool, bool)`` is
    int32 in JAX, int8 in NumPy)."""
    np_fn = getattr(np, name)

    def run(x1: Any, x2: Any) -> Any:
        return np_fn(*numeric_operands(name, concrete_operands((x1, x2))))

    return run


@numpy_function(_np_numeric("fmod"))
def fmod(x1: Value, x2: Value) -> Tracer:
    """``jnp.fmod``: the C remainder (the dividend's sign), with NumPy's promotion."""
    return _e("fmod", *_lifted(x1, x2))


@numpy_function(_np_inexact("nextafter"))
def nextafter(x1: Value, x2: Value) -> Tracer:
    """``jnp.nextafter``: the next float after ``x1`` towards ``x2``."""
    return _e("nextafter", *_lifted(x1, x2))


def _np_binary(name: str) -> Callable[..., Tracer]:
    def fn(x1: Value, x2: Value) -> Tracer:
        return _e(name, *_lifted(x1, x2))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``jnp.{name}`` of integers or bools, with NumPy's promotion."
    return fn


bitwise_and = numpy_function()(_np_binary("bitwise_and"))
bitwise_or = numpy_function()(_np_binary("bitwise_or"))
bitwise_xor = numpy_function()(_np_binary("bitwise_xor"))


@numpy_function()
def invert(x: Value) -> Tracer:
    """``jnp.invert``: bitwise NOT (logical NOT for bools)."""
    return _e("invert", *_lifted(x))


@numpy_function()
def bitwise_not(x: Value) -> Tracer:
    """``jnp.bitwise_not``: the same as ``invert``."""
    return _e("invert", *_lifted(x))


@numpy_function()
def bitwise_count(x: Value) -> Tracer:
    """``jnp.bitwise_count``: the set bits of ``|x|``, as uint8 (NumPy's definition)."""
    return _e("bitwise_count", *_lifted(x))


def divmod(x1: Any, x2: Any, /) -> tuple[Any, Any]:
    return _jnp.floor_divide(x1, x2), _jnp.remainder(x1, x2)


def modf(x: Any, /) -> tuple[Any, Any]:
    x = _as_float(x)
    whole = _jnp.trunc(x)
    # infinities have fraction 0; copysign keeps NumPy's signed zeros
    frac = _jnp.where(_jnp.isinf(x), 0.0, _jnp.subtract(x, whole))
    return _jnp.copysign(frac, x), whole


def ldexp(x1: Any, x2: Any, /) -> Any:
    exponent = dtype_of(x2)
    if exponent.kind not in "biu":  # JAX's ldexp takes integer exponents only
        raise ArgumentValueError(
            f"ldexp not supported for input types ({dtype_of(x1)}, {exponent}): "
            "the exponent must be an integer"
        )
    x1 = _as_float(x1)
    # a power of two is exact, so the product is exact wherever ldexp is representable
    return _jnp.multiply(x1, _jnp.exp2(_jnp.astype(_jnp.asarray(x2), x1.dtype)))


def _scale_down(v: Any, e: Any) -> Any:
    # v / 2**e in two halves, so neither power overflows or underflows at the range ends
    lo = _jnp.floor(_jnp.true_divide(e, 2.0))
    return _jnp.true_divide(_jnp.true_divide(v, _jnp.exp2(lo)), _jnp.exp2(_jnp.subtract(e, lo)))


def frexp(x: Any, /) -> tuple[Any, Any]:
    """Mantissa in [0.5, 1) and int32 exponent (JAX's dtype); 0, inf and nan keep ``x``
    and exponent 0."""
    x = _as_float(x)
    regular = _jnp.logical_and(_jnp.isfinite(x), _jnp.not_equal(x, 0))
    safe = _jnp.where(regular, _jnp.absolute(x), 1.0)
    e = _jnp.add(_jnp.floor(_jnp.log2(safe)), 1.0)
    # log2 can round across a power of two: one step fixes the exponent either way
    m = _scale_down(safe, e)
    e = _jnp.where(_jnp.greater_equal(m, 1.0), _jnp.add(e, 1.0), e)
    e = _jnp.where(_jnp.less(m, 0.5), _jnp.subtract(e, 1.0), e)
    mant = _jnp.where(regular, _jnp.copysign(_scale_down(safe, e), x), x)
    return mant, _jnp.astype(_jnp.where(regular, e, 0.0), np.int32)


def _i0_traced(x: Any) -> Any:
    return _jnp.multiply(_jnp.exp(_jnp.absolute(x)), _bessel_i0e(x))


_i0_eager = _jit(_i0_traced)


def i0(x: Any) -> Any:
    """Modified Bessel function of order 0: ``exp(|x|) * i0e(x)`` (lax's interpolant)."""
    x = _as_float(x)
    return _i0_traced(x) if _traced(x) else _i0_eager(x)


# Euclid's steps are bounded by the Fibonacci number past the dtype's range
_EUCLID_STEPS = {1: 12, 2: 24, 4: 47, 8: 93}


def _integer_dtype(name: str, x1: Any, x2: Any) -> np.dtype:
    """The common dtype of ``x1`` and ``x2``; anything but integers is a ValueError, as in
    JAX (NumPy's eager ufunc would raise a raw TypeError)."""
    dt = np.result_type(_jnp.result_type(x1), _jnp.result_type(x2))
    if not np.issubdtype(dt, np.integer):
        raise ArgumentValueError(f"{name}: arguments must be integers, got {dt}")
    return dt


def gcd(x1: Any, x2: Any) -> Any:
    """Integers only; traced values run a fixed number of vectorized Euclid steps."""
    _integer_dtype("gcd", x1, x2)
    if not _traced(x1, x2):
        return np.gcd(x1, x2)
    a, b = _jnp.broadcast_arrays(_jnp.absolute(x1), _jnp.absolute(x2))
    dt = np.result_type(a.dtype, b.dtype)
    a, b = _jnp.astype(a, dt), _jnp.astype(b, dt)

    def step(_: Any, ab: tuple[Any, Any]) -> tuple[Any, Any]:
        u, v = ab
        done = _jnp.equal(v, 0)
        rem = _jnp.remainder(u, _jnp.where(done, 1, v))  # no division by zero once done
        return _jnp.where(done, u, v), _jnp.where(done, v, rem)

    return _fori_loop(0, _EUCLID_STEPS[dt.itemsize], step, (a, b))[0]


def lcm(x1: Any, x2: Any) -> Any:
    _integer_dtype("lcm", x1, x2)
    if not _traced(x1, x2):
        return np.lcm(x1, x2)
    d = gcd(x1, x2)
    q = _jnp.floor_divide(_jnp.absolute(x2), _jnp.where(_jnp.equal(d, 0), 1, d))
    return _jnp.where(_jnp.equal(d, 0), 0, _jnp.absolute(_jnp.multiply(x1, q)))


def spacing(x: Any, /) -> Any:
    """Distance to the next float away from zero (NumPy's sign convention)."""
    x = _as_float(x)
    finite = _jnp.isfinite(x)
    safe = _jnp.where(finite, x, 0.0)  # inf - inf would warn; those give nan below
    away = _jnp.astype(_jnp.copysign(np.inf, safe), x.dtype)
    return _jnp.where(finite, _jnp.subtract(_jnp.nextafter(safe, away), safe), np.nan)


def unwrap(p: Any, discont: Any = None, axis: int = -1, period: Any = 2 * np.pi) -> Any:
    """``jnp.unwrap``, in JAX's promoted dtype of ``p`` and ``period`` (a Python period is
    weak: float32 stays float32, int32 with the default period is float64, and integers
    with an integer period unwrap in integers)."""
    p = _jnp.asarray(p)
    dtype = result_type(p, period)
    p = _jnp.moveaxis(_jnp.astype(p, dtype), axis, -1)
    # a Python period halves to a Python scalar (weak); NumPy's true_divide would give a
    # float64 scalar that widens float32 data
    python = type(period) in (int, float)
    half = period / 2 if python else _jnp.true_divide(period, 2)
    discont = half if discont is None else discont
    if dtype.kind in "biu":  # as JAX: the integer half period
        half = period // 2 if python else _jnp.floor_divide(period, 2)
    dd = _jnp.diff(p, axis=-1)
    ddmod = _jnp.subtract(_jnp.remainder(_jnp.add(dd, half), period), half)
    # the ambiguous -period/2 goes the way the jump went, as NumPy does
    ddmod = _jnp.where(_jnp.logical_and(_jnp.equal(ddmod, -half), _jnp.greater(dd, 0)), half, ddmod)
    fix = _jnp.where(_jnp.less(_jnp.absolute(dd), discont), 0, _jnp.subtract(ddmod, dd))
    rest = _jnp.add(p[..., 1:], _jnp.cumsum(fix, axis=-1))
    return _jnp.moveaxis(_jnp.concatenate([p[..., :1], rest], -1), -1, axis)


def array_equal(a1: Any, a2: Any, equal_nan: builtins.bool = False) -> Any:
    """``jnp.array_equal``: same shape and equal elements (NaNs equal with ``equal_nan``);
    a shape mismatch is False without comparing."""
    x, y = _jnp.asarray(a1), _jnp.asarray(a2)
    if _jnp.shape(x) != _jnp.shape(y):
        return np.bool_(False)
    same = _jnp.equal(x, y)
    if equal_nan:
        same = _jnp.logical_or(same, _jnp.logical_and(_jnp.isnan(x), _jnp.isnan(y)))
    return _jnp.all(same)


def array_equiv(a1: Any, a2: Any) -> Any:
    """``jnp.array_equiv``: equal after broadcasting to one shape (False when they do not
    broadcast)."""
    x, y = _jnp.asarray(a1), _jnp.asarray(a2)
    try:
        np.broadcast_shapes(_jnp.shape(x), _jnp.shape(y))
    except ValueError:
        return np.bool_(False)
    return _jnp.all(_jnp.equal(x, y))
