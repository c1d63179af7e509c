"""``jax.scipy.stats.gumbel_l``: the left-skewed Gumbel distribution (``gumbel_r`` of -x)."""

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
    return e("subtract", e("subtract", z, e("exp", z)), e("log", scale))


pdf = exp_of(logpdf, "pdf")


@staged
def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    z, _ = _z(x, loc, scale)
    return e("negative", e("exp", z))


sf = exp_of(logsf, "sf")


@staged
def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return e("negative", e("expm1", logsf(x, loc, scale)))


@staged
def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return log1mexp(logsf(x, loc, scale))


@staged
def ppf(p: Any, loc: Any = 0, scale: Any = 1) -> Any:
    p, loc, scale = promote(p, loc, scale)
    value = e("add", loc, multiply(scale, e("log", e("negative", e("log1p", e("negative", p))))))
    return e("where", open_unit(p), value, math.nan)


__getattr__ = distribution_getattr(__name__)
