"""``jax.scipy.special.xlogy``/``xlog1py``: ``x * log(y)`` and ``x * log1p(y)``, 0 where
``x == 0`` (whatever ``y``, but a nan ``y``), with d/dx ``log(y)`` there, as in JAX."""

from __future__ import annotations

from typing import Any

from ...lax.operands import float_input
from ...primitives.contraction import multiply
from ...primitives.elementwise import elementwise
from ...tracing.build import Value, lift, trace_of
from ...tracing.tracer import Tracer
from ...transforms.jit import staged_export


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


def _xlog(x: Value, y: Value, fn: str) -> Tracer:
    trace = trace_of((x, y))
    tx, ty = float_input(lift(x, trace)), float_input(lift(y, trace))
    log = _e(fn, ty)
    # x == 0 gives 0 whatever y (but nan y), and d/dx stays log(y) there, as in JAX
    drop = _e("logical_and", _e("equal", tx, 0.0), _e("logical_not", _e("isfinite", log)))
    drop = _e("logical_and", drop, _e("logical_not", _e("isnan", ty)))
    return multiply(tx, _e("where", drop, 0.0, log))


@staged_export
def xlogy(x: Value, y: Value) -> Tracer:
    """``x * log(y)``, 0 where ``x == 0`` (whatever ``y``), as ``jax.scipy.special.xlogy``."""
    return _xlog(x, y, "log")


@staged_export
def xlog1py(x: Value, y: Value) -> Tracer:
    """``x * log1p(y)``, 0 where ``x == 0``, as ``jax.scipy.special.xlog1py``."""
    return _xlog(x, y, "log1p")
