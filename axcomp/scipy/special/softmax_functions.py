"""``jax.scipy.special.softmax``/``log_softmax`` (all axes by default); ``axcomp.nn``'s
``softmax``/``log_softmax`` are these along ``axis=-1``. Compositions of elementwise
primitives and reductions, shifted by the maximum so ``exp`` never overflows."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...lax.operands import float_input
from ...primitives.elementwise import elementwise
from ...primitives.gradients import stop_gradient
from ...primitives.reductions import reduce, reduce_sum
from ...tracing.build import Value, normalize_axes
from ...tracing.tracer import Tracer
from ...transforms.jit import staged_export


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


def _shifted(t: Tracer, axis: Any, where: Any = None) -> tuple[Tracer, tuple[int, ...]]:
    """``x - max(x)`` along ``axis`` (infinite maxima replaced by 0, as in JAX; the max is
    a constant to derivatives); with a mask ``where``, the maximum of the selected entries
    and ``-inf`` outside them."""
    axes = normalize_axes(axis, t.ndim)
    if where is not None:
        t = _e("where", where, t, -np.inf)
    m = reduce("max", t, axis=axes, keepdims=True)
    # no gradient through the shift (JAX's convention): it cancels in the result
    m = stop_gradient(_e("where", _e("isfinite", m), m, 0.0))
    return _e("subtract", t, m), axes


def masked_softmax(x: Value, axis: Any, where: Any = None) -> Tracer:
    """``softmax`` over the entries ``where`` selects (0 elsewhere), as ``jax.nn``'s."""
    t = float_input(x)
    s, axes = _shifted(t, axis, where)
    e = _e("exp", s)
    total = reduce_sum(e, axis=axes, keepdims=True)
    if where is None:
        return _e("true_divide", e, total)
    # a slice with nothing selected sums to 0: divide by 1 there (its entries are all 0)
    total = _e("where", _e("equal", total, 0.0), 1.0, total)
    return _e("where", where, _e("true_divide", e, total), 0.0)


def masked_log_softmax(x: Value, axis: Any, where: Any = None) -> Tracer:
    """``log_softmax`` over the entries ``where`` selects (``-inf`` elsewhere)."""
    t = float_input(x)
    s, axes = _shifted(t, axis, where)
    total = reduce_sum(_e("exp", s), axis=axes, keepdims=True)
    if where is None:
        return _e("subtract", s, _e("log", total))
    # a slice with nothing selected sums to 0: log of 1 there (its entries are all -inf)
    total = _e("where", _e("equal", total, 0.0), 1.0, total)
    return _e("where", where, _e("subtract", s, _e("log", total)), -np.inf)


@staged_export("softmax")
def special_softmax(x: Value, *, axis: Any = None) -> Tracer:
    """``jax.scipy.special.softmax``: ``exp(x) / sum(exp(x))`` along ``axis`` (an int, a
    tuple, or all axes by default), shifted by the maximum; ``jax.nn.softmax`` is this
    with ``axis=-1``."""
    return masked_softmax(x, axis)


@staged_export("log_softmax")
def special_log_softmax(x: Value, *, axis: Any = None) -> Tracer:
    """``jax.scipy.special.log_softmax``: ``x - logsumexp(x)`` along ``axis`` (all axes by
    default), shifted by the maximum; ``jax.nn.log_softmax`` is this with ``axis=-1``."""
    return masked_log_softmax(x, axis)
