"""``jax.scipy.special``'s hypergeometric functions: ``hyp1f1`` (Kummer's ``M``) and
``hyp2f1`` (Gauss's ``F``).

``hyp1f1``:

* ``x < 0`` goes through Kummer's transformation ``M(a, b, x) = exp(x) M(b - a, b, -x)``,
  so the series below sums terms of one sign once past its first ``b - a`` ones;
* ``0 <= y <= 100``: the power series ``sum (a)_k / (b)_k y**k / k!``, 360 terms;
* ``y > 100``: the asymptotic series
  ``Gamma(b) / Gamma(a) exp(y) y**(a - b) sum_k (b - a)_k (1 - a)_k / (k! y**k)`` (60 terms),
  formed in logarithms so ``exp(x) exp(y)`` cancels exactly after Kummer's step (where
  ``a`` is a non-positive integer the series terminates and is used instead).

About 1e-14 relative against SciPy for real ``a`` and ``b > 0`` up to about 40 and any real
``x`` where ``b >= a`` or ``x >= 0`` (for ``a > b`` and ``x < 0`` the value is a small
difference of large terms and loses digits, as JAX's series does); JAX's conventions:
``1`` where ``a = 0`` (also for ``b = 0``), ``exp(x)`` where ``a = b``, ``inf`` where
``b = 0``; complex inputs raise ``ValueError``; float32 is computed in float64.
Derivatives in ``a``, ``b`` and ``x`` come from the composition
(``dM/dx = a / b M(a + 1, b + 1, x)`` to rounding).

``hyp2f1`` on ``x <= 1``:

* ``x < 0``: Pfaff's ``F(a, b; c; x) = (1 - x)**(-a) F(a, c - b; c; x / (x - 1))``, so the
  series always sees ``0 <= w < 1``; then, where ``c - a - b < 0``, Euler's
  ``F(a, b; c; w) = (1 - w)**(c-a-b) F(c - a, c - b; c; w)``;
* ``w <= 0.85``: the power series ``sum (a)_k (b)_k / (c)_k w**k / k!`` (300 terms);
* ``w > 0.85``: the ``1 - w`` connection formula
  ``Gamma(c) Gamma(m) / (Gamma(c-a) Gamma(c-b)) F(a, b; 1-m; 1-w) + (1-w)**m Gamma(c)
  Gamma(-m) / (Gamma(a) Gamma(b)) F(c-a, c-b; 1+m; 1-w)``, ``m = c - a - b``; it is
  singular where ``m`` is an integer, and within 1e-6 of one the series is used instead
  (its terms fall like ``k**(-m-1) w**k``: fewer digits past w = 0.9, and for m = 0 or 1
  as w -> 1);
* ``x = 1``: Gauss's ``Gamma(c) Gamma(m) / (Gamma(c-a) Gamma(c-b))`` for ``m > 0``, ``inf``
  otherwise; ``inf`` for ``x > 1`` and for ``c`` a non-positive integer (JAX's ``+inf``; SciPy
  signs some of these); ``1`` at ``x = 0`` and
  where ``a`` or ``b`` is 0 (JAX's and SciPy's conventions). Derivatives come from the
  composition.

Accuracy (against 40-digit series where SciPy itself is off): about 1e-14, down to about
2e-12 where the series' terms are far larger than the sum (``|a|, |b|`` large against
``c``), and fewer digits in the logarithmic cases above.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

import numpy as np

from ...errors import ArgumentValueError
from ...lax.operands import promote_args_inexact as _jax_float
from ...lax.special_approximations import gammaln
from ...primitives.contraction import multiply
from ...primitives.elementwise import elementwise
from ...primitives.shape import astype
from ...tracing.build import Value, lift, trace_of
from ...tracing.tracer import Tracer
from ...transforms.jit import staged_export
from .gamma_functions import gammasgn

_SERIES_UP_TO = 100.0
_SERIES_TERMS = 360
_ASYMPTOTIC_TERMS = 60


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


def _in_float64(fn: Callable[..., Tracer], *args: Tracer) -> Tracer:
    """float32 runs in float64 (the series' partial sums pass float32's range) and rounds
    back."""
    dtype = args[0].dtype
    if dtype != np.float32:
        return fn(*args)
    return astype(fn(*(astype(a, np.float64) for a in args)), dtype)


def _series(a: Tracer, b: Tracer, y: Tracer) -> Tracer:
    """sum_k (a)_k / (b)_k y**k / k!, term by term."""
    total: float | Tracer = 1.0
    term: float | Tracer = 1.0
    for k in range(_SERIES_TERMS):
        ratio = _e("true_divide", _e("add", a, float(k)), _e("add", b, float(k)))
        term = multiply(term, multiply(ratio, multiply(y, 1.0 / (k + 1))))
        total = _e("add", total, term)
    return cast(Tracer, total)  # (a Tracer from the first term on)


def _asymptotic_log(a: Tracer, b: Tracer, y: Tracer) -> tuple[Tracer, Tracer, Tracer]:
    """(sign, log magnitude without exp(y), series) of M(a, b, y) ~ Gamma(b) / Gamma(a)
    exp(y) y**(a - b) S for large y."""
    total: Any = 1.0
    term: Any = 1.0
    inv = _e("true_divide", 1.0, y)
    for k in range(_ASYMPTOTIC_TERMS):
        step = multiply(_e("add", _e("subtract", b, a), float(k)), _e("subtract", float(1 + k), a))
        term = multiply(term, multiply(step, multiply(inv, 1.0 / (k + 1))))
        total = _e("add", total, term)
    sign = multiply(gammasgn(b), gammasgn(a))
    log = _e(
        "add",
        _e("subtract", gammaln(b), gammaln(a)),
        multiply(_e("subtract", a, b), _e("log", y)),
    )
    return sign, log, total


def _hyp1f1(a: Tracer, b: Tracer, x: Tracer) -> Tracer:
    kummer = _e("less", x, 0.0)
    alpha = _e("where", kummer, _e("subtract", b, a), a)
    y = _e("absolute", x)
    near = _e("less_equal", y, _SERIES_UP_TO)
    terminating = _e(
        "logical_and", _e("less_equal", alpha, 0.0), _e("equal", alpha, _e("floor", alpha))
    )
    use_series = _e("logical_or", near, terminating)
    ys = _e("where", use_series, y, 0.0)
    series = _series(alpha, b, ys)
    series = _e("where", kummer, multiply(_e("exp", _e("negative", ys)), series), series)
    yb = _e("where", use_series, 2 * _SERIES_UP_TO, y)
    ab = _e("where", use_series, 1.0, alpha)
    sign, log, total = _asymptotic_log(ab, b, yb)
    # exp(x) after Kummer's step cancels exp(y): only the other factors remain
    log = _e("where", kummer, log, _e("add", log, yb))
    asym = multiply(multiply(sign, _e("exp", log)), total)
    out = _e("where", use_series, series, asym)
    out = _e("where", _e("equal", b, 0.0), math.inf, out)
    out = _e(
        "where", _e("logical_and", _e("equal", a, b), _e("not_equal", a, 0.0)), _e("exp", x), out
    )
    return _e("where", _e("equal", a, 0.0), 1.0, out)


@staged_export
def hyp1f1(a: Value, b: Value, x: Value) -> Tracer:
    """The confluent hypergeometric function ``1F1(a; b; x)``, as
    ``jax.scipy.special.hyp1f1``."""
    trace = trace_of((a, b, x))
    if any(isinstance(v, complex) or lift(v, trace).dtype.kind == "c" for v in (a, b, x)):
        raise ArgumentValueError("hyp1f1 does not support complex-valued inputs.")
    ta, tb, tx = _jax_float(a, b, x)
    return _in_float64(_hyp1f1, ta, tb, tx)


_F_SERIES_UP_TO = 0.85
_F_SERIES_TERMS = 300
_F_CONNECTION_TERMS = 110
_F_NEAR_INTEGER = 1e-6


def _gauss_series(a: Tracer, b: Tracer, c: Tracer, w: Tracer, terms: int) -> Tracer:
    """sum_k (a)_k (b)_k / (c)_k w**k / k!, term by term."""
    total: float | Tracer = 1.0
    term: float | Tracer = 1.0
    for k in range(terms):
        num = multiply(_e("add", a, float(k)), _e("add", b, float(k)))
        ratio = _e("true_divide", num, _e("add", c, float(k)))
        term = multiply(term, multiply(ratio, multiply(w, 1.0 / (k + 1))))
        total = _e("add", total, term)
    return cast(Tracer, total)  # (a Tracer from the first term on)


def _is_pole(v: Tracer) -> Tracer:
    return _e("logical_and", _e("less_equal", v, 0.0), _e("equal", v, _e("floor", v)))


def _gamma_ratio(num: list[Tracer], den: list[Tracer]) -> Tracer:
    """prod Gamma(num) / prod Gamma(den), 0 where a denominator sits at a pole."""
    sign: Any = 1.0
    log: Any = 0.0
    zero: Any = False
    for v in num:
        sign = multiply(sign, gammasgn(v))
        log = _e("add", log, gammaln(v))
    for v in den:
        pole = _is_pole(v)
        zero = _e("logical_or", zero, pole)
        safe = _e("where", pole, 0.5, v)
        sign = multiply(sign, gammasgn(safe))
        log = _e("subtract", log, gammaln(safe))
    return _e("where", zero, 0.0, multiply(sign, _e("exp", log)))


def _hyp2f1(a: Tracer, b: Tracer, c: Tracer, x: Tracer) -> Tracer:
    pfaff = _e("less", x, 0.0)
    xs = _e("where", _e("less", x, 1.0), x, 0.0)
    w = _e("where", pfaff, _e("true_divide", xs, _e("subtract", xs, 1.0)), xs)
    bp = _e("where", pfaff, _e("subtract", c, b), b)
    # Euler: F(a, b; c; w) = (1 - w)**m F(c - a, c - b; c; w) makes c - a - b >= 0, whose
    # series terms then fall like k**(-m-1) w**k
    m = _e("subtract", _e("subtract", c, a), bp)
    euler = _e("less", m, 0.0)
    aa = _e("where", euler, _e("subtract", c, a), a)
    bb = _e("where", euler, _e("subtract", c, bp), bp)
    euler_factor = _e("where", euler, _e("power", _e("subtract", 1.0, w), m), 1.0)
    m = _e("absolute", m)
    near_integer = _e("less", _e("absolute", _e("subtract", m, _e("rint", m))), _F_NEAR_INTEGER)
    connect = _e("logical_and", _e("greater", w, _F_SERIES_UP_TO), _e("logical_not", near_integer))
    ws = _e("where", connect, 0.0, w)
    series = _gauss_series(aa, bb, c, ws, _F_SERIES_TERMS)
    # the 1 - w connection formula
    wc = _e("where", connect, w, 0.925)
    mc = _e("where", connect, m, 0.5)
    v = _e("subtract", 1.0, wc)
    ca, cb = _e("subtract", c, aa), _e("subtract", c, bb)
    first = multiply(
        _gamma_ratio([c, mc], [ca, cb]),
        _gauss_series(aa, bb, _e("subtract", 1.0, mc), v, _F_CONNECTION_TERMS),
    )
    second = multiply(
        multiply(_gamma_ratio([c, _e("negative", mc)], [aa, bb]), _e("power", v, mc)),
        _gauss_series(ca, cb, _e("add", 1.0, mc), v, _F_CONNECTION_TERMS),
    )
    value = multiply(euler_factor, _e("where", connect, _e("add", first, second), series))
    value = _e(
        "where",
        pfaff,
        multiply(_e("power", _e("subtract", 1.0, xs), _e("negative", a)), value),
        value,
    )
    # x = 1: Gauss's sum
    m1 = _e("subtract", _e("subtract", c, a), b)
    ok1 = _e("greater", m1, 0.0)
    gauss = _gamma_ratio(
        [c, _e("where", ok1, m1, 1.0)], [_e("subtract", c, a), _e("subtract", c, b)]
    )
    value = _e("where", _e("equal", x, 1.0), _e("where", ok1, gauss, math.inf), value)
    value = _e("where", _e("greater", x, 1.0), math.inf, value)
    value = _e("where", _is_pole(c), math.inf, value)
    trivial = _e("logical_or", _e("equal", a, 0.0), _e("equal", b, 0.0))
    return _e("where", _e("logical_or", trivial, _e("equal", x, 0.0)), 1.0, value)


@staged_export
def hyp2f1(a: Value, b: Value, c: Value, x: Value) -> Tracer:
    """The Gauss hypergeometric function ``2F1(a, b; c; x)`` for real ``x <= 1``, as
    ``jax.scipy.special.hyp2f1``."""
    trace = trace_of((a, b, c, x))
    if any(isinstance(v, complex) or lift(v, trace).dtype.kind == "c" for v in (a, b, c, x)):
        raise ArgumentValueError("hyp2f1 does not support complex-valued inputs.")
    ta, tb, tc, tx = _jax_float(a, b, c, x)
    return _in_float64(_hyp2f1, ta, tb, tc, tx)
