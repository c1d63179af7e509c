"""Array creation in ``jax.numpy``: ``meshgrid`` (reshapes and broadcasts of its traced
inputs) and the static ``tri[ul]_indices``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from ..primitives.elementwise import where
from ..primitives.order import _int
from ..primitives.shape import broadcast_to, reshape
from ..tracing.build import Value
from ..tracing.tracer import Tracer
from .dispatch import numpy_function
from .traced_values import lift_value as _t
from .traced_values import lift_values as _lift


@numpy_function()
def meshgrid(*xi: Value, copy: bool = True, sparse: bool = False, indexing: str = "xy") -> Any:
    """``numpy.meshgrid`` (``indexing`` 'xy' or 'ij', ``sparse``); a list, as in JAX."""
    if indexing not in ("xy", "ij"):
        raise ShapeError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    ts = [reshape(t, (-1,)) for t in _lift(*xi)]
    n = len(ts)
    shapes = [t.shape[0] for t in ts]
    if indexing == "xy" and n > 1:
        shapes[0], shapes[1] = shapes[1], shapes[0]
    out = []
    for i, t in enumerate(ts):
        pos = i
        if indexing == "xy" and n > 1 and i < 2:
            pos = 1 - i
        shape = [1] * n
        shape[pos] = t.shape[0]
        r = reshape(t, tuple(shape))
        out.append(r if sparse else broadcast_to(r, tuple(shapes)))
    return out


@numpy_function()
def triu_indices(n: int, k: int = 0, m: Any = None) -> Any:
    """``numpy.triu_indices``: static, NumPy arrays."""
    return np.triu_indices(n, k, m)


@numpy_function()
def tril_indices(n: int, k: int = 0, m: Any = None) -> Any:
    """``numpy.tril_indices``: static, NumPy arrays."""
    return np.tril_indices(n, k, m)


def _triangle(m: Value, k: Any, lower: bool) -> Tracer:
    t = _t(m)
    k = _int(k, "k")
    if t.ndim == 0:
        raise ShapeError("tril/triu: input must be at least 1-d")
    if t.ndim == 1:
        t = broadcast_to(t, (t.shape[0], t.shape[0]))
    rows, cols = t.shape[-2:]
    mask = np.tri(rows, cols, k if lower else k - 1, dtype=bool)
    if not lower:
        mask = ~mask
    return where(mask, t, np.zeros((), t.dtype))


@numpy_function()
def tril(m: Value, k: int = 0) -> Tracer:
    """Lower triangle (on and below diagonal ``k``) of the last two axes, as ``numpy.tril``."""
    return _triangle(m, k, True)


@numpy_function()
def triu(m: Value, k: int = 0) -> Tracer:
    """Upper triangle (on and above diagonal ``k``) of the last two axes, as ``numpy.triu``."""
    return _triangle(m, k, False)
