"""Elementwise ``jax.numpy`` functions that are compositions of several primitives rather
than one ufunc: ``sinc``, ``signbit``, ``fix``, ``float_power``, ``round``/``around``,
``isclose`` and ``allclose``."""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from ..errors import UnsupportedError
from ..primitives import nn as _nn
from ..primitives.contraction import multiply
from ..primitives.elementwise import elementwise as _e
from ..primitives.elementwise import power, where
from ..primitives.nn import _logaddexp, _pair
from ..primitives.reductions import reduce
from ..primitives.shape import astype
from ..tracing.build import Value
from ..tracing.tracer import Tracer
from .dispatch import numpy_function
from .traced_values import as_inexact as _inexact
from .traced_values import lift_value as _one
from .traced_values import lift_value as _t
from .traced_values import lift_values as _lift


@numpy_function()
def sinc(x: Value) -> Tracer:
    """``numpy.sinc``: sin(pi x) / (pi x), 1 at 0 (derivative 0 there, as in JAX)."""
    t = _inexact(_one(x))
    zero = _e("equal", t, 0)
    px = multiply(np.pi, t)
    safe = where(zero, np.asarray(1, t.dtype), px)
    return where(zero, np.asarray(1, t.dtype), _e("true_divide", _e("sin", safe), safe))


@numpy_function()
def signbit(x: Value) -> Tracer:
    """``numpy.signbit``: True where the sign bit is set (-0.0 and -nan included)."""
    t = _one(x)
    if t.dtype.kind in "fc":
        return _e("less", _e("copysign", np.asarray(1, t.dtype), t), 0)
    if t.dtype.kind == "b":
        return _e("logical_and", t, False)
    return _e("less", t, 0)


@numpy_function()
def fix(x: Value, out: Any = None) -> Tracer:
    """``numpy.fix``: round toward zero."""
    if out is not None:
        raise UnsupportedError("fix: out= is not supported on traced values")
    t = _one(x)
    target = np.fix(np.ones(1, t.dtype)).dtype
    return astype(t, target) if t.dtype.kind in "biu" else _e("trunc", t)


@numpy_function()
def float_power(x1: Value, x2: Value) -> Tracer:
    """``numpy.float_power``: power in float64 (complex128 for complex operands)."""
    x, y = _lift(x1, x2)
    wide = np.complex128 if "c" in (x.dtype.kind, y.dtype.kind) else np.float64
    return power(astype(x, wide), astype(y, wide))


@numpy_function()
def round(a: Value, decimals: int = 0, out: Any = None) -> Tracer:
    """``numpy.round``: to ``decimals`` places, halves to even (as NumPy, scaling by 10**d)."""
    if out is not None:
        raise UnsupportedError("round: out= is not supported on traced values")
    t = _one(a)
    d = operator.index(decimals)
    if t.dtype.kind in "biu":
        if d >= 0:
            return t
        scale = 10 ** (-d)
        # NumPy rounds integers half to even too: via float64 and back
        return astype(multiply(_e("rint", _e("true_divide", t, scale)), scale), t.dtype)
    if d == 0:
        return _e("rint", t)
    if d > 0:
        scale = np.asarray(10.0**d, t.dtype if t.dtype.kind == "f" else np.float64)
        return _e("true_divide", _e("rint", multiply(t, scale)), scale)
    scale = np.asarray(10.0 ** (-d), t.dtype if t.dtype.kind == "f" else np.float64)
    return multiply(_e("rint", _e("true_divide", t, scale)), scale)


@numpy_function()
def isclose(
    a: Value, b: Value, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tracer:
    """``numpy.isclose``: |a - b| <= atol + rtol * |b| where b is finite, or a == b."""
    x, y = _lift(a, b)
    dtype = np.result_type(x.dtype, y.dtype, 1.0)
    x, y = astype(x, dtype), astype(y, dtype)
    diff = _e("absolute", _e("subtract", x, y))
    tol = _e("add", atol, multiply(rtol, _e("absolute", y)))
    close = _e("logical_and", _e("less_equal", diff, tol), _e("isfinite", y))
    out = _e("logical_or", close, _e("equal", x, y))
    if equal_nan:
        out = _e("logical_or", out, _e("logical_and", _e("isnan", x), _e("isnan", y)))
    return out


@numpy_function()
def allclose(
    a: Value, b: Value, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tracer:
    """``numpy.allclose``; on traced values a traced boolean scalar (as in JAX)."""
    return reduce("all", isclose(a, b, rtol, atol, equal_nan))


around = round  # as numpy.around and jax.numpy.around


@numpy_function()
def logaddexp(x1: Value, x2: Value) -> Tracer:
    """``log(exp(x1) + exp(x2))`` without overflow, as ``numpy.logaddexp``."""
    return _nn.logaddexp(x1, x2)


@numpy_function()
def logaddexp2(x1: Value, x2: Value) -> Tracer:
    """``log2(2**x1 + 2**x2)`` without overflow, as ``numpy.logaddexp2``."""
    a, b = _pair(x1, x2)
    return _logaddexp(a, b, _log1p_exp2)


def _log1p_exp2(d: Tracer) -> Tracer:
    # 2**d as exp(d ln 2): the Array API standard has no exp2
    return multiply(1 / math.log(2), _e("log1p", _e("exp", multiply(d, math.log(2)))))


@numpy_function()
def nan_to_num(
    x: Value, copy: bool = True, nan: float = 0.0, posinf: Any = None, neginf: Any = None
) -> Tracer:
    """``nan`` to ``nan``, ``inf`` to ``posinf`` (the largest float), ``-inf`` to ``neginf``."""
    t = _t(x)
    if t.dtype.kind not in "fc":
        return t
    if t.dtype.kind == "c":
        raise UnsupportedError("nan_to_num: complex inputs are not supported by axcomp")
    info = np.finfo(t.dtype)
    hi = np.asarray(info.max if posinf is None else posinf, t.dtype)
    lo = np.asarray(info.min if neginf is None else neginf, t.dtype)
    out = _e("where", _e("isnan", t), np.asarray(nan, t.dtype), t)
    out = _e("where", _e("equal", t, math.inf), hi, out)
    return _e("where", _e("equal", t, -math.inf), lo, out)
