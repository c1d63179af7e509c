"""``jax.scipy.special``'s distribution functions: ``expit`` (the logistic CDF), its
inverse ``logit`` and ``ndtr`` (the standard normal CDF), composed from elementwise ops
with JAX's formulas, and Owen's ``T`` function ``owens_t``.

``T(h, a) = 1 / (2 pi) integral_0^a exp(-h**2 (1 + x**2) / 2) / (1 + x**2) dx`` is even in
``h`` and odd in ``a``. For ``|a| <= 1`` it is a 48-point Gauss-Legendre sum over
``[0, min(a, 12 / h)]`` (the integrand is below ``exp(-72)`` of its peak past 12 / h, so the
nodes stay where the Gaussian is); for ``|a| > 1`` the reciprocal identity
``T(h, a) = Q(h) / 2 + Q(a h) / 2 - Q(h) Q(a h) - T(a h, 1 / a)`` with the upper tails
``Q = erfc(. / sqrt 2) / 2`` (no cancellation as ``h`` grows). Derivatives are JAX's
closed forms: ``dT/dh = -exp(-h**2 / 2) erf(a h / sqrt 2) / (2 sqrt(2 pi))``,
``dT/da = exp(-h**2 (1 + a**2) / 2) / (2 pi (1 + a**2))``."""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from ...lax.custom_rule import ruled as _ruled
from ...lax.elementwise import logistic_of
from ...lax.operands import float_input
from ...lax.operands import promote_args_inexact as _jax_float
from ...primitives.contraction import multiply
from ...primitives.elementwise import elementwise as _e
from ...tracing.build import Value
from ...tracing.tracer import Tracer
from ...transforms.jit import staged_export
from .error_functions import erf, erfc


@staged_export
def expit(x: Value) -> Tracer:
    """The logistic function (``sigmoid``)."""
    return logistic_of(float_input(x))  # the body of axcomp.nn.sigmoid


@staged_export
def logit(x: Value) -> Tracer:
    """``log(x / (1 - x))``, the inverse of ``expit``."""
    t = float_input(x)
    return _e("log", _e("true_divide", t, _e("subtract", 1.0, t)))


@staged_export
def ndtr(x: Value) -> Tracer:
    """The standard normal CDF, ``erfc(-x / sqrt 2) / 2``."""
    return multiply(0.5, erfc(multiply(float_input(x), -1 / math.sqrt(2))))


_OWENS_NODES = 48
_OWENS_SPAN = 12.0


@functools.cache
def _gauss_legendre() -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Nodes and weights of the rule on [0, 1]."""
    x, w = np.polynomial.legendre.leggauss(_OWENS_NODES)
    return tuple(float(v) for v in (x + 1) / 2), tuple(float(v) for v in w / 2)


def _owens_quadrature(h: Tracer, a: Tracer) -> Tracer:
    """T(h, a) for h >= 0 and 0 <= a <= 1."""
    hs = _e("where", _e("greater", h, 0.0), h, 1.0)
    limit = _e("where", _e("greater", h, 0.0), _e("true_divide", _OWENS_SPAN, hs), a)
    c = _e("minimum", a, limit)
    half_h2 = multiply(-0.5, multiply(h, h))
    total: Any = 0.0
    for node, weight in zip(*_gauss_legendre()):
        x = multiply(c, node)
        one_x2 = _e("add", 1.0, multiply(x, x))
        term = _e("true_divide", _e("exp", multiply(half_h2, one_x2)), one_x2)
        total = _e("add", total, multiply(weight, term))
    return multiply(multiply(c, 1 / (2 * math.pi)), total)


def _upper_tail(v: Tracer) -> Tracer:
    return multiply(0.5, erfc(multiply(v, 1 / math.sqrt(2))))


def _owens_t(h: Tracer, a: Tracer) -> Tracer:
    ha, aa = _e("absolute", h), _e("absolute", a)
    inner = _e("less_equal", aa, 1.0)
    direct = _owens_quadrature(ha, _e("where", inner, aa, 0.0))
    # |a| > 1: Q(h) / 2 + Q(a h) / 2 - Q(h) Q(a h) - T(a h, 1 / a)
    ab = _e("where", inner, 2.0, aa)
    ah = multiply(ab, ha)
    ah = _e("where", _e("logical_and", _e("isinf", ab), _e("equal", ha, 0.0)), 0.0, ah)
    qh, qah = _upper_tail(ha), _upper_tail(ah)
    outer = _e(
        "subtract",
        _e("subtract", multiply(0.5, _e("add", qh, qah)), multiply(qh, qah)),
        _owens_quadrature(ah, _e("true_divide", 1.0, ab)),
    )
    out = _e("copysign", _e("where", inner, direct, outer), a)
    bad = _e("logical_or", _e("isnan", h), _e("isnan", a))
    return _e("where", bad, math.nan, out)


@staged_export
def owens_t(h: Value, a: Value) -> Tracer:
    """Owen's T function, as ``jax.scipy.special.owens_t``."""
    th, ta = _jax_float(h, a)

    def rule(k: int, xs: list[Tracer], z: Tracer) -> list[Any]:
        hv, av = xs
        if k == 0:
            gauss = _e("exp", multiply(-0.5, multiply(hv, hv)))
            spread = erf(multiply(multiply(av, hv), 1 / math.sqrt(2)))
            return [multiply(-1 / (2 * math.sqrt(2 * math.pi)), multiply(gauss, spread))]
        one_a2 = _e("add", 1.0, multiply(av, av))
        expo = _e("exp", multiply(-0.5, multiply(one_a2, multiply(hv, hv))))
        return [_e("true_divide", expo, multiply(2 * math.pi, one_a2))]

    return _ruled("owens_t", _owens_t, [th, ta], rule)
