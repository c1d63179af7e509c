"""``jax.scipy.stats.norm``: the normal distribution (tails through ``log_ndtr``/``ndtri``)."""

from __future__ import annotations

import math
from typing import Any

from ...primitives.contraction import multiply
from ..special.distributions import ndtr
from ..special.error_functions import log_ndtr, ndtri
from ._common import distribution_getattr, e, exp_of, promote, staged, standardized

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


@staged
def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, loc, scale = promote(x, loc, scale)
    z = standardized(x, loc, scale)
    # log(scale**2) / 2, as JAX: a negative scale gives the density of |scale|
    log_scale = multiply(0.5, e("log", multiply(scale, scale)))
    return e(
        "negative", e("add", multiply(0.5, multiply(z, z)), e("add", log_scale, _HALF_LOG_2PI))
    )


pdf = exp_of(logpdf, "pdf")


@staged
def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, loc, scale = promote(x, loc, scale)
    return ndtr.traced(standardized(x, loc, scale))


@staged
def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, loc, scale = promote(x, loc, scale)
    return log_ndtr(standardized(x, loc, scale))


@staged
def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, loc, scale = promote(x, loc, scale)
    return ndtr.traced(e("negative", standardized(x, loc, scale)))


@staged
def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, loc, scale = promote(x, loc, scale)
    return log_ndtr(e("negative", standardized(x, loc, scale)))


@staged
def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    q, loc, scale = promote(q, loc, scale)
    return e("add", multiply(scale, ndtri(q)), loc)


@staged
def isf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    # -ndtri(q): accurate for tiny q, where ndtri(1 - q) has lost q
    q, loc, scale = promote(q, loc, scale)
    return e("subtract", loc, multiply(scale, ndtri(q)))


__getattr__ = distribution_getattr(__name__)
