"""``jax.scipy.special``'s exponential integrals: ``exp1``, ``expi`` and ``expn``.

* ``E_n(x)`` for ``x <= 1``: the power series
  ``(-x)**(n-1) / (n-1)! (psi(n) - log x) - sum_{k != n-1} (-x)**k / ((k - n + 1) k!)``
  (24 terms; ``n`` is an array, so the skipped term is masked);
* ``E_n(x)`` for ``x > 1``: the continued fraction
  ``exp(-x) / (x + n - 1 n / (x + n + 2 - 2 (n + 1) / (x + n + 4 - ...)))`` evaluated from
  a fixed depth of 100 (exact to rounding at ``x = 1``, faster above);
* ``Ei(x)`` for ``0 < x <= 40``: ``gamma + log x + sum x**k / (k k!)`` (all terms
  positive; 120 of them reach ``x = 40``), above 40 the asymptotic series
  ``exp(x) / x sum k! / x**k`` to its smallest term; ``Ei(-x) = -E_1(x)``.

JAX's conventions: nan for ``n < 0``, non-integer ``n`` (SciPy truncates it) or ``x < 0``
(``expn``/``exp1``), ``inf`` at ``x = 0``
for ``n < 2`` and ``1 / (n - 1)`` above, ``exp(-x) / x`` for ``n = 0``. The derivatives are
JAX's: ``dE_n/dx = -E_{n-1}(x)``, ``dEi/dx = exp(x) / x`` (``n`` has none).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...errors import ArgumentValueError
from ...lax.custom_rule import ruled as _ruled
from ...lax.operands import promote_args_inexact as _jax_float
from ...lax.special_approximations import digamma, gammaln, series
from ...primitives.contraction import multiply
from ...primitives.elementwise import elementwise
from ...primitives.shape import astype
from ...tracing.build import Value, lift, trace_of
from ...tracing.tracer import Tracer
from ...transforms.jit import staged_export

EULER_GAMMA = 0.57721566490153286061
_SERIES_TERMS = 24
_FRACTION_DEPTH = 100
_EI_SERIES_TERMS = 120
_EI_ASYMPTOTIC_FROM = 40.0


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


def _real(name: str, *args: Value) -> list[Tracer]:
    trace = trace_of(args)
    if any(isinstance(a, complex) or lift(a, trace).dtype.kind == "c" for a in args):
        raise ArgumentValueError(f"{name} does not support complex-valued inputs.")
    return list(_jax_float(*args))


def _expn_series(n: Tracer, x: Tracer) -> Tracer:
    """E_n(x) for 0 < x <= 1 and integer n >= 1 (the caller clamps)."""
    coef = []
    fact = 1.0
    for k in range(_SERIES_TERMS):
        if k:
            fact *= k
        shift = _e("subtract", float(k + 1), n)  # k - n + 1
        skip = _e("equal", shift, 0.0)
        coef.append(_e("where", skip, 0.0, _e("true_divide", (-1.0) ** k / fact, shift)))
    total: Any = coef[-1]
    for c in coef[-2::-1]:
        total = _e("add", multiply(total, x), c)
    m = _e("subtract", n, 1.0)  # the skipped term (-x)**m / m! (psi(n) - log x)
    lead = _e(
        "exp", _e("subtract", multiply(m, _e("log", x)), gammaln(n))
    )  # x**m / m!, finite as x**m underflows
    sign = _e("where", _e("equal", _e("fmod", m, 2.0), 0.0), 1.0, _e("negative", _e("sign", x)))
    lead = multiply(multiply(sign, lead), _e("subtract", digamma(n), _e("log", x)))
    return _e("subtract", lead, total)


def _expn_fraction(n: Tracer, x: Tracer) -> Tracer:
    """E_n(x) for x > 1 (the caller clamps), by the continued fraction from the bottom."""
    base = _e("add", x, n)
    f: Any = _e("add", base, float(2 * _FRACTION_DEPTH))
    for j in range(_FRACTION_DEPTH, 0, -1):
        num = multiply(float(j), _e("add", n, float(j - 1)))
        f = _e("subtract", _e("add", base, float(2 * (j - 1))), _e("true_divide", num, f))
    return _e("true_divide", _e("exp", _e("negative", x)), f)


def _expn(n: Tracer, x: Tracer) -> Tracer:
    positive = _e("greater", n, 0.0)
    small = _e("less_equal", x, 1.0)
    ns = _e("where", positive, n, 1.0)
    xs = _e("where", _e("logical_and", small, _e("greater", x, 0.0)), x, 0.5)
    xl = _e("where", small, 2.0, x)
    out = _e("where", small, _expn_series(ns, xs), _expn_fraction(ns, xl))
    out = _e("where", positive, out, _e("true_divide", _e("exp", _e("negative", x)), x))
    at_zero = _e(
        "where",
        _e("less", n, 2.0),
        math.inf,
        _e("true_divide", 1.0, _e("subtract", _e("maximum", n, 2.0), 1.0)),
    )
    out = _e("where", _e("equal", x, 0.0), at_zero, out)
    bad = _e("logical_or", _e("less", n, 0.0), _e("less", x, 0.0))
    bad = _e("logical_or", bad, _e("not_equal", n, _e("floor", n)))
    return _e("where", bad, math.nan, out)


def _expn_ruled(n: Tracer, x: Tracer) -> Tracer:
    def rule(k: int, xs: list[Tracer], z: Tracer) -> list[Any] | None:
        if k == 0:
            return None
        return [_e("negative", _expn_ruled(_e("subtract", xs[0], 1.0), xs[1]))]

    return _ruled("expn", _expn, [n, x], rule)


@staged_export
def expn(n: Value, x: Value) -> Tracer:
    """The generalised exponential integral ``E_n(x)``, as ``jax.scipy.special.expn``."""
    tn, tx = _real("expn", n, x)
    return _expn_ruled(tn, tx)


@staged_export
def exp1(x: Value) -> Tracer:
    """The exponential integral ``E_1(x)``, as ``jax.scipy.special.exp1`` (nan for x < 0)."""
    (t,) = _real("exp1", x)
    return _expn_ruled(_e("add", multiply(t, 0.0), 1.0), t)


def _expi(x: Tracer) -> Tracer:
    a = _e("absolute", x)
    # 0 < x <= 40: gamma + log x + sum_k x**k / (k k!), by Horner
    xs = _e("where", _e("logical_and", _e("greater", x, 0.0), _e("less_equal", x, 40.0)), x, 1.0)
    coef = []
    fact = 1.0
    for k in range(1, _EI_SERIES_TERMS + 1):
        fact *= k
        coef.append(1.0 / (k * fact))
    power = _e("add", _e("add", EULER_GAMMA, _e("log", xs)), multiply(series(tuple(coef), xs), xs))
    # x > 40: exp(x) / x sum_{k <= 40} k! / x**k (its smallest term is below 1e-16)
    xb = _e("where", _e("greater", x, _EI_ASYMPTOTIC_FROM), x, 2 * _EI_ASYMPTOTIC_FROM)
    inv = _e("true_divide", 1.0, xb)
    tail: Any = 1.0
    for k in range(int(_EI_ASYMPTOTIC_FROM), 0, -1):
        tail = _e("add", 1.0, multiply(multiply(float(k), inv), tail))
    # exp(x / 2)**2 keeps the product finite until the value itself overflows
    half = _e("exp", multiply(0.5, xb))
    asym = multiply(multiply(half, multiply(half, inv)), tail)
    positive = _e("where", _e("greater", x, _EI_ASYMPTOTIC_FROM), asym, power)
    negative = _e("negative", _expn(_e("add", multiply(x, 0.0), 1.0), a))
    out = _e("where", _e("less", x, 0.0), negative, positive)
    out = _e("where", _e("equal", x, 0.0), -math.inf, out)
    out = _e("where", _e("isinf", x), _e("where", _e("greater", x, 0.0), x, 0.0), out)
    return _e("where", _e("isnan", x), x, out)


@staged_export
def expi(x: Value) -> Tracer:
    """The exponential integral ``Ei(x)``, as ``jax.scipy.special.expi``."""
    (t,) = _real("expi", x)

    def rule(k: int, xs: list[Tracer], z: Tracer) -> list[Any]:
        return [_e("true_divide", _e("exp", xs[0]), xs[0])]

    # float32 runs in float64: its series' coefficients 1 / (k k!) underflow past k = 33
    value = lambda v: astype(_expi(astype(v, np.float64)), v.dtype)  # noqa: E731
    return _ruled("expi", value if t.dtype == np.float32 else _expi, [t], rule)
