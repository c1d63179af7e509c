"""``jax.scipy.stats.expon``: the exponential distribution."""

from __future__ import annotations

import math
from typing import Any

from ._common import distribution_getattr, e, exp_of, promote, staged, standardized, unit_or_nan


@staged
def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, loc, scale = promote(x, loc, scale)
    value = e("negative", e("add", standardized(x, loc, scale), e("log", scale)))
    return e("where", e("less", x, loc), -math.inf, value)


pdf = exp_of(logpdf, "pdf")


@staged
def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, loc, scale = promote(x, loc, scale)
    return e("where", e("less", x, loc), 0.0, e("negative", standardized(x, loc, scale)))


sf = exp_of(logsf, "sf")


@staged
def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, loc, scale = promote(x, loc, scale)
    value = e("negative", e("expm1", e("negative", standardized(x, loc, scale))))
    return e("where", e("less", x, loc), 0.0, value)


@staged
def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return e("log1p", e("negative", sf(x, loc, scale)))


@staged
def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    q, loc, scale = promote(q, loc, scale)
    value = e("subtract", loc, e("multiply", scale, e("log1p", e("negative", q))))
    return unit_or_nan(q, value)


__getattr__ = distribution_getattr(__name__)
