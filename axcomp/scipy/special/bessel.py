"""``jax.scipy.special``'s modified Bessel functions: ``i0e``/``i1e`` (``lax.bessel_i0e``/
``bessel_i1e`` with JAX's promotion to an inexact type) and ``i0``/``i1``, which are
``i0e``/``i1e`` times ``exp(|x|)``."""

from __future__ import annotations

from typing import Any

from ...lax.operands import promote_args_inexact as _jax_float
from ...lax.special import bessel_i0e, bessel_i1e
from ...primitives.contraction import multiply
from ...primitives.elementwise import elementwise
from ...tracing.build import Value
from ...tracing.tracer import Tracer
from ...transforms.jit import staged_export


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


@staged_export
def i0e(x: Value) -> Tracer:
    """``jax.scipy.special.i0e``: ``exp(-|x|) I0(x)``."""
    return bessel_i0e(*_jax_float(x))


@staged_export
def i1e(x: Value) -> Tracer:
    """``jax.scipy.special.i1e``: ``exp(-|x|) I1(x)``."""
    return bessel_i1e(*_jax_float(x))


@staged_export
def i0(x: Value) -> Tracer:
    """The modified Bessel function ``I0``, as ``jax.scipy.special.i0``."""
    (t,) = _jax_float(x)
    return multiply(bessel_i0e(t), _e("exp", _e("absolute", t)))


@staged_export
def i1(x: Value) -> Tracer:
    """The modified Bessel function ``I1``, as ``jax.scipy.special.i1``."""
    (t,) = _jax_float(x)
    return multiply(bessel_i1e(t), _e("exp", _e("absolute", t)))
