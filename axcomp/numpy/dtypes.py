"""Data types in ``jax.numpy``: ``result_type`` and ``astype`` (which read a traced
value's dtype), NumPy's dtype predicates and scalar types."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import primitives as _ops
from ..tracing.tracer import Tracer
from .dispatch import any_traced


def result_type(*arrays_and_dtypes: Any) -> np.dtype:
    """``np.result_type``, reading a traced value's dtype (NumPy's own would hand the
    tracer back to this namespace through ``__array_function__``, forever)."""
    return np.result_type(*(a.dtype if isinstance(a, Tracer) else a for a in arrays_and_dtypes))


def astype(x: Any, dtype: Any) -> Any:
    return _ops.astype(x, dtype) if any_traced((x,)) else np.asarray(x).astype(dtype)
