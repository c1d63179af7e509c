"""``jax.scipy.stats.geom``: the geometric distribution on 1, 2, ..."""

from __future__ import annotations

import math
from typing import Any

from ..special.log_products import xlog1py
from ._common import distribution_getattr, e, exp_of, promote, staged


@staged
def logpmf(k: Any, p: Any, loc: Any = 0) -> Any:
    k, p, loc = promote(k, p, loc)
    x = e("subtract", k, loc)
    value = e("add", xlog1py(e("subtract", x, 1.0), e("negative", p)), e("log", p))
    return e("where", e("less_equal", x, 0.0), -math.inf, value)


pmf = exp_of(logpmf, "pmf")

__getattr__ = distribution_getattr(__name__)
