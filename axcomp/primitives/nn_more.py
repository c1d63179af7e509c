"""More of ``jax.nn`` (and ``jax.scipy.special``'s expit/logit/ndtr family): activations
composed from elementwise primitives, with JAX's formulas so values and derivatives match."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tracing.build import Value, normalize_axis
from ..tracing.tracer import Tracer
from .api import export
from .contraction import multiply
from .elementwise import elementwise
from .nn import _softplus, logsumexp, sigmoid
from .order import split
from .special import erfc, float_input

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


def _where(cond: Tracer, a: Any, b: Any) -> Tracer:
    return _e("where", cond, a, b)


@export("nn")
def elu(x: Value, alpha: float = 1.0) -> Tracer:
    """``x`` for x > 0, else ``alpha (exp(x) - 1)``."""
    t = float_input(x)
    safe = _where(_e("greater", t, 0.0), 0.0, t)  # no overflow in the untaken branch
    return _where(_e("greater", t, 0.0), t, multiply(alpha, _e("expm1", safe)))


@export("nn")
def celu(x: Value, alpha: float = 1.0) -> Tracer:
    """``max(x, 0) + alpha expm1(min(x, 0) / alpha)``."""
    t = float_input(x)
    neg = _e("true_divide", _e("minimum", t, 0.0), alpha)
    return _e("add", _e("maximum", t, 0.0), multiply(alpha, _e("expm1", neg)))


@export("nn")
def selu(x: Value) -> Tracer:
    """``scale * elu(x, alpha)`` with the self-normalising constants."""
    return multiply(_SELU_SCALE, elu(x, _SELU_ALPHA))


@export("nn")
def leaky_relu(x: Value, negative_slope: float = 1e-2) -> Tracer:
    """``x`` for x >= 0, else ``negative_slope * x``."""
    t = float_input(x)
    return _where(_e("greater_equal", t, 0.0), t, multiply(negative_slope, t))


@export("nn")
def relu6(x: Value) -> Tracer:
    """``min(max(x, 0), 6)``; the derivative is 0 at both kinks, as in JAX."""
    t = float_input(x)
    inside = _e("logical_and", _e("greater", t, 0.0), _e("less", t, 6.0))
    return _where(inside, t, _where(_e("greater_equal", t, 6.0), 6.0, multiply(t, 0.0)))


@export("nn")
def hard_sigmoid(x: Value) -> Tracer:
    """``relu6(x + 3) / 6``."""
    return _e("true_divide", relu6(_e("add", float_input(x), 3.0)), 6.0)


@export("nn")
def hard_silu(x: Value) -> Tracer:
    """``x * hard_sigmoid(x)`` (also ``hard_swish``)."""
    t = float_input(x)
    return multiply(t, hard_sigmoid(t))


@export("nn")
def hard_swish(x: Value) -> Tracer:
    """The same as ``hard_silu``."""
    return hard_silu(x)


@export("nn")
def hard_tanh(x: Value) -> Tracer:
    """``x`` clipped to [-1, 1]."""
    t = float_input(x)
    return _where(_e("greater", t, 1.0), 1.0, _where(_e("less", t, -1.0), -1.0, t))


@export("nn")
def mish(x: Value) -> Tracer:
    """``x tanh(softplus(x))``."""
    t = float_input(x)
    return multiply(t, _e("tanh", _softplus(t)))


@export("nn")
def soft_sign(x: Value) -> Tracer:
    """``x / (|x| + 1)``."""
    t = float_input(x)
    return _e("true_divide", t, _e("add", _e("absolute", t), 1.0))


@export("nn")
def squareplus(x: Value, b: float = 4.0) -> Tracer:
    """``(x + sqrt(x^2 + b)) / 2``."""
    t = float_input(x)
    return multiply(0.5, _e("add", t, _e("sqrt", _e("add", multiply(t, t), b))))


@export("nn")
def sparse_plus(x: Value) -> Tracer:
    """0 below -1, ``x`` above 1, ``(x + 1)^2 / 4`` between."""
    t = float_input(x)
    mid = multiply(0.25, multiply(_e("add", t, 1.0), _e("add", t, 1.0)))
    return _where(_e("less_equal", t, -1.0), 0.0, _where(_e("greater_equal", t, 1.0), t, mid))


@export("nn")
def sparse_sigmoid(x: Value) -> Tracer:
    """``clip(x + 1, 0, 2) / 2``: the derivative of ``sparse_plus``."""
    t = float_input(x)
    u = _e("add", t, 1.0)
    return multiply(0.5, _e("minimum", _e("maximum", u, 0.0), 2.0))  # jnp.clip's ties


@export("nn")
def log1mexp(x: Value) -> Tracer:
    """``log(1 - exp(-x))`` for x > 0, with the two stable forms split at log 2."""
    t = float_input(x)
    small = _e("log", _e("negative", _e("expm1", _e("negative", t))))
    large = _e("log1p", _e("negative", _e("exp", _e("negative", t))))
    return _where(_e("greater", t, math.log(2.0)), large, small)


@export("nn")
def logmeanexp(x: Value, axis: Any = None, keepdims: bool = False) -> Tracer:
    """``log(mean(exp(x)))`` along ``axis``: logsumexp minus log of the count."""
    t = float_input(x)
    axes = range(t.ndim) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    count = int(np.prod([t.shape[normalize_axis(a, t.ndim)] for a in axes]))
    return _e("subtract", logsumexp(t, axis=axis, keepdims=keepdims), math.log(count))


@export("nn")
def glu(x: Value, axis: int = -1) -> Tracer:
    """Gated linear unit: the first half of ``axis`` times sigmoid of the second half."""
    t = float_input(x)
    a, b = split(t, 2, axis=axis)
    return multiply(a, sigmoid(b))


@export("nn")
def identity(x: Value) -> Tracer:
    """``x`` itself."""
    return float_input(x) if not isinstance(x, Tracer) else x


@export("nn", "tanh")
def nn_tanh(x: Value) -> Tracer:
    """``tanh(x)``, under its ``jax.nn`` name."""
    return _e("tanh", float_input(x))


@export("special", "expit")
def expit(x: Value) -> Tracer:
    """The logistic function (``sigmoid``)."""
    return sigmoid(x)


@export("special", "logit")
def logit(x: Value) -> Tracer:
    """``log(x / (1 - x))``, the inverse of ``expit``."""
    t = float_input(x)
    return _e("log", _e("true_divide", t, _e("subtract", 1.0, t)))


@export("special", "ndtr")
def ndtr(x: Value) -> Tracer:
    """The standard normal CDF, ``erfc(-x / sqrt 2) / 2``."""
    return multiply(0.5, erfc(multiply(float_input(x), -1 / math.sqrt(2))))
