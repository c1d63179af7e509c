"""``jax.scipy.stats.wrapcauchy``: the wrapped Cauchy distribution on ``[0, 2 pi]``
(nan unless ``0 < c < 1``)."""

from __future__ import annotations

import math
from typing import Any

from ...primitives.contraction import multiply
from ._common import distribution_getattr, e, exp_of, open_unit, promote, staged


@staged
def logpdf(x: Any, c: Any) -> Any:
    x, c = promote(x, c)
    cc = multiply(c, c)
    denominator = e("subtract", e("add", 1.0, cc), multiply(multiply(2.0, c), e("cos", x)))
    value = e(
        "subtract",
        e("subtract", e("log1p", e("negative", cc)), math.log(2 * math.pi)),
        e("log", denominator),
    )
    inside = e("logical_and", e("greater_equal", x, 0.0), e("less_equal", x, 2 * math.pi))
    return e("where", open_unit(c), e("where", inside, value, -math.inf), math.nan)


pdf = exp_of(logpdf, "pdf")

__getattr__ = distribution_getattr(__name__)
