"""``jax.scipy.stats.cauchy``: the Cauchy distribution. The CDF is ``atan2(1, -z) / pi``,
exact in both tails (``1/2 + atan(z) / pi`` loses the left tail)."""

from __future__ import annotations

import math
from typing import Any

from ...primitives.contraction import multiply
from ._common import distribution_getattr, e, exp_of, promote, staged, standardized


@staged
def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, loc, scale = promote(x, loc, scale)
    z = standardized(x, loc, scale)
    return e("negative", e("add", e("log", multiply(math.pi, scale)), e("log1p", multiply(z, z))))


pdf = exp_of(logpdf, "pdf")


@staged
def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, loc, scale = promote(x, loc, scale)
    return multiply(1 / math.pi, e("arctan2", 1.0, e("negative", standardized(x, loc, scale))))


@staged
def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return e("log", cdf(x, loc, scale))


@staged
def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, loc, scale = promote(x, loc, scale)
    return multiply(1 / math.pi, e("arctan2", 1.0, standardized(x, loc, scale)))


@staged
def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return e("log", sf(x, loc, scale))


def _lower_quantile(q: Any) -> Any:
    """tan(pi (q - 1/2)) as -1/tan(pi q) below 1/2 and 1/tan(pi (1 - q)) above: exact in
    both tails (q - 1/2 would round a tiny q away; -inf at q = 0, inf at q = 1)."""
    low = e("less", q, 0.5)
    r = e("where", low, q, e("subtract", 1.0, q))
    unit = e("true_divide", 1.0, e("tan", multiply(math.pi, r)))
    return e("where", low, e("negative", unit), unit)


@staged
def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    q, loc, scale = promote(q, loc, scale)
    return e("add", multiply(_lower_quantile(q), scale), loc)


@staged
def isf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    q, loc, scale = promote(q, loc, scale)
    return e("subtract", loc, multiply(_lower_quantile(q), scale))


__getattr__ = distribution_getattr(__name__)
