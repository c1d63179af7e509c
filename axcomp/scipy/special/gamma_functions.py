"""The gamma family of ``jax.scipy.special``: ``gammaln``/``digamma`` (the approximations
of ``lax/special_approximations.py``), ``gamma``, ``gammasgn``, ``loggamma``, ``beta``,
``betaln``, ``factorial``, ``comb``, ``poch``, ``multigammaln``, the Hurwitz ``zeta``,
``polygamma`` and ``bernoulli``.

Each is a composition of elementwise primitives (so derivatives come from the chain rule
and every backend runs them); JAX's conventions at poles and outside the domain are kept:

* ``gamma = gammasgn * exp(gammaln)`` (nan at the poles and at ``-inf``, ``+-inf`` at
  ``+-0``), as JAX computes it;
* ``betaln`` for large arguments uses the Stirling series of the three log-gammas with
  their leading terms combined analytically (``log1p`` forms), so nothing cancels;
* ``zeta(s, q)`` is the Euler-Maclaurin sum: 16 terms, the integral, and 12 Bernoulli
  corrections at ``q + 16`` (analytic in ``s`` and ``q``, so its derivatives are exact
  too); ``inf`` at ``s == 1`` and at non-positive integer ``q``, nan for ``s < 1``.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from ...errors import ArgumentTypeError, ArgumentValueError, UnsupportedError
from ...lax import special_approximations as _approx
from ...lax.custom_rule import ruled as _ruled
from ...lax.operands import promote_args_inexact as _jax_float
from ...lax.special import betainc, igamma, igammac
from ...lax.special_approximations import HALF_LOG_2PI, STIRLING, series
from ...primitives.contraction import multiply
from ...primitives.elementwise import elementwise
from ...primitives.reductions import reduce_sum
from ...primitives.shape import expand_dims
from ...tracing.build import Value, lift, trace_of
from ...tracing.tracer import Tracer
from ...transforms.jit import staged_export


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


def _sign_of_gamma(t: Tracer) -> Tracer:
    """+1 for x > 0 (and +0), the parity of floor(x) for x < 0 (and -1 at -0); nan at the
    poles, at -inf and at nan."""
    negative = _e("less", t, 0.0)
    odd = _e("equal", _e("fmod", _e("floor", t), 2.0), -1.0)
    sign = _e("where", _e("logical_and", negative, odd), -1.0, 1.0)
    sign = _e("where", _e("equal", t, 0.0), _e("copysign", 1.0, t), sign)
    pole = _e("logical_and", negative, _e("equal", t, _e("floor", t)))
    return _e("where", _e("logical_or", pole, _e("isnan", t)), math.nan, sign)


@staged_export
def gammaln(x: Value) -> Tracer:
    """``jax.scipy.special.gammaln``: ``log|Gamma(x)|`` (``inf`` at the poles)."""
    return _approx.gammaln(x)


@staged_export
def digamma(x: Value) -> Tracer:
    """``jax.scipy.special.digamma``: the logarithmic derivative of Gamma (``nan`` at the
    poles)."""
    return _approx.digamma(x)


@staged_export
def gammasgn(x: Value) -> Tracer:
    """The sign of the gamma function, as ``jax.scipy.special.gammasgn``."""
    (t,) = _jax_float(x)
    return _sign_of_gamma(t)


@staged_export
def gamma(x: Value) -> Tracer:
    """The gamma function ``gammasgn(x) exp(gammaln(x))``, as ``jax.scipy.special.gamma``."""
    (t,) = _jax_float(x)
    return _gamma(t)


def _gamma(t: Tracer) -> Tracer:
    # derivative Gamma(x) digamma(x) as one product (the chain rule through the Stirling
    # sum overflows near x = 171, where Gamma itself is still finite)
    value = lambda v: multiply(_sign_of_gamma(v), _e("exp", gammaln(v)))  # noqa: E731
    return _ruled("gamma", value, [t], lambda k, xs, z: [z, digamma(xs[0])])


@staged_export
def loggamma(x: Value) -> Tracer:
    """``log Gamma(x)`` on the real line: ``gammaln`` for x > 0, nan elsewhere (JAX)."""
    (t,) = _jax_float(x)
    return _e("where", _e("greater", t, 0.0), gammaln(t), math.nan)


def _stirling_correction(x: Tracer) -> Tracer:
    """log Gamma(x) - ((x - 1/2) log x - x + log(2 pi) / 2), for x >= 10."""
    inv = _e("true_divide", 1.0, x)
    return multiply(inv, series(STIRLING, multiply(inv, inv)))


_STIRLING_FROM = 10.0


@staged_export
def betaln(a: Value, b: Value) -> Tracer:
    """``log|B(a, b)|``, as ``jax.scipy.special.betaln``; accurate for large arguments."""
    ta, tb = _jax_float(a, b)
    small = _e("minimum", ta, tb)
    big = _e("maximum", ta, tb)
    plain = _e("subtract", _e("add", gammaln(ta), gammaln(tb)), gammaln(_e("add", ta, tb)))
    # b >= 10: log Gamma(b) - log Gamma(a + b) by Stirling, leading terms in log1p form
    sure = _e("greater_equal", small, 0.0)
    bb = _e("where", _e("greater_equal", big, _STIRLING_FROM), big, _STIRLING_FROM)
    aa = _e("where", sure, small, 1.0)
    total = _e("add", aa, bb)
    corr_b = _e("subtract", _stirling_correction(bb), _stirling_correction(total))
    ratio = _e("log1p", _e("true_divide", aa, bb))
    tail = _e("negative", multiply(_e("subtract", bb, 0.5), ratio))
    one_big = _e(
        "add",
        _e("add", gammaln(aa), _e("subtract", tail, multiply(aa, _e("log", total)))),
        _e("add", aa, corr_b),
    )
    # a >= 10 too: log Gamma(a) by Stirling, its -a log a folded into -a log1p(b / a)
    ab = _e("where", _e("greater_equal", small, _STIRLING_FROM), aa, _STIRLING_FROM)
    both = _e(
        "subtract",
        _e("add", _e("add", tail, HALF_LOG_2PI), _e("add", corr_b, _stirling_correction(ab))),
        _e(
            "add",
            multiply(0.5, _e("log", ab)),
            multiply(ab, _e("log1p", _e("true_divide", bb, ab))),
        ),
    )
    large = _e("where", _e("greater_equal", small, _STIRLING_FROM), both, one_big)
    use = _e("logical_and", sure, _e("greater_equal", big, _STIRLING_FROM))
    return _e("where", use, large, plain)


@staged_export
def beta(a: Value, b: Value) -> Tracer:
    """The beta function ``Gamma(a) Gamma(b) / Gamma(a + b)``, as
    ``jax.scipy.special.beta`` (signs from ``gammasgn``, magnitude from ``betaln``)."""
    ta, tb = _jax_float(a, b)
    sign = multiply(
        multiply(_sign_of_gamma(ta), _sign_of_gamma(tb)), _sign_of_gamma(_e("add", ta, tb))
    )
    return multiply(sign, _e("exp", betaln(ta, tb)))


@staged_export
def factorial(n: Value, exact: bool = False) -> Tracer:
    """``n! = Gamma(n + 1)`` (0 for n < 0), as ``jax.scipy.special.factorial``."""
    if exact:
        raise UnsupportedError("factorial with exact=True is not supported (as in JAX)")
    (t,) = _jax_float(n)
    return _e("where", _e("less", t, 0.0), 0.0, _gamma(_e("add", t, 1.0)))


@staged_export
def comb(N: Value, k: Value, *, repetition: bool = False) -> Tracer:
    """``N`` choose ``k`` (0 outside ``0 <= k <= N``), as ``jax.scipy.special.comb``;
    ``repetition=True`` counts multisets, ``comb(N + k - 1, k)``."""
    tn, tk = _jax_float(N, k)
    if repetition:
        tn = _e("subtract", _e("add", tn, tk), 1.0)
    ok = _e(
        "logical_and",
        _e("logical_and", _e("less_equal", tk, tn), _e("greater_equal", tn, 0.0)),
        _e("greater_equal", tk, 0.0),
    )
    sn = _e("where", ok, tn, 0.0)
    sk = _e("where", ok, tk, 0.0)
    log = _e(
        "subtract",
        gammaln(_e("add", sn, 1.0)),
        _e("add", gammaln(_e("add", sk, 1.0)), gammaln(_e("add", _e("subtract", sn, sk), 1.0))),
    )
    return _e("where", ok, _e("exp", log), 0.0)


@staged_export
def poch(z: Value, m: Value) -> Tracer:
    """The Pochhammer symbol ``Gamma(z + m) / Gamma(z)`` (1 where m == 0), as
    ``jax.scipy.special.poch``."""
    tz, tm = _jax_float(z, m)
    ratio = _e("true_divide", _gamma(_e("add", tz, tm)), _gamma(tz))
    return _e("where", _e("equal", tm, 0.0), 1.0, ratio)


@staged_export
def multigammaln(a: Value, d: Any) -> Tracer:
    """The log of the multivariate gamma function of dimension ``d`` (a static int):
    ``d (d - 1) / 4 log(pi) + sum_j gammaln(a - j / 2)``."""
    if isinstance(d, Tracer):
        raise ArgumentTypeError("multigammaln: the dimension d must be a concrete integer")
    dim = int(d)
    (t,) = _jax_float(a)
    halves = np.arange(dim, dtype=t.dtype) / 2
    terms = gammaln(_e("subtract", expand_dims(t, -1), halves))
    return _e("add", reduce_sum(terms, axis=-1), dim * (dim - 1) / 4 * math.log(math.pi))


# ------------------------------------------------------------------ Hurwitz zeta
_ZETA_TERMS = 16
_ZETA_CORRECTIONS = 12


def bernoulli_exact(n: int) -> list[Fraction]:
    """B_0 .. B_n (B_1 = -1/2), by the Akiyama-Tanigawa recurrence in exact rationals."""
    out: list[Fraction] = []
    row: list[Fraction] = []
    for m in range(n + 1):
        row.append(Fraction(1, m + 1))
        for j in range(m, 0, -1):
            row[j - 1] = j * (row[j - 1] - row[j])
        out.append(row[0])
    if n >= 1:
        out[1] = Fraction(-1, 2)  # the recurrence gives B_1 = +1/2
    return out


def _zeta_coefficients() -> list[float]:
    """B_2j / (2j)!, j = 1..12: the Euler-Maclaurin corrections."""
    b = bernoulli_exact(2 * _ZETA_CORRECTIONS)
    return [float(b[2 * j] / math.factorial(2 * j)) for j in range(1, _ZETA_CORRECTIONS + 1)]


_ZETA_COEF = _zeta_coefficients()


def _hurwitz(s: Tracer, q: Tracer) -> Tracer:
    """zeta(s, q) by Euler-Maclaurin at w = q + 16 (s > 1; q > -16, not a pole)."""
    total: float | Tracer = 0.0
    for k in range(_ZETA_TERMS):
        total = _e("add", total, _e("power", _e("add", q, float(k)), _e("negative", s)))
    w = _e("add", q, float(_ZETA_TERMS))
    w_s = _e("power", w, _e("negative", s))
    total = _e("add", total, _e("true_divide", multiply(w, w_s), _e("subtract", s, 1.0)))
    total = _e("add", total, multiply(0.5, w_s))
    # sum_j B_2j / (2j)! s (s + 1) ... (s + 2j - 2) w**(-s - 2j + 1)
    inv_w = _e("true_divide", 1.0, w)
    inv_w2 = multiply(inv_w, inv_w)
    factor = multiply(multiply(s, w_s), inv_w)  # s w**(-s-1)
    for j, c in enumerate(_ZETA_COEF, start=1):
        total = _e("add", total, multiply(c, factor))
        rising = multiply(_e("add", s, float(2 * j - 1)), _e("add", s, float(2 * j)))
        factor = multiply(multiply(factor, rising), inv_w2)
    return total


def _zeta(s: Tracer, q: Tracer) -> Tracer:
    pole_q = _e("logical_and", _e("less_equal", q, 0.0), _e("equal", q, _e("floor", q)))
    ok = _e("logical_and", _e("greater", s, 1.0), _e("logical_not", pole_q))
    safe_s = _e("where", ok, s, 2.0)
    safe_q = _e("where", ok, q, 1.0)
    value = _hurwitz(safe_s, safe_q)
    inf = _e("logical_or", _e("equal", s, 1.0), _e("logical_and", _e("greater", s, 1.0), pole_q))
    out = _e("where", ok, value, _e("where", inf, math.inf, math.nan))
    return _e("where", _e("logical_or", _e("isnan", s), _e("isnan", q)), math.nan, out)


@staged_export
def zeta(x: Value, q: Value = None) -> Tracer:
    """The Hurwitz zeta function ``sum_k (k + q)**-x`` (``q`` is required, as in JAX)."""
    if q is None:
        raise UnsupportedError("zeta: Riemann zeta (q=None) is not implemented (as in JAX)")
    s, tq = _jax_float(x, q)
    return _zeta(s, tq)


@staged_export
def polygamma(n: Value, x: Value) -> Tracer:
    """The n-th derivative of ``digamma`` (``n`` an integer array or int), as
    ``jax.scipy.special.polygamma``: ``(-1)**(n+1) n! zeta(n + 1, x)`` for n >= 1."""
    tn0 = lift(n, trace_of((n, x)))
    if tn0.dtype.kind not in "iu":
        raise ArgumentValueError(
            f"Argument `n` to polygamma must be of integer type. Got dtype {tn0.dtype.name}."
        )
    tn, tx = _jax_float(n, x)
    order = _e("add", tn, 1.0)
    sign = _e("where", _e("equal", _e("fmod", tn, 2.0), 0.0), -1.0, 1.0)
    scaled = multiply(multiply(sign, _e("exp", gammaln(order))), _zeta(order, tx))
    return _e("where", _e("equal", tn, 0.0), digamma(tx), scaled)


@staged_export
def bernoulli(n: Any) -> Any:
    """The Bernoulli numbers ``B_0 .. B_n`` (``B_1 = -1/2``) as a float64 array; ``n`` is a
    static int. SciPy's exact values (JAX's series is off by ~1e-7 at ``B_4``)."""
    if isinstance(n, (Tracer, bool)):
        raise ArgumentTypeError("bernoulli: n must be a concrete integer")
    k = int(n)
    if k != n or k < 0:
        raise ArgumentValueError(f"bernoulli: n must be a non-negative integer, got {n!r}")
    values = np.array([float(v) for v in bernoulli_exact(k)], dtype=np.float64)
    return multiply(lift(values, trace_of(())), 1.0)


@staged_export
def gammainc(a: Value, x: Value) -> Tracer:
    """``jax.scipy.special.gammainc``: the regularized lower incomplete gamma."""
    return igamma.traced(*_jax_float(a, x))


@staged_export
def gammaincc(a: Value, x: Value) -> Tracer:
    """``jax.scipy.special.gammaincc``: the regularized upper incomplete gamma."""
    return igammac.traced(*_jax_float(a, x))


@staged_export("betainc")
def special_betainc(a: Value, b: Value, x: Value) -> Tracer:
    """``jax.scipy.special.betainc``: the regularized incomplete beta function."""
    return betainc.traced(*_jax_float(a, b, x))
