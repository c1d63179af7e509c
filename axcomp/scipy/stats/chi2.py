"""``jax.scipy.stats.chi2``: the chi-squared distribution, the gamma distribution with
shape ``df / 2`` and scale ``2 scale``."""

from __future__ import annotations

from typing import Any

from ...primitives.contraction import multiply
from . import gamma as _gamma
from ._common import distribution_getattr, promote, staged


def _as_gamma(x: Any, df: Any, loc: Any, scale: Any) -> tuple[Any, Any, Any, Any]:
    x, df, loc, scale = promote(x, df, loc, scale)
    return x, multiply(0.5, df), loc, multiply(2.0, scale)


@staged
def logpdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return _gamma.logpdf(*_as_gamma(x, df, loc, scale))


@staged
def pdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return _gamma.pdf(*_as_gamma(x, df, loc, scale))


@staged
def cdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return _gamma.cdf(*_as_gamma(x, df, loc, scale))


@staged
def logcdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return _gamma.logcdf(*_as_gamma(x, df, loc, scale))


@staged
def sf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return _gamma.sf(*_as_gamma(x, df, loc, scale))


@staged
def logsf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return _gamma.logsf(*_as_gamma(x, df, loc, scale))


__getattr__ = distribution_getattr(__name__)
