"""``jax.scipy.stats.binom``: the binomial distribution (mass 1 at the certain outcomes
``p`` in {0, 1}, as JAX)."""

from __future__ import annotations

import math
from typing import Any

from ..special.gamma_functions import gammaln
from ..special.log_products import xlog1py, xlogy
from ._common import distribution_getattr, e, exp_of, promote, staged


@staged
def logpmf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
    k, n, p, loc = promote(k, n, p, loc)
    y = e("subtract", k, loc)
    comb = e(
        "subtract",
        gammaln(e("add", n, 1.0)),
        e("add", gammaln(e("add", y, 1.0)), gammaln(e("add", e("subtract", n, y), 1.0))),
    )
    linear = e("add", xlogy(y, p), xlog1py(e("subtract", n, y), e("negative", p)))
    value = e("add", comb, linear)
    certain = e(
        "logical_or",
        e("logical_and", e("equal", y, 0.0), e("equal", n, 0.0)),
        e("equal", linear, 0.0),
    )
    value = e("where", certain, 0.0, value)
    inside = e(
        "logical_and", e("greater_equal", k, loc), e("less", k, e("add", e("add", loc, n), 1.0))
    )
    return e("where", inside, value, -math.inf)


pmf = exp_of(logpmf, "pmf")

__getattr__ = distribution_getattr(__name__)
