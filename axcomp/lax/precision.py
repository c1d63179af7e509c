"""``lax.Precision`` and the ``precision=``/``preferred_element_type=`` arguments of products.

On accelerators JAX's precision picks lower-precision matrix units. NumPy and the Array API
backends multiply in the operands' own precision, which is ``HIGHEST``, so every valid
value computes the same result here; invalid values are rejected as JAX rejects them."""

from __future__ import annotations

import enum
from typing import Any

import numpy as np

from ..errors import AxisSpecError

_NAMES = (
    "default",
    "high",
    "highest",
    "float32",
    "bfloat16",
    "bfloat16_3x",
    "tensorfloat32",
    "fastest",
)


class Precision(enum.Enum):
    """``jax.lax.Precision``: DEFAULT, HIGH, HIGHEST (all exact in float32/64 on NumPy)."""

    DEFAULT = 0
    HIGH = 1
    HIGHEST = 2

    @classmethod
    def _missing_(cls, value: object) -> Precision | None:
        aliases = {"default": 0, "fastest": 0, "bfloat16": 0, "high": 1, "bfloat16_3x": 1}
        aliases |= {"tensorfloat32": 1, "highest": 2, "float32": 2}
        if isinstance(value, str) and value.lower() in aliases:
            return cls(aliases[value.lower()])
        return None


def check_precision(precision: Any, what: str) -> None:
    """Raise JAX's ValueError for a precision that is not None, a name, a Precision, or a
    pair of those."""
    items = precision if isinstance(precision, tuple) and len(precision) == 2 else (precision,)
    for p in items:
        if p is None or isinstance(p, Precision) or (isinstance(p, str) and p.lower() in _NAMES):
            continue
        raise AxisSpecError(
            f"{what}: precision must be None, one of {list(_NAMES)}, a lax.Precision, or a "
            f"pair of those, but got {precision!r}"
        )


def preferred_dtype(preferred_element_type: Any) -> np.dtype | None:
    return None if preferred_element_type is None else np.dtype(preferred_element_type)
