"""``jax.scipy.special``'s entropy and transformation functions: ``entr``, ``rel_entr``,
``kl_div``, ``boxcox``, ``boxcox1p``. Compositions of elementwise primitives with JAX's
values outside the domain (``-inf``/``inf``/0 as in its docstrings)."""

from __future__ import annotations

import math
from typing import Any

from ...lax.operands import promote_args_inexact as _jax_float
from ...primitives.contraction import multiply
from ...primitives.elementwise import elementwise
from ...tracing.build import Value
from ...tracing.tracer import Tracer
from ...transforms.jit import staged_export


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


def _xlogx(t: Tracer) -> Tracer:
    """x log x, 0 at x == 0 (x >= 0)."""
    positive = _e("greater", t, 0.0)
    safe = _e("where", positive, t, 1.0)
    return _e("where", positive, multiply(safe, _e("log", safe)), 0.0)


@staged_export
def entr(x: Value) -> Tracer:
    """``-x log x`` (0 at 0, ``-inf`` for x < 0), as ``jax.scipy.special.entr``."""
    (t,) = _jax_float(x)
    return _e("where", _e("less", t, 0.0), -math.inf, _e("negative", _xlogx(t)))


@staged_export
def rel_entr(p: Value, q: Value) -> Tracer:
    """``p log(p / q)`` for p, q > 0; 0 where p == 0 <= q; ``inf`` elsewhere."""
    tp, tq = _jax_float(p, q)
    both = _e("logical_and", _e("greater", tp, 0.0), _e("greater", tq, 0.0))
    zero = _e("logical_and", _e("equal", tp, 0.0), _e("greater_equal", tq, 0.0))
    sp = _e("where", both, tp, 1.0)
    sq = _e("where", both, tq, 1.0)
    value = multiply(sp, _e("subtract", _e("log", sp), _e("log", sq)))
    return _e("where", both, value, _e("where", zero, 0.0, math.inf))


@staged_export
def kl_div(p: Value, q: Value) -> Tracer:
    """``rel_entr(p, q) - p + q``, as ``jax.scipy.special.kl_div``."""
    tp, tq = _jax_float(p, q)
    return _e("add", _e("subtract", rel_entr(tp, tq), tp), tq)


def _boxcox(log: Tracer, lmbda: Tracer) -> Tracer:
    zero = _e("equal", lmbda, 0.0)
    safe = _e("where", zero, 1.0, lmbda)
    power = _e("true_divide", _e("expm1", multiply(safe, log)), safe)
    return _e("where", zero, log, power)


@staged_export
def boxcox(x: Value, lmbda: Value) -> Tracer:
    """The Box-Cox transform ``(x**lmbda - 1) / lmbda`` (``log x`` at ``lmbda == 0``)."""
    tx, tl = _jax_float(x, lmbda)
    return _boxcox(_e("log", tx), tl)


@staged_export
def boxcox1p(x: Value, lmbda: Value) -> Tracer:
    """The Box-Cox transform of ``1 + x``, accurate for small ``x``."""
    tx, tl = _jax_float(x, lmbda)
    return _boxcox(_e("log1p", tx), tl)
