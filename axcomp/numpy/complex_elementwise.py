"""Elementwise functions NumPy computes for real operands only and JAX for complex ones too.

Real operands keep the functions they had (the records' ufuncs, ``elementwise.py``'s
``logaddexp``), which call these for complex ones: JAX's formulas, each one staged program
(``jit``), so an eager call computes what the same call in a kernel computes:

- ``deg2rad``/``rad2deg``: the product with ``pi/180`` (``180/pi``) as a complex constant
  of the operand's dtype, as ``jnp``'s (``inf + 0j`` gives ``inf + nan j``);
- ``arctan2(x1, x2) = -i log((x2 + i x1) / sqrt(x1^2 + x2^2))``, XLA's complex ``atan2``
  (``arctan2(0j, 0j)`` is NaN);
- ``logaddexp``/``logaddexp2``: ``m + log1p(exp(x1 + x2 - 2m))`` (``exp2``/``log2``
  for base 2) with ``m`` the larger operand in NumPy's lexicographic order, the imaginary
  part wrapped into ``[-pi, pi)`` (``[-pi/ln 2, pi/ln 2)``), as ``jax.lax``'s.

The operands promote as JAX's ``promote_args_inexact`` (a Python float is weak:
``complex64`` stays ``complex64``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..lax.elementwise import lax_complex
from ..lax.operators import logaddexp_operands
from ..primitives.elementwise import elementwise as _e
from ..tracing.tracer import Tracer
from ..transforms.jit import jit as _jit
from .dtypes import dtype_of
from .traced_values import lift_value as _t


def _constant(value: complex, like: Tracer) -> np.ndarray:
    return np.asarray(value, like.dtype)


def _scaled(factor: float) -> Callable[[Any], Tracer]:
    def run(x: Any) -> Tracer:
        t = _t(x)
        return _e("multiply", t, _constant(factor, t))

    return run


def _arctan2(x1: Any, x2: Any) -> Tracer:
    a, b = logaddexp_operands(x1, x2, complex_ok=True)
    i = _constant(1j, a)
    ratio = _e("true_divide", _e("add", b, _e("multiply", i, a)), _e("sqrt", _hypot2(a, b)))
    return _e("multiply", _constant(-1j, a), _e("log", ratio))


def _hypot2(a: Tracer, b: Tracer) -> Tracer:
    return _e("add", _e("multiply", a, a), _e("multiply", b, b))


def _wrapped(x: Tracer, half: float) -> Tracer:
    """``x`` wrapped into ``[-half, half)`` (JAX's ``_wrap_between``: C remainder, then a
    period added below 0)."""
    period = np.asarray(2 * half, x.dtype)
    rem = _e("fmod", _e("add", x, np.asarray(half, x.dtype)), period)
    rem = _e("where", _e("less", rem, np.asarray(0, x.dtype)), _e("add", rem, period), rem)
    return _e("subtract", rem, np.asarray(half, x.dtype))


def _logaddexp_complex(base2: bool) -> Callable[[Any, Any], Tracer]:
    def run(x1: Any, x2: Any) -> Tracer:
        a, b = logaddexp_operands(x1, x2, complex_ok=True)
        m = _e("maximum", a, b)  # lexicographic, as lax.max of complex values
        delta = _e("subtract", _e("add", a, b), _e("multiply", m, _constant(2, m)))
        if base2:
            term = _e("multiply", _constant(1 / math.log(2), m), _e("log1p", _e("exp2", delta)))
        else:
            term = _e("log1p", _e("exp", delta))
        out = _e("add", m, term)
        half = math.pi / math.log(2) if base2 else math.pi
        parts: Tracer = lax_complex(_e("real", out), _wrapped(_e("imag", out), half))
        return parts

    return run


#: The complex forms of the records' functions (``ufuncs.py`` calls them for complex
#: operands).
COMPLEX_FORMS: dict[str, Callable[..., Any]] = {
    "deg2rad": _jit(_scaled(math.pi / 180.0)),
    "rad2deg": _jit(_scaled(180.0 / math.pi)),
    "arctan2": _jit(_arctan2),
}
complex_logaddexp = _jit(_logaddexp_complex(base2=False))
complex_logaddexp2 = _jit(_logaddexp_complex(base2=True))


def is_complex(*xs: Any) -> bool:
    """Whether any operand (an array, a traced value, a scalar or a list) is complex."""
    return any(dtype_of(x).kind == "c" for x in xs)
