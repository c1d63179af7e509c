"""Transcendental functions a fused loop can vectorise: ``tanh``, ``exp``, ``expm1``,
``log`` and ``log1p`` for float64 and float32, as numba functions the generated kernels of
``fused_loops`` call.

A loop that calls libm's ``tanh`` or ``exp`` makes one scalar call per element, which LLVM
cannot vectorise. These are written without calls and without branches: the range is
reduced with arithmetic only, the kernel is a polynomial evaluated by Horner's rule, a
power of two is built from its exponent bits (a bit cast, ``_int_bits``/``_bits_float``),
and every case split is a select between values computed for every lane (``tanh``'s two
polynomials are one Horner chain whose coefficients are selected per lane: 12% faster on
long arrays; ``tanh_low_latency_*`` keep two independent chains, the same bits, for loops
of a few elements whose next step waits on the result). LLVM then runs
them 8 (float64) or 16 (float32) lanes at a time. The float32 ``tanh`` and ``exp`` compute
in float32 with shorter fits, as does ``log``; ``expm1`` and ``log1p`` compute in float64
and round once more.

Accuracy: at most 2 ulp from the correctly rounded result (about 1 in practice: checked
against the 64-bit-mantissa ``longdouble`` functions and mpmath by ``tests/test_vector_math.py``),
and NumPy's special values: ``+-0`` keep their sign, ``+-inf`` and NaN give NumPy's
results, subnormal inputs and results are computed (no flush to zero). No fast-math flag:
each operation rounds as IEEE says, so the error bounds hold.

The polynomials are Chebyshev fits made with mpmath (``chebyfit``, 50 digits; 11
coefficients unless said) and rounded to float64:
- ``tanh(a) = a + a^3 * T(a^2)`` for ``|a| < 0.5625``; above, ``1 - 2 / (exp(2a) + 1)``,
  where the subtraction loses nothing (``2 / (e + 1) <= 0.5``) and ``a`` is clamped to 20
  (tanh rounds to 1 from 18.7 on).
- ``log(x) = k ln 2 + log(m)``, ``m`` in ``[sqrt(2)/2, sqrt(2))`` from the bits (subnormals
  scaled by 2^54 first), ``log(1 + f) = f - f^2/2 + s (f^2/2 + s^2 L(s^2))``,
  ``s = f / (2 + f)`` (``f = m - 1`` is exact); 7 coefficients.
- ``log1p(x) = log(u) + (x - (u - 1)) / u``, ``u = 1 + x`` rounded.
- ``expm1(x) = 2^k (r + (r^2 E(r) + c)) + (2^k - 1)`` with ``exp``'s reduction, ``c`` the
  rounding error of ``r``.
- ``exp(x) = 2^k * (1 + r + r^2 * E(r))``, ``k = round(x / ln 2)``, ``|r| <= ln 2 / 2``
  (``ln 2`` in two parts, so ``x - k ln 2`` is exact); ``2^k`` is two factors ``2^(k//2)``
  and ``2^(k - k//2)`` so results near overflow and subnormal ones round once.

This module imports numba: only generated kernels import it (numba is the optional
``fast`` extra).
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np
from llvmlite import ir
from numba.core import types as nbt
from numba.extending import intrinsic

# "contract" lets a multiply and an add become one fused multiply-add (one rounding, so as
# accurate or more); no other fast-math flag: the IEEE special cases stay as they are.
# forceinline: LLVM's inliner would leave the larger ones (expm1) as calls, which do not
# vectorise (6.5 against 1.2 ns an element)
_jit = nb.njit(fastmath={"contract"}, error_model="numpy", cache=True, forceinline=True)

_SHIFTER = 6755399441055744.0  # 1.5 * 2^52: adding it rounds a float to an integer in place
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # 0x3fe62e42fee00000: k * _LN2_HI is exact for |k| < 2^11
_LN2_LO = 1.90821492927058770002e-10
_EXP_BIAS = 1023
_INF = float("inf")
_NAN = float("nan")
_SIGN = -(1 << 63)  # the sign bit of an int64's float64

# E(r) = (exp(r) - 1 - r) / r^2 on [-0.3466, 0.3466], highest degree first
_E = (
    2.0914686968086876e-09,
    2.5105217004720745e-08,
    2.75572736431103e-07,
    2.7557255400206422e-06,
    2.4801587325547743e-05,
    0.00019841269874820627,
    0.0013888888888883748,
    0.008333333333326136,
    0.04166666666666667,
    0.1666666666666667,
    0.5,
)
# T(s) = (tanh(a) - a) / a^3, s = a^2 on [0, 0.5625^2], highest degree first
_T = (
    -2.0026740085317684e-05,
    8.426522203958066e-05,
    -0.00023410556936672797,
    0.0005887537111834804,
    -0.0014556239774192678,
    0.003592105532132769,
    -0.008863234021529514,
    0.021869488476962563,
    -0.0539682539670594,
    0.13333333333332392,
    -0.3333333333333333,
)
# L(z) = (2 atanh(s) - 2s) / s^3, z = s^2 on [0, 0.1716^2 * 1.001], highest degree first
_L = (
    0.14617807153417325,
    0.15331611722055008,
    0.1818289243253687,
    0.22222211089379496,
    0.28571428626253836,
    0.3999999999989889,
    0.666666666666667,
)
_SQRT_HALF_BITS = 0x3FE6A09E667F3BCD  # sqrt(2)/2: mantissas are reduced to [sqrt(2)/2, sqrt(2))
_TINY = 2.2250738585072014e-308  # the least normal float64
_TWO54 = 18014398509481984.0
_TANH_SMALL = 0.5625  # below: the odd polynomial; above: 1 - 2 / (exp(2a) + 1)

# float32 versions in float32 arithmetic (16 lanes to a 512-bit register): the same
# reductions with float32 constants and shorter fits (6 coefficients)
_F = np.float32
_E32 = tuple(
    _F(c)
    for c in (
        0.00019891080463998843,
        0.0013933730715792083,
        0.008333310844647862,
        0.04166646419740569,
        0.16666666681704215,
        0.500000001353873,
    )
)
_T32 = tuple(
    _F(c)
    for c in (
        0.002487614648031548,
        -0.008499247828795086,
        0.021811902608433444,
        -0.05396406382647735,
        0.1333332207319158,
        -0.33333333283938266,
    )
)
_L32 = tuple(
    _F(c)
    for c in (0.23331614471843498, 0.28550778633191964, 0.4000012221181065, 0.6666666655404201)
)
_SQRT_HALF_BITS32 = 0x3F3504F3  # sqrt(2)/2 as a float32
_TINY32 = _F(1.1754943508222875e-38)  # the least normal float32
_TWO25 = _F(33554432.0)
_SHIFTER32 = _F(12582912.0)  # 1.5 * 2^23
_LOG2E32 = _F(1.4426950408889634)
_LN2_HI32 = _F(0.693145751953125)  # 0x3f317200: k * _LN2_HI32 is exact for |k| < 2^8
_LN2_LO32 = _F(1.4286068203094172e-06)
_ONE32, _TWO32, _ZERO32 = _F(1.0), _F(2.0), _F(0.0)
_TANH_ONE = 20.0  # tanh(a) rounds to 1 for a > 18.7


def _bitcast(name: str, source: Any, target: Any, llvm_type: Any) -> Any:
    """An intrinsic reading the bits of a ``source`` value as a ``target`` one (LLVM
    ``bitcast``: one register move, vectorised). Typed Any: jitted code calls it with the
    value alone (numba passes the typing context)."""

    def typing(typingctx: Any, x: Any) -> Any:
        if x != source:
            return None

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            return builder.bitcast(args[0], llvm_type)

        return target(source), codegen

    typing.__name__ = typing.__qualname__ = name
    return intrinsic(typing)


_int_bits: Any = _bitcast("_int_bits", nbt.float64, nbt.int64, ir.IntType(64))
_bits_float: Any = _bitcast("_bits_float", nbt.int64, nbt.float64, ir.DoubleType())
_int_bits32: Any = _bitcast("_int_bits32", nbt.float32, nbt.int32, ir.IntType(32))
_bits_float32: Any = _bitcast("_bits_float32", nbt.int32, nbt.float32, ir.FloatType())


@_jit
def _horner(coefficients: tuple[float, ...], x: float) -> float:
    """The polynomial with ``coefficients`` (highest degree first) at ``x`` (a loop of
    constant length: the compiler unrolls it)."""
    y = coefficients[0]
    for c in coefficients[1:]:
        y = y * x + c
    return y


@_jit
def _horner_either(first: tuple[Any, ...], second: tuple[Any, ...], pick: bool, x: Any) -> Any:
    """``first``'s polynomial at ``x`` where ``pick``, else ``second``'s (of one length):
    each coefficient is a select, so a vector of lanes evaluates one polynomial, not both."""
    y = first[0] if pick else second[0]
    for k in range(1, len(first)):
        y = y * x + (first[k] if pick else second[k])
    return y


@_jit
def _exp_reduced(x: float) -> tuple[float, int]:
    """``(p, k)`` with ``exp(x) = p * 2^k``, ``p`` in [0.7, 1.42], for finite ``|x| < 2^10``."""
    v = x * _LOG2E + _SHIFTER
    kd = v - _SHIFTER  # round(x / ln 2), exactly
    r = (x - kd * _LN2_HI) - kd * _LN2_LO
    p = 1.0 + (r + r * r * _horner(_E, r))
    k: int = _int_bits(v) - _int_bits(_SHIFTER)  # the integer kd, from the low mantissa bits
    return p, k


@_jit
def _pow2(k: int) -> float:
    """2^k for -1022 <= k <= 1023, from its exponent bits."""
    y: float = _bits_float((k + _EXP_BIAS) << 52)
    return y


@_jit
def exp_f64(x: float) -> float:
    """``exp`` of a float64 (NumPy's special values: inf, 0, NaN)."""
    xc = x if x < 710.0 else 710.0  # NaN lands here too; the last select restores it
    xc = xc if xc > -746.0 else -746.0
    p, k = _exp_reduced(xc)
    half = k >> 1
    y = p * _pow2(half) * _pow2(k - half)  # two scales: one rounding near overflow/underflow
    return y if x == x else x


@_jit
def tanh_f64(x: float) -> float:
    """``tanh`` of a float64 (``+-0``, ``+-1`` at ``+-inf``, NaN as NumPy)."""
    a = abs(x)
    s = a * a
    ac = a if a < _TANH_ONE else _TANH_ONE  # NaN too; the last select restores it
    # exp(2a) = (1 + r + r^2 E(r)) 2^k as in _exp_reduced; each lane evaluates T at s or
    # E at r, which it needs (one Horner chain, not two: 12% faster, the same bits)
    x2 = ac + ac
    v = x2 * _LOG2E + _SHIFTER
    kd = v - _SHIFTER
    r = (x2 - kd * _LN2_HI) - kd * _LN2_LO
    pick = a < _TANH_SMALL
    poly = _horner_either(_T, _E, pick, s if pick else r)
    small = a + a * s * poly
    p = 1.0 + (r + r * r * poly)
    k: int = _int_bits(v) - _int_bits(_SHIFTER)
    big = 1.0 - 2.0 / (p * _pow2(k) + 1.0)
    y = small if pick else big
    y = _bits_float(_int_bits(y) | (_int_bits(x) & _SIGN))  # x's sign: tanh(-0.0) is -0.0
    return y if x == x else x


@_jit
def tanh_low_latency_f64(x: float) -> float:
    """``tanh_f64``'s value (the same bits) with its two polynomials as independent chains:
    more work per element, but a shorter wait for one result. Loop nests over a few elements
    whose next step needs the result (a small RNN: 8 hidden units) call it."""
    a = abs(x)
    s = a * a
    small = a + a * s * _horner(_T, s)
    ac = a if a < _TANH_ONE else _TANH_ONE  # NaN too; the last select restores it
    p, k = _exp_reduced(ac + ac)
    big = 1.0 - 2.0 / (p * _pow2(k) + 1.0)
    y = small if a < _TANH_SMALL else big
    y = _bits_float(_int_bits(y) | (_int_bits(x) & _SIGN))  # x's sign: tanh(-0.0) is -0.0
    return y if x == x else x


@_jit
def log_f64(x: float) -> float:
    """``log`` of a float64 (``log(0) = -inf``, NaN below 0, ``log(inf) = inf``)."""
    sub = x < _TINY  # subnormal (or not positive): scaled to a normal first
    xs = x * _TWO54 if sub else x
    bits: int = _int_bits(xs)
    k: int = (bits - _SQRT_HALF_BITS) >> 52  # the exponent once the mantissa is reduced
    m = _bits_float(bits - (k << 52))  # in [sqrt(2)/2, sqrt(2))
    f = m - 1.0  # exact
    s = f / (2.0 + f)  # log(1 + f) = 2 atanh(s) = f - f^2/2 + s (f^2/2 + s^2 L(s^2))
    z = s * s
    hfsq = 0.5 * f * f
    r = z * _horner(_L, z)
    kd = float(k - 54 if sub else k)
    y = kd * _LN2_HI - ((hfsq - (s * (hfsq + r) + kd * _LN2_LO)) - f)
    y = y if x > 0.0 else (-_INF if x == 0.0 else _NAN)
    return y if x < _INF else x  # inf, and NaN (x < inf is false for it)


@_jit
def log1p_f64(x: float) -> float:
    """``log1p`` of a float64: ``log(u) + (x - (u - 1)) / u`` with ``u = 1 + x`` rounded (the
    quotient puts back what the rounding of ``u`` lost); -inf at -1, NaN below."""
    u = 1.0 + x
    y = log_f64(u) + (x - (u - 1.0)) / u
    y = y if u != 0.0 else -_INF  # x = -1 (or just above, where 1 + x rounds to 0)
    y = y if x != 0.0 else x  # log1p(-0.0) is -0.0
    return y if x < _INF else x  # inf, and NaN


@_jit
def expm1_f64(x: float) -> float:
    """``expm1`` of a float64: ``2^k (r + (r^2 E(r) + c)) + (2^k - 1)``, ``c`` the rounding
    error of ``r = x - k ln 2``, exact near 0 (``k = 0``: the polynomial alone); from
    ``k > 56`` on, ``exp(x) - 1`` (the -1 is below its last bit)."""
    xc = x if x < 710.0 else 710.0  # NaN lands here too; the last select restores it
    xc = xc if xc > -40.0 else -40.0  # expm1 rounds to -1 below -37.4
    v = xc * _LOG2E + _SHIFTER
    kd = v - _SHIFTER
    hi = xc - kd * _LN2_HI  # exact
    lo = kd * _LN2_LO
    r = hi - lo
    c = (hi - r) - lo  # what r lost
    t = r * r * _horner(_E, r)
    q = r + t
    k: int = _int_bits(v) - _int_bits(_SHIFTER)
    ks = k if k < 57 else 57
    scale = _pow2(ks)
    near = scale * (r + (t + c)) + (scale - 1.0)  # c joins before the one rounding of q
    half = k >> 1
    far = (1.0 + q) * _pow2(half) * _pow2(k - half) - 1.0
    y = near if k < 57 else far
    return y if x == x and x != 0.0 else x  # NaN, and expm1(-0.0) is -0.0


@_jit
def _exp_reduced32(x: Any) -> tuple[Any, Any]:
    """``(p, k)`` with ``exp(x) = p * 2^k`` for a float32 ``|x| < 2^7``, in float32."""
    v = x * _LOG2E32 + _SHIFTER32
    kd = v - _SHIFTER32
    r = (x - kd * _LN2_HI32) - kd * _LN2_LO32
    p = _ONE32 + (r + r * r * _horner(_E32, r))
    k = _int_bits32(v) - _int_bits32(_SHIFTER32)
    return p, k


@_jit
def _pow2_32(k: Any) -> Any:
    """2^k for -126 <= k <= 127, a float32 from its exponent bits."""
    return _bits_float32(nb.int32((k + 127) << 23))  # (numba widens int32 arithmetic)


@_jit
def exp_f32(x: Any) -> Any:
    """``exp`` of a float32, in float32 (NumPy's special values)."""
    xc = x if x < _F(89.0) else _F(89.0)  # NaN lands here too; the last select restores it
    xc = xc if xc > _F(-104.0) else _F(-104.0)
    p, k = _exp_reduced32(xc)
    half = k >> 1
    y = p * _pow2_32(half) * _pow2_32(k - half)
    return y if x == x else x


@_jit
def log_f32(x: Any) -> Any:
    """``log`` of a float32, in float32 (``log_f64``'s reduction, a 4-coefficient fit)."""
    sub = x < _TINY32
    xs = x * _TWO25 if sub else x
    bits = _int_bits32(xs)
    k = (bits - _SQRT_HALF_BITS32) >> 23
    m = _bits_float32(nb.int32(bits - (k << 23)))
    f = m - _ONE32
    s = f / (_TWO32 + f)
    z = s * s
    hfsq = _F(0.5) * f * f
    r = z * _horner(_L32, z)
    kd = _F(k - 25 if sub else k)
    y = kd * _LN2_HI32 - ((hfsq - (s * (hfsq + r) + kd * _LN2_LO32)) - f)
    y = y if x > _ZERO32 else (_F(-_INF) if x == _ZERO32 else _F(_NAN))
    return y if x < _F(_INF) else x


@_jit
def expm1_f32(x: Any) -> Any:
    """``expm1`` of a float32, computed in float64 and rounded once more (within 1 ulp)."""
    return nb.float32(expm1_f64(nb.float64(x)))


@_jit
def log1p_f32(x: Any) -> Any:
    """``log1p`` of a float32, computed in float64 and rounded once more (within 1 ulp)."""
    return nb.float32(log1p_f64(nb.float64(x)))


@_jit
def tanh_low_latency_f32(x: Any) -> Any:
    """``tanh_f32``'s value with two independent polynomial chains (``tanh_low_latency_f64``)."""
    a = abs(x)
    s = a * a
    small = a + a * s * _horner(_T32, s)
    ac = a if a < _F(10.0) else _F(10.0)
    p, k = _exp_reduced32(ac + ac)
    big = _ONE32 - _TWO32 / (p * _pow2_32(k) + _ONE32)
    y = small if a < _F(_TANH_SMALL) else big
    y = _bits_float32(nb.int32(_int_bits32(y) | (_int_bits32(x) & -(1 << 31))))
    return y if x == x else x


@_jit
def tanh_f32(x: Any) -> Any:
    """``tanh`` of a float32, in float32 (``+-0``, ``+-1`` at ``+-inf``, NaN as NumPy)."""
    a = abs(x)
    s = a * a
    ac = a if a < _F(10.0) else _F(10.0)  # tanh rounds to 1 from 9.01 on
    x2 = ac + ac  # _exp_reduced32's reduction, one Horner chain as in tanh_f64
    v = x2 * _LOG2E32 + _SHIFTER32
    kd = v - _SHIFTER32
    r = (x2 - kd * _LN2_HI32) - kd * _LN2_LO32
    pick = a < _F(_TANH_SMALL)
    poly = _horner_either(_T32, _E32, pick, s if pick else r)
    small = a + a * s * poly
    p = _ONE32 + (r + r * r * poly)
    k = _int_bits32(v) - _int_bits32(_SHIFTER32)
    big = _ONE32 - _TWO32 / (p * _pow2_32(k) + _ONE32)
    y = small if pick else big
    y = _bits_float32(nb.int32(_int_bits32(y) | (_int_bits32(x) & -(1 << 31))))
    return y if x == x else x
