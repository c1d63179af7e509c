"""``jax.scipy.stats.bernoulli``: the Bernoulli distribution."""

from __future__ import annotations

import math
from typing import Any

from ..special.log_products import xlog1py, xlogy
from ._common import distribution_getattr, e, exp_of, promote, staged


def _bad_p(p: Any) -> Any:
    return e("logical_or", e("isnan", p), e("logical_or", e("less", p, 0.0), e("greater", p, 1.0)))


@staged
def logpmf(k: Any, p: Any, loc: Any = 0) -> Any:
    k, p, loc = promote(k, p, loc)
    x = e("subtract", k, loc)
    value = e("add", xlogy(x, p), xlog1py(e("subtract", 1.0, x), e("negative", p)))
    off = e("logical_or", e("less", x, 0.0), e("greater", x, 1.0))
    return e("where", off, -math.inf, value)


pmf = exp_of(logpmf, "pmf")


@staged
def cdf(k: Any, p: Any) -> Any:
    k, p = promote(k, p)
    value = e(
        "where", e("less", k, 0.0), 0.0, e("where", e("less", k, 1.0), e("subtract", 1.0, p), 1.0)
    )
    return e("where", e("logical_or", _bad_p(p), e("isnan", k)), math.nan, value)


@staged
def ppf(q: Any, p: Any) -> Any:
    q, p = promote(q, p)
    bad = e("logical_or", _bad_p(p), _bad_p(q))
    return e(
        "where", bad, math.nan, e("where", e("less_equal", q, e("subtract", 1.0, p)), 0.0, 1.0)
    )


__getattr__ = distribution_getattr(__name__)
