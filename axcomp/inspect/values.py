"""Constants as a reader wants them, for the report and the picture of ``explain``."""

from __future__ import annotations

from typing import Any

import numpy as np

#: A constant with at most this many entries is shown with its values.
SHOWN_VALUES = 6


def value_text(value: Any, separator: str = "  ") -> str:
    """A Python scalar as written (``0.5``), a small array by its values and type
    (``[0. 1. 2.]  float64[3]``), a large one by its one value (``all 1.0  float64[4,3]``)
    or its range (``float64[4,3] array  from 0 to 11``), a dtype by its name; ``separator``
    goes between values and type."""
    if isinstance(value, np.dtype):
        return f"dtype {value.name}"
    if type(value) in (bool, int, float, complex):
        return repr(value)
    arr = np.asarray(value)
    kind = f"{arr.dtype.name}[{','.join(map(str, arr.shape))}]"
    if arr.size > SHOWN_VALUES:
        first = arr.flat[0]
        if np.all(arr == first):  # (never for an array holding a NaN)
            return f"all {first.item()!r}{separator}{kind}"
        if arr.dtype.kind in "iuf" and not np.isnan(arr).any():
            return f"{kind} array{separator}from {arr.min():.6g} to {arr.max():.6g}"
        return f"{kind} array"
    values = np.array2string(arr, separator=" ") if arr.ndim else repr(arr.item())
    return f"{values}{separator}{kind}"
