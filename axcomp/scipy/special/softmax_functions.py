"""``jax.scipy.special.softmax``/``log_softmax`` (all axes by default); ``axcomp.nn``'s
``softmax``/``log_softmax`` are these along ``axis=-1``. Compositions of elementwise
primitives and reductions, shifted by the maximum so ``exp`` never overflows."""

from __future__ import annotations

from typing import Any

from ...lax.operands import float_input
from ...primitives.elementwise import elementwise
from ...primitives.reductions import reduce, reduce_sum
from ...tracing.build import Value, normalize_axes
from ...tracing.tracer import Tracer
from ...transforms.jit import staged_export


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


def _shifted(t: Tracer, axis: Any) -> tuple[Tracer, tuple[int, ...]]:
    """``x - max(x)`` along ``axis`` (infinite maxima replaced by 0, as in JAX)."""
    axes = normalize_axes(axis, t.ndim)
    m = reduce("max", t, axis=axes, keepdims=True)
    m = _e("where", _e("isfinite", m), m, 0.0)
    return _e("subtract", t, m), axes


@staged_export("softmax")
def special_softmax(x: Value, *, axis: Any = None) -> Tracer:
    """``jax.scipy.special.softmax``: ``exp(x) / sum(exp(x))`` along ``axis`` (an int, a
    tuple, or all axes by default), shifted by the maximum; ``jax.nn.softmax`` is this
    with ``axis=-1``."""
    t = float_input(x)
    s, axes = _shifted(t, axis)
    e = _e("exp", s)
    return _e("true_divide", e, reduce_sum(e, axis=axes, keepdims=True))


@staged_export("log_softmax")
def special_log_softmax(x: Value, *, axis: Any = None) -> Tracer:
    """``jax.scipy.special.log_softmax``: ``x - logsumexp(x)`` along ``axis`` (all axes by
    default), shifted by the maximum; ``jax.nn.log_softmax`` is this with ``axis=-1``."""
    t = float_input(x)
    s, axes = _shifted(t, axis)
    return _e("subtract", s, _e("log", reduce_sum(_e("exp", s), axis=axes, keepdims=True)))
