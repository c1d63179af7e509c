"""``jax.nn`` activations and normalisers, and the ``logaddexp`` builder that
``jnp.logaddexp`` and ``lax.cumlogsumexp`` share.

Every function is a composition of existing primitives (elementwise, reductions), so
lowering, both backends and reverse mode come for free. The compositions are chosen to
follow JAX's conventions at kinks and to stay finite in both branches of every ``where``
(so no ``nan`` leaks into a gradient): ``relu'(0) = 0``, ``softplus'(0) = 1/2``,
``logaddexp`` splits a tie's cotangent in halves, ``logsumexp``'s gradient is ``softmax``.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from ..errors import ArgumentTypeError, UnsupportedError
from ..tracing.build import Value, lift, normalize_axes, normalize_axis, trace_of
from ..tracing.tracer import Tracer
from .api import export
from .contraction import moveaxis, multiply
from .elementwise import elementwise
from .lax_elementwise import logistic_of
from .reductions import mean, reduce, reduce_sum
from .shape import astype, expand_dims, reshape
from .special import erfc, float_input


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


def _t(x: Value) -> Tracer:
    return lift(x, trace_of((x,)))


# ------------------------------------------------------------------ activations
@export("nn")
def relu(x: Value) -> Tracer:
    """``max(x, 0)``; its derivative at 0 is 0, as in JAX (nan stays nan)."""
    t = _t(x)
    return _e("where", _e("less_equal", t, 0), np.zeros((), t.dtype), t)


@export("nn")
def sigmoid(x: Value) -> Tracer:
    """The logistic function ``1 / (1 + exp(-x))`` (``lax.logistic``): without overflow for
    any real x, complex for complex x; its derivative is ``z (1 - z)``, as in JAX."""
    return logistic_of(float_input(x))


def _softplus(t: Tracer) -> Tracer:
    # max(x, 0) + log1p(exp(-|x|)); the "max" sends x == 0 to x so that with abs'(0) = 1
    # the derivative there is 1 - 1/2 = sigmoid(0)
    pos = _e("where", _e("greater_equal", t, 0.0), t, 0.0)
    return _e("add", pos, _e("log1p", _e("exp", _e("negative", _e("absolute", t)))))


@export("nn")
def softplus(x: Value) -> Tracer:
    """``log(1 + exp(x))``, computed stably (``logaddexp(x, 0)``)."""
    return _softplus(float_input(x))


@export("nn")
def log_sigmoid(x: Value) -> Tracer:
    """``log(sigmoid(x)) = -softplus(-x)``."""
    return _e("negative", _softplus(_e("negative", float_input(x))))


@export("nn")
def silu(x: Value) -> Tracer:
    """``x * sigmoid(x)`` (also ``swish``)."""
    t = float_input(x)
    return multiply(t, sigmoid(t))


@export("nn")
def swish(x: Value) -> Tracer:
    """``x * sigmoid(x)`` (the same as ``silu``)."""
    return silu(x)


@export("nn")
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


def _shifted(t: Tracer, axis: Any) -> tuple[Tracer, tuple[int, ...]]:
    """``x - max(x)`` along ``axis`` (infinite maxima replaced by 0, as in JAX)."""
    axes = normalize_axes(axis, t.ndim)
    m = reduce("max", t, axis=axes, keepdims=True)
    m = _e("where", _e("isfinite", m), m, 0.0)
    return _e("subtract", t, m), axes


@export("nn")
def softmax(x: Value, axis: Any = -1) -> Tracer:
    """``exp(x) / sum(exp(x))`` along ``axis`` (an int or a tuple), shifted by the maximum."""
    t = float_input(x)
    s, axes = _shifted(t, axis)
    e = _e("exp", s)
    return _e("true_divide", e, reduce_sum(e, axis=axes, keepdims=True))


@export("nn")
def log_softmax(x: Value, axis: Any = -1) -> Tracer:
    """``x - logsumexp(x)`` along ``axis``, shifted by the maximum."""
    t = float_input(x)
    s, axes = _shifted(t, axis)
    return _e("subtract", s, _e("log", reduce_sum(_e("exp", s), axis=axes, keepdims=True)))


@export("nn")
@export("special")
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
    m = _e("where", _e("isfinite", m), m, 0.0)
    e = _e("exp", _e("subtract", t, m))
    if b is not None:
        e = multiply(e, b)
    out = _e("add", _e("log", reduce_sum(e, axis=axes, keepdims=True)), m)
    if not keepdims:
        out = reshape(out, tuple(s for i, s in enumerate(t.shape) if i not in axes))
    return out


@export("nn")
def one_hot(x: Value, num_classes: int, dtype: Any = np.float64, axis: int = -1) -> Tracer:
    """``x[..., None] == arange(num_classes)`` as ``dtype``, the new axis at ``axis``."""
    if isinstance(num_classes, Tracer):
        raise ArgumentTypeError("one_hot: num_classes must be a static int, not a traced value")
    n = operator.index(num_classes)
    t = _t(x)
    hot = astype(_e("equal", expand_dims(t, -1), np.arange(n)), dtype)
    ax = normalize_axis(axis, t.ndim + 1)
    return moveaxis(hot, -1, ax) if ax != t.ndim else hot


@export("nn")
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


@export("nn")
def normalize(
    x: Value,
    axis: Any = -1,
    mean: Value = None,
    variance: Value = None,
    epsilon: float = 1e-5,
) -> Tracer:
    """The same as ``standardize`` (JAX's older name)."""
    return standardize(x, axis, mean, variance, epsilon)


# ------------------------------------------------------------------ jnp math
def _pair(x1: Value, x2: Value) -> tuple[Tracer, Tracer]:
    trace = trace_of((x1, x2))
    a, b = lift(x1, trace), lift(x2, trace)
    dtype = np.result_type(np.logaddexp(np.ones(1, a.dtype), np.ones(1, b.dtype)))
    if a.dtype != dtype and not isinstance(x1, (int, float)):
        a = astype(a, dtype)
    if b.dtype != dtype and not isinstance(x2, (int, float)):
        b = astype(b, dtype)
    return a, b


def _logaddexp(a: Tracer, b: Tracer, log1p_exp: Any) -> Tracer:
    # the larger argument by a where that sends ties to a: with abs'(0) = 1 each side of a
    # tie gets half the cotangent (JAX's rule); nan or inf - inf falls back to a + b
    delta = _e("subtract", a, b)
    amax = _e("where", _e("greater_equal", a, b), a, b)
    out = _e("add", amax, log1p_exp(_e("negative", _e("absolute", delta))))
    return _e("where", _e("isnan", delta), _e("add", a, b), out)


def logaddexp(x1: Value, x2: Value) -> Tracer:
    """``log(exp(x1) + exp(x2))`` without overflow, as ``numpy.logaddexp``."""
    a, b = _pair(x1, x2)
    return _logaddexp(a, b, lambda d: _e("log1p", _e("exp", d)))
