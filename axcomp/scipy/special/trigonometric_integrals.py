"""``jax.scipy.special``'s oscillatory integrals: ``sici`` (the sine and cosine integrals)
and ``fresnel`` (the Fresnel integrals ``S``, ``C``).

* ``sici`` for ``|x| <= 3``: the power series ``Si = sum (-1)**k x**(2k+1) / ((2k+1)
  (2k+1)!)``, ``Ci = gamma + log x + sum_{k>=1} (-1)**k x**(2k) / (2k (2k)!)``; above, from
  ``E_1(i x) = -Ci(x) + i (Si(x) - pi / 2)`` with ``E_1``'s continued fraction evaluated in
  real arithmetic from depth 60; past 1e100 the leading asymptotic terms. ``Si`` is odd,
  ``Ci(-x) = Ci(x)`` (SciPy's real part), ``Ci(-inf)`` nan.
* ``fresnel`` for ``|x| <= 1.8``: the power series in ``(pi / 2)**2 x**4``; above,
  ``C + i S = (1 + i) / 2 (1 - exp(i pi x**2 / 2) w((1 + i) sqrt(pi) / 2 x))`` with the
  Faddeeva function ``w``; the phase is reduced from the exact square of ``x`` (split in
  halves), so it stays right for large ``x``.

Derivatives are the closed forms JAX uses: ``Si' = sinc``, ``Ci' = cos x / x``,
``S' = sin(pi x**2 / 2)``, ``C' = cos(pi x**2 / 2)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...lax.custom_rule import ruled as _ruled
from ...lax.operands import promote_args_inexact as _jax_float
from ...lax.special_approximations import series
from ...primitives.contraction import multiply
from ...primitives.elementwise import elementwise
from ...primitives.shape import astype
from ...tracing.build import Value
from ...tracing.tracer import Tracer
from ...transforms.jit import staged_export
from .exponential_integrals import EULER_GAMMA
from .faddeeva import faddeeva

_SICI_SERIES_BELOW = 3.0
_SICI_TERMS = 20
_SICI_DEPTH = 60
_SICI_ASYMPTOTIC_FROM = 1e100
_FRESNEL_SERIES_BELOW = 1.8
_FRESNEL_TERMS = 22


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


def _sici_abs(a: Tracer) -> tuple[Tracer, Tracer]:
    """(Si(a), Ci(a)) for a = |x| >= 0."""
    small = _e("less_equal", a, _SICI_SERIES_BELOW)
    xs = _e("where", _e("logical_and", small, _e("greater", a, 0.0)), a, 1.0)
    u = multiply(xs, xs)
    si_coef = [(-1.0) ** k / ((2 * k + 1) * math.factorial(2 * k + 1)) for k in range(_SICI_TERMS)]
    ci_coef = [(-1.0) ** k / (2 * k * math.factorial(2 * k)) for k in range(1, _SICI_TERMS + 1)]
    si_small = multiply(xs, series(tuple(si_coef), u))
    ci_small = _e(
        "add", _e("add", EULER_GAMMA, _e("log", xs)), multiply(u, series(tuple(ci_coef), u))
    )
    # E_1(i x) = exp(-i x) / f, f = i x + 1 - 1 / (i x + 3 - 4 / (i x + 5 - ...)); f = p + i q
    huge = _e("greater", a, _SICI_ASYMPTOTIC_FROM)
    xl = _e("where", _e("logical_or", small, huge), 2 * _SICI_SERIES_BELOW, a)
    p: Any = float(2 * _SICI_DEPTH + 1)
    q: Any = xl
    for j in range(_SICI_DEPTH, 0, -1):
        d = _e("add", multiply(p, p), multiply(q, q))
        r = _e("true_divide", float(j * j), d)
        p, q = _e("subtract", float(2 * j - 1), multiply(r, p)), _e("add", xl, multiply(r, q))
    d = _e("add", multiply(p, p), multiply(q, q))
    c, s = _e("cos", xl), _e("sin", xl)
    e1_re = _e("true_divide", _e("subtract", multiply(c, p), multiply(s, q)), d)
    e1_im = _e("negative", _e("true_divide", _e("add", multiply(c, q), multiply(s, p)), d))
    si_big = _e("add", e1_im, math.pi / 2)
    ci_big = _e("negative", e1_re)
    xh = _e("where", huge, a, 2 * _SICI_ASYMPTOTIC_FROM)
    si_huge = _e("subtract", math.pi / 2, _e("true_divide", _e("cos", xh), xh))
    ci_huge = _e("true_divide", _e("sin", xh), xh)
    si_huge = _e("where", _e("isinf", xh), math.pi / 2, si_huge)
    ci_huge = _e("where", _e("isinf", xh), 0.0, ci_huge)
    si = _e("where", small, si_small, _e("where", huge, si_huge, si_big))
    si = _e("where", _e("equal", a, 0.0), a, si)
    ci = _e("where", small, ci_small, _e("where", huge, ci_huge, ci_big))
    ci = _e("where", _e("equal", a, 0.0), -math.inf, ci)
    return _e("where", _e("isnan", a), a, si), _e("where", _e("isnan", a), a, ci)


def _si(x: Tracer) -> Tracer:
    si, _ = _sici_abs(_e("absolute", x))
    return _e("copysign", si, x)


def _ci(x: Tracer) -> Tracer:
    _, ci = _sici_abs(_e("absolute", x))
    return _e("where", _e("equal", x, -math.inf), math.nan, ci)


@staged_export
def sici(x: Value) -> tuple[Tracer, Tracer]:
    """The sine and cosine integrals ``(Si(x), Ci(x))``, as ``jax.scipy.special.sici``."""
    (t,) = _jax_float(x)

    def si_rule(k: int, xs: list[Tracer], z: Tracer) -> list[Any]:
        v = xs[0]
        zero = _e("equal", v, 0.0)
        vs = _e("where", zero, 1.0, v)
        return [_e("where", zero, 1.0, _e("true_divide", _e("sin", vs), vs))]

    def ci_rule(k: int, xs: list[Tracer], z: Tracer) -> list[Any]:
        return [_e("true_divide", _e("cos", xs[0]), xs[0])]

    return _ruled("sici_si", _si, [t], si_rule), _ruled("sici_ci", _ci, [t], ci_rule)


def _half_pi_square_phase(a: Tracer) -> Tracer:
    """pi / 2 (a**2 mod 4), from the exact square: a = hi + lo with hi of half the mantissa."""
    split = 4097.0 if a.dtype == np.float32 else 134217729.0
    big = _e("multiply", a, split)
    hi = _e("subtract", big, _e("subtract", big, a))
    lo = _e("subtract", a, hi)
    t = _e(
        "add", _e("fmod", multiply(hi, hi), 4.0), _e("fmod", multiply(multiply(2.0, hi), lo), 4.0)
    )
    return multiply(math.pi / 2, _e("add", t, multiply(lo, lo)))


def _fresnel_abs(a: Tracer) -> tuple[Tracer, Tracer]:
    """(S(a), C(a)) for a = |x| >= 0."""
    small = _e("less_equal", a, _FRESNEL_SERIES_BELOW)
    xs = _e("where", small, a, 0.0)
    x2 = multiply(xs, xs)
    v = multiply((math.pi / 2) ** 2, multiply(x2, x2))
    s_coef = [
        (-1.0) ** k / (math.factorial(2 * k + 1) * (4 * k + 3)) for k in range(_FRESNEL_TERMS)
    ]
    c_coef = [(-1.0) ** k / (math.factorial(2 * k) * (4 * k + 1)) for k in range(_FRESNEL_TERMS)]
    s_small = multiply(multiply(math.pi / 2, multiply(x2, xs)), series(tuple(s_coef), v))
    c_small = multiply(xs, series(tuple(c_coef), v))
    # C + i S = (1 + i) / 2 (1 - q), q = exp(i phi) w(z), z = (1 + i) sqrt(pi) / 2 a
    xl = _e("where", _e("logical_or", small, _e("isinf", a)), 2 * _FRESNEL_SERIES_BELOW, a)
    complex_dtype = np.complex64 if a.dtype == np.float32 else np.complex128
    z = multiply(astype(xl, complex_dtype), (1 + 1j) * math.sqrt(math.pi) / 2)
    w = faddeeva(z)
    wr, wi = _e("real", w), _e("imag", w)
    phi = _half_pi_square_phase(xl)
    c, s = _e("cos", phi), _e("sin", phi)
    qr = _e("subtract", multiply(c, wr), multiply(s, wi))
    qi = _e("add", multiply(s, wr), multiply(c, wi))
    c_big = multiply(0.5, _e("add", _e("subtract", 1.0, qr), qi))
    s_big = multiply(0.5, _e("subtract", _e("subtract", 1.0, qr), qi))
    c_big = _e("where", _e("isinf", a), 0.5, c_big)
    s_big = _e("where", _e("isinf", a), 0.5, s_big)
    s_out = _e("where", small, s_small, s_big)
    c_out = _e("where", small, c_small, c_big)
    return _e("where", _e("isnan", a), a, s_out), _e("where", _e("isnan", a), a, c_out)


def _fresnel_s(x: Tracer) -> Tracer:
    s, _ = _fresnel_abs(_e("absolute", x))
    return _e("copysign", s, x)


def _fresnel_c(x: Tracer) -> Tracer:
    _, c = _fresnel_abs(_e("absolute", x))
    return _e("copysign", c, x)


@staged_export
def fresnel(x: Value) -> tuple[Tracer, Tracer]:
    """The Fresnel integrals ``(S(x), C(x))`` of ``sin``/``cos(pi t**2 / 2)``, as
    ``jax.scipy.special.fresnel``."""
    (t,) = _jax_float(x)

    def s_rule(k: int, xs: list[Tracer], z: Tracer) -> list[Any]:
        return [_e("sin", _half_pi_square_phase(_e("absolute", xs[0])))]

    def c_rule(k: int, xs: list[Tracer], z: Tracer) -> list[Any]:
        return [_e("cos", _half_pi_square_phase(_e("absolute", xs[0])))]

    return _ruled("fresnel_s", _fresnel_s, [t], s_rule), _ruled(
        "fresnel_c", _fresnel_c, [t], c_rule
    )
