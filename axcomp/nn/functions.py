"""``jax.nn``'s functions: activations, ``softmax``/``log_softmax``, ``one_hot`` and the
normalisers, each a composition of elementwise ops and reductions written with JAX's
formulas, so values and derivatives (at kinks too) match.

The compositions follow JAX's conventions at kinks and stay finite in both branches of
every ``where`` (so no ``nan`` leaks into a gradient): ``relu'(0) = 0``,
``softplus'(0) = 1/2``. ``logsumexp`` is ``jax.scipy.special``'s (re-exported by
``axcomp.nn`` as in JAX)."""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from ..errors import ArgumentTypeError
from ..lax.elementwise import logistic_of
from ..lax.operands import float_input
from ..lax.special_approximations import erfc
from ..primitives.contraction import moveaxis, multiply
from ..primitives.elementwise import elementwise
from ..primitives.order import split
from ..primitives.reductions import mean
from ..primitives.shape import astype, expand_dims
from ..scipy.special.reductions import logsumexp
from ..scipy.special.softmax_functions import masked_log_softmax, masked_softmax
from ..tracing.build import Value, lift, normalize_axes, normalize_axis, trace_of
from ..tracing.tracer import Tracer
from ..transforms.jit import staged_export

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


def _where(cond: Tracer, a: Any, b: Any) -> Tracer:
    return _e("where", cond, a, b)


def _t(x: Value) -> Tracer:
    return lift(x, trace_of((x,)))


@staged_export
def relu(x: Value) -> Tracer:
    """``max(x, 0)``; its derivative at 0 is 0, as in JAX (nan stays nan)."""
    t = _t(x)
    return _e("where", _e("less_equal", t, 0), np.zeros((), t.dtype), t)


@staged_export
def sigmoid(x: Value) -> Tracer:
    """The logistic function ``1 / (1 + exp(-x))`` (``lax.logistic``): without overflow for
    any real x, complex for complex x; its derivative is ``z (1 - z)``, as in JAX."""
    return logistic_of(float_input(x))


def _softplus(t: Tracer) -> Tracer:
    # max(x, 0) + log1p(exp(-|x|)); the "max" sends x == 0 to x so that with abs'(0) = 1
    # the derivative there is 1 - 1/2 = sigmoid(0)
    pos = _e("where", _e("greater_equal", t, 0.0), t, 0.0)
    return _e("add", pos, _e("log1p", _e("exp", _e("negative", _e("absolute", t)))))


@staged_export
def softplus(x: Value) -> Tracer:
    """``log(1 + exp(x))``, computed stably (``logaddexp(x, 0)``)."""
    return _softplus(float_input(x))


@staged_export
def log_sigmoid(x: Value) -> Tracer:
    """``log(sigmoid(x)) = -softplus(-x)``."""
    return _e("negative", _softplus(_e("negative", float_input(x))))


@staged_export
def silu(x: Value) -> Tracer:
    """``x * sigmoid(x)`` (also ``swish``)."""
    t = float_input(x)
    return multiply(t, sigmoid.traced(t))


@staged_export
def swish(x: Value) -> Tracer:
    """``x * sigmoid(x)`` (the same as ``silu``)."""
    return silu.traced(x)


@staged_export
def gelu(x: Value, approximate: bool = True) -> Tracer:
    """Gaussian error linear unit: the tanh form when ``approximate`` (JAX's default), else
    ``x (1 + erf(x / sqrt(2))) / 2``."""
    t = float_input(x)
    if approximate:
        cube = multiply(0.044715, multiply(t, multiply(t, t)))
        inner = multiply(math.sqrt(2 / math.pi), _e("add", t, cube))
        return multiply(multiply(0.5, t), _e("add", _e("tanh", inner), 1.0))
    # 1 + erf(x / sqrt 2) as erfc(-x / sqrt 2): no cancellation in the left tail (JAX's form)
    return multiply(multiply(0.5, t), erfc(multiply(t, -1 / math.sqrt(2))))


