"""``jax.scipy.special``'s Bessel functions: ``i0e``/``i1e`` (``lax.bessel_i0e``/
``bessel_i1e`` with JAX's promotion to an inexact type), ``i0``/``i1``, which are
``i0e``/``i1e`` times ``exp(|x|)``, and ``bessel_jn``, the orders ``J_0 .. J_v`` at once.

``bessel_jn`` on ``a = |z|`` (``J_n(-z) = (-1)**n J_n(z)``), in three ranges:

* ``a <= 5``: the power series of ``J_v`` and ``J_{v-1}``, then the recurrence
  ``J_{n-1} = 2n / a J_n - J_{n+1}`` downwards (the stable direction);
* ``5 < a <= max(25, v)``: Miller's algorithm, the same recurrence from order
  ``max(25, v) + 60`` (started at 1e-280, so it stays finite) normalised by
  ``J_0 + 2 J_2 + 2 J_4 + ... = 1``;
* above: Hankel's asymptotic expansions of ``J_0`` and ``J_1`` (8 terms, below rounding
  once a > 25) and the recurrence upwards, stable while n < a.

The result is about 1e-16 absolute against SciPy (relative, away from the zeros);
``n_iter`` is accepted for JAX's signature (whose Miller start it sets), the accuracy here
does not depend on it. Derivatives come from the composition.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...errors import ArgumentValueError
from ...lax.operands import promote_args_inexact as _jax_float
from ...lax.special import bessel_i0e, bessel_i1e
from ...lax.special_approximations import series
from ...primitives.contraction import multiply
from ...primitives.elementwise import elementwise
from ...primitives.shape import astype, stack
from ...tracing.build import Value
from ...tracing.tracer import Tracer
from ...transforms.jit import staged_export


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


@staged_export
def i0e(x: Value) -> Tracer:
    """``jax.scipy.special.i0e``: ``exp(-|x|) I0(x)``."""
    return bessel_i0e.traced(*_jax_float(x))


@staged_export
def i1e(x: Value) -> Tracer:
    """``jax.scipy.special.i1e``: ``exp(-|x|) I1(x)``."""
    return bessel_i1e.traced(*_jax_float(x))


@staged_export
def i0(x: Value) -> Tracer:
    """The modified Bessel function ``I0``, as ``jax.scipy.special.i0``."""
    (t,) = _jax_float(x)
    return multiply(bessel_i0e(t), _e("exp", _e("absolute", t)))


@staged_export
def i1(x: Value) -> Tracer:
    """The modified Bessel function ``I1``, as ``jax.scipy.special.i1``."""
    (t,) = _jax_float(x)
    return multiply(bessel_i1e(t), _e("exp", _e("absolute", t)))


_SERIES_BELOW = 5.0
_SERIES_TERMS = 20
_MILLER_FROM = 25.0
_MILLER_EXTRA = 60
_HANKEL_TERMS = 8


def _bessel_series(m: int, a: Tracer) -> Tracer:
    """J_m(a) = (a/2)**m / m! sum_k (-a**2/4)**k / (k! (m+1)...(m+k)), for a <= 5."""
    coef = []
    c = 1.0
    for k in range(_SERIES_TERMS):
        coef.append(c)
        c *= -0.25 / ((k + 1) * (m + k + 1))
    acc = series(tuple(coef), multiply(a, a))
    lead: Any = 1.0  # (a/2)**m / m! as a product: no exp(m log(a/2)) rounding
    half = multiply(a, 0.5)
    for j in range(1, m + 1):
        lead = multiply(lead, _e("true_divide", half, float(j)))
    return multiply(lead, acc) if m else acc


def _hankel(nu: int, a: Tracer) -> Tracer:
    """J_nu(a), nu in {0, 1}, a > 25: sqrt(2 / (pi a)) (P cos chi - Q sin chi)."""
    mu = 4.0 * nu * nu
    ak = [1.0]
    for k in range(1, 2 * _HANKEL_TERMS + 1):
        ak.append(ak[-1] * (mu - (2 * k - 1) ** 2) / (8 * k))
    inv = _e("true_divide", 1.0, a)
    w = multiply(inv, inv)
    p_coef = [(-1.0) ** k * ak[2 * k] for k in range(_HANKEL_TERMS)]
    q_coef = [(-1.0) ** k * ak[2 * k + 1] for k in range(_HANKEL_TERMS)]
    p = series(tuple(p_coef), w)
    q = multiply(series(tuple(q_coef), w), inv)
    c, s = _e("cos", a), _e("sin", a)
    # chi = a - pi/4 (nu = 0) or a - 3 pi/4 (nu = 1), expanded so cos/sin see a itself
    if nu == 0:
        cos_chi, sin_chi = _e("add", c, s), _e("subtract", s, c)
    else:
        cos_chi, sin_chi = _e("subtract", s, c), _e("negative", _e("add", s, c))
    amp = _e("sqrt", _e("true_divide", 1.0 / math.pi, a))  # sqrt(2/(pi a)) / sqrt(2)
    return multiply(amp, _e("subtract", multiply(p, cos_chi), multiply(q, sin_chi)))


def _bessel_orders(v: int, a: Tracer) -> list[Tracer]:
    """[J_0(a), ..., J_v(a)] for a = |z| >= 0."""
    top = max(_MILLER_FROM, float(v))
    small = _e("less_equal", a, _SERIES_BELOW)
    big = _e("greater", a, top)
    # a <= 5: series at the top one or two orders, then downwards
    xa = _e("where", _e("logical_and", small, _e("greater", a, 0.0)), a, 1.0)
    low: list[Any] = [None] * (v + 1)
    low[v] = _bessel_series(v, xa)
    if v >= 1:
        low[v - 1] = _bessel_series(v - 1, xa)
    for n in range(v - 1, 0, -1):
        low[n - 1] = _e("subtract", multiply(_e("true_divide", 2.0 * n, xa), low[n]), low[n + 1])
    # Miller: downwards from order top + 60, normalised by J_0 + 2 sum J_2k = 1
    xb = _e("where", _e("logical_or", small, big), 10.0, a)
    start = int(top) + _MILLER_EXTRA
    prev: Any = 0.0
    cur: Any = _e("add", multiply(xb, 0.0), 1e-280)
    norm: Any = 0.0
    mid: list[Any] = [None] * (v + 1)
    for n in range(start, 0, -1):
        prev, cur = cur, _e("subtract", multiply(_e("true_divide", 2.0 * n, xb), cur), prev)
        if n - 1 <= v:
            mid[n - 1] = cur
        if n - 1 > 0 and (n - 1) % 2 == 0:
            norm = _e("add", norm, multiply(2.0, cur))
    norm = _e("add", norm, cur)
    mid = [_e("true_divide", f, norm) for f in mid]
    # a > top: Hankel for J_0, J_1, then upwards
    xc = _e("where", big, a, 2 * top)
    high: list[Any] = [_hankel(0, xc)]
    if v >= 1:
        high.append(_hankel(1, xc))
    for n in range(1, v):
        high.append(_e("subtract", multiply(_e("true_divide", 2.0 * n, xc), high[n]), high[n - 1]))
    out = []
    for n in range(v + 1):
        value = _e("where", small, low[n], _e("where", big, high[n], mid[n]))
        value = _e("where", _e("equal", a, 0.0), 1.0 if n == 0 else 0.0, value)
        value = _e("where", _e("isinf", a), 0.0, value)
        out.append(_e("where", _e("isnan", a), a, value))
    return out


@staged_export
def bessel_jn(z: Value, *, v: int, n_iter: int = 50) -> Tracer:
    """The Bessel functions of the first kind ``J_0(z) .. J_v(z)``, stacked on a new
    leading axis, as ``jax.scipy.special.bessel_jn``."""
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
        raise ArgumentValueError(f"bessel_jn: v must be a non-negative int, got {v!r}")
    if isinstance(n_iter, bool) or not isinstance(n_iter, (int, np.integer)) or n_iter < 1:
        raise ArgumentValueError(f"bessel_jn: n_iter must be a positive int, got {n_iter!r}")
    (t,) = _jax_float(z)
    # float32 runs in float64 (Miller's recurrence grows past float32's range) and rounds back
    wide = astype(t, np.float64) if t.dtype == np.float32 else t
    orders = [astype(f, t.dtype) for f in _bessel_orders(int(v), _e("absolute", wide))]
    negative = _e("less", t, 0.0)
    signed = [
        f if n % 2 == 0 else _e("where", negative, _e("negative", f), f)
        for n, f in enumerate(orders)
    ]
    return stack(signed, axis=0)
