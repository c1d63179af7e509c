"""``jax.scipy.stats.t``: Student's t distribution (density only, as in JAX)."""

from __future__ import annotations

import math
from typing import Any

from ...primitives.contraction import multiply
from ..special.gamma_functions import gammaln
from ._common import distribution_getattr, e, exp_of, promote, staged, standardized


@staged
def logpdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    x, df, loc, scale = promote(x, df, loc, scale)
    z = standardized(x, loc, scale)
    half = multiply(0.5, df)
    half_up = e("add", half, 0.5)
    norm = e(
        "add",
        e("subtract", gammaln(half), gammaln(half_up)),
        multiply(0.5, e("log", multiply(multiply(multiply(scale, scale), math.pi), df))),
    )
    return e(
        "negative",
        e("add", norm, multiply(half_up, e("log1p", e("true_divide", multiply(z, z), df)))),
    )


pdf = exp_of(logpdf, "pdf")

__getattr__ = distribution_getattr(__name__)
