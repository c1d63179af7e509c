"""``jax.scipy.stats.gennorm``: the generalized normal distribution (standard form)."""

from __future__ import annotations

from typing import Any

from ...primitives.contraction import multiply
from ..special.gamma_functions import gammaincc, gammaln
from ._common import distribution_getattr, e, exp_of, promote, staged


@staged
def logpdf(x: Any, beta: Any) -> Any:
    x, beta = promote(x, beta)
    power = e("power", e("absolute", x), beta)
    norm = e("subtract", e("log", multiply(0.5, beta)), gammaln(e("true_divide", 1.0, beta)))
    return e("subtract", norm, power)


pdf = exp_of(logpdf, "pdf")


@staged
def cdf(x: Any, beta: Any) -> Any:
    x, beta = promote(x, beta)
    power = e("power", e("absolute", x), beta)
    # the tail mass Q(1/beta, |x|**beta) / 2 directly: 1/2 - P/2 cancels in the left tail
    tail = multiply(0.5, gammaincc(e("true_divide", 1.0, beta), power))
    return e("where", e("less", x, 0.0), tail, e("subtract", 1.0, tail))


__getattr__ = distribution_getattr(__name__)
