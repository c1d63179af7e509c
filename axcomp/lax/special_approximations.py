"""The float approximations of ``erf``, ``erfc``, ``log|Gamma|`` (``gammaln``) and
``digamma`` that ``lax``'s namesakes (``lax/special.py``, which add JAX's derivative
rules) and ``scipy.special``'s (which promote their input and differentiate the
composition) share.

NumPy has none of them, so each is a composition of elementwise primitives (polynomials,
``exp``, ``log``, ``where``): no new primitive, no plan vocabulary, both backends, and
reverse mode by composition.

* ``erf``/``erfc``: Chebyshev series fitted (lazily, once) to ``math.erf``/``math.erfc``
  on three ranges: ``erf(x)/x`` in ``x**2`` below 1, ``erfc(x) exp(x**2)`` on [1, 4], and
  ``x erfc(x) exp(x**2)`` in ``1/x`` above 4; ``exp(-x**2)`` is formed from an exactly
  squared head of ``x`` so the tail keeps its relative accuracy (about 1e-15 in float64,
  1e-7 in float32).
* ``gammaln``: the Stirling series at ``x + 8`` with the recurrence back to ``x``, and
  the reflection formula for ``x < 0.5`` (``log|Gamma|``, ``inf`` at the poles).
* ``digamma``: the asymptotic series at ``x + 10`` minus the recurrence terms, and the
  reflection formula ``psi(1 - x) - pi / tan(pi x)`` below 0.5 (``nan`` at the poles,
  like JAX).
"""

from __future__ import annotations

import functools
import math
from typing import Any, cast

import numpy as np

from ..primitives.contraction import multiply
from ..primitives.elementwise import elementwise
from ..primitives.shape import astype
from ..tracing.build import Value
from ..tracing.tracer import Tracer
from .operands import float_input


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


def _compute(t: Tracer) -> tuple[Tracer, np.dtype]:
    """float16 is computed in float32 and cast back, as JAX does for transcendental ops."""
    if t.dtype == np.float16:
        return astype(t, np.float32), t.dtype
    return t, t.dtype


def _done(r: Tracer, dtype: np.dtype) -> Tracer:
    return astype(r, dtype) if r.dtype != dtype else r


# ------------------------------------------------------------------ Chebyshev series
def _fit(
    fn: Any, lo: float, hi: float, deg: int, inverse: bool = False, exact: bool = True
) -> np.ndarray:
    """Least-squares Chebyshev coefficients of ``fn`` on [lo, hi] (near minimax), at points
    whose ``x`` (``1 / s`` when ``inverse``) has 25 significant bits: ``x * x`` is exact, so
    a reference formed with ``exp(x * x)`` is correctly rounded."""
    k = np.arange(8 * deg)
    s = lo + (hi - lo) * (np.cos(np.pi * (k + 0.5) / k.size) + 1) / 2
    x = 1 / s if inverse else s
    e = np.floor(np.log2(x))
    if exact:
        x = np.round(x * 2.0 ** (24 - e)) / 2.0 ** (24 - e)
    s = 1 / x if inverse else x
    u = (2 * s - (lo + hi)) / (hi - lo)
    return np.polynomial.chebyshev.chebfit(u, np.array([fn(float(v)) for v in x]), deg)


def clenshaw(coef: np.ndarray, t: Tracer) -> Tracer:
    """sum_k coef[k] T_k(t), for t in [-1, 1]."""
    b1: Any = 0.0
    b2: Any = 0.0
    two_t = multiply(2.0, t)
    for c in coef[:0:-1]:
        b1, b2 = _e("add", _e("subtract", multiply(two_t, b1), b2), float(c)), b1
    return _e("add", _e("subtract", multiply(t, b1), b2), float(coef[0]))


def _erfc_tail_ref(x: float) -> float:
    """x erfc(x) exp(x**2), from math.erfc where that is representable, else the series."""
    if x < 20.0:
        return x * math.erfc(x) * math.exp(x * x)
    total, term = 0.0, 1.0
    for k in range(1, 12):
        total += term
        term *= -(2 * k - 1) / (2 * x * x)
    return total / math.sqrt(math.pi)


