"""``jax.scipy.special.spence``: Spence's function ``spence(x) = Li2(1 - x)`` for x >= 0.

``Li2(z) = sum_n B_n u**(n+1) / (n+1)!`` with ``u = -log(1 - z)`` converges like
``(u / 2 pi)**n``; every branch below keeps ``|u| <= log 2``, so 11 Bernoulli terms reach
rounding:

* ``0.5 <= x <= 2``: directly, ``u = -log x`` (exact near the zero at x = 1);
* ``x < 0.5``: ``Li2(1 - x) = pi**2 / 6 - log(1 - x) log x - Li2(x)``;
* ``x > 2``: ``Li2(1 - x) = -pi**2 / 6 - log(x - 1)**2 / 2 - Li2(1 / (1 - x))``, where
  ``u = log1p(-1 / x)``.

As JAX: nan for x < 0, a ``TypeError`` for other dtypes than float32/float64; the
derivative is the closed form ``log(x) / (1 - x)`` (-1 at x = 1).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from ...errors import ArgumentTypeError
from ...lax.custom_rule import ruled as _ruled
from ...lax.special_approximations import series
from ...primitives.contraction import multiply
from ...primitives.elementwise import elementwise
from ...tracing.build import Value, lift, trace_of
from ...tracing.tracer import Tracer
from ...transforms.jit import staged_export
from .gamma_functions import bernoulli_exact

_TERMS = 22  # B_0 .. B_21 (the odd ones past B_1 vanish)
_PI2_6 = math.pi**2 / 6


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


@functools.cache
def _coefficients() -> tuple[float, ...]:
    """B_n / (n + 1)!, n = 0 .. _TERMS - 1: Li2 as a power series in u."""
    b = bernoulli_exact(_TERMS)
    return tuple(float(b[n] / math.factorial(n + 1)) for n in range(_TERMS))


def _li2_of_log(u: Tracer) -> Tracer:
    """Li2(1 - exp(-u)) for |u| <= log 2, by Horner in u."""
    return multiply(series(_coefficients(), u), u)


def _spence(x: Tracer) -> Tracer:
    mid = _e("logical_and", _e("greater_equal", x, 0.5), _e("less_equal", x, 2.0))
    low = _e("less", x, 0.5)
    xm = _e("where", mid, x, 1.0)
    middle = _li2_of_log(_e("negative", _e("log", xm)))
    # x < 0.5: pi**2/6 - log(1 - x) log(x) - Li2(x)
    xl = _e("where", _e("logical_and", low, _e("greater", x, 0.0)), x, 0.25)
    lower = _e(
        "subtract",
        _e("subtract", _PI2_6, multiply(_e("log1p", _e("negative", xl)), _e("log", xl))),
        _li2_of_log(_e("negative", _e("log1p", _e("negative", xl)))),
    )
    lower = _e("where", _e("equal", x, 0.0), _PI2_6, lower)
    # x > 2: -pi**2/6 - log(x - 1)**2 / 2 - Li2(1 / (1 - x))
    xh = _e("where", _e("greater", x, 2.0), x, 4.0)
    lg = _e("log", _e("subtract", xh, 1.0))
    upper = _e(
        "subtract",
        _e("subtract", -_PI2_6, multiply(0.5, multiply(lg, lg))),
        _li2_of_log(_e("log1p", _e("negative", _e("true_divide", 1.0, xh)))),
    )
    upper = _e("where", _e("isinf", xh), -math.inf, upper)
    out = _e("where", mid, middle, _e("where", low, lower, upper))
    out = _e("where", _e("less", x, 0.0), math.nan, out)
    return _e("where", _e("isnan", x), x, out)


@staged_export
def spence(x: Value) -> Tracer:
    """Spence's function ``integral_1^x log(t) / (1 - t) dt``, as
    ``jax.scipy.special.spence`` (x >= 0; nan below)."""
    t = lift(x, trace_of((x,)))
    if t.dtype not in (np.float32, np.float64):
        raise ArgumentTypeError(
            f"spence: x.dtype={t.dtype.name} is not supported, see docstring for supported types."
        )

    def rule(k: int, xs: list[Tracer], z: Tracer) -> list[Any]:
        v = xs[0]
        one = _e("equal", v, 1.0)
        vs = _e("where", one, 2.0, v)
        slope = _e("true_divide", _e("log", vs), _e("subtract", 1.0, vs))
        return [_e("where", one, -1.0, slope)]

    return _ruled("spence", _spence, [t], rule)
