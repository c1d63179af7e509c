"""``jax.lax``'s slicing helpers that are not primitives of their own: ``GatherScatterMode``
and ``scatter_apply`` (a ``while_loop`` over the flat scatter). ``gather``, ``scatter*``,
``dynamic_slice`` and ``dynamic_update_slice`` build the gather/scatter primitives of
``primitives/gathers.py``."""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np

from ..errors import ArgumentTypeError, ShapeError
from ..primitives import control
from ..primitives.contraction import moveaxis
from ..primitives.elementwise import elementwise
from ..primitives.gathers import (
    _batching,
    _clamped_start,
    _fill_value,
    _in_bounds,
    _intp,
    _lax_scatter,
    _mode,
    _starts,
    _window_ids,
    gather,
)
from ..primitives.reductions import reduce
from ..primitives.shape import astype, reshape
from ..tracing.build import Value, lift, normalize_axis, trace_of
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
    count = lax_scatter_add.traced(zeros, idx, ones, dimension_numbers, mode=mode)
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
    return cast(Tracer, out)  # (the carry's second item: t's shape and dtype)


@staged_export
def dynamic_slice(operand: Value, start_indices: Any, slice_sizes: Sequence[int]) -> Tracer:
    """``lax.dynamic_slice``: start indices (traced or not) clamped so the slice fits."""
    trace = trace_of(
        (operand, start_indices, *(() if isinstance(start_indices, Tracer) else start_indices))
    )
    t = lift(operand, trace)
    sizes = tuple(int(s) for s in slice_sizes)
    if len(sizes) != t.ndim or any(not 0 <= s <= n for s, n in zip(sizes, t.shape)):
        raise ShapeError(f"slice_sizes {sizes} do not fit operand of shape {t.shape}")
    for k, s in enumerate(_starts(start_indices, t.ndim, trace)):
        if sizes[k] == t.shape[k] and not isinstance(s, Tracer):
            continue
        start = _clamped_start(s, t.shape[k], sizes[k], trace)
        t = gather(t, elementwise("add", start, np.arange(sizes[k])), k)
    return t


@staged_export
def dynamic_update_slice(operand: Value, update: Value, start_indices: Any) -> Tracer:
    """``lax.dynamic_update_slice``: ``update`` written at clamped start indices."""
    trace = trace_of(
        (operand, update, *(() if isinstance(start_indices, Tracer) else start_indices))
    )
    t, u = lift(operand, trace), lift(update, trace)
    if u.ndim != t.ndim or any(s > n for s, n in zip(u.shape, t.shape)):
        raise ShapeError(f"update of shape {u.shape} does not fit operand of shape {t.shape}")
    if u.dtype != t.dtype:
        u = astype(u, t.dtype)
    if math.prod(u.shape) == 0:
        return t
    if t.ndim == 0:  # a scalar operand: the update replaces it (no start index to clamp)
        return u
    mask: Tracer | None = None
    for k, s in enumerate(_starts(start_indices, t.ndim, trace)):
        n, size = t.shape[k], u.shape[k]
        rel = elementwise("subtract", np.arange(n), _clamped_start(s, n, size, trace))
        u = gather(u, elementwise("clip", rel, 0, size - 1), k)
        inside = reshape(_in_bounds(rel, size), (n,) + (1,) * (t.ndim - k - 1))
        mask = inside if mask is None else elementwise("logical_and", mask, inside)
    assert mask is not None
    return elementwise("where", mask, u, t)


@staged_export
def dynamic_index_in_dim(
    operand: Value, index: Any, axis: int = 0, keepdims: bool = True
) -> Tracer:
    """``lax.dynamic_index_in_dim``: one (clamped) entry along ``axis``."""
    trace = trace_of((operand, index))
    t = lift(operand, trace)
    ax = normalize_axis(axis, t.ndim)
    i = _clamped_start(index, t.shape[ax], 1, trace)
    return gather(t, reshape(i, (1,)) if keepdims else i, ax)


