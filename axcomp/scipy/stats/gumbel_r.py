"""``jax.scipy.stats.gumbel_r``: the right-skewed Gumbel distribution."""

from __future__ import annotations

import math
from typing import Any

from ...primitives.contraction import multiply
from ._common import (
    distribution_getattr,
    e,
    exp_of,
    log1mexp,
    open_unit,
    promote,
    staged,
    standardized,
)


def _z(x: Any, loc: Any, scale: Any) -> tuple[Any, Any]:
    x, loc, scale = promote(x, loc, scale)
    return standardized(x, loc, scale), scale


@staged
def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    z, scale = _z(x, loc, scale)
    return e("negative", e("add", e("add", z, e("exp", e("negative", z))), e("log", scale)))


pdf = exp_of(logpdf, "pdf")


@staged
def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    z, _ = _z(x, loc, scale)
    return e("negative", e("exp", e("negative", z)))


cdf = exp_of(logcdf, "cdf")


@staged
def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return e("negative", e("expm1", logcdf(x, loc, scale)))


@staged
def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return log1mexp(logcdf(x, loc, scale))


@staged
def ppf(p: Any, loc: Any = 0, scale: Any = 1) -> Any:
    p, loc, scale = promote(p, loc, scale)
    value = e("subtract", loc, multiply(scale, e("log", e("negative", e("log", p)))))
    return e("where", open_unit(p), value, math.nan)


__getattr__ = distribution_getattr(__name__)
