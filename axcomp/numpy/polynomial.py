"""Polynomials of ``jax.numpy``: ``polyval`` (Horner's scheme)."""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..primitives.contraction import multiply
from ..primitives.elementwise import elementwise as _e
from ..primitives.indexing import getitem
from ..primitives.shape import astype, broadcast_to
from ..tracing.build import Value
from ..tracing.tracer import Tracer
from .dispatch import numpy_function
from .traced_values import lift_values as _lift


@numpy_function()
def polyval(p: Value, x: Value) -> Tracer:
    """``numpy.polyval``: Horner's scheme over the (static number of) coefficients."""
    c, t = _lift(p, x)
    if c.ndim != 1:
        raise ShapeError(f"polyval: p must be 1-d, got shape {c.shape}")
    dtype = np.result_type(c.dtype, t.dtype)
    y: Tracer = broadcast_to(np.zeros((), dtype), t.shape)
    y = astype(y, dtype)
    for j in range(c.shape[0]):
        y = _e("add", multiply(y, t), getitem(c, j))
    return astype(y, dtype)
