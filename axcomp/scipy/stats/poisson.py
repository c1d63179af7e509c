"""``jax.scipy.stats.poisson``: the Poisson distribution (``-inf`` log-mass off the
non-negative integers; ``cdf`` from the upper incomplete gamma)."""

from __future__ import annotations

import math
from typing import Any

from ..special.gamma_functions import gammaincc, gammaln
from ..special.log_products import xlogy
from ._common import distribution_getattr, e, exp_of, promote, staged


@staged
def logpmf(k: Any, mu: Any, loc: Any = 0) -> Any:
    k, mu, loc = promote(k, mu, loc)
    x = e("subtract", k, loc)
    value = e("subtract", e("subtract", xlogy(x, mu), gammaln(e("add", x, 1.0))), mu)
    off = e("logical_or", e("less", x, 0.0), e("not_equal", e("rint", k), k))
    return e("where", off, -math.inf, value)


pmf = exp_of(logpmf, "pmf")


@staged
def cdf(k: Any, mu: Any, loc: Any = 0) -> Any:
    k, mu, loc = promote(k, mu, loc)
    x = e("subtract", k, loc)
    return e("where", e("less", x, 0.0), 0.0, gammaincc(e("floor", e("add", x, 1.0)), mu))


__getattr__ = distribution_getattr(__name__)
