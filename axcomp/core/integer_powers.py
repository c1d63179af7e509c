"""Integers raised to negative integer powers: refused with JAX's error type.

JAX raises ``TypeError`` for ``x ** -2`` with an integer ``x`` and a static exponent; NumPy
raises a bare ``ValueError``. A concrete exponent (a Python int, an array known when the
program is traced or called eagerly) is checked here; a traced exponent is computed by
NumPy at run time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentTypeError


def check_integer_power(base_dtype: np.dtype, exponent: Any) -> None:
    """Raise when an integer base meets a concrete integer exponent with a negative value."""
    if base_dtype.kind not in "iu" or isinstance(exponent, bool):
        return
    if isinstance(exponent, int):
        negative = exponent < 0
    elif isinstance(exponent, (np.ndarray, np.generic)) and exponent.dtype.kind == "i":
        negative = bool(np.any(np.less(exponent, 0)))
    else:
        return
    if negative:
        shown = exponent if isinstance(exponent, int) else f"{exponent.dtype.name} exponent"
        raise ArgumentTypeError(
            f"Integers cannot be raised to negative powers: power({base_dtype.name}, {shown})"
        )
