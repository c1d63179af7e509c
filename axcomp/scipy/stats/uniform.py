"""``jax.scipy.stats.uniform``: the uniform distribution on ``[loc, loc + scale]``."""

from __future__ import annotations

import math
from typing import Any

from ...primitives.contraction import multiply
from ._common import distribution_getattr, e, exp_of, promote, staged, standardized, unit_or_nan


def _outside(x: Any, loc: Any, scale: Any) -> Any:
    return e("logical_or", e("less", x, loc), e("greater", x, e("add", loc, scale)))


@staged
def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, loc, scale = promote(x, loc, scale)
    return e("where", _outside(x, loc, scale), -math.inf, e("negative", e("log", scale)))


pdf = exp_of(logpdf, "pdf")


@staged
def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, loc, scale = promote(x, loc, scale)
    inside = e("where", e("less", x, loc), 0.0, standardized(x, loc, scale))
    value = e("where", e("greater", x, e("add", loc, scale)), 1.0, inside)
    return e("where", e("isnan", x), 0.0, value)  # JAX's select: nan matches no case


@staged
def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    q, loc, scale = promote(q, loc, scale)
    return unit_or_nan(q, e("add", loc, multiply(scale, q)))


__getattr__ = distribution_getattr(__name__)
