"""``jax.scipy.stats.dirichlet``: the Dirichlet distribution; the categories run along
``x``'s first axis (K entries, or K - 1 with the last implied), as in JAX."""

from __future__ import annotations

import math
from typing import Any

from ...errors import ShapeError
from ...primitives.reductions import reduce, reduce_sum
from ...primitives.shape import concatenate, reshape
from ..special.gamma_functions import gammaln
from ..special.log_products import xlogy
from ._common import distribution_getattr, e, exp_of, inexact, staged


@staged
def logpdf(x: Any, alpha: Any) -> Any:
    tx, ta = inexact(x, alpha)
    if ta.ndim != 1:
        raise ShapeError(f"`alpha` must be one-dimensional; got alpha.shape={ta.shape}")
    k = ta.shape[0]
    if tx.ndim == 0 or tx.shape[0] not in (k, k - 1):
        raise ShapeError(
            "`x` must have either the same number of entries as `alpha` or one entry fewer; "
            f"got x.shape={tx.shape}, alpha.shape={ta.shape}"
        )
    if tx.shape[0] != k:
        tx = concatenate([tx, e("subtract", 1.0, reduce_sum(tx, axis=0, keepdims=True))], axis=0)
    norm = e("subtract", reduce_sum(gammaln(ta)), gammaln(reduce_sum(ta)))
    a = reshape(ta, (k,) + (1,) * (tx.ndim - 1))
    value = e("subtract", reduce_sum(xlogy(e("subtract", a, 1.0), tx), axis=0), norm)
    positive = reduce("all", e("greater", tx, 0.0), axis=0)
    total = reduce_sum(tx, axis=0)
    simplex = e("logical_and", positive, e("less", e("absolute", e("subtract", total, 1.0)), 1e-6))
    return e("where", simplex, value, -math.inf)


pdf = exp_of(logpdf, "pdf")

__getattr__ = distribution_getattr(__name__)
