"""``ShapeDtypeStruct``: an array's shape and dtype without its data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class ShapeDtypeStruct:
    """A stand-in for an array when only its shape and dtype matter (explain, compile)."""

    shape: tuple[int, ...]
    dtype: np.dtype
    # JAX's weak type: a value computed from Python scalars only (``eval_shape(f, 0.1)``)
    weak_type: bool = False

    def __init__(self, shape: Any, dtype: Any = np.float64, *, weak_type: bool = False) -> None:
        object.__setattr__(self, "shape", tuple(int(s) for s in shape))
        object.__setattr__(self, "dtype", np.dtype(dtype))
        object.__setattr__(self, "weak_type", bool(weak_type))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype}{weak})"


_KINDS = {"f": "f", "i": "i", "u": "u", "c": "c"}


def type_text(shape: tuple[int, ...], dtype: np.dtype) -> str:
    """JAX's short spelling of a value's type: ``f64[3,4]``, ``bool[]``."""
    kind = _KINDS.get(dtype.kind)
    name = f"{kind}{dtype.itemsize * 8}" if kind else dtype.name
    return f"{name}[{','.join(str(n) for n in shape)}]"
