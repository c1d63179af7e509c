"""``axcomp.numpy``'s elementwise functions, generated from the records of
``core/elementwise_functions.py`` (one function per name in a record's ``numpy``).

On NumPy values each is the NumPy function itself (eager); on traced values it records the
elementwise primitive under the function's NumPy name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as _np

from .. import primitives as _ops
from ..core.dtype_promotion import (
    IDENTITY_ON_BOOLS,
    NUMERIC_ONLY,
    concrete_operands,
    inexact_operands,
    numeric_operands,
)
from ..core.elementwise_functions import RECORDS, ElementwiseFunction
from ..core.float_errors import silently
from ..core.integer_division import by_zero_filled
from ..core.integer_powers import check_integer_power
from ..errors import ArgumentTypeError
from ..errors import UnsupportedError as _UnsupportedError
from ..primitives.elementwise import INEXACT_FROM_INTEGERS
from ..primitives.elementwise import elementwise as _elementwise_p
from .complex_elementwise import COMPLEX_FORMS, is_complex
from .dispatch import any_traced


def _elementwise(name: str, rec: ElementwiseFunction) -> Callable[..., Any]:
    np_fn = getattr(_np, rec.name)
    op_name = np_fn.__name__
    skip = 1 if op_name == "ldexp" else -1  # its exponent does not promote
    inexact = skip < 0 and (_inexact_from_integers(np_fn) or op_name in INEXACT_FROM_INTEGERS)
    fixed = INEXACT_FROM_INTEGERS.get(op_name)
    complex_form = COMPLEX_FORMS.get(op_name)  # where NumPy has no complex loop and JAX does

    def fn(*args: Any) -> Any:
        if complex_form is not None and is_complex(*args):
            return complex_form(*args)
        if any_traced(args):
            return _elementwise_p(op_name, *args)
        if len(args) > 1:  # JAX's dtype where NumPy's promotion is wider
            args = concrete_operands(args, skip)
        if inexact:  # sin(int32) is float32 in JAX (an inexact first operand: nothing to do)
            first = getattr(args[0], "dtype", None)
            if first is None or first.kind not in "fc":
                args = inexact_operands(args, fixed)
        try:
            return np_fn(*args)
        except TypeError as exc:  # no loop for these dtypes: JAX's TypeError, ours
            raise _undefined_for(op_name, args, exc) from None

    if op_name in NUMERIC_ONLY or op_name in IDENTITY_ON_BOOLS:
        fn = _integer_semantics(op_name, np_fn)  # (sin and add keep the path above)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``numpy.{rec.name}``; traced inside kernels."
    return fn


def _integer_semantics(op_name: str, np_fn: Any) -> Callable[..., Any]:
    """The eager function of a ``NUMERIC_ONLY`` or ``IDENTITY_ON_BOOLS`` ufunc, with JAX's
    integer semantics: ``square(bool)`` in int32 (NumPy: int8), ``conj(bool)`` the bools,
    an integer ``x // 0`` XLA's quotient (NumPy: 0)."""
    identity = op_name in IDENTITY_ON_BOOLS
    floor = op_name == "floor_divide"

    def fn(*args: Any) -> Any:
        if any_traced(args):
            return _elementwise_p(op_name, *args)
        if identity:
            return _np.array(args[0]) if _np.asarray(args[0]).dtype == _np.bool_ else np_fn(*args)
        if len(args) > 1:  # JAX's dtype where NumPy's promotion is wider
            args = concrete_operands(args)
        args = numeric_operands(op_name, args)
        try:
            out = np_fn(*args)
        except TypeError as exc:
            raise _undefined_for(op_name, args, exc) from None
        return by_zero_filled(args[0], args[1], out) if floor else out

    return fn


def _undefined_for(op_name: str, args: tuple[Any, ...], exc: TypeError) -> ArgumentTypeError:
    """The error of a ufunc with no loop for these operands, naming their types."""
    kinds = ", ".join(str(getattr(a, "dtype", type(a).__name__)) for a in args)
    return ArgumentTypeError(f"{op_name} is not defined for operands of type {kinds}: {exc}")


def _inexact_from_integers(np_fn: Any) -> bool:
    """Whether the ufunc ``np_fn`` computes an inexact result from integer operands (its
    operands are then cast to JAX's inexact dtype for them, ``inexact_operands``)."""
    nin, nout = getattr(np_fn, "nin", 0), getattr(np_fn, "nout", 0)
    if not nin or nout != 1:
        return False
    with _np.errstate(all="ignore"):
        try:
            out = np_fn(*[_np.ones(1, _np.int32)] * nin)
        except TypeError:
            return False
    return bool(out.dtype.kind in "fc")


def generate(records: Iterable[ElementwiseFunction]) -> dict[str, Callable[..., Any]]:
    """The ``axcomp.numpy`` function of every ``numpy`` name of ``records``."""
    return {name: silently(_elementwise(name, rec)) for rec in records for name in rec.numpy}


#: The generated functions by name (``axcomp.numpy`` re-exports them).
FUNCTIONS: dict[str, Callable[..., Any]] = generate(RECORDS)
globals().update(FUNCTIONS)


# the four with their own behaviour: the x**2 rewrite, one-argument where, clip as
# maximum/minimum
@silently
def multiply(x: Any, y: Any) -> Any:
    """``jax.numpy.multiply(x, y)`` (``x * y``), broadcasting. Inside a kernel a product
    is multilinear: it joins the einsum of the contractions around it (``x * y`` summed
    is one contraction, not a temporary and a sum)."""
    return _ops.multiply(x, y) if any_traced((x, y)) else _np.multiply(*concrete_operands((x, y)))


@silently
def power(x: Any, y: Any) -> Any:
    """``jax.numpy.power(x, y)`` (``x ** y``), broadcasting. Inside a kernel ``x ** 2`` is
    ``x * x``, a product the planner can fuse into contractions (a sum of squared
    differences becomes norms plus one GEMM where that is cheaper)."""
    if any_traced((x, y)):
        return _ops.power(x, y)
    base, exponent = numeric_operands("power", concrete_operands((x, y)))
    check_integer_power(_np.result_type(base), exponent)
    return _np.power(base, exponent)


def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """``jax.numpy.where(condition, x, y)``: ``x`` where ``condition`` holds, else ``y``,
    broadcast together (the result's dtype promotes ``x`` with ``y``). Its gradient flows
    to the branch taken at each entry, as in JAX.

    ``where(condition)`` alone is ``nonzero``: NumPy's on concrete arrays, and an
    ``UnsupportedError`` on traced values, whose result shape would depend on the data."""
    if x is None or y is None:
        if any_traced((condition,)):
            raise _UnsupportedError(
                "where(condition) with one argument has a data-dependent shape and cannot be traced"
            )
        return _np.where(condition)
    if any_traced((condition, x, y)):
        return _ops.where(condition, x, y)
    return _np.where(*concrete_operands((condition, x, y), skip=0))


def clip(a: Any, a_min: Any = None, a_max: Any = None) -> Any:
    """``jax.numpy.clip(a, a_min, a_max)``: ``a`` limited to ``[a_min, a_max]`` (either
    may be None); inside a kernel ``maximum`` then ``minimum``, so the gradient is 1
    inside the interval and 0 outside."""
    if not any_traced((a, a_min, a_max)):
        return _np.clip(*concrete_operands((a, a_min, a_max)))
    out = a
    if a_min is not None:
        out = _ops.elementwise("maximum", out, a_min)
    if a_max is not None:
        out = _ops.elementwise("minimum", out, a_max)
    return out


__all__ = sorted([*FUNCTIONS, "multiply", "power", "where", "clip"])
