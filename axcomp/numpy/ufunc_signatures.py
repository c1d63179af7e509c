"""The signatures a type checker sees for ``axcomp.numpy``'s generated elementwise
functions.

``ufuncs.py`` makes those functions at import time from the records of
``core/elementwise_functions.py``, where a type checker cannot see them; ``axcomp.numpy``
imports this module only under ``TYPE_CHECKING``, so none of these bodies ever runs.
``tests/test_ufunc_signatures.py`` checks that it declares exactly the generated functions,
each with its record's arity."""

from __future__ import annotations

from typing import Any

__all__ = [
    "abs",
    "absolute",
    "add",
    "arccos",
    "arccosh",
    "arcsin",
    "arcsinh",
    "arctan",
    "arctan2",
    "arctanh",
    "cbrt",
    "ceil",
    "conj",
    "conjugate",
    "copysign",
    "cos",
    "cosh",
    "deg2rad",
    "divide",
    "equal",
    "exp",
    "exp2",
    "expm1",
    "floor",
    "floor_divide",
    "fmax",
    "fmin",
    "greater",
    "greater_equal",
    "heaviside",
    "hypot",
    "imag",
    "isfinite",
    "isinf",
    "isnan",
    "less",
    "less_equal",
    "log",
    "log1p",
    "log2",
    "log10",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "maximum",
    "minimum",
    "mod",
    "negative",
    "not_equal",
    "positive",
    "rad2deg",
    "real",
    "reciprocal",
    "remainder",
    "rint",
    "round_",
    "sign",
    "sin",
    "sinh",
    "sqrt",
    "square",
    "subtract",
    "tan",
    "tanh",
    "true_divide",
    "trunc",
]


def abs(x: Any, /) -> Any: ...


def absolute(x: Any, /) -> Any: ...


def add(x1: Any, x2: Any, /) -> Any: ...


def arccos(x: Any, /) -> Any: ...


def arccosh(x: Any, /) -> Any: ...


def arcsin(x: Any, /) -> Any: ...


def arcsinh(x: Any, /) -> Any: ...


def arctan(x: Any, /) -> Any: ...


def arctan2(x1: Any, x2: Any, /) -> Any: ...


def arctanh(x: Any, /) -> Any: ...


def cbrt(x: Any, /) -> Any: ...


def ceil(x: Any, /) -> Any: ...


def conj(x: Any, /) -> Any: ...


def conjugate(x: Any, /) -> Any: ...


def copysign(x1: Any, x2: Any, /) -> Any: ...


def cos(x: Any, /) -> Any: ...


def cosh(x: Any, /) -> Any: ...


def deg2rad(x: Any, /) -> Any: ...


def divide(x1: Any, x2: Any, /) -> Any: ...


def equal(x1: Any, x2: Any, /) -> Any: ...


def exp(x: Any, /) -> Any: ...


def exp2(x: Any, /) -> Any: ...


def expm1(x: Any, /) -> Any: ...


def floor(x: Any, /) -> Any: ...


def floor_divide(x1: Any, x2: Any, /) -> Any: ...


def fmax(x1: Any, x2: Any, /) -> Any: ...


def fmin(x1: Any, x2: Any, /) -> Any: ...


def greater(x1: Any, x2: Any, /) -> Any: ...


def greater_equal(x1: Any, x2: Any, /) -> Any: ...


def heaviside(x1: Any, x2: Any, /) -> Any: ...


def hypot(x1: Any, x2: Any, /) -> Any: ...


def imag(x: Any, /) -> Any: ...


def isfinite(x: Any, /) -> Any: ...


def isinf(x: Any, /) -> Any: ...


def isnan(x: Any, /) -> Any: ...


def less(x1: Any, x2: Any, /) -> Any: ...


def less_equal(x1: Any, x2: Any, /) -> Any: ...


def log(x: Any, /) -> Any: ...


def log10(x: Any, /) -> Any: ...


def log1p(x: Any, /) -> Any: ...


def log2(x: Any, /) -> Any: ...


def logical_and(x1: Any, x2: Any, /) -> Any: ...


def logical_not(x: Any, /) -> Any: ...


def logical_or(x1: Any, x2: Any, /) -> Any: ...


def logical_xor(x1: Any, x2: Any, /) -> Any: ...


def maximum(x1: Any, x2: Any, /) -> Any: ...


def minimum(x1: Any, x2: Any, /) -> Any: ...


def mod(x1: Any, x2: Any, /) -> Any: ...


def negative(x: Any, /) -> Any: ...


def not_equal(x1: Any, x2: Any, /) -> Any: ...


def positive(x: Any, /) -> Any: ...


def rad2deg(x: Any, /) -> Any: ...


def real(x: Any, /) -> Any: ...


def reciprocal(x: Any, /) -> Any: ...


def remainder(x1: Any, x2: Any, /) -> Any: ...


def rint(x: Any, /) -> Any: ...


def round_(x: Any, /) -> Any: ...


def sign(x: Any, /) -> Any: ...


def sin(x: Any, /) -> Any: ...


def sinh(x: Any, /) -> Any: ...


def sqrt(x: Any, /) -> Any: ...


def square(x: Any, /) -> Any: ...


def subtract(x1: Any, x2: Any, /) -> Any: ...


def tan(x: Any, /) -> Any: ...


def tanh(x: Any, /) -> Any: ...


def true_divide(x1: Any, x2: Any, /) -> Any: ...


def trunc(x: Any, /) -> Any: ...
