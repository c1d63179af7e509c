"""``jax.scipy.stats.vonmises``: the von Mises distribution (nan for ``kappa <= 0``)."""

from __future__ import annotations

import math
from typing import Any

from ...lax.special import bessel_i0e
from ...primitives.contraction import multiply
from ._common import distribution_getattr, e, exp_of, promote, staged


@staged
def logpdf(x: Any, kappa: Any) -> Any:
    x, kappa = promote(x, kappa)
    # kappa cos(x) - log(2 pi I0(kappa)), with I0's exp(kappa) taken out
    value = e(
        "subtract",
        multiply(kappa, e("subtract", e("cos", x), 1.0)),
        e("log", multiply(2 * math.pi, bessel_i0e(kappa))),
    )
    return e("where", e("greater", kappa, 0.0), value, math.nan)


pdf = exp_of(logpdf, "pdf")

__getattr__ = distribution_getattr(__name__)
