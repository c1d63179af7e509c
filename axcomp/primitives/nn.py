"""The ``softmax``/``log_softmax`` builders that ``axcomp.nn`` and ``scipy.special``
(``entropy``) share, and the ``logaddexp`` builder that ``jnp.logaddexp`` and
``lax.cumlogsumexp`` share. ``jax.nn`` itself is ``axcomp/nn/``, the ``jnp`` math built on
these is ``axcomp/numpy/``.

Every function is a composition of existing primitives (elementwise, reductions), so
lowering, both backends and reverse mode come for free. The compositions are chosen to
stay finite in both branches of every ``where`` (so no ``nan`` leaks into a gradient):
``logaddexp`` splits a tie's cotangent in halves.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tracing.build import Value, lift, normalize_axes, trace_of
from ..tracing.tracer import Tracer
from .elementwise import elementwise
from .reductions import reduce, reduce_sum
from .shape import astype
from .special import float_input


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


def _t(x: Value) -> Tracer:
    return lift(x, trace_of((x,)))


# ------------------------------------------------------------------ softmax builders
# axcomp.nn's softmax/log_softmax and scipy.special's (primitives/special_entropy.py) call these
def _shifted(t: Tracer, axis: Any) -> tuple[Tracer, tuple[int, ...]]:
    """``x - max(x)`` along ``axis`` (infinite maxima replaced by 0, as in JAX)."""
    axes = normalize_axes(axis, t.ndim)
    m = reduce("max", t, axis=axes, keepdims=True)
    m = _e("where", _e("isfinite", m), m, 0.0)
    return _e("subtract", t, m), axes


def softmax(x: Value, axis: Any = -1) -> Tracer:
    """``exp(x) / sum(exp(x))`` along ``axis`` (an int or a tuple), shifted by the maximum."""
    t = float_input(x)
    s, axes = _shifted(t, axis)
    e = _e("exp", s)
    return _e("true_divide", e, reduce_sum(e, axis=axes, keepdims=True))


def log_softmax(x: Value, axis: Any = -1) -> Tracer:
    """``x - logsumexp(x)`` along ``axis``, shifted by the maximum."""
    t = float_input(x)
    s, axes = _shifted(t, axis)
    return _e("subtract", s, _e("log", reduce_sum(_e("exp", s), axis=axes, keepdims=True)))


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
