"""Constants as a reader wants them, for the report and the picture of ``explain``."""

from __future__ import annotations

from typing import Any

import numpy as np

#: A constant with at most this many entries is shown with its values.
SHOWN_VALUES = 6


def value_text(value: Any, separator: str = "  ") -> str:
    """A Python scalar as written (``0.5``), a small array by its values and type
    (``[0. 1. 2.]  float64[3]``), a large one by its type (``float64[4,3] array``), a dtype
    by its name; ``separator`` goes between values and type."""
    if isinstance(value, np.dtype):
        return f"dtype {value.name}"
    if type(value) in (bool, int, float, complex):
        return repr(value)
    arr = np.asarray(value)
    kind = f"{arr.dtype.name}[{','.join(map(str, arr.shape))}]"
    if arr.size > SHOWN_VALUES:
        return f"{kind} array"
    values = np.array2string(arr, separator=" ") if arr.ndim else repr(arr.item())
    return f"{values}{separator}{kind}"
