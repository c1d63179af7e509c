"""``jax.scipy.stats.multivariate_normal``: the multivariate normal density over the last
axis, through the Cholesky factor of ``cov`` (a scalar ``cov`` is ``cov * I``)."""

from __future__ import annotations

import math
from typing import Any

from ...errors import IncompatibleShapesError, UnsupportedError
from ...lax.linalg import triangular_solve
from ...primitives.contraction import multiply
from ...primitives.linalg import cholesky
from ...primitives.order import diagonal
from ...primitives.reductions import reduce_sum
from ...primitives.shape import broadcast_to, expand_dims, reshape
from ...tracing.build import broadcast_shapes
from ._common import distribution_getattr, e, exp_of, inexact, staged

_LOG_2PI = math.log(2 * math.pi)


@staged
def logpdf(x: Any, mean: Any, cov: Any, allow_singular: None = None) -> Any:
    if allow_singular is not None:
        raise UnsupportedError("allow_singular argument of multivariate_normal.logpdf")
    tx, tm, tc = inexact(x, mean, cov)
    if tm.ndim == 0:
        y = e("subtract", tx, tm)
        quad = e("true_divide", multiply(y, y), tc)
        return multiply(-0.5, e("add", quad, e("add", _LOG_2PI, e("log", tc))))
    n = tm.shape[-1]
    y = e("subtract", tx, tm)
    if tc.ndim == 0:
        quad = e("true_divide", reduce_sum(multiply(y, y), axis=-1), tc)
        return multiply(-0.5, e("add", quad, multiply(n, e("add", _LOG_2PI, e("log", tc)))))
    if tc.ndim < 2 or tc.shape[-2:] != (n, n):
        raise IncompatibleShapesError(
            f"multivariate_normal.logpdf got incompatible shapes: mean {tm.shape}, cov {tc.shape}"
        )
    factor = cholesky(tc)
    batch = broadcast_shapes(y.shape[:-1], factor.shape[:-2])
    lb = broadcast_to(factor, (*batch, n, n))
    yb = expand_dims(broadcast_to(y, (*batch, n)), -1)
    z = reshape(triangular_solve.traced(lb, yb, left_side=True, lower=True), (*batch, n))
    log_det = reduce_sum(e("log", diagonal(factor, axis1=-2, axis2=-1)), axis=-1)
    quad = reduce_sum(multiply(z, z), axis=-1)
    return e("subtract", multiply(-0.5, e("add", quad, n * _LOG_2PI)), log_det)


pdf = exp_of(logpdf, "pdf")

__getattr__ = distribution_getattr(__name__)
