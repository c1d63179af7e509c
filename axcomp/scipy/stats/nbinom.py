"""``jax.scipy.stats.nbinom``: the negative binomial distribution."""

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
        "subtract", e("subtract", gammaln(e("add", y, n)), gammaln(n)), gammaln(e("add", y, 1.0))
    )
    # y log(1 - p) as log1p: exact for small p
    linear = e("add", xlogy(n, p), xlog1py(y, e("negative", p)))
    return e("where", e("less", k, loc), -math.inf, e("add", comb, linear))


pmf = exp_of(logpmf, "pmf")

__getattr__ = distribution_getattr(__name__)