@staged_export
def dynamic_slice_in_dim(
    operand: Value, start_index: Any, slice_size: int, axis: int = 0
) -> Tracer:
    """``lax.dynamic_slice_in_dim``: ``slice_size`` entries from a clamped start."""
    trace = trace_of((operand, start_index))
    t = lift(operand, trace)
    ax = normalize_axis(axis, t.ndim)
    start = _clamped_start(start_index, t.shape[ax], slice_size, trace)
    return gather(t, elementwise("add", start, np.arange(slice_size)), ax)


@staged_export("gather")
def lax_gather(
    operand: Value,
    start_indices: Value,
    dimension_numbers: Any,
    slice_sizes: Sequence[int],
    *,
    unique_indices: bool = False,
    indices_are_sorted: bool = False,
    mode: Any = None,
    fill_value: Any = None,
) -> Tracer:
    """``jax.lax.gather`` (index vector last; batching dims too): windows of
    ``slice_sizes`` at the start indices, clamped (mode clip, the default) or filled."""
    trace = trace_of((operand, start_indices))
    t, idx = lift(operand, trace), _intp(lift(start_indices, trace))
    dn = dimension_numbers
    pairs = _batching(
        getattr(dn, "operand_batching_dims", ()),
        getattr(dn, "start_indices_batching_dims", ()),
        "lax.gather",
    )
    sizes = tuple(int(z) for z in slice_sizes)
    m = _mode(mode, "clip")
    ids, valid = _window_ids(t.shape, idx, tuple(dn.start_index_map), sizes, m, pairs)
    nb = idx.ndim - 1
    out = gather(reshape(t, (-1,)), ids, 0)
    # batching dims leave the output as collapsed ones do
    collapsed = set(dn.collapsed_slice_dims) | {d for d, _ in pairs}
    if any(sizes[d] != 1 for d in collapsed):
        raise ShapeError(f"collapsed_slice_dims {tuple(collapsed)} need slice size 1")
    kept = [z for d, z in enumerate(sizes) if d not in collapsed]
    out = reshape(out, idx.shape[:-1] + tuple(kept))
    if valid is not None:
        fill = np.asarray(_fill_value(t.dtype, fill_value), t.dtype)
        out = elementwise("where", reshape(valid, valid.shape + (1,) * len(kept)), out, fill)
    offset = tuple(dn.offset_dims)
    if len(offset) != len(kept):
        raise ShapeError(f"offset_dims {offset} must name {len(kept)} output axes")
    return moveaxis(out, list(range(nb, nb + len(kept))), list(offset))


@staged_export("scatter")
def lax_scatter(
    operand: Value, scatter_indices: Value, updates: Value, dimension_numbers: Any, **kw: Any
) -> Tracer:
    """``jax.lax.scatter``: windows of ``updates`` written (out-of-bounds windows dropped)."""
    return _lax_scatter(operand, scatter_indices, updates, dimension_numbers, kw.get("mode"), "set")


@staged_export("scatter_add")
def lax_scatter_add(
    operand: Value, scatter_indices: Value, updates: Value, dimension_numbers: Any, **kw: Any
) -> Tracer:
    """``jax.lax.scatter_add``: windows of ``updates`` added (repeats accumulate)."""
    return _lax_scatter(operand, scatter_indices, updates, dimension_numbers, kw.get("mode"), "add")


@staged_export("scatter_mul")
def lax_scatter_mul(
    operand: Value, scatter_indices: Value, updates: Value, dimension_numbers: Any, **kw: Any
) -> Tracer:
    """``jax.lax.scatter_mul``."""
    return _lax_scatter(
        operand, scatter_indices, updates, dimension_numbers, kw.get("mode"), "multiply"
    )


@staged_export("scatter_min")
def lax_scatter_min(
    operand: Value, scatter_indices: Value, updates: Value, dimension_numbers: Any, **kw: Any
) -> Tracer:
    """``jax.lax.scatter_min``."""
    return _lax_scatter(operand, scatter_indices, updates, dimension_numbers, kw.get("mode"), "min")


@staged_export("scatter_max")
def lax_scatter_max(
    operand: Value, scatter_indices: Value, updates: Value, dimension_numbers: Any, **kw: Any
) -> Tracer:
    """``jax.lax.scatter_max``."""
    return _lax_scatter(operand, scatter_indices, updates, dimension_numbers, kw.get("mode"), "max")
