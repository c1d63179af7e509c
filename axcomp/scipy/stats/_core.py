"""``jax.scipy.stats``' functions outside the distributions: ``sem``, ``rankdata``,
``mode``."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ...errors import ArgumentValueError, ShapeError, UnsupportedError
from ...primitives.contraction import moveaxis, multiply
from ...primitives.reductions import reduce, reduce_sum
from ...primitives.shape import astype, reshape
from ...tracing.build import lift, normalize_axes, normalize_axis, trace_of
from ...tracing.tracer import Tracer
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


_RANK_METHODS = ("average", "min", "max", "dense", "ordinal")


class ModeResult(NamedTuple):
    """``jax.scipy.stats.mode``'s result: the most frequent value and how often it occurs."""

    mode: Any
    count: Any


def _along_last(a: Any, axis: int | None) -> tuple[Tracer, int | None]:
    """``a`` with ``axis`` moved last (flattened when None), and where to move it back."""
    t = lift(a, trace_of((a,)))
    if axis is None:
        return reshape(t, (-1,)), None
    ax = normalize_axis(axis, t.ndim)
    return (moveaxis(t, ax, -1) if ax != t.ndim - 1 else t), ax


def _tables(t: Tracer) -> tuple[Tracer, Tracer]:
    """For each entry i and each j of its slice: ``x_j < x_i`` and ``x_j == x_i`` (an n-by-n
    comparison table per slice: no sort, so the ranks are exact and differentiable-free)."""
    xi = reshape(t, (*t.shape, 1))
    xj = reshape(t, (*t.shape[:-1], 1, t.shape[-1]))
    return e("less", xj, xi), e("equal", xj, xi)


def _count(mask: Tracer) -> Tracer:
    return reduce_sum(astype(mask, np.float64), axis=-1)


@staged
def rankdata(
    a: Any, method: str = "average", *, axis: int | None = None, nan_policy: str = "propagate"
) -> Any:
    """Ranks from 1, ties by ``method`` (``average``, ``min``, ``max``, ``dense``,
    ``ordinal``) along ``axis`` (of the flattened array when None); a slice holding a nan
    ranks as nan (``nan_policy="propagate"``, the only policy JAX implements)."""
    if method not in _RANK_METHODS:
        raise ArgumentValueError(f"unknown method {method!r}")
    if nan_policy == "omit":
        raise UnsupportedError("Logic for `nan_policy` of omit is not implemented")
    if nan_policy not in ("propagate", "raise"):
        raise ArgumentValueError(f"{nan_policy} is not a valid nan_policy")
    t, ax = _along_last(a, axis)
    if t.shape[-1] == 0:
        out: Tracer = astype(t, np.float64)
    else:
        below, same = _tables(t)
        less, ties = _count(below), _count(same)
        if method == "min":
            out = e("add", less, 1.0)
        elif method == "max":
            out = e("add", less, ties)
        elif method == "average":
            out = e("add", less, e("true_divide", e("add", ties, 1.0), 2.0))
        elif method == "ordinal":
            n = t.shape[-1]
            earlier = np.arange(n)[None, :] < np.arange(n)[:, None]  # [i, j]: j before i
            out = e("add", e("add", less, _count(e("logical_and", same, earlier))), 1.0)
        else:  # dense: distinct values below, each counted once (1 / its multiplicity)
            share = e("true_divide", 1.0, reshape(ties, (*ties.shape[:-1], 1, ties.shape[-1])))
            distinct = reduce_sum(e("where", below, share, 0.0), axis=-1)
            out = e("add", e("rint", distinct), 1.0)
        if t.dtype.kind in "fc":
            anynan = reduce("any", e("isnan", t), axis=-1, keepdims=True)
            out = e("where", anynan, np.nan, out)
    if ax is None:
        return out  # the ranks of the flattened array, as SciPy and JAX
    return moveaxis(out, -1, ax) if ax != out.ndim - 1 else out


@staged
def mode(
    a: Any, axis: int | None = 0, nan_policy: str = "propagate", keepdims: bool = False
) -> ModeResult:
    """The most frequent value along ``axis`` (the smallest among equally frequent ones, as
    SciPy) and its count."""
    if nan_policy == "omit":
        raise UnsupportedError("Logic for `nan_policy` of omit is not implemented")
    if nan_policy not in ("propagate", "raise"):
        raise ArgumentValueError(f"{nan_policy} is not a valid nan_policy")
    t, ax = _along_last(a, axis)
    if t.shape[-1] == 0:
        raise ShapeError("mode: the reduced axis is empty")
    _, same = _tables(t)
    counts = reduce_sum(astype(same, np.int64), axis=-1)
    best = reduce("max", counts, axis=-1, keepdims=True)
    if t.dtype.kind == "f":
        largest: Any = np.inf
    elif t.dtype.kind == "b":
        largest = True
    else:
        largest = np.iinfo(t.dtype).max
    candidates = e("where", e("equal", counts, best), t, np.asarray(largest, t.dtype))
    value = reduce("min", candidates, axis=-1, keepdims=True)
    count = best
    if keepdims:
        if ax is None:
            shape = (1,) * lift(a, trace_of((a,))).ndim
            return ModeResult(reshape(value, shape), reshape(count, shape))
        return ModeResult(moveaxis(value, -1, ax), moveaxis(count, -1, ax))
    return ModeResult(reshape(value, value.shape[:-1]), reshape(count, count.shape[:-1]))
