"""``jax.scipy.stats.truncnorm``: the normal distribution truncated to ``[a, b]`` (in
standard units). The log of the mass between two points works in the left tail (a
right-tail interval is mirrored) or, for an interval around 0, as ``log1p`` of the two
tails, so neither end cancels."""

from __future__ import annotations

import math
from typing import Any

from ...primitives.contraction import multiply
from ..special.distributions import ndtr
from ..special.error_functions import log_ndtr
from . import norm
from ._common import distribution_getattr, e, exp_of, promote, staged, standardized


def _log_diff(big: Any, small: Any) -> Any:
    """log(exp(big) - exp(small)) for big >= small."""
    return e("add", big, e("log", e("negative", e("expm1", e("subtract", small, big)))))


def _log_mass(lo: Any, hi: Any) -> Any:
    """log(Phi(hi) - Phi(lo)), lo <= hi."""
    right = e("greater", lo, 0.0)
    central = e("logical_and", e("less_equal", lo, 0.0), e("greater", hi, 0.0))
    a = e("where", right, e("negative", hi), lo)
    b = e("where", right, e("negative", lo), hi)
    tail = _log_diff(log_ndtr(b), log_ndtr(a))
    middle = e("log1p", e("negative", e("add", ndtr.traced(lo), ndtr.traced(e("negative", hi)))))
    return e("where", central, middle, tail)


def _interior(a: Any, b: Any) -> Any:
    """A point strictly inside (a, b), for a < b (either end may be infinite)."""
    both = e("logical_and", e("isfinite", a), e("isfinite", b))
    one_end = e(
        "where",
        e("isfinite", a),
        e("add", a, 1.0),
        e("where", e("isfinite", b), e("subtract", b, 1.0), 0.0),
    )
    return e("where", both, multiply(0.5, e("add", a, b)), one_end)


@staged
def logpdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, a, b, loc, scale = promote(x, a, b, loc, scale)
    value = e("subtract", norm.logpdf(x, loc, scale), _log_mass(a, b))
    z = standardized(x, loc, scale)
    value = e("where", e("logical_or", e("less", z, a), e("greater", z, b)), -math.inf, value)
    return e("where", e("greater_equal", a, b), math.nan, value)


pdf = exp_of(logpdf, "pdf")


@staged
def logcdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, a, b, loc, scale = promote(x, a, b, loc, scale)
    z = standardized(x, loc, scale)
    strictly = e("logical_and", e("greater", z, a), e("less", z, b))
    inside = e("where", strictly, z, _interior(a, b))  # off the ends: never log(0) there
    total = _log_mass(a, b)
    below = e("subtract", _log_mass(a, inside), total)
    above = e("subtract", _log_mass(inside, b), total)
    # near 1, log1p(-sf) keeps the digits log(cdf) would lose
    value = e("where", e("greater", below, -0.1), e("log1p", e("negative", e("exp", above))), below)
    value = e("where", e("less_equal", z, a), -math.inf, value)
    value = e("where", e("greater_equal", z, b), 0.0, value)
    return e("where", e("greater_equal", a, b), math.nan, value)


cdf = exp_of(logcdf, "cdf")


@staged
def logsf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, a, b, loc, scale = promote(x, a, b, loc, scale)
    return logcdf(e("negative", x), e("negative", b), e("negative", a), e("negative", loc), scale)


sf = exp_of(logsf, "sf")

__getattr__ = distribution_getattr(__name__)
