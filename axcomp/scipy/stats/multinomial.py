"""``jax.scipy.stats.multinomial``: the multinomial distribution over the last axis
(``x`` and ``n`` integer arrays, as JAX requires)."""

from __future__ import annotations

import math
from typing import Any

from ...errors import ArgumentValueError
from ...primitives.reductions import reduce_sum
from ...primitives.shape import astype
from ...tracing.build import lift, trace_of
from ..special.gamma_functions import gammaln
from ..special.log_products import xlogy
from ._common import distribution_getattr, e, exp_of, promote, staged


@staged
def logpmf(x: Any, n: Any, p: Any) -> Any:
    trace = trace_of((x, n, p))
    tx, tn = lift(x, trace), lift(n, trace)
    if tx.dtype.kind not in "iu" or tn.dtype.kind not in "iu":
        raise ArgumentValueError(
            "multinomial.logpmf: x and n must be of integer type; got "
            f"x.dtype={tx.dtype.name}, n.dtype={tn.dtype.name}"
        )
    (tp,) = promote(p)
    fx, fn = astype(tx, tp.dtype), astype(tn, tp.dtype)
    terms = e("subtract", xlogy(fx, tp), gammaln(e("add", fx, 1.0)))
    value = e("add", gammaln(e("add", fn, 1.0)), reduce_sum(terms, axis=-1))
    # each row's counts must add up to n (JAX compares the total over all rows)
    return e("where", e("equal", reduce_sum(fx, axis=-1), fn), value, -math.inf)


pmf = exp_of(logpmf, "pmf")

__getattr__ = distribution_getattr(__name__)
