"""NumPy's errors on concrete values as axcomp's: an eager ``axcomp.numpy`` call that NumPy
refuses (no loop for these dtypes, an axis out of range, a bad shape) raises an
``AxcompError`` that is also NumPy's built-in type, naming the function.

Only errors raised inside NumPy or axcomp are translated: an exception from a user's own
callable (``vectorize``, ``apply_along_axis``, ``piecewise``) passes through as it was.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import (
    ArgumentTypeError,
    ArgumentValueError,
    AxcompError,
    AxisError,
    IndexOutOfBounds,
)

_LIBRARIES = (str(Path(np.__file__).parent), str(Path(__file__).parent.parent))


def translated(name: str, exc: Exception) -> AxcompError | None:
    """``exc`` as axcomp's error of the same built-in type, or None to re-raise it."""
    if isinstance(exc, AxcompError) or not _raised_by_a_library(exc):
        return None
    message = f"{name}: {exc}"
    if isinstance(exc, np.exceptions.AxisError):
        return AxisError(message)
    if isinstance(exc, TypeError):
        return ArgumentTypeError(message)
    if isinstance(exc, IndexError):
        return IndexOutOfBounds(message)
    if isinstance(exc, ValueError):
        return ArgumentValueError(message)
    return None


def _raised_by_a_library(exc: Exception) -> bool:
    """Whether the innermost Python frame of ``exc`` is NumPy's or axcomp's (a ufunc's C
    error has its caller's frame last)."""
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_filename.startswith(_LIBRARIES)
