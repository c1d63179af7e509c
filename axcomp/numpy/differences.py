"""Differences in ``jax.numpy``: ``diff``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from ..primitives.elementwise import elementwise
from ..primitives.order import _int, _slice
from ..primitives.shape import broadcast_to, concatenate
from ..tracing.build import Value, normalize_axis
from ..tracing.tracer import Tracer
from .dispatch import numpy_function
from .traced_values import lift_value as _t


@numpy_function()
def diff(a: Value, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Tracer:
    """``n``-th discrete difference along ``axis``, as ``numpy.diff``."""
    t = _t(a)
    n = _int(n, "diff n")
    if n < 0:
        raise ShapeError(f"diff: order must be non-negative but got {n}")
    if t.ndim == 0:
        raise ShapeError("diff requires input that is at least one dimensional")
    ax = normalize_axis(axis, t.ndim)
    if n == 0:
        return t
    parts: list[Tracer | None] = []
    for extra in (prepend, append):
        if extra is None:
            parts.append(None)
            continue
        e = _t(extra)
        if e.ndim == 0:
            e = broadcast_to(e, tuple(1 if d == ax else s for d, s in enumerate(t.shape)))
        parts.append(e)
    joined = [p for p in (parts[0], t, parts[1]) if p is not None]
    if len(joined) > 1:
        t = concatenate(joined, axis=ax)
    fn = "not_equal" if t.dtype == np.bool_ else "subtract"
    for _ in range(n):
        m = t.shape[ax]
        if m == 0:
            break
        t = elementwise(fn, _slice(t, ax, 1, None), _slice(t, ax, 0, m - 1))
    return t
