"""The Faddeeva function ``wofz(z) = exp(-z**2) erfc(-i z)`` and Dawson's integral
``dawsn``, as ``jax.scipy.special``'s.

* ``w(z)`` in the upper half plane, ``|z| < 8``: Weideman's rational approximation
  (SIAM J. Numer. Anal. 31, 1994) with 40 terms,
  ``w(z) ~ 2 p(Z) / (L - i z)**2 + 1 / (sqrt(pi) (L - i z))``, ``Z = (L + i z) / (L - i z)``,
  ``L = sqrt(N / sqrt 2)``; the coefficients of ``p`` are the FFT of
  ``exp(-t**2) (L**2 + t**2)`` at ``t = L tan(theta / 2)``, computed here once (about
  1e-14 relative, against SciPy, up to |z| = 8);
* ``|z| >= 8``: Laplace's continued fraction
  ``i / sqrt(pi) / (z - 1/2 / (z - 1 / (z - 3/2 / ...)))`` from depth 20;
* the lower half plane by ``w(z) = 2 exp(-z**2) - w(-z)`` (which overflows where
  ``exp(-z**2)`` does, as SciPy's).

``dawsn(x) = sqrt(pi) / 2 Im w(x)``; its Taylor series
``sum (-1)**k 2**k x**(2k+1) / (2k+1)!!`` below |x| = 1 keeps the relative accuracy that the
imaginary part of ``w`` loses as x -> 0. Derivatives are JAX's: ``w' = -2 z w + 2 i /
sqrt(pi)`` (holomorphic) and ``D' = 1 - 2 x D``.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from ...lax.custom_rule import ruled as _ruled
from ...lax.operands import promote_args_inexact as _jax_float
from ...lax.special_approximations import series
from ...primitives.contraction import multiply
from ...primitives.elementwise import elementwise
from ...primitives.shape import astype
from ...tracing.build import Value, lift, trace_of
from ...tracing.tracer import Tracer
from ...transforms.jit import staged_export

_WEIDEMAN_N = 40
_WEIDEMAN_L = math.sqrt(_WEIDEMAN_N / math.sqrt(2.0))
_FRACTION_FROM = 8.0
_FRACTION_DEPTH = 20
_DAWSON_SERIES_BELOW = 1.0
_DAWSON_TERMS = 28
_INV_SQRT_PI = 1 / math.sqrt(math.pi)


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


@functools.cache
def _weideman_coefficients() -> tuple[float, ...]:
    """The coefficients of p, lowest power first, real by symmetry."""
    n = _WEIDEMAN_N
    m = 2 * n
    k = np.arange(-m + 1, m)
    t = _WEIDEMAN_L * np.tan(k * np.pi / m / 2)
    f = np.concatenate([[0.0], np.exp(-(t**2)) * (_WEIDEMAN_L**2 + t**2)])
    a = np.real(np.fft.fft(np.fft.fftshift(f))) / (2 * m)
    return tuple(float(c) for c in a[1 : n + 1])


def _w_upper(z: Tracer) -> Tracer:
    """w(z) for Im z >= 0 (complex z)."""
    near = _e("less", _e("absolute", z), _FRACTION_FROM)
    zn = _e("where", near, z, 0.0)
    iz = multiply(1j, zn)
    den = _e("subtract", _WEIDEMAN_L, iz)
    big_z = _e("true_divide", _e("add", _WEIDEMAN_L, iz), den)
    p = series(_weideman_coefficients(), big_z)
    rational = _e(
        "add",
        _e("true_divide", multiply(2.0, p), multiply(den, den)),
        _e("true_divide", _INV_SQRT_PI, den),
    )
    zf = _e("where", near, 2.0 * _FRACTION_FROM, z)
    f: Any = zf
    for k in range(_FRACTION_DEPTH, 0, -1):
        f = _e("subtract", zf, _e("true_divide", 0.5 * k, f))
    fraction = _e("true_divide", 1j * _INV_SQRT_PI, f)
    return _e("where", near, rational, fraction)


def faddeeva(z: Tracer) -> Tracer:
    """w(z) on the whole plane (complex z; no derivative rule: see ``wofz``)."""
    upper = _e("greater_equal", _e("imag", z), 0.0)
    zu = _e("where", upper, z, _e("negative", z))
    w = _w_upper(zu)
    zl = _e("where", upper, 0.0, z)
    # e + e, not 2 * e: a complex product with inf * 0 terms would make nan of overflow
    e = _e("exp", _e("negative", multiply(zl, zl)))
    lower = _e("subtract", _e("add", e, e), w)
    return _e("where", upper, w, lower)


def _complex_of(t: Tracer) -> Tracer:
    if t.dtype.kind == "c":
        return t
    return astype(t, np.complex64 if t.dtype == np.float32 else np.complex128)


@staged_export
def wofz(z: Value) -> Tracer:
    """The Faddeeva function ``exp(-z**2) erfc(-i z)``, as ``jax.scipy.special.wofz`` (real
    input gives a complex result of the matching precision)."""
    c = lift(z, trace_of((z,)))
    if c.dtype.kind != "c":
        (t,) = _jax_float(z)
        c = _complex_of(t)

    def rule(k: int, xs: list[Tracer], w: Tracer) -> list[Any]:
        return [_e("add", multiply(multiply(-2.0, xs[0]), w), 2j * _INV_SQRT_PI)]

    return _ruled("wofz", faddeeva, [c], rule)


def _dawsn(x: Tracer) -> Tracer:
    a = _e("absolute", x)
    small = _e("less", a, _DAWSON_SERIES_BELOW)
    xs = _e("where", small, x, 0.0)
    u = multiply(xs, xs)
    coef = []
    term = 1.0
    for k in range(_DAWSON_TERMS):
        coef.append(term)
        term *= -2.0 / (2 * k + 3)
    near = multiply(series(tuple(coef), u), xs)
    xl = _e("where", small, 2.0, x)
    w = faddeeva(_complex_of(xl))
    far = multiply(0.5 * math.sqrt(math.pi), _e("imag", w))
    far = _e("where", _e("isinf", xl), _e("copysign", 0.0, xl), far)
    return _e("where", small, near, far)


@staged_export
def dawsn(x: Value) -> Tracer:
    """Dawson's integral ``exp(-x**2) integral_0^x exp(t**2) dt``, as
    ``jax.scipy.special.dawsn``."""
    (t,) = _jax_float(x)

    def rule(k: int, xs: list[Tracer], z: Tracer) -> list[Any]:
        return [_e("subtract", 1.0, multiply(multiply(2.0, xs[0]), z))]

    return _ruled("dawsn", _dawsn, [t], rule)
