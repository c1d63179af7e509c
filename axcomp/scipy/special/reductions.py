"""``jax.scipy.special``'s reductions: ``logsumexp`` (``axcomp.nn`` re-exports it, as
``jax.nn`` does), composed from elementwise ops and reductions, shifted by the maximum so
no ``exp`` overflows (a shift that carries no gradient, as in JAX); its gradient is
``softmax``."""

from __future__ import annotations

from typing import Any

from ...errors import UnsupportedError
from ...lax.operands import float_input
from ...primitives.contraction import multiply
from ...primitives.elementwise import elementwise
from ...primitives.gradients import stop_gradient
from ...primitives.reductions import reduce, reduce_sum
from ...primitives.shape import reshape
from ...tracing.build import Value, lift, normalize_axes, trace_of
from ...tracing.tracer import Tracer
from ...transforms.jit import staged_export


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


@staged_export
def logsumexp(
    a: Value, axis: Any = None, b: Value = None, keepdims: bool = False, return_sign: bool = False
) -> Tracer:
    """``log(sum(b * exp(a)))`` along ``axis`` (all axes when None), shifted by the maximum;
    its gradient is ``softmax``."""
    if return_sign:
        raise UnsupportedError("logsumexp: return_sign=True is not supported by axcomp")
    t = float_input(a)
    if b is not None:
        tb = lift(b, trace_of((a, b)))
        t = _e("add", t, multiply(tb, 0.0))  # broadcast a against b first, like JAX
    axes = normalize_axes(axis, t.ndim)
    m = reduce("max", t, axis=axes, keepdims=True)
    # the shift carries no gradient (JAX's convention): it cancels in the value, and the
    # derivative is softmax without differentiating the max (no tie splitting)
    m = stop_gradient(_e("where", _e("isfinite", m), m, 0.0))
    e = _e("exp", _e("subtract", t, m))
    if b is not None:
        e = multiply(e, b)
    out = _e("add", _e("log", reduce_sum(e, axis=axes, keepdims=True)), m)
    if not keepdims:
        out = reshape(out, tuple(s for i, s in enumerate(t.shape) if i not in axes))
    return out
