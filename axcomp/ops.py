"""``axcomp.ops``: ``jax.ops``'s segment reductions, as scatters over ``num_segments``.

``segment_sum(data, ids, n)`` is ``zeros((n, ...)).at[ids].add(data)`` with ids out of
``[0, n)`` dropped, as JAX does; max/min/prod start from their identity (so an empty
segment holds -inf, +inf or 1, as in JAX). ``num_segments`` must be static: inside a
trace it cannot be read from ``segment_ids``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import lax
from . import numpy as anp
from .errors import ArgumentTypeError, ConcretizationTypeError
from .tracing.tracer import Tracer
from .transforms.jit import static_jit

__all__ = ["segment_max", "segment_min", "segment_prod", "segment_sum"]

_IDENTITY = {"add": 0, "multiply": 1, "max": -np.inf, "min": np.inf}


def _identity(how: str, dtype: np.dtype) -> Any:
    value = _IDENTITY[how]
    if np.issubdtype(dtype, np.integer) and how in ("max", "min"):
        info = np.iinfo(dtype)
        value = info.min if how == "max" else info.max
    elif dtype == np.bool_ and how in ("max", "min"):
        value = how == "min"
    return value


def _traced(how: str, data: Any, segment_ids: Any, num_segments: int) -> Any:
    x = anp.asarray(data)
    # lax.full, not anp.full: a traced buffer even for a constant fill (it has .at)
    start = lax.full((num_segments, *x.shape[1:]), _identity(how, x.dtype), x.dtype)
    update = getattr(start.at[anp.asarray(segment_ids)], how)
    return update(x, mode="drop")


_staged = static_jit(_traced)


def _segment(how: str, name: str, data: Any, segment_ids: Any, num_segments: Any) -> Any:
    if num_segments is None:
        if isinstance(segment_ids, Tracer):
            raise ConcretizationTypeError(
                f"{name}: num_segments must be given when segment_ids are traced (the "
                "result's length is static)"
            )
        ids = np.asarray(segment_ids)
        num_segments = int(ids.max()) + 1 if ids.size else 0
    if isinstance(num_segments, Tracer) or not isinstance(num_segments, (int, np.integer)):
        raise ArgumentTypeError(f"{name}: num_segments must be a static int, got {num_segments!r}")
    if isinstance(data, Tracer) or isinstance(segment_ids, Tracer):
        return _traced(how, data, segment_ids, int(num_segments))
    return _staged(how, data, segment_ids, int(num_segments))


def _segment_function(how: str, name: str, what: str) -> Callable[..., Any]:
    def segment(
        data: Any,
        segment_ids: Any,
        num_segments: Any = None,
        indices_are_sorted: bool = False,
        unique_indices: bool = False,
        bucket_size: Any = None,
        mode: Any = None,
    ) -> Any:
        # the sortedness/uniqueness hints and bucket_size only tune XLA; ids out of range
        # are dropped (JAX's default mode for segment reductions)
        return _segment(how, name, data, segment_ids, num_segments)

    segment.__name__ = segment.__qualname__ = name
    segment.__doc__ = f"``jax.ops.{name}``: the {what} of ``data``'s rows per segment id."
    return segment


segment_sum = _segment_function("add", "segment_sum", "sum")
segment_prod = _segment_function("multiply", "segment_prod", "product")
segment_max = _segment_function("max", "segment_max", "maximum")
segment_min = _segment_function("min", "segment_min", "minimum")
