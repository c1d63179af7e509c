"""``jax.scipy.stats.laplace``: the Laplace (double exponential) distribution."""

from __future__ import annotations

from typing import Any

from ._common import distribution_getattr, e, exp_of, promote, staged, standardized


@staged
def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, loc, scale = promote(x, loc, scale)
    z = e("absolute", standardized(x, loc, scale))
    return e("negative", e("add", z, e("log", e("multiply", 2.0, scale))))


pdf = exp_of(logpdf, "pdf")


@staged
def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, loc, scale = promote(x, loc, scale)
    z = standardized(x, loc, scale)
    half_tail = e("multiply", 0.5, e("exp", e("negative", e("absolute", z))))
    return e("where", e("less", z, 0.0), half_tail, e("subtract", 1.0, half_tail))


__getattr__ = distribution_getattr(__name__)