@functools.cache
def erf_tables(dtype: np.dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The three series, cut where the coefficients drop below the dtype's resolution."""
    small = _fit(
        lambda u: math.erf(math.sqrt(u)) / math.sqrt(u), 1e-300, 1.0, 18, exact=False
    )  # u = x**2
    mid = _fit(lambda x: math.erfc(x) * math.exp(x * x), 1.0, 4.0, 34)
    tail = _fit(_erfc_tail_ref, 0.0, 0.25, 18, inverse=True)
    cut = 2e-16 if dtype == np.float64 else 1e-9
    small, mid, tail = (
        c[: int(np.max(np.nonzero(np.abs(c) > cut)[0])) + 1] for c in (small, mid, tail)
    )
    return small, mid, tail


def affine(x: Tracer, lo: float, hi: float) -> Tracer:
    return _e("subtract", multiply(2.0 / (hi - lo), x), (lo + hi) / (hi - lo))


def _exp_neg_square(a: Tracer) -> Tracer:
    """exp(-a**2) for a >= 0, with the square's rounding error kept out of the exponent."""
    scale = 2.0**12 if a.dtype == np.float64 else 2.0**8
    head = _e("true_divide", _e("floor", multiply(a, scale)), scale)
    rest = multiply(_e("subtract", a, head), _e("add", a, head))
    return multiply(
        _e("exp", _e("negative", multiply(head, head))), _e("exp", _e("negative", rest))
    )


def _erf_parts(t: Tracer) -> tuple[Tracer, Tracer, Tracer]:
    """(erf for |x| < 1, erfc(|x|) for |x| >= 1, the mask |x| < 1)."""
    small, mid, tail = erf_tables(t.dtype)
    a = _e("absolute", t)
    inner = _e("less", a, 1.0)
    xs = _e("where", inner, t, 0.0)
    u = multiply(xs, xs)
    erf_small = multiply(xs, clenshaw(small, _e("subtract", multiply(2.0, u), 1.0)))
    top = 27.0 if t.dtype == np.float64 else 10.5
    xm = _e("minimum", _e("maximum", a, 1.0), 4.0)
    erfc_mid = multiply(_exp_neg_square(xm), clenshaw(mid, affine(xm, 1.0, 4.0)))
    xt = _e("minimum", _e("maximum", a, 4.0), top)
    s = _e("true_divide", 1.0, xt)
    erfc_tail = multiply(_exp_neg_square(xt), multiply(s, clenshaw(tail, affine(s, 0.0, 0.25))))
    big = _e("where", _e("less", a, 4.0), erfc_mid, erfc_tail)
    big = _e("where", _e("less", a, top), big, 0.0)  # nan stays nan (a < top is False)
    big = _e("where", _e("isnan", t), t, big)
    return erf_small, big, inner


def erf(x: Value) -> Tracer:
    """The error function, as ``jax.scipy.special.erf``."""
    t, dtype = _compute(float_input(x))
    erf_small, erfc_big, inner = _erf_parts(t)
    out = _e("where", inner, erf_small, _e("copysign", _e("subtract", 1.0, erfc_big), t))
    return _done(out, dtype)


def erfc(x: Value) -> Tracer:
    """The complementary error function ``1 - erf(x)``, accurate in the right tail."""
    t, dtype = _compute(float_input(x))
    erf_small, erfc_big, inner = _erf_parts(t)
    outer = _e("where", _e("less", t, 0.0), _e("subtract", 2.0, erfc_big), erfc_big)
    return _done(_e("where", inner, _e("subtract", 1.0, erf_small), outer), dtype)


# ------------------------------------------------------------------ gamma family
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
# B_2k / (2k (2k - 1)), k = 1..8: the Stirling series of log Gamma
STIRLING = (
    1 / 12,
    -1 / 360,
    1 / 1260,
    -1 / 1680,
    1 / 1188,
    -691 / 360360,
    1 / 156,
    -3617 / 122400,
)
# B_2k / (2k), k = 1..8: the asymptotic series of digamma
_PSI = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12, -3617 / 8160)


