"""Gathers and scatters with static shapes: integer-array and constant boolean-mask
indexing (``x[i]``, ``x[:, [0, 2]]``, traced ``i``), ``take``, ``take_along_axis``,
``lax.dynamic_slice``/``dynamic_update_slice``, ``lax.gather``/``lax.scatter*`` (index
vector last, batching dims too; their user functions are ``axcomp/lax/slicing.py``) and
the functional updates
``x.at[idx].get/set/add/subtract/multiply/min/max``, with JAX's semantics: negative indices
count from the end, out-of-bounds gather indices are clamped (``take``: filled),
out-of-bounds scatter indices are dropped, repeated ``add`` indices accumulate. A traced
boolean mask (a data-dependent size) is a ``BooleanIndexError``, as under ``jax.jit``.

One primitive, ``gather`` (``take`` along one axis, per example, of in-bounds indices),
lowers to one ``take_along_axis`` call over the batch axes; its VJP is a scatter-add (a
one-hot contraction). Everything else is composed from it, the window scatter of basic
indexing and elementwise ops, so vmap, jit and grad need no more rules, and a batched index
is one vectorized gather, never a loop. Scatters: basic windows use ``indexing.scatter_p``;
set/add through index arrays compare written rows with target rows (one-hot over the
indexed axes only, adds contract it); other forms compare flat positions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from ..core.graph import Node
from ..core.independence import MIXED, Carried, Relations
from ..core.plan import Assign, Expr, LowerContext, Statement, call
from ..core.primitive import primitive
from ..errors import IndexOutOfBounds, ShapeError, TracingError, UnsupportedError
from ..tracing.build import (
    Value,
    broadcast_shapes,
    default_names,
    lift,
    make,
    normalize_axis,
    trace_of,
    union_levels,
)
from ..tracing.tracer import Tracer
from . import indexing
from .contraction import moveaxis
from .elementwise import elementwise
from .reductions import reduce, reduce_sum
from .shape import astype, broadcast_levels, broadcast_to, reshape


class BooleanIndexError(TracingError, IndexError):
    """A boolean mask whose number of True entries depends on traced values (JAX's
    NonConcreteBooleanIndexError)."""


@dataclass(frozen=True)
class GatherParams:
    """``take(x, idx, axis)`` per example: ``x`` and ``idx`` share their ``nbatch`` leading
    batch axes; ``axis`` is physical; indices are in bounds (the caller clamps)."""

    axis: int
    nbatch: int


gather_p = primitive("gather", GatherParams, arity=2)


@gather_p.def_shape
def _gather_shape(p: GatherParams, inputs: Sequence[Node]) -> tuple[int, ...]:
    x, idx = inputs
    nb = p.nbatch
    if not nb <= p.axis < x.ndim or x.shape[:nb] != idx.shape[:nb]:
        return (-1,)
    return x.shape[: p.axis] + idx.shape[nb:] + x.shape[p.axis + 1 :]


gather_p.def_describe(lambda p: f"gather axis={p.axis}")
gather_p.def_flops(lambda node: 0)


@gather_p.def_lower
def _lower_gather(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
) -> tuple[Statement, ...]:
    p: GatherParams = node.params
    x, idx = node.inputs
    m = math.prod(idx.shape[p.nbatch :])
    shape = idx.shape[: p.nbatch] + (1,) * (p.axis - p.nbatch) + (m,) + (1,) * (x.ndim - p.axis - 1)
    value: Expr = call("reshape", args[1], shape=shape)
    value = call("take_along_axis", args[0], value, axis=p.axis)
    return (Assign(target, call("reshape", value, shape=node.shape)),)


@gather_p.def_vjp
def _vjp_gather(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    # the transpose of a gather is a scatter-add of the cotangent into zeros
    p: GatherParams = node.params
    x, idx = node.inputs
    nb, n = p.nbatch, x.shape[p.axis]
    k = idx.ndim - nb  # index dims
    g = moveaxis(b.p(ct), tuple(range(p.axis, p.axis + k)), tuple(range(nb, nb + k)))
    i = b.p(idx)
    onehot = elementwise("equal", reshape(i, (*idx.shape, 1)), np.arange(n))
    onehot = astype(onehot, g.dtype)
    bl = "".join(chr(97 + j) for j in range(nb))
    il = "".join(chr(97 + nb + j) for j in range(k))
    rest = "".join(chr(97 + nb + k + 1 + j) for j in range(x.ndim - nb - 1))
    from .contraction import einsum

    dx = einsum(f"{bl}{il}z,{bl}{il}{rest}->{bl}z{rest}", onehot, g)
    return [moveaxis(dx, nb, p.axis).node, None]


@gather_p.def_jvp
def _jvp_gather(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
    t = tangents[0]  # linear in x: the tangent is gathered at the same indices
    return b.apply(node, (t, node.inputs[1])) if t is not None else None


def _intp(i: Tracer) -> Tracer:
    if i.dtype.kind == "b" or i.dtype.kind not in "iu":
        raise TracingError(f"index arrays must be integers, got dtype {i.dtype}")
    return astype(i, np.intp) if i.dtype != np.intp else i


def _normalize(i: Tracer, n: int) -> Tracer:
    """Negative indices count from the end (once), as NumPy and JAX."""
    if i.dtype.kind == "u":
        return i
    return elementwise("where", elementwise("less", i, 0), elementwise("add", i, n), i)


def _in_bounds(i: Tracer, n: int) -> Tracer:
    return elementwise("logical_and", elementwise("greater_equal", i, 0), elementwise("less", i, n))


def gather(x: Value, idx: Value, axis: int) -> Tracer:
    """``take(x, idx, axis)`` of in-bounds ``idx`` (the primitive): an index array of any
    shape replaces logical ``axis``; batch axes of either side are shared."""
    trace = trace_of((x, idx))
    t, i = lift(x, trace), _intp(lift(idx, trace))
    ax = normalize_axis(axis, t.ndim)
    if t.shape[ax] == 0 and math.prod(i.shape) > 0:
        raise IndexOutOfBounds(f"cannot gather from axis {ax} of size 0 (shape {t.shape})")
    levels = union_levels((t, i))
    t, i = broadcast_levels(t, levels), broadcast_levels(i, levels)
    shape = t.shape[:ax] + i.shape + t.shape[ax + 1 :]
    params = GatherParams(len(levels) + ax, len(levels))
    return make(trace, gather_p, (t, i), params, levels, shape, t.dtype, default_names(len(shape)))


def _fill_value(dtype: np.dtype, fill: Any) -> Any:
    if fill is not None:
        return fill
    if dtype.kind in "fc":
        return np.nan
    if dtype.kind == "i":
        return np.iinfo(dtype).min
    if dtype.kind == "u":
        return np.iinfo(dtype).max
    return True


def take_clamped(
    x: Value, idx: Value, axis: int, mode: str = "clip", fill: Any = None, negative: bool = True
) -> Tracer:
    """``take`` along logical ``axis`` with an out-of-bounds ``mode``: clip (clamp), wrap
    (modulo) or fill (``fill``, NaN for floats by default)."""
    trace = trace_of((x, idx))
    t, i = lift(x, trace), _intp(lift(idx, trace))
    ax = normalize_axis(axis, t.ndim)
    n = t.shape[ax]
    if mode == "wrap":
        return gather(t, elementwise("remainder", i, max(n, 1)), ax)
    if negative:
        i = _normalize(i, n)
    safe = elementwise("clip", i, 0, max(n - 1, 0))
    out = gather(t, safe, ax)
    if mode == "clip":
        return out
    if mode != "fill":
        raise UnsupportedError(
            f"take mode {mode!r} is not supported on traced values (use clip, wrap or fill)"
        )
    valid = reshape(_in_bounds(i, n), i.shape + (1,) * (t.ndim - ax - 1))
    return elementwise("where", valid, out, np.asarray(_fill_value(t.dtype, fill), t.dtype))


# ------------------------------------------------------------------ advanced indexing


def _is_advanced(it: Any) -> bool:
    return isinstance(it, (Tracer, list, np.ndarray)) or (
        isinstance(it, (int, np.integer)) and not isinstance(it, (bool, np.bool_))
    )


def _expand(t: Tracer, items: tuple[Any, ...]) -> list[Any]:
    """Ellipsis expanded, constant boolean masks replaced by their nonzero() int arrays."""
    out: list[Any] = []
    for it in items:
        if isinstance(it, Tracer) and it.dtype.kind == "b":
            raise BooleanIndexError(
                f"boolean mask index of shape {it.shape} has a data-dependent number of "
                f"True entries and cannot be traced in {t.trace.current_function!r}; use "
                "where(mask, x, fill) or a static mask"
            )
        if isinstance(it, (list, np.ndarray)):
            arr = np.asarray(it)
            if arr.dtype.kind == "b":
                out.extend(np.nonzero(arr)) if arr.ndim else out.append(it)
                continue
            if arr.dtype.kind not in "iu" and arr.size:
                raise TracingError(f"index arrays must be integers, got dtype {arr.dtype}")
            out.append(arr.astype(np.intp))
            continue
        out.append(it)
    real = sum(1 for it in out if it is not None and it is not Ellipsis)
    if real > t.ndim:
        raise IndexOutOfBounds(
            f"too many indices for array: array is {t.ndim}-dimensional, but {real} were indexed"
        )
    dots = [k for k, it in enumerate(out) if it is Ellipsis]
    if len(dots) > 1:
        raise ShapeError("an index can only have a single ellipsis ('...')")
    if dots:
        k = dots[0]
        out[k : k + 1] = [slice(None)] * (t.ndim - real)
    else:
        out.extend([slice(None)] * (t.ndim - real))
    return out


def advanced(x: Value, index: Any, mode: str = "clip", fill: Any = None) -> Tracer:
    """``x[index]`` with integer-array / traced / constant-mask items (NumPy's placement
    of the advanced dimensions), out-of-bounds indices clamped or filled."""
    trace = trace_of((x,))
    t = lift(x, trace)
    items = _expand(t, index if isinstance(index, tuple) else (index,))
    basic: list[Any] = []
    adv: list[tuple[int, Any]] = []  # (position in the basic result, index)
    adv_items: list[int] = []
    for k, it in enumerate(items):
        if it is None or isinstance(it, slice):
            basic.append(it)
        elif _is_advanced(it):
            basic.append(slice(None))
            adv.append((k, it))  # every item keeps one axis in the basic result
            adv_items.append(k)
        else:
            basic.append(it)  # let basic indexing report the bad index
    u = indexing.getitem(t, tuple(basic))
    positions = [p for p, _ in adv]
    sizes = [u.shape[p] for p in positions]
    idx = [_intp(lift(i, trace)) for _, i in adv]
    bshape = broadcast_shapes(*(i.shape for i in idx))
    valid: Tracer | None = None
    flat: Tracer | None = None
    for i, n in zip(idx, sizes):
        i = _normalize(i, n)
        if mode != "clip":
            ok = _in_bounds(i, n)
            valid = ok if valid is None else elementwise("logical_and", valid, ok)
        i = elementwise("clip", i, 0, max(n - 1, 0))
        flat = i if flat is None else elementwise("add", elementwise("multiply", flat, n), i)
    assert flat is not None
    flat = broadcast_to(flat, bshape)
    front = moveaxis(u, positions, list(range(len(positions))))
    merged = reshape(front, (math.prod(sizes), *front.shape[len(positions) :]))
    out = gather(merged, flat, 0)
    if valid is not None:
        rest = out.ndim - len(bshape)
        mask = reshape(broadcast_to(valid, bshape), bshape + (1,) * rest)
        out = elementwise("where", mask, out, np.asarray(_fill_value(t.dtype, fill), t.dtype))
    if adv_items == list(range(adv_items[0], adv_items[-1] + 1)) and positions[0]:
        nd = len(bshape)
        out = moveaxis(out, list(range(nd)), list(range(positions[0], positions[0] + nd)))
    return out


def _dispatch(t: Tracer, items: tuple[Any, ...]) -> Tracer | None:
    if any(
        isinstance(it, (Tracer, list)) or (isinstance(it, np.ndarray) and it.ndim) for it in items
    ):
        return advanced(t, items)
    return None


indexing.ADVANCED.append(_dispatch)


# ------------------------------------------------------------------ scatters


_SCATTER_MODES = ("drop", "promise_in_bounds", None)


def scatter(x: Value, index: Any, updates: Value, how: str) -> Tracer:
    """``x.at[index].<how>(updates)``: set (the last write wins), add (accumulates), multiply,
    min, max; out-of-bounds writes are dropped. Built from the written flat positions
    compared with every position of ``x`` (one vectorized one-hot, reduced over writes)."""
    trace = trace_of((x, updates))
    t = lift(x, trace)
    size = math.prod(t.shape)
    ids = np.arange(size, dtype=np.intp).reshape(t.shape)
    items = index if isinstance(index, tuple) else (index,)
    u = lift(updates, trace)
    if u.dtype != t.dtype:
        u = astype(u, t.dtype)
    if all(
        it is None or it is Ellipsis or isinstance(it, (slice, int, np.integer)) for it in items
    ) and not any(isinstance(it, (bool, np.bool_)) for it in items):
        try:
            return _basic_scatter(t, items, u, how)
        except IndexOutOfBounds:
            pass  # an out-of-bounds int: JAX drops the write
    if how in ("set", "add") and any(_is_advanced(it) for it in items):
        rows = _row_scatter(t, items, u, how)
        if rows is not None:
            return rows
    if any(_is_advanced(it) for it in items):
        sel = advanced(ids, items, mode="fill", fill=-1)
    else:
        sel = lift(indexing.getitem(lift(ids, trace), items), trace)
    return _scatter_flat(t, sel, broadcast_to(u, sel.shape), how)


def _row_scatter(t: Tracer, index: tuple[Any, ...], u: Tracer, how: str) -> Tracer | None:
    """set/add where every item is an index array or a full slice: the indexed axes merged
    into rows, a one-hot of written and target rows only (repeats: the last set wins, adds
    accumulate through a contraction, infinities and NaNs counted exactly); None when the
    index has other items."""
    items = _expand(t, index)
    if any(not _is_advanced(it) and it != slice(None) for it in items):
        return None
    if how == "add" and t.dtype.kind not in "iuf":
        return None
    trace = t.trace
    positions = [k for k, it in enumerate(items) if _is_advanced(it)]
    sizes = [t.shape[k] for k in positions]
    idx = [_intp(lift(items[k], trace)) for k in positions]
    bshape = broadcast_shapes(*(i.shape for i in idx))
    valid: Tracer | None = None
    flat: Tracer | None = None
    for i, n in zip(idx, sizes):
        i = _normalize(i, n)
        ok = _in_bounds(i, n)
        valid = ok if valid is None else elementwise("logical_and", valid, ok)
        flat = i if flat is None else elementwise("add", elementwise("multiply", flat, n), i)
    assert flat is not None and valid is not None
    nd, p0 = len(bshape), positions[0]
    front = moveaxis(t, positions, list(range(len(positions))))
    rest = front.shape[len(positions) :]
    rows, width, m = math.prod(sizes), math.prod(rest), math.prod(bshape)
    inplace = positions == list(range(p0, p0 + len(positions))) and p0 > 0
    out_shape = rest[:p0] + bshape + rest[p0:] if inplace else bshape + rest
    u = broadcast_to(u, out_shape)
    if inplace:
        u = moveaxis(u, list(range(p0, p0 + nd)), list(range(nd)))
    if m == 0 or rows * width == 0:
        return t
    u2 = reshape(u, (m, width))
    sel = reshape(elementwise("where", valid, broadcast_to(flat, bshape), -1), (m, 1))
    hit = elementwise("equal", sel, np.arange(rows))  # (m, rows)
    x2 = reshape(front, (rows, width))
    if how == "set":
        last = reduce("max", elementwise("where", hit, np.arange(m).reshape(m, 1), -1), axis=0)
        written = gather(u2, elementwise("maximum", last, 0), 0)
        out = elementwise(
            "where", reshape(elementwise("greater_equal", last, 0), (rows, 1)), written, x2
        )
    else:
        from .contraction import einsum

        weights = astype(hit, t.dtype)
        if t.dtype.kind == "f":
            finite = elementwise("isfinite", u2)
            total = einsum("mp,mr->pr", weights, elementwise("where", finite, u2, 0))

            def count(mask: Tracer) -> Tracer:
                return elementwise(
                    "greater", einsum("mp,mr->pr", weights, astype(mask, t.dtype)), 0
                )

            pos = count(elementwise("equal", u2, np.inf))
            neg = count(elementwise("equal", u2, -np.inf))
            nan = elementwise(
                "logical_or", count(elementwise("isnan", u2)), elementwise("logical_and", pos, neg)
            )
            total = elementwise("where", pos, np.inf, total)
            total = elementwise("where", neg, -np.inf, total)
            total = elementwise("where", nan, np.nan, total)
            total = astype(total, t.dtype) if total.dtype != t.dtype else total
        else:
            total = einsum("mp,mr->pr", weights, u2)
        out = elementwise("add", x2, total)
        out = astype(out, t.dtype) if out.dtype != t.dtype else out
    out = reshape(out, front.shape)
    return moveaxis(out, list(range(len(positions))), positions)


def _scatter_flat(t: Tracer, sel: Tracer, u: Tracer, how: str) -> Tracer:
    """``t`` with ``u`` written at the flat positions ``sel`` (-1: dropped), same shapes."""
    size = math.prod(t.shape)
    m = math.prod(sel.shape)
    if m == 0 or size == 0:
        return t
    sel_f, u_f = reshape(sel, (m, 1)), reshape(u, (m, 1))
    hit = elementwise("equal", sel_f, np.arange(size))  # (m, size)
    x_f = reshape(t, (size,))
    if how == "add":
        out = elementwise("add", x_f, reduce_sum(elementwise("where", hit, u_f, 0), axis=0))
    elif how == "multiply":
        prod = reduce("prod", elementwise("where", hit, u_f, np.asarray(1, t.dtype)), axis=0)
        out = elementwise("multiply", x_f, astype(prod, t.dtype))
    elif how in ("min", "max"):
        # the original value takes part too: when every update hits one position (m == 1
        # among them) no row would bring it in
        best = reduce(how, elementwise("where", hit, u_f, reshape(x_f, (1, size))), axis=0)
        out = elementwise("minimum" if how == "min" else "maximum", x_f, best)
    elif how == "set":
        last = reduce("max", elementwise("where", hit, np.arange(m).reshape(m, 1), -1), axis=0)
        written = gather(reshape(u_f, (m,)), elementwise("maximum", last, 0), 0)
        out = elementwise("where", elementwise("greater_equal", last, 0), written, x_f)
    else:  # pragma: no cover - the _At methods name the operations
        raise UnsupportedError(f"unknown scatter {how!r}")
    return reshape(astype(out, t.dtype) if out.dtype != t.dtype else out, t.shape)


def _basic_scatter(t: Tracer, items: tuple[Any, ...], u: Tracer, how: str) -> Tracer:
    """A basic-index update (ints in bounds, slices, None): the window written with the
    transpose of basic indexing (``scatter`` into zeros) and a mask of the window; a
    window has no repeated positions."""
    levels = union_levels((t, u))
    t = broadcast_levels(t, levels)
    win = indexing.getitem(t, items)
    u = broadcast_levels(broadcast_to(u, win.shape), levels)
    if win is t:  # the whole array
        written, mask = u, None
    else:
        params = indexing.ScatterParams(win.node.params.items, t.node.shape)
        ones = broadcast_levels(lift(np.ones(win.shape, bool), t.trace), levels)
        names = default_names(t.ndim)

        def place(v: Tracer) -> Tracer:
            return make(t.trace, indexing.scatter_p, (v,), params, levels, t.shape, v.dtype, names)

        written, mask = place(u), place(ones)
    if how == "add":
        return elementwise("add", t, written)
    if how == "set":
        out = written
    elif how == "multiply":
        out = elementwise("multiply", t, written)
    else:
        out = elementwise("minimum" if how == "min" else "maximum", t, written)
    out = out if out.dtype == t.dtype else astype(out, t.dtype)
    return out if mask is None else elementwise("where", mask, out, t)


# ------------------------------------------------------------------ user functions


def _starts(start_indices: Any, nd: int, trace: Any) -> list[Any]:
    if isinstance(start_indices, Tracer):
        if start_indices.shape != (nd,):
            raise ShapeError(f"start_indices of shape {start_indices.shape}, expected ({nd},)")
        return [indexing.getitem(start_indices, k) for k in range(nd)]
    starts = list(start_indices)
    if len(starts) != nd:
        raise ShapeError(f"start_indices has {len(starts)} entries for an operand of rank {nd}")
    return starts


def _clamped_start(s: Any, n: int, size: int, trace: Any) -> Tracer:
    if not isinstance(s, Tracer) and np.ndim(s) == 0 and np.asarray(s).dtype.kind in "iu":
        # a static start: clamped here, so no op has only literal operands (the Array API
        # refuses ``less(0, 0)``)
        v = int(s) + n if int(s) < 0 else int(s)
        return lift(np.asarray(min(max(v, 0), max(n - size, 0)), np.intp), trace)
    i = _intp(lift(s, trace))
    if i.ndim:
        raise ShapeError(f"each start index must be a scalar, got shape {i.shape}")
    return elementwise("clip", _normalize(i, n), 0, n - size)


# ------------------------------------------------------------------ lax.gather / lax.scatter


class GatherDimensionNumbers(NamedTuple):
    """``jax.lax.GatherDimensionNumbers`` (JAX's own objects are accepted as well)."""

    offset_dims: tuple[int, ...]
    collapsed_slice_dims: tuple[int, ...]
    start_index_map: tuple[int, ...]
    operand_batching_dims: tuple[int, ...] = ()
    start_indices_batching_dims: tuple[int, ...] = ()


class ScatterDimensionNumbers(NamedTuple):
    """``jax.lax.ScatterDimensionNumbers`` (JAX's own objects are accepted as well)."""

    update_window_dims: tuple[int, ...]
    inserted_window_dims: tuple[int, ...]
    scatter_dims_to_operand_dims: tuple[int, ...]
    operand_batching_dims: tuple[int, ...] = ()
    scatter_indices_batching_dims: tuple[int, ...] = ()


def _mode(mode: Any, default: str) -> str:
    name = getattr(mode, "name", mode)
    name = default if name is None else str(name).lower()
    if name in ("clip", "fill", "drop", "fill_or_drop", "promise_in_bounds"):
        return "clip" if name in ("clip", "promise_in_bounds") else "fill"
    raise UnsupportedError(f"gather/scatter mode {mode!r} is not supported")


def _window_ids(
    shape: tuple[int, ...],
    idx: Tracer,
    index_map: Sequence[int],
    sizes: Sequence[int],
    mode: str,
    batching: Sequence[tuple[int, int]] = (),
) -> tuple[Tracer, Tracer | None]:
    """Flat positions of every window (``sizes`` at the starts ``idx[..., k]`` of operand
    dims ``index_map``): shape ``idx.shape[:-1] + sizes``, and where each window is in bounds
    (mode fill; clip clamps the starts so every window fits). ``batching`` pairs an operand
    dim (slice size 1) with an index batch dim: its start is the position along that dim."""
    nd = len(shape)
    if idx.ndim == 0 or idx.shape[-1] != len(index_map):
        raise ShapeError(
            f"start indices of shape {idx.shape} need a last axis of size {len(index_map)}"
        )
    if len(sizes) != nd or any(not 0 <= z <= n for z, n in zip(sizes, shape)):
        raise ShapeError(f"slice sizes {tuple(sizes)} do not fit operand of shape {shape}")
    batch = idx.shape[:-1]
    strides = [math.prod(shape[d + 1 :]) for d in range(nd)]
    ids: Any = np.zeros((1,) * len(batch) + tuple(sizes), np.intp)
    for d in range(nd):
        r = [1] * (len(batch) + nd)
        r[len(batch) + d] = sizes[d]
        ids = ids + np.arange(sizes[d], dtype=np.intp).reshape(r) * strides[d]
    valid: Tracer | None = None
    for k, d in enumerate(index_map):
        s = indexing.getitem(idx, (Ellipsis, k))
        hi = shape[d] - sizes[d]
        if mode == "fill":
            ok = elementwise(
                "logical_and", elementwise("greater_equal", s, 0), elementwise("less_equal", s, hi)
            )
            valid = ok if valid is None else elementwise("logical_and", valid, ok)
        s = elementwise("multiply", elementwise("clip", s, 0, hi), strides[d])
        ids = elementwise("add", ids, reshape(s, batch + (1,) * nd))
    for d, j in batching:
        if shape[d] != batch[j] or sizes[d] != 1:
            raise ShapeError(
                f"operand batching dim {d} (size {shape[d]}, slice {sizes[d]}) must match "
                f"start indices batching dim {j} (size {batch[j]}) with slice size 1"
            )
        r = [1] * (len(batch) + nd)
        r[j] = batch[j]
        ids = elementwise("add", ids, np.arange(batch[j], dtype=np.intp).reshape(r) * strides[d])
    return lift(ids, idx.trace), valid


def _batching(operand_dims: Any, index_dims: Any, what: str) -> list[tuple[int, int]]:
    ops, ins = tuple(operand_dims or ()), tuple(index_dims or ())
    if len(ops) != len(ins):
        raise ShapeError(f"{what}: operand_batching_dims {ops} and {ins} differ in length")
    return [(int(d), int(j)) for d, j in zip(ops, ins)]


def _lax_scatter(
    operand: Value, indices: Value, updates: Value, dn: Any, mode: Any, how: str
) -> Tracer:
    trace = trace_of((operand, indices, updates))
    t, idx, u = lift(operand, trace), _intp(lift(indices, trace)), lift(updates, trace)
    pairs = _batching(
        getattr(dn, "operand_batching_dims", ()),
        getattr(dn, "scatter_indices_batching_dims", ()),
        "lax.scatter",
    )
    if u.dtype != t.dtype:
        u = astype(u, t.dtype)
    window = tuple(dn.update_window_dims)
    # batching dims have no update window axis, as inserted ones
    inserted = set(dn.inserted_window_dims) | {d for d, _ in pairs}
    nb = u.ndim - len(window)
    u = moveaxis(u, list(window), list(range(nb, u.ndim)))
    kept = iter(u.shape[nb:])
    sizes = tuple(1 if d in inserted else next(kept) for d in range(t.ndim))
    m = _mode(mode, "fill")
    ids, valid = _window_ids(t.shape, idx, tuple(dn.scatter_dims_to_operand_dims), sizes, m, pairs)
    if valid is not None:
        ids = elementwise("where", reshape(valid, valid.shape + (1,) * t.ndim), ids, -1)
    u = reshape(u, u.shape[:nb] + sizes)
    return _scatter_flat(t, ids, broadcast_to(u, ids.shape), how)


@gather_p.def_axes
def _gather_axes(node: Node) -> Relations:
    # result: x's axes before ``axis``, idx's own axes, x's axes after ``axis``; the shared
    # batch axes are carried from both operands, x's gathered axis is read anywhere
    p: GatherParams = node.params
    x, idx = node.inputs
    n_idx = idx.ndim - p.nbatch
    return (
        tuple(
            Carried(k) if k < p.axis else MIXED if k == p.axis else Carried(k - 1 + n_idx)
            for k in range(x.ndim)
        ),
        tuple(
            Carried(k) if k < p.nbatch else Carried(p.axis + k - p.nbatch) for k in range(idx.ndim)
        ),
    )
