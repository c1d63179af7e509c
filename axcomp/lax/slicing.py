"""``jax.lax``'s slicing helpers that are not primitives of their own: ``GatherScatterMode``
and ``scatter_apply`` (a ``while_loop`` over the flat scatter). ``gather``, ``scatter*``,
``dynamic_slice`` and ``dynamic_update_slice`` build the gather/scatter primitives of
``primitives/gathers.py``."""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentTypeError
from ..primitives import control, gathers
from ..primitives.elementwise import elementwise
from ..primitives.reductions import reduce
from ..primitives.shape import astype
from ..tracing.build import Value, lift, trace_of
from ..tracing.tracer import Tracer
from ..transforms.jit import staged_export

# ------------------------------------------------------------------ gather/scatter modes


class GatherScatterMode(enum.Enum):
    """``jax.lax.GatherScatterMode`` (``lax.gather``/``scatter`` read its ``name``)."""

    CLIP = 1
    FILL_OR_DROP = 2
    PROMISE_IN_BOUNDS = 3
    ONE_HOT = 4

    @staticmethod
    def from_any(s: Any) -> GatherScatterMode:
        """A mode from a mode, its name (any case) or None (``FILL_OR_DROP``), as JAX."""
        if isinstance(s, GatherScatterMode):
            return s
        if s is None:
            return GatherScatterMode.FILL_OR_DROP
        if isinstance(s, str) and s.upper() in GatherScatterMode.__members__:
            return GatherScatterMode[s.upper()]
        raise ArgumentTypeError(f"Unknown gather mode {s!r}")


# ------------------------------------------------------------------ scatter_apply

# repeated positions apply ``func`` once per write; beyond this many windows the
# repeats run in a while_loop instead of unrolled
_UNROLL = 16


@staged_export
def scatter_apply(
    operand: Value,
    scatter_indices: Value,
    func: Callable[[Any], Any],
    dimension_numbers: Any,
    *,
    update_shape: Sequence[int] = (),
    indices_are_sorted: bool = False,
    unique_indices: bool = False,
    mode: Any = None,
) -> Tracer:
    """``jax.lax.scatter_apply``: ``func`` applied to the entries a scatter of
    ``update_shape`` windows writes (out-of-bounds windows dropped by default), once per
    write where windows repeat a position, as JAX does."""
    trace = trace_of((operand, scatter_indices))
    t, idx = lift(operand, trace), lift(scatter_indices, trace)
    ones = np.ones(tuple(int(z) for z in update_shape), np.int32)
    zeros = lift(np.zeros(t.shape, np.int32), trace)
    count = gathers.lax_scatter_add(zeros, idx, ones, dimension_numbers, mode=mode)
    windows = math.prod(idx.shape[:-1])  # a position is written at most once per window
    if windows <= _UNROLL:
        out = t
        for c in range(windows):
            out = elementwise("where", elementwise("greater", count, c), func(out), out)
        return out if out.dtype == t.dtype else astype(out, t.dtype)

    def body(state: tuple[Any, Any]) -> tuple[Any, Any]:
        c, v = state
        nv = elementwise("where", elementwise("greater", count, c), func(v), v)
        return elementwise("add", c, 1), astype(nv, t.dtype)

    most = reduce("max", count)
    _, out = control.while_loop(lambda s: elementwise("less", s[0], most), body, (np.int32(0), t))
    return out
