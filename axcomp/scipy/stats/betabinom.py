"""``jax.scipy.stats.betabinom``: the beta-binomial distribution (``k`` floored, nan for
``n < 0`` or non-positive ``a``, ``b``, as JAX)."""

from __future__ import annotations

import math
from typing import Any

from ..special.gamma_functions import betaln
from ._common import distribution_getattr, e, exp_of, promote, staged


@staged
def logpmf(k: Any, n: Any, a: Any, b: Any, loc: Any = 0) -> Any:
    k, n, a, b, loc = promote(k, n, a, b, loc)
    y = e("subtract", e("floor", k), loc)
    rest = e("subtract", n, y)
    comb = e("negative", e("add", e("log1p", n), betaln(e("add", rest, 1.0), e("add", y, 1.0))))
    ratio = e("subtract", betaln(e("add", y, a), e("add", rest, b)), betaln(a, b))
    value = e("add", comb, ratio)
    value = e("where", e("logical_and", e("equal", y, 0.0), e("equal", n, 0.0)), 0.0, value)
    off = e(
        "logical_or",
        e("logical_or", e("less", y, e("negative", loc)), e("greater", y, n)),
        e("less_equal", e("add", y, a), 0.0),
    )
    value = e("where", off, -math.inf, value)
    bad = e(
        "logical_or",
        e("logical_or", e("less", n, 0.0), e("less_equal", a, 0.0)),
        e("less_equal", b, 0.0),
    )
    return e("where", bad, math.nan, value)


pmf = exp_of(logpmf, "pmf")

__getattr__ = distribution_getattr(__name__)
