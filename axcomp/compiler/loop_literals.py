"""The Python numbers a fused loop writes as literals: weak constants, exactly as NumPy
computes with them."""

from __future__ import annotations

import numpy as np

from ..core.graph import Node
from ..core.leaves import const_p

_FLOATS = frozenset(np.dtype(t) for t in ("float32", "float64"))


def literal(node: Node) -> bool | int | float | None:
    """The Python number a weak constant is written as in a loop (None: not a literal)."""
    if node.op is not const_p or not node.params.weak:
        return None
    v = node.params.value
    if type(v) in (bool, int) or (type(v) is float and np.isfinite(v)):
        return v  # type: ignore[no-any-return]
    return None


def weak_unwritable(node: Node) -> bool:
    """A weak constant a loop cannot take: inf, nan, complex (the lowering binds them as
    Python objects)."""
    return node.op is const_p and node.params.weak and literal(node) is None


def fits(value: bool | int | float | None, dtype: np.dtype) -> bool:
    """Whether a weak literal is exactly what NumPy computes with in ``dtype``: a float only
    beside floats, an int within an integer dtype's range."""
    if type(value) is float:
        return dtype in _FLOATS
    if type(value) is int and dtype.kind in "iu":
        info = np.iinfo(dtype)
        return int(info.min) <= value <= int(info.max)
    return True
