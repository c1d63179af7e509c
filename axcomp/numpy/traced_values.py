"""Helpers the ``axcomp.numpy`` modules share on traced values: lifting operands into the
trace they share, a floating view, zero padding."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..primitives.shape import astype, concatenate
from ..tracing.build import Value, lift, trace_of
from ..tracing.tracer import Tracer


def lift_values(*values: Value) -> list[Tracer]:
    """The values as tracers of the trace they share (constants lifted into it)."""
    trace = trace_of(values)
    return [lift(v, trace) for v in values]


def lift_value(v: Value) -> Tracer:
    return lift_values(v)[0]


def as_inexact(t: Tracer) -> Tracer:
    """``t`` as a floating dtype (ints and bools become float64, as in NumPy)."""
    return t if t.dtype.kind in "fc" else astype(t, np.float64)


def _zeros(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    return np.zeros(shape, dtype=dtype)


def pad_last(t: Tracer, before: int, after: int) -> Tracer:
    """``t`` with ``before`` and ``after`` zeros around its last axis."""
    parts: list[Any] = []
    if before:
        parts.append(_zeros((*t.shape[:-1], before), t.dtype))
    parts.append(t)
    if after:
        parts.append(_zeros((*t.shape[:-1], after), t.dtype))
    return concatenate(parts, axis=-1) if len(parts) > 1 else t