def series(coef: tuple[float, ...], w: Tracer) -> Tracer:
    """sum_k coef[k] w**k (k from 0), by Horner."""
    acc: float | Tracer = coef[-1]
    for c in coef[-2::-1]:
        acc = _e("add", multiply(acc, w), c)
    return cast(Tracer, acc)  # every table has two or more coefficients


def _lgamma_pos(x: Tracer) -> Tracer:
    """log Gamma(x) for x >= 0.5 (clamped by the caller): Stirling at x + 8 when x < 8."""
    shift = _e("less", x, 8.0)
    y = _e("where", shift, _e("add", x, 8.0), x)
    inv = _e("true_divide", 1.0, y)
    corr = multiply(inv, series(STIRLING, multiply(inv, inv)))
    stirling = _e(
        "add",
        _e("subtract", multiply(_e("subtract", y, 0.5), _e("log", y)), y),
        _e("add", corr, HALF_LOG_2PI),
    )
    xs = _e("where", shift, x, 1.0)
    prod: Any = xs
    for k in range(1, 8):
        prod = multiply(prod, _e("add", xs, float(k)))
    return _e("where", shift, _e("subtract", stirling, _e("log", prod)), stirling)


def _sinpi_abs(x: Tracer) -> Tracer:
    """|sin(pi x)| with the argument reduced exactly to [-1/2, 1/2]."""
    r = _e("subtract", x, _e("rint", x))
    return _e("absolute", _e("sin", multiply(math.pi, r)))


def gammaln(x: Value) -> Tracer:
    """``log|Gamma(x)|``, as ``jax.scipy.special.gammaln`` (``inf`` at 0, -1, -2, ...)."""
    t, dtype = _compute(float_input(x))
    left = _e("less", t, 0.5)
    pos = _lgamma_pos(_e("where", left, _e("subtract", 1.0, t), t))
    # reflection: log|Gamma(x)| = log(pi / |sin(pi x)|) - log Gamma(1 - x)
    s = _sinpi_abs(_e("where", left, t, 0.5))
    reflected = _e("subtract", _e("subtract", math.log(math.pi), _e("log", s)), pos)
    out = _e("where", left, reflected, pos)
    out = _e("where", _e("isinf", t), _e("absolute", t), out)
    return _done(out, dtype)


def _digamma_pos(x: Tracer) -> Tracer:
    """psi(x) for x >= 0.5: the asymptotic series at x + 10 minus 1/x + ... + 1/(x + 9)."""
    shift = _e("less", x, 10.0)
    y = _e("where", shift, _e("add", x, 10.0), x)
    inv = _e("true_divide", 1.0, y)
    w = multiply(inv, inv)
    asym = _e("subtract", _e("log", y), _e("add", multiply(0.5, inv), multiply(w, series(_PSI, w))))
    xs = _e("where", shift, x, 1.0)
    total: Any = _e("true_divide", 1.0, xs)
    for k in range(1, 10):
        total = _e("add", total, _e("true_divide", 1.0, _e("add", xs, float(k))))
    return _e("where", shift, _e("subtract", asym, total), asym)


def digamma(x: Value) -> Tracer:
    """The digamma function ``d/dx log Gamma(x)``, as ``jax.scipy.special.digamma``."""
    t, dtype = _compute(float_input(x))
    left = _e("less", t, 0.5)
    pos = _digamma_pos(_e("where", left, _e("subtract", 1.0, t), t))
    xl = _e("where", left, t, 0.25)
    r = _e("subtract", xl, _e("rint", xl))
    cot = _e("true_divide", math.pi, _e("tan", multiply(math.pi, r)))
    reflected = _e("subtract", pos, cot)
    pole = _e("logical_and", left, _e("equal", r, 0.0))
    out = _e("where", left, _e("where", pole, math.nan, reflected), pos)
    out = _e("where", _e("equal", t, math.inf), math.inf, out)
    out = _e("where", _e("equal", t, -math.inf), math.nan, out)
    return _done(out, dtype)
