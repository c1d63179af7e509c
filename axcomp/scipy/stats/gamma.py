"""``jax.scipy.stats.gamma``: the gamma distribution (CDFs from the regularized incomplete
gamma functions, so ``sf`` keeps the right tail)."""

from __future__ import annotations

import math
from typing import Any

from ..special.gamma_functions import gammainc, gammaincc, gammaln
from ..special.log_products import xlogy
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
def logpdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, a, loc, scale = promote(x, a, loc, scale)
    ok = e("greater_equal", x, loc)
    y = e("where", ok, standardized(x, loc, scale), 1.0)
    value = e(
        "subtract",
        e("subtract", xlogy(e("subtract", a, 1.0), y), y),
        e("add", gammaln(a), e("log", scale)),
    )
    return e("where", ok, value, -math.inf)


pdf = exp_of(logpdf, "pdf")


def _tails(x: Any, a: Any, loc: Any, scale: Any) -> tuple[Any, Any]:
    """(P, Q) = the regularized incomplete gammas at y = (x - loc) / scale, 0 and 1 for
    y <= 0 without evaluating there (so derivatives stay 0, not nan)."""
    x, a, loc, scale = promote(x, a, loc, scale)
    y = standardized(x, loc, scale)
    inside = e("greater", y, 0.0)
    ys = e("where", inside, y, 1.0)
    p = e("where", inside, gammainc(a, ys), 0.0)
    q = e("where", inside, gammaincc(a, ys), 1.0)
    nan = e("isnan", y)
    return e("where", nan, math.nan, p), e("where", nan, math.nan, q)


@staged
def cdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return _tails(x, a, loc, scale)[0]


@staged
def logcdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    p, q = _tails(x, a, loc, scale)
    return log_from_complement(p, q)


@staged
def sf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    return _tails(x, a, loc, scale)[1]


@staged
def logsf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    p, q = _tails(x, a, loc, scale)
    return log_from_complement(q, p)


__getattr__ = distribution_getattr(__name__)
