"""``jax.scipy.stats``' functions outside the distributions: ``sem``."""

from __future__ import annotations

import math
from typing import Any

from ...errors import ArgumentValueError
from ...primitives.contraction import multiply
from ...primitives.reductions import reduce_sum
from ...primitives.shape import astype, reshape
from ...tracing.build import normalize_axes
from ._common import e, promote, staged


@staged
def sem(
    a: Any,
    axis: int | None = 0,
    ddof: int = 1,
    nan_policy: str = "propagate",
    *,
    keepdims: bool = False,
) -> Any:
    """The standard error of the mean, ``std(a, ddof) / sqrt(n)`` along ``axis`` (all
    axes when None); ``nan_policy="omit"`` leaves nans out of the mean and of ``n``."""
    if nan_policy not in ("propagate", "omit"):
        raise ArgumentValueError(f"{nan_policy} is not supported")
    (t,) = promote(a)
    axes = normalize_axes(axis, t.ndim)
    if nan_policy == "omit":
        kept = e("logical_not", e("isnan", t))
        t = e("where", kept, t, 0.0)
        count: Any = reduce_sum(astype(kept, t.dtype), axis=axes, keepdims=True)
    else:
        kept = None
        count = float(math.prod(t.shape[k] for k in axes))
    mean = e("true_divide", reduce_sum(t, axis=axes, keepdims=True), count)
    dev = e("subtract", t, mean)
    if kept is not None:
        dev = e("where", kept, dev, 0.0)
    var = e(
        "true_divide",
        reduce_sum(multiply(dev, dev), axis=axes, keepdims=True),
        e("subtract", count, float(ddof)),
    )
    out = e("sqrt", e("true_divide", var, count))
    if keepdims:
        return out
    return reshape(out, tuple(n for k, n in enumerate(out.shape) if k not in axes))
