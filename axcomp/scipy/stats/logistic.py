"""``jax.scipy.stats.logistic``: the logistic distribution (``ppf``/``isf`` take ``x``,
as in JAX)."""

from __future__ import annotations

from typing import Any

from ...primitives.contraction import multiply
from ..special.distributions import expit, logit
from ._common import distribution_getattr, e, exp_of, promote, staged, standardized


@staged
def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, loc, scale = promote(x, loc, scale)
    a = e("absolute", standardized(x, loc, scale))  # the density is even in z
    tail = multiply(2.0, e("log1p", e("exp", e("negative", a))))
    return e("negative", e("add", e("add", a, tail), e("log", scale)))


pdf = exp_of(logpdf, "pdf")


@staged
def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, loc, scale = promote(x, loc, scale)
    return expit.traced(standardized(x, loc, scale))


@staged
def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, loc, scale = promote(x, loc, scale)
    return expit.traced(e("negative", standardized(x, loc, scale)))


@staged
def ppf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, loc, scale = promote(x, loc, scale)
    return e("add", multiply(scale, logit.traced(x)), loc)


@staged
def isf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, loc, scale = promote(x, loc, scale)
    return e("subtract", loc, multiply(scale, logit.traced(x)))


__getattr__ = distribution_getattr(__name__)
