"""``jax.scipy.stats.beta``: the beta distribution on ``[loc, loc + scale]`` (nan for
non-positive ``a``, ``b`` or ``scale``, as JAX)."""

from __future__ import annotations

import math
from typing import Any

from ..special.gamma_functions import betaln, special_betainc
from ..special.log_products import xlog1py, xlogy
from ._common import (
    distribution_getattr,
    e,
    exp_of,
    log_from_complement,
    promote,
    staged,
    standardized,
)


@staged
def logpdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, a, b, loc, scale = promote(x, a, b, loc, scale)
    y = standardized(x, loc, scale)
    linear = e(
        "add", xlogy(e("subtract", a, 1.0), y), xlog1py(e("subtract", b, 1.0), e("negative", y))
    )
    value = e("subtract", e("subtract", linear, betaln(a, b)), e("log", scale))
    outside = e("logical_or", e("greater", x, e("add", loc, scale)), e("less", x, loc))
    value = e("where", outside, -math.inf, value)
    bad = e(
        "logical_or",
        e("logical_or", e("less_equal", a, 0.0), e("less_equal", b, 0.0)),
        e("less_equal", scale, 0.0),
    )
    return e("where", bad, math.nan, value)


pdf = exp_of(logpdf, "pdf")


def _tails(x: Any, a: Any, b: Any, loc: Any, scale: Any) -> tuple[Any, Any]:
    """(cdf, sf) from the regularized incomplete beta inside (0, 1), the limits outside
    (never evaluated there, so derivatives stay 0)."""
    x, a, b, loc, scale = promote(x, a, b, loc, scale)
    y = standardized(x, loc, scale)
    inside = e("logical_and", e("greater", y, 0.0), e("less", y, 1.0))
    ys = e("where", inside, y, 0.5)
    below = e("less_equal", y, 0.0)
    p = e("where", inside, special_betainc(a, b, ys), e("where", below, 0.0, 1.0))
    q = e(
        "where", inside, special_betainc(b, a, e("subtract", 1.0, ys)), e("where", below, 1.0, 0.0)
    )
    nan = e("isnan", y)
    return e("where", nan, math.nan, p), e("where", nan, math.nan, q)


@staged
def cdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return _tails(x, a, b, loc, scale)[0]


@staged
def logcdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    p, q = _tails(x, a, b, loc, scale)
    return log_from_complement(p, q)


@staged
def sf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return _tails(x, a, b, loc, scale)[1]


@staged
def logsf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    p, q = _tails(x, a, b, loc, scale)
    return log_from_complement(q, p)


__getattr__ = distribution_getattr(__name__)