@staged_export
def one_hot(x: Value, num_classes: int, dtype: Any = np.float64, axis: int = -1) -> Tracer:
    """``x[..., None] == arange(num_classes)`` as ``dtype``, the new axis at ``axis``."""
    if isinstance(num_classes, Tracer):
        raise ArgumentTypeError("one_hot: num_classes must be a static int, not a traced value")
    n = operator.index(num_classes)
    t = _t(x)
    hot = astype(_e("equal", expand_dims(t, -1), np.arange(n)), dtype)
    ax = normalize_axis(axis, t.ndim + 1)
    return moveaxis(hot, -1, ax) if ax != t.ndim else hot


@staged_export
def standardize(
    x: Value,
    axis: Any = -1,
    mean: Value = None,
    variance: Value = None,
    epsilon: float = 1e-5,
) -> Tracer:
    """``(x - mean) / sqrt(variance + epsilon)`` along ``axis`` (JAX's formula: the variance
    is ``mean(x**2) - mean**2`` when not given)."""
    t = float_input(x)
    axes = normalize_axes(axis, t.ndim)
    mu = _mean(t, axes) if mean is None else mean
    if variance is None:
        variance = _e("subtract", _mean(multiply(t, t), axes), multiply(mu, mu))
    scale = _e("true_divide", 1.0, _e("sqrt", _e("add", variance, epsilon)))
    return multiply(_e("subtract", t, mu), scale)


def _mean(t: Tracer, axes: tuple[int, ...]) -> Tracer:
    return mean(t, axis=axes, keepdims=True)


@staged_export
def normalize(
    x: Value,
    axis: Any = -1,
    mean: Value = None,
    variance: Value = None,
    epsilon: float = 1e-5,
) -> Tracer:
    """The same as ``standardize`` (JAX's older name)."""
    return standardize.traced(x, axis, mean, variance, epsilon)


@staged_export
def softmax(x: Value, axis: Any = -1, where: Any = None) -> Tracer:
    """``exp(x) / sum(exp(x))`` along ``axis`` (an int or a tuple), shifted by the maximum;
    with ``where=``, over the selected entries only (0 elsewhere)."""
    return masked_softmax(x, axis, where)


@staged_export
def log_softmax(x: Value, axis: Any = -1, where: Any = None) -> Tracer:
    """``x - logsumexp(x)`` along ``axis``, shifted by the maximum; with ``where=``, over
    the selected entries only (``-inf`` elsewhere)."""
    return masked_log_softmax(x, axis, where)


@staged_export
def elu(x: Value, alpha: float = 1.0) -> Tracer:
    """``x`` for x > 0, else ``alpha (exp(x) - 1)``."""
    t = float_input(x)
    safe = _where(_e("greater", t, 0.0), 0.0, t)  # no overflow in the untaken branch
    return _where(_e("greater", t, 0.0), t, multiply(alpha, _e("expm1", safe)))


@staged_export
def celu(x: Value, alpha: float = 1.0) -> Tracer:
    """``max(x, 0) + alpha expm1(min(x, 0) / alpha)``."""
    t = float_input(x)
    neg = _e("true_divide", _e("minimum", t, 0.0), alpha)
    return _e("add", _e("maximum", t, 0.0), multiply(alpha, _e("expm1", neg)))


@staged_export
def selu(x: Value) -> Tracer:
    """``scale * elu(x, alpha)`` with the self-normalising constants."""
    return multiply(_SELU_SCALE, elu.traced(x, _SELU_ALPHA))


@staged_export
def leaky_relu(x: Value, negative_slope: float = 1e-2) -> Tracer:
    """``x`` for x >= 0, else ``negative_slope * x``."""
    t = float_input(x)
    return _where(_e("greater_equal", t, 0.0), t, multiply(negative_slope, t))


@staged_export
def relu6(x: Value) -> Tracer:
    """``min(max(x, 0), 6)``; the derivative is 0 at both kinks, as in JAX."""
    t = float_input(x)
    inside = _e("logical_and", _e("greater", t, 0.0), _e("less", t, 6.0))
    return _where(inside, t, _where(_e("greater_equal", t, 6.0), 6.0, multiply(t, 0.0)))


