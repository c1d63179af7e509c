"""``jax.scipy.special``'s distribution functions: ``expit`` (the logistic CDF), its
inverse ``logit`` and ``ndtr`` (the standard normal CDF), composed from elementwise ops
with JAX's formulas."""

from __future__ import annotations

import math

from ...lax.elementwise import logistic_of
from ...lax.operands import float_input
from ...primitives.contraction import multiply
from ...primitives.elementwise import elementwise as _e
from ...tracing.build import Value
from ...tracing.tracer import Tracer
from ...transforms.jit import staged_export
from .error_functions import erfc


@staged_export
def expit(x: Value) -> Tracer:
    """The logistic function (``sigmoid``)."""
    return logistic_of(float_input(x))  # the body of axcomp.nn.sigmoid


@staged_export
def logit(x: Value) -> Tracer:
    """``log(x / (1 - x))``, the inverse of ``expit``."""
    t = float_input(x)
    return _e("log", _e("true_divide", t, _e("subtract", 1.0, t)))


@staged_export
def ndtr(x: Value) -> Tracer:
    """The standard normal CDF, ``erfc(-x / sqrt 2) / 2``."""
    return multiply(0.5, erfc(multiply(float_input(x), -1 / math.sqrt(2))))
