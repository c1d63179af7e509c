"""``jax.scipy.special``'s error functions: ``erf``/``erfc`` (the approximations of
``lax/special_approximations.py``), ``erfcx``, ``log_ndtr``, ``erfinv`` and ``ndtri``.

* ``erfcx(x) = exp(x**2) erfc(x)`` reads the ``erfc`` series of those approximations without
  their ``exp(-x**2)`` factor for x >= 1 (so it stays finite to ``inf``), is
  ``exp(x**2) erfc(x)`` on (-1, 1), and ``2 exp(x**2) - erfcx(-x)`` below -1 (``inf``
  once that overflows); its derivative is JAX's ``2 x erfcx(x) - 2 / sqrt(pi)``.
* ``log_ndtr(x)``: ``log(ndtr(x))`` on [-1, 0], ``log1p(-ndtr(-x))`` above, and
  ``log(erfcx(-x / sqrt 2) / 2) - x**2 / 2`` below -1, so the left tail keeps its relative
  accuracy far past where ``ndtr`` underflows.
* ``erfinv``/``ndtri``: ``lax.erf_inv``'s approximation (``ndtri`` from ``q = 2 min(p, 1 - p)``
  in float64, so the tails keep their accuracy).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...errors import ArgumentTypeError, ArgumentValueError
from ...lax import special_approximations as _approx
from ...lax.custom_rule import ruled as _ruled
from ...lax.operands import back as _back
from ...lax.operands import promote_args_inexact as _jax_float
from ...lax.special import erf_inv, erf_inv64
from ...lax.special_approximations import affine, clenshaw, erf_tables
from ...primitives.contraction import multiply
from ...primitives.elementwise import elementwise
from ...primitives.shape import astype
from ...tracing.build import Value, is_weak_scalar, lift
from ...tracing.tracer import Tracer
from ...transforms.jit import staged_export

_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


def _exp_square(a: Tracer) -> Tracer:
    """exp(a**2), with the square's rounding error kept out of the exponent."""
    head = _e("true_divide", _e("floor", multiply(a, 2.0**12)), 2.0**12)
    rest = multiply(_e("subtract", a, head), _e("add", a, head))
    return multiply(_e("exp", multiply(head, head)), _e("exp", rest))


def _erfcx_right(a: Tracer) -> Tracer:
    """erfcx(a) for a >= 1 (clamped here): the mid and tail series without exp(-a**2)."""
    _, mid, tail = erf_tables(a.dtype)
    xm = _e("minimum", _e("maximum", a, 1.0), 4.0)
    near = clenshaw(mid, affine(xm, 1.0, 4.0))
    xt = _e("maximum", a, 4.0)
    s = _e("true_divide", 1.0, xt)
    far = multiply(s, clenshaw(tail, affine(s, 0.0, 0.25)))
    far = _e("where", _e("isinf", xt), 0.0, far)
    return _e("where", _e("less", a, 4.0), near, far)


def _erfcx(t: Tracer) -> Tracer:
    a = _e("absolute", t)
    right = _erfcx_right(a)
    inner = _e("less", a, 1.0)
    xs = _e("where", inner, t, 0.0)
    middle = multiply(_exp_square(xs), erfc(xs))
    xl = _e("where", _e("logical_or", inner, _e("isinf", a)), 0.0, a)
    left = _e("subtract", multiply(2.0, _exp_square(xl)), right)
    left = _e("where", _e("isinf", a), math.inf, left)
    out = _e("where", inner, middle, _e("where", _e("less", t, 0.0), left, right))
    return _e("where", _e("isnan", t), t, out)


@staged_export
def erf(x: Value) -> Tracer:
    """``jax.scipy.special.erf``: the error function (integers and bools become float64;
    differentiated through the series, unlike ``lax.erf``'s closed-form rule)."""
    return _approx.erf(x)


@staged_export
def erfc(x: Value) -> Tracer:
    """``jax.scipy.special.erfc``: ``1 - erf(x)``, accurate in the right tail."""
    return _approx.erfc(x)


@staged_export
def erfcx(x: Value) -> Tracer:
    """The scaled complementary error function ``exp(x**2) erfc(x)``, as
    ``jax.scipy.special.erfcx``."""
    (t,) = _jax_float(x)

    def rule(k: int, xs: list[Tracer], z: Tracer) -> list[Any]:
        return [_e("subtract", multiply(multiply(2.0, xs[0]), z), _TWO_OVER_SQRT_PI)]

    return _ruled("erfcx", _erfcx, [t], rule)


@staged_export
def log_ndtr(x: Value, series_order: int = 3) -> Tracer:
    """``log`` of the standard normal CDF, accurate in both tails (``series_order`` is
    accepted for JAX's signature; the value does not depend on it)."""
    if not isinstance(series_order, int) or not 0 <= series_order <= 30:
        raise ArgumentValueError(
            f"log_ndtr: series_order must be an int in [0, 30], got {series_order!r}"
        )
    (t,) = _jax_float(x)
    half = -1 / math.sqrt(2)
    low = _e("less", t, -1.0)
    high = _e("greater", t, 0.0)
    mid_x = _e("where", _e("logical_or", low, high), 0.0, t)
    middle = _e("log", multiply(0.5, erfc(multiply(mid_x, half))))
    hx = _e("where", high, t, 0.0)
    upper = _e("log1p", _e("negative", multiply(0.5, erfc(multiply(hx, -half)))))
    lx = _e("where", low, t, -1.0)
    lower = _e(
        "subtract",
        _e("log", multiply(0.5, erfcx(multiply(lx, half)))),
        multiply(0.5, multiply(lx, lx)),
    )
    return _e("where", low, lower, _e("where", high, upper, middle))


@staged_export
def erfinv(x: Value) -> Tracer:
    """``jax.scipy.special.erfinv``: the inverse error function."""
    return erf_inv.traced(*_jax_float(x))


@staged_export
def ndtri(p: Value) -> Tracer:
    """``jax.scipy.special.ndtri``: the standard normal quantile ``sqrt(2) erf_inv(2p - 1)``,
    computed in float64 from ``q = 2 min(p, 1 - p)`` so the tails keep their accuracy
    (``p = 0`` and ``1`` give ``-inf`` and ``inf``, nan outside [0, 1])."""
    (t,) = _jax_float(p)
    if not is_weak_scalar(p) and lift(p, t.trace).dtype not in (np.float32, np.float64):
        raise ArgumentTypeError(
            f"ndtri: x.dtype={lift(p, t.trace).dtype.name} is not supported (float32 or float64)"
        )

    def value(v: Tracer) -> Tracer:
        d = astype(v, np.float64)
        q = multiply(_e("where", _e("less", d, 0.5), d, _e("subtract", 1.0, d)), 2.0)
        q = _e("where", _e("logical_or", _e("less", d, 0.0), _e("greater", d, 1.0)), -1.0, q)
        y = erf_inv64(_e("subtract", multiply(d, 2.0), 1.0), q)
        return _back(multiply(y, math.sqrt(2.0)), v.dtype)

    # d ndtri / dp = sqrt(2 pi) exp(z**2 / 2), the reciprocal of the normal density
    root = math.sqrt(2 * math.pi)
    rule = lambda k, xs, z: [root, _e("exp", multiply(multiply(z, z), 0.5))]  # noqa: E731
    return _ruled("ndtri", value, [t], rule)
