"""``jax.scipy.stats.pareto``: the Pareto distribution (support ``x >= loc + scale``)."""

from __future__ import annotations

import math
from typing import Any

from ...primitives.contraction import multiply
from ._common import (
    distribution_getattr,
    e,
    exp_of,
    log1mexp,
    promote,
    staged,
    standardized,
    unit_or_nan,
)


def _parts(x: Any, b: Any, loc: Any, scale: Any) -> tuple[Any, Any, Any, Any]:
    x, b, loc, scale = promote(x, b, loc, scale)
    below = e("less", x, e("add", loc, scale))
    z = standardized(x, loc, scale)
    return e("where", below, 1.0, z), b, scale, below


@staged
def logpdf(x: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    z, b, scale, below = _parts(x, b, loc, scale)
    value = e(
        "negative",
        e("add", e("log", e("true_divide", scale, b)), multiply(e("add", b, 1.0), e("log", z))),
    )
    return e("where", below, -math.inf, value)


pdf = exp_of(logpdf, "pdf")


@staged
def logsf(x: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    z, b, _, below = _parts(x, b, loc, scale)
    return e("where", below, 0.0, e("negative", multiply(b, e("log", z))))


sf = exp_of(logsf, "sf")


@staged
def cdf(x: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return e("negative", e("expm1", logsf(x, b, loc, scale)))


@staged
def logcdf(x: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    z, b, _, below = _parts(x, b, loc, scale)
    value = log1mexp(e("negative", multiply(b, e("log", z))))
    return e("where", below, -math.inf, value)


@staged
def ppf(q: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    q, b, loc, scale = promote(q, b, loc, scale)
    unit = e("exp", e("true_divide", e("negative", e("log1p", e("negative", q))), b))
    return unit_or_nan(q, e("add", loc, multiply(scale, unit)))


__getattr__ = distribution_getattr(__name__)