@staged_export
def hard_sigmoid(x: Value) -> Tracer:
    """``relu6(x + 3) / 6``."""
    return _e("true_divide", relu6.traced(_e("add", float_input(x), 3.0)), 6.0)


@staged_export
def hard_silu(x: Value) -> Tracer:
    """``x * hard_sigmoid(x)`` (also ``hard_swish``)."""
    t = float_input(x)
    return multiply(t, hard_sigmoid.traced(t))


@staged_export
def hard_swish(x: Value) -> Tracer:
    """The same as ``hard_silu``."""
    return hard_silu.traced(x)


@staged_export
def hard_tanh(x: Value) -> Tracer:
    """``x`` clipped to [-1, 1]."""
    t = float_input(x)
    return _where(_e("greater", t, 1.0), 1.0, _where(_e("less", t, -1.0), -1.0, t))


@staged_export
def mish(x: Value) -> Tracer:
    """``x tanh(softplus(x))``."""
    t = float_input(x)
    return multiply(t, _e("tanh", _softplus(t)))


@staged_export
def soft_sign(x: Value) -> Tracer:
    """``x / (|x| + 1)``."""
    t = float_input(x)
    return _e("true_divide", t, _e("add", _e("absolute", t), 1.0))


@staged_export
def squareplus(x: Value, b: float = 4.0) -> Tracer:
    """``(x + sqrt(x^2 + b)) / 2``."""
    t = float_input(x)
    return multiply(0.5, _e("add", t, _e("sqrt", _e("add", multiply(t, t), b))))


@staged_export
def sparse_plus(x: Value) -> Tracer:
    """0 below -1, ``x`` above 1, ``(x + 1)^2 / 4`` between."""
    t = float_input(x)
    mid = multiply(0.25, multiply(_e("add", t, 1.0), _e("add", t, 1.0)))
    return _where(_e("less_equal", t, -1.0), 0.0, _where(_e("greater_equal", t, 1.0), t, mid))


@staged_export
def sparse_sigmoid(x: Value) -> Tracer:
    """``clip(x + 1, 0, 2) / 2``: the derivative of ``sparse_plus``."""
    t = float_input(x)
    u = _e("add", t, 1.0)
    return multiply(0.5, _e("minimum", _e("maximum", u, 0.0), 2.0))  # jnp.clip's ties


@staged_export
def log1mexp(x: Value) -> Tracer:
    """``log(1 - exp(-x))`` for x > 0, with the two stable forms split at log 2."""
    t = float_input(x)
    small = _e("log", _e("negative", _e("expm1", _e("negative", t))))
    large = _e("log1p", _e("negative", _e("exp", _e("negative", t))))
    return _where(_e("greater", t, math.log(2.0)), large, small)


@staged_export
def logmeanexp(x: Value, axis: Any = None, keepdims: bool = False) -> Tracer:
    """``log(mean(exp(x)))`` along ``axis``: logsumexp minus log of the count."""
    t = float_input(x)
    axes = range(t.ndim) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    count = int(np.prod([t.shape[normalize_axis(a, t.ndim)] for a in axes]))
    return _e("subtract", logsumexp.traced(t, axis=axis, keepdims=keepdims), math.log(count))


@staged_export
def glu(x: Value, axis: int = -1) -> Tracer:
    """Gated linear unit: the first half of ``axis`` times sigmoid of the second half."""
    t = float_input(x)
    a, b = split(t, 2, axis=axis)
    return multiply(a, sigmoid.traced(b))


@staged_export
def identity(x: Value) -> Tracer:
    """``x`` itself."""
    return float_input(x) if not isinstance(x, Tracer) else x


@staged_export
def tanh(x: Value) -> Tracer:
    """``tanh(x)``, under its ``jax.nn`` name."""
    return _e("tanh", float_input(x))
