"""The structural ``jax.lax`` surface: products (``dot_general``, ``batch_matmul``), layout
(``broadcast``, ``broadcast_in_dim``, ``broadcast_to_rank``, ``reshape``, ``transpose``,
``squeeze``, ``expand_dims``, ``collapse``, ``rev``, ``slice``, ``concatenate``), indexing
helpers (``index_in_dim``, ``slice_in_dim``, ``dynamic_update_*_in_dim``, ``index_take``),
``select_n``, ``sort_key_val``, reductions
(``reduce``, ``reduce_sum``/``max``/``min``/``prod``/``and``/``or``/``xor``, ``argmax``,
``argmin``, ``reduce_window``, ``cumlogsumexp``) and constructors (``full``, ``full_like``,
``iota``, ``broadcasted_iota``, ``empty``), plus ``optimization_barrier`` and ``dce_sink``.

Nothing here is a new primitive: every function is composed from einsums, reshapes,
broadcasts, index windows, gathers and elementwise ops, so vmap, jit, both sweeps and the
Array API backend come with them. Shape errors are the built-in types JAX raises (mostly
``TypeError``, ``ValueError`` where JAX says so).

``reduce`` and ``reduce_window`` take a Python ``computation``. It is first applied to two
scalar probes: when each result is one known binary op of the matching probes (``add``,
``multiply``, ``maximum``, ``minimum``, ``logical_and``/``or``, whatever function spelled
it: ``lax.add``, ``jnp.add``, ``operator.add``, a lambda), the reduction is the native one
(an einsum sum, the ``reduce`` primitive). Otherwise the computation itself is applied to
arrays: a pairwise tree over the reduced axes for ``reduce`` (the order of a reduction is
unspecified in XLA too), the window's elements in order for ``reduce_window``, with the
init value combined once and padding (or base-dilation holes) skipped, as XLA on CPU does.
"""

from __future__ import annotations

import enum
import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core.graph import Node
from ..errors import ArgumentTypeError, IncompatibleShapesError, IndexOutOfBounds, ShapeError
from ..tracing.build import Value, lift, trace_of
from ..tracing.tracer import Tracer
from . import control, gathers, nn, order
from .api import export
from .contraction import EinsumParams, contract, einsum_p, moveaxis, permute
from .elementwise import ElementwiseParams, elementwise, elementwise_p
from .indexing import getitem
from .precision import check_precision, preferred_dtype
from .reductions import reduce, reduce_sum
from .shape import astype, broadcast_to, concatenate, reshape
from .windows import windows

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


# ------------------------------------------------------------------ argument checks


def _t(x: Value) -> Tracer:
    return lift(x, trace_of((x,)))


def _ints(value: Any, what: str) -> tuple[int, ...]:
    if isinstance(value, Tracer):
        raise ArgumentTypeError(f"{what} must be static ints, not a traced value")
    try:
        return tuple(operator.index(v) for v in value)
    except TypeError:
        raise ArgumentTypeError(f"{what} must be a sequence of ints, got {value!r}") from None


def _dims(value: Any, ndim: int, what: str, *, negative: bool = False) -> tuple[int, ...]:
    """Static, distinct axes in range (``negative``: counted from the end allowed)."""
    dims = _ints(value, what)
    lo = -ndim if negative else 0
    if any(not lo <= d < ndim for d in dims) or len(set(d % max(ndim, 1) for d in dims)) != len(
        dims
    ):
        raise IncompatibleShapesError(
            f"{what} must be distinct axes of an operand of rank {ndim}, got {dims}"
        )
    return tuple(d % ndim for d in dims) if ndim else dims


def _promote(*dtypes: np.dtype) -> np.dtype:
    """JAX's promotion for non-weak operands: NumPy's, except that an integer or bool mixed
    with inexact types gives the inexact type itself (int32 with float32 is float32)."""
    inexact = [d for d in dtypes if d.kind in "fc"]
    if inexact and len(inexact) < len(dtypes):
        return np.result_type(*inexact)
    return np.result_type(*dtypes)


# ------------------------------------------------------------------ products


@export("lax", "dot_general")
def dot_general(
    lhs: Value,
    rhs: Value,
    dimension_numbers: Any,
    precision: Any = None,
    preferred_element_type: Any = None,
    *,
    out_sharding: Any = None,
) -> Tracer:
    """``jax.lax.dot_general``: one einsum; the result's axes are the batch axes, then the
    free axes of ``lhs``, then those of ``rhs``."""
    check_precision(precision, "dot_general")
    trace = trace_of((lhs, rhs))
    x, y = lift(lhs, trace), lift(rhs, trace)
    try:
        (lc, rc), (lb, rb) = dimension_numbers
    except (TypeError, ValueError):
        raise ArgumentTypeError(
            "dot_general: dimension_numbers must be ((lhs_contracting, rhs_contracting), "
            f"(lhs_batch, rhs_batch)), got {dimension_numbers!r}"
        ) from None
    lc, lb = _dims(lc, x.ndim, "dot_general lhs dims"), _dims(lb, x.ndim, "dot_general lhs")
    rc, rb = _dims(rc, y.ndim, "dot_general rhs dims"), _dims(rb, y.ndim, "dot_general rhs")
    if len(lc) != len(rc) or len(lb) != len(rb):
        raise IncompatibleShapesError(
            f"dot_general requires equal numbers of lhs and rhs contracting and batch "
            f"dimensions, got {dimension_numbers!r}"
        )
    if set(lc) & set(lb) or set(rc) & set(rb):
        raise IncompatibleShapesError(
            f"dot_general requires batch dimensions disjoint from contracting dimensions, "
            f"got {dimension_numbers!r}"
        )
    for what, ls, rs in (("contracting", lc, rc), ("batch", lb, rb)):
        if [x.shape[a] for a in ls] != [y.shape[b] for b in rs]:
            raise IncompatibleShapesError(
                f"dot_general requires {what} dimensions to have the same shape, got "
                f"{tuple(x.shape[a] for a in ls)} and {tuple(y.shape[b] for b in rs)}"
            )
    preferred = preferred_dtype(preferred_element_type)
    dtype = preferred if preferred is not None else _promote(x.dtype, y.dtype)
    x, y = astype(x, dtype), astype(y, dtype)
    lsub = [f"l{i}" for i in range(x.ndim)]
    rsub = [f"r{j}" for j in range(y.ndim)]
    for a, b in (*zip(lc, rc), *zip(lb, rb)):
        rsub[b] = lsub[a]
    out = [lsub[a] for a in lb]
    out += [lsub[i] for i in range(x.ndim) if i not in lc and i not in lb]
    out += [rsub[j] for j in range(y.ndim) if j not in rc and j not in rb]
    return contract((x, y), (tuple(lsub), tuple(rsub)), tuple(out), dtype=dtype)


@export("lax", "batch_matmul")
def batch_matmul(lhs: Value, rhs: Value, precision: Any = None) -> Tracer:
    """``jax.lax.batch_matmul``: matrix products over equal leading batch axes."""
    x, y = _t(lhs), _t(rhs)
    if x.ndim < 2 or x.ndim != y.ndim or x.shape[:-2] != y.shape[:-2]:
        raise ShapeError(
            f"batch_matmul: operands need the same rank >= 2 and batch axes, got {x.shape} "
            f"and {y.shape}"
        )
    batch = tuple(range(x.ndim - 2))
    return dot_general(x, y, (((x.ndim - 1,), (y.ndim - 2,)), (batch, batch)), precision)


# ------------------------------------------------------------------ layout


@export("lax", "broadcast")
def broadcast(operand: Value, sizes: Sequence[int], *, out_sharding: Any = None) -> Tracer:
    """``jax.lax.broadcast``: new leading axes of ``sizes``."""
    t = _t(operand)
    return broadcast_to(t, _ints(sizes, "broadcast sizes") + t.shape)


@export("lax", "broadcast_in_dim")
def broadcast_in_dim(
    operand: Value,
    shape: Sequence[int],
    broadcast_dimensions: Sequence[int],
    *,
    out_sharding: Any = None,
) -> Tracer:
    """``jax.lax.broadcast_in_dim``: operand axis k becomes axis ``broadcast_dimensions[k]``
    of ``shape`` (a size-1 axis may broadcast)."""
    t = _t(operand)
    out = _ints(shape, "broadcast_in_dim shape")
    dims = _ints(broadcast_dimensions, "broadcast_in_dim broadcast_dimensions")
    if len(dims) != t.ndim:
        raise IncompatibleShapesError(
            f"broadcast_in_dim broadcast_dimensions must have length equal to operand ndim; "
            f"got broadcast_dimensions {dims} for operand ndim {t.ndim}"
        )
    if any(not 0 <= d < len(out) for d in dims) or list(dims) != sorted(set(dims)):
        raise IncompatibleShapesError(
            f"broadcast_in_dim broadcast_dimensions must be strictly increasing axes of the "
            f"target shape {out}, got {dims}"
        )
    if any(n not in (1, out[d]) for n, d in zip(t.shape, dims)):
        raise IncompatibleShapesError(
            f"broadcast_in_dim operand dimension sizes must either be 1, or be equal to their "
            f"corresponding dimensions in the target broadcast shape; got operand of shape "
            f"{t.shape}, target broadcast shape {out}, broadcast_dimensions {dims}"
        )
    placed = [1] * len(out)
    for n, d in zip(t.shape, dims):
        placed[d] = n
    return broadcast_to(reshape(t, tuple(placed)), out)


@export("lax", "broadcast_to_rank")
def broadcast_to_rank(x: Value, rank: int) -> Tracer:
    """``jax.lax.broadcast_to_rank``: leading size-1 axes up to ``rank``."""
    t = _t(x)
    return reshape(t, (1,) * max(0, operator.index(rank) - t.ndim) + t.shape)


@export("lax", "reshape")
def lax_reshape(
    operand: Value,
    new_sizes: Sequence[int],
    dimensions: Sequence[int] | None = None,
    *,
    out_sharding: Any = None,
) -> Tracer:
    """``jax.lax.reshape``: row-major reshape, after permuting by ``dimensions``."""
    t = _t(operand)
    sizes = _ints(new_sizes, "reshape new_sizes")
    if dimensions is not None:
        perm = _ints(dimensions, "reshape dimensions")
        if sorted(perm) != list(range(t.ndim)):
            raise IncompatibleShapesError(
                f"reshape dimensions must be a permutation of operand dimensions, got "
                f"dimensions {perm} for shape {t.shape}"
            )
        t = permute(t, perm)
    if any(s < 0 for s in sizes) or math.prod(sizes) != t.size:
        raise IncompatibleShapesError(
            f"reshape total size must be unchanged, got new_sizes {sizes} for shape {t.shape}"
        )
    return reshape(t, sizes)


@export("lax", "transpose")
def lax_transpose(operand: Value, permutation: Sequence[int]) -> Tracer:
    """``jax.lax.transpose``: axis k of the result is axis ``permutation[k]``."""
    t = _t(operand)
    perm = _ints(np.asarray(permutation).reshape(-1).tolist(), "transpose permutation")
    if sorted(perm) != list(range(t.ndim)):
        raise IncompatibleShapesError(
            f"transpose permutation isn't a permutation of operand dimensions, got "
            f"permutation {perm} for operand shape {t.shape}"
        )
    return permute(t, perm)


@export("lax", "squeeze")
def lax_squeeze(array: Value, dimensions: Sequence[int]) -> Tracer:
    """``jax.lax.squeeze``: drop the size-1 axes ``dimensions`` (negative allowed)."""
    t = _t(array)
    dims = _dims(dimensions, t.ndim, "squeeze dimensions", negative=True)
    if any(t.shape[d] != 1 for d in dims):
        raise ShapeError(
            f"cannot select an axis to squeeze out which has size not equal to one, got "
            f"shape={t.shape} and dimensions={tuple(dimensions)}"
        )
    return reshape(t, tuple(n for d, n in enumerate(t.shape) if d not in dims))


@export("lax", "expand_dims")
def lax_expand_dims(array: Value, dimensions: Sequence[int]) -> Tracer:
    """``jax.lax.expand_dims``: size-1 axes at ``dimensions`` of the result."""
    t = _t(array)
    nd = t.ndim + len(_ints(dimensions, "expand_dims dimensions"))
    dims = _ints(dimensions, "expand_dims dimensions")
    if any(not -nd <= d < nd for d in dims):
        raise ShapeError(f"axis {dims} is out of bounds for array of dimension {nd}")
    norm = {d % nd for d in dims}
    if len(norm) != len(dims):
        raise ShapeError(f"repeated axis in expand_dims dimensions {dims}")
    it = iter(t.shape)
    return reshape(t, tuple(1 if i in norm else next(it) for i in range(nd)))


@export("lax", "collapse")
def collapse(operand: Value, start_dimension: int, stop_dimension: int | None = None) -> Tracer:
    """``jax.lax.collapse``: axes ``start_dimension:stop_dimension`` merged into one."""
    t = _t(operand)
    lo, hi, _ = slice(start_dimension, stop_dimension).indices(t.ndim)
    hi = max(hi, lo)
    return reshape(t, t.shape[:lo] + (math.prod(t.shape[lo:hi]),) + t.shape[hi:])


@export("lax", "rev")
def rev(operand: Value, dimensions: Sequence[int]) -> Tracer:
    """``jax.lax.rev``: reverse the order of elements along ``dimensions``."""
    t = _t(operand)
    dims = _ints(dimensions, "rev dimensions")
    if any(not 0 <= d < t.ndim for d in dims) or len(set(dims)) != len(dims):
        raise IncompatibleShapesError(
            f"rev dimensions must be unique axes less than operand ndim, got dimensions "
            f"{dims} for operand ndim {t.ndim}"
        )
    if not dims:
        return t
    return getitem(
        t, tuple(slice(None, None, -1) if d in dims else slice(None) for d in range(t.ndim))
    )


@export("lax", "slice")
def lax_slice(
    operand: Value,
    start_indices: Sequence[int],
    limit_indices: Sequence[int],
    strides: Sequence[int] | None = None,
) -> Tracer:
    """``jax.lax.slice``: the static window ``start:limit:stride`` of every axis."""
    t = _t(operand)
    starts = _ints(start_indices, "slice start_indices")
    limits = _ints(limit_indices, "slice limit_indices")
    steps = (1,) * t.ndim if strides is None else _ints(strides, "slice strides")
    if not len(starts) == len(limits) == len(steps) == t.ndim:
        raise IncompatibleShapesError(
            f"slice start_indices {starts}, limit_indices {limits} and strides {steps} must "
            f"each have one entry per axis of the operand of shape {t.shape}"
        )
    for s, lim, st, n in zip(starts, limits, steps, t.shape):
        if not 0 <= s <= lim <= n or st < 1:
            raise IncompatibleShapesError(
                f"slice needs 0 <= start <= limit <= size and strides >= 1 per axis, got "
                f"start_indices {starts}, limit_indices {limits}, strides {steps} for "
                f"operand shape {t.shape}"
            )
    if all(
        s == 0 and lim == n and st == 1 for s, lim, st, n in zip(starts, limits, steps, t.shape)
    ):
        return t
    return getitem(t, tuple(slice(s, lim, st) for s, lim, st in zip(starts, limits, steps)))


@export("lax", "slice_in_dim")
def slice_in_dim(
    operand: Value,
    start_index: int | None,
    limit_index: int | None,
    stride: int = 1,
    axis: int = 0,
) -> Tracer:
    """``jax.lax.slice_in_dim``: ``lax.slice`` along one axis (negative bounds count from
    the end, None is the whole extent)."""
    t = _t(operand)
    ax = _dims((axis,), t.ndim, "slice_in_dim axis", negative=True)[0]
    n = t.shape[ax]
    lo = 0 if start_index is None else operator.index(start_index)
    hi = n if limit_index is None else operator.index(limit_index)
    lo, hi = (lo + n if lo < 0 else lo), (hi + n if hi < 0 else hi)
    starts, limits, strides = [0] * t.ndim, list(t.shape), [1] * t.ndim
    starts[ax], limits[ax], strides[ax] = lo, hi, operator.index(stride)
    return lax_slice(t, starts, limits, strides)


@export("lax", "index_in_dim")
def index_in_dim(operand: Value, index: int, axis: int = 0, keepdims: bool = True) -> Tracer:
    """``jax.lax.index_in_dim``: one static entry along ``axis`` (negative from the end)."""
    t = _t(operand)
    ax = _dims((axis,), t.ndim, "index_in_dim axis", negative=True)[0]
    n = t.shape[ax]
    i = operator.index(index)
    if not -n <= i < n:
        raise IndexOutOfBounds(f"index {i} is out of bounds for axis {ax} with size {n}")
    i %= n
    out = slice_in_dim(t, i, i + 1, 1, ax)
    return out if keepdims else reshape(out, t.shape[:ax] + t.shape[ax + 1 :])


@export("lax", "dynamic_update_slice_in_dim")
def dynamic_update_slice_in_dim(
    operand: Value,
    update: Value,
    start_index: Value,
    axis: int,
    *,
    allow_negative_indices: bool = True,
) -> Tracer:
    """``jax.lax.dynamic_update_slice_in_dim``: ``update`` written at a (clamped) start
    along ``axis``."""
    t = _t(operand)
    ax = _dims((axis,), t.ndim, "dynamic_update_slice_in_dim axis", negative=True)[0]
    static = not isinstance(start_index, Tracer)
    if not allow_negative_indices and static and int(start_index) < 0:
        raise ShapeError(
            f"Index {int(start_index)} is out of bounds for dimension {t.shape[ax]} if "
            "allow_negative_indices=False"
        )
    return _update_in_dim(t, update, start_index, ax, allow_negative_indices)


def _update_in_dim(t: Tracer, update: Value, start: Value, ax: int, negative: bool) -> Tracer:
    if not negative:  # a negative start is then out of bounds: clamped to 0, not wrapped
        start = elementwise("maximum", start, 0)
    starts: list[Any] = [0] * t.ndim
    starts[ax] = start
    return gathers.dynamic_update_slice(t, update, starts)


@export("lax", "dynamic_update_index_in_dim")
def dynamic_update_index_in_dim(
    operand: Value,
    update: Value,
    index: Value,
    axis: int,
    *,
    allow_negative_indices: bool = True,
) -> Tracer:
    """``jax.lax.dynamic_update_index_in_dim``: ``update`` (with or without ``axis``)
    written at entry ``index`` of ``axis``."""
    t, u = _t(operand), _t(update)
    ax = _dims((axis,), t.ndim, "dynamic_update_index_in_dim axis", negative=True)[0]
    if u.ndim != t.ndim:
        u = reshape(u, u.shape[:ax] + (1,) + u.shape[ax:])
    return _update_in_dim(t, u, index, ax, allow_negative_indices)


@export("lax", "index_take")
def index_take(src: Value, idxs: Sequence[Value], axes: Sequence[int]) -> Tracer:
    """``jax.lax.index_take``: ``src[idxs[0], idxs[1], ...]`` along ``axes`` (indices
    taken modulo the axis length, as JAX does), the other axes following."""
    t = _t(src)
    dims = _ints(axes, "index_take axes")
    if len(dims) != len(idxs) or any(not 0 <= d < t.ndim for d in dims):
        raise IncompatibleShapesError(
            f"index_take: axes {dims} must be {len(idxs)} axes of an operand of rank {t.ndim}"
        )
    moved = moveaxis(t, list(dims), list(range(len(dims))))
    wrapped = [
        elementwise("remainder", gathers._intp(_t(i)), max(t.shape[d], 1))
        for i, d in zip(idxs, dims)
    ]
    return getitem(moved, tuple(wrapped))


@export("lax", "concatenate")
def lax_concatenate(operands: Sequence[Value], dimension: int) -> Tracer:
    """``jax.lax.concatenate``: operands of one dtype and rank joined along ``dimension``."""
    if not isinstance(operands, (list, tuple)) or not operands:
        raise ShapeError("concatenate requires a non-empty sequences of arrays")
    trace = trace_of(tuple(operands))
    ts = [lift(o, trace) for o in operands]
    if len({t.ndim for t in ts}) != 1:
        raise IncompatibleShapesError(
            "Cannot concatenate arrays with different numbers of dimensions: got "
            + ", ".join(str(t.shape) for t in ts)
        )
    if len({t.dtype for t in ts}) != 1:
        raise IncompatibleShapesError(
            "lax.concatenate requires arguments to have the same dtypes, got "
            + ", ".join(t.dtype.name for t in ts)
        )
    d = operator.index(dimension)
    if not 0 <= d < ts[0].ndim:
        raise IncompatibleShapesError(
            f"concatenate dimension out of bounds: dimension {d} for shapes "
            + ", ".join(str(t.shape) for t in ts)
        )
    if len(ts) == 1:
        return ts[0]
    return concatenate(ts, axis=d)


@export("lax", "select_n")
def select_n(which: Value, *cases: Value) -> Tracer:
    """``jax.lax.select_n``: ``cases[which]`` per element (``which`` bool for two cases, or
    an integer; out of range picks the nearest end, as XLA's nested selects)."""
    if not cases:
        raise ShapeError("select_n() must have at least one case")
    trace = trace_of((which, *cases))
    w = lift(which, trace)
    cs = [lift(c, trace) for c in cases]
    if len({(c.shape, c.dtype) for c in cs}) != 1:
        raise IncompatibleShapesError(
            "select cases must have the same shapes and dtypes, got "
            + ", ".join(f"{c.dtype}{list(c.shape)}" for c in cs)
        )
    if w.dtype != np.bool_ and w.dtype.kind not in "iu":
        raise IncompatibleShapesError(
            f"select `which` must be boolean or integer type, got {w.dtype}."
        )
    if w.shape not in ((), cs[0].shape):
        raise IncompatibleShapesError(
            f"select `which` must be scalar or have the same shape as cases, got `which` "
            f"shape {w.shape} but case shape {cs[0].shape}."
        )
    if w.dtype == np.bool_:
        if len(cs) > 2:
            raise IncompatibleShapesError("select with boolean `which` cannot have > 2 cases.")
        return cs[0] if len(cs) == 1 else elementwise("where", w, cs[1], cs[0])

    def pick(offset: int, part: list[Tracer]) -> Tracer:
        if len(part) == 1:
            return part[0]
        mid = len(part) // 2
        low = elementwise("less", w, offset + mid)
        return elementwise("where", low, pick(offset, part[:mid]), pick(offset + mid, part[mid:]))

    out = pick(0, cs)
    return out if out.shape == cs[0].shape else broadcast_to(out, cs[0].shape)


@export("lax", "sort_key_val")
def sort_key_val(
    keys: Value, values: Value, dimension: int = -1, is_stable: bool = True
) -> tuple[Tracer, Tracer]:
    """``jax.lax.sort_key_val``: ``values`` reordered as the (stable) sort of ``keys``."""
    k, v = order.lax_sort((keys, values), dimension, is_stable, 1)
    return k, v


# ------------------------------------------------------------------ constructors


def _static_shape(shape: Any, what: str) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    dims = _ints(shape, what)
    if any(d < 0 for d in dims):
        raise IncompatibleShapesError(f"{what} must be non-negative, got {dims}")
    return dims


def _scalar_dtype(v: Value) -> np.dtype:
    if isinstance(v, Tracer):
        return v.dtype
    return np.asarray(v).dtype


@export("lax", "full")
def full(shape: Any, fill_value: Value, dtype: Any = None, *, sharding: Any = None) -> Tracer:
    """``jax.lax.full``: ``shape`` filled with the scalar ``fill_value``."""
    dims = _static_shape(shape, "full shape")
    if np.ndim(fill_value) if not isinstance(fill_value, Tracer) else fill_value.ndim:
        raise IncompatibleShapesError(
            f"full must be called with scalar fill_value, got fill_value.shape "
            f"{np.shape(fill_value) if not isinstance(fill_value, Tracer) else fill_value.shape}."
        )
    dt = np.dtype(dtype) if dtype is not None else _scalar_dtype(fill_value)
    trace = trace_of((fill_value,))
    if isinstance(fill_value, Tracer):
        return broadcast_to(astype(fill_value, dt), dims)
    return broadcast_to(lift(np.asarray(fill_value).astype(dt), trace), dims)


@export("lax", "full_like")
def full_like(
    x: Value, fill_value: Value, dtype: Any = None, shape: Any = None, sharding: Any = None
) -> Tracer:
    """``jax.lax.full_like``: ``fill_value`` in ``x``'s shape and dtype (or the given)."""
    dt = np.dtype(dtype) if dtype is not None else _scalar_dtype(x)
    dims = np.shape(x) if not isinstance(x, Tracer) else x.shape
    return full(dims if shape is None else shape, fill_value, dt)


@export("lax", "iota")
def iota(dtype: Any, size: int) -> Tracer:
    """``jax.lax.iota``: ``0, 1, ..., size - 1`` of ``dtype``."""
    n = operator.index(size)
    return _t(np.arange(n).astype(np.dtype(dtype)))


@export("lax", "broadcasted_iota")
def broadcasted_iota(dtype: Any, shape: Any, dimension: int, *, out_sharding: Any = None) -> Tracer:
    """``jax.lax.broadcasted_iota``: the position along ``dimension``, in ``shape``."""
    dims = _static_shape(shape, "broadcasted_iota shape")
    d = _dims((dimension,), len(dims), "broadcasted_iota dimension")[0]
    line = np.arange(dims[d]).astype(np.dtype(dtype))
    placed = [1] * len(dims)
    placed[d] = dims[d]
    return broadcast_to(_t(line.reshape(placed)), dims)


@export("lax", "empty")
def empty(shape: Any, dtype: Any, *, out_sharding: Any = None) -> Tracer:
    """``jax.lax.empty``: an array of ``shape`` whose values are unspecified (zeros here)."""
    dims = _static_shape(shape, "empty shape")
    return broadcast_to(_t(np.zeros((), np.dtype(dtype))), dims)


@export("lax", "optimization_barrier")
def optimization_barrier(operand: Any) -> Any:
    """``jax.lax.optimization_barrier``: the identity on a pytree (axcomp's compiler moves
    no computation across values, so there is nothing to fence)."""
    return operand


@export("lax", "dce_sink")
def dce_sink(val: Any, *, prevent_mlir_dce: bool = False) -> None:
    """``jax.lax.dce_sink``: consumes ``val`` and returns None."""
    return None


# ------------------------------------------------------------------ reductions

# a recognised computation: (elementwise function, reduce-primitive function or "sum")
_KNOWN = {
    "add": "sum",
    "multiply": "prod",
    "maximum": "max",
    "minimum": "min",
    "logical_and": "all",
    "logical_or": "any",
    "bitwise_and": "all",  # only for bools: on integers the tree below applies
    "bitwise_or": "any",
}


def _identity(fn: str, dtype: np.dtype) -> Any:
    """The identity of ``fn`` in ``dtype`` (what an empty reduction gives)."""
    if fn in ("add", "bitwise_or", "logical_or", "bitwise_xor", "logical_xor"):
        return np.zeros((), dtype)
    if fn == "multiply":
        return np.ones((), dtype)
    if fn in ("bitwise_and", "logical_and"):
        return np.asarray(True) if dtype == np.bool_ else np.asarray(-1).astype(dtype)
    big = fn == "minimum"
    if dtype == np.bool_:
        return np.asarray(big)
    if dtype.kind in "fc":
        return np.asarray(np.inf if big else -np.inf, dtype)
    info = np.iinfo(dtype)
    return np.asarray(info.max if big else info.min, dtype)


def _probe_op(node: Node, a: Node, b: Node) -> str | None:
    """The elementwise function ``node`` applies to exactly the probes ``a`` and ``b``."""
    if node.inputs not in ((a, b), (b, a)):
        return None
    if node.op is elementwise_p:
        p: ElementwiseParams = node.params
        return p.fn if p.fn in (*_KNOWN, "bitwise_xor", "logical_xor") else None
    if node.op is einsum_p:
        q: EinsumParams = node.params
        return "multiply" if q.subscripts == ((), ()) and q.out == () else None
    return None


def _recognise(
    computation: Callable[..., Any], dtypes: Sequence[np.dtype], treedef: Any
) -> list[str] | None:
    """Per operand, the known binary op the computation is, or None when it is anything
    else (it is then applied to arrays)."""
    trace = trace_of(())
    a = [lift(np.zeros((), d), trace) for d in dtypes]
    b = [lift(np.zeros((), d), trace) for d in dtypes]
    try:
        out = computation(control._unflatten(treedef, a), control._unflatten(treedef, b))
    except Exception:  # not expressible on scalar probes: the general path reports errors
        return None
    leaves, outdef = control._flatten(out)
    if outdef != treedef or len(leaves) != len(dtypes):
        return None
    fns = []
    for leaf, x, y, d in zip(leaves, a, b, dtypes):
        if not isinstance(leaf, Tracer) or leaf.dtype != d or leaf.shape != ():
            return None
        fn = _probe_op(leaf.node, x.node, y.node)
        if fn is None:
            return None
        fns.append(fn)
    return fns


def _apply(
    computation: Callable[..., Any], treedef: Any, xs: Sequence[Tracer], ys: Sequence[Tracer]
) -> list[Tracer]:
    """``computation`` on two operand trees, its results cast to the operands' dtypes."""
    out = computation(control._unflatten(treedef, list(xs)), control._unflatten(treedef, list(ys)))
    leaves, outdef = control._flatten(out)
    if outdef != treedef:
        raise ArgumentTypeError(
            "reduction computation must return the structure of its operands "
            f"({len(xs)} arrays), got {out!r}"
        )
    trace = trace_of((*xs, *ys))
    shape = np.broadcast_shapes(*(x.shape for x in xs), *(y.shape for y in ys))
    res = []
    for leaf, x in zip(leaves, xs):
        t = astype(lift(leaf, trace), x.dtype)
        res.append(t if t.shape == shape else broadcast_to(t, shape))
    return res


def _native(fn: str, x: Tracer, axes: tuple[int, ...]) -> Tracer:
    """``x`` reduced over ``axes`` by the known op ``fn``, in ``x``'s dtype."""
    if any(x.shape[a] == 0 for a in axes):
        shape = tuple(n for i, n in enumerate(x.shape) if i not in axes)
        return broadcast_to(_t(_identity(fn, x.dtype)), shape)
    bitwise = fn in ("bitwise_and", "bitwise_or") and x.dtype != np.bool_
    if bitwise or fn in ("bitwise_xor", "logical_xor"):  # no native reduction: the tree
        return _tree(lambda a, b: elementwise(fn, a, b), [x], ("leaf",), axes)[0]
    kind = _KNOWN[fn]
    if x.dtype == np.bool_ and kind in ("sum", "prod"):
        kind = "any" if kind == "sum" else "all"  # bool + is or, bool * is and
    if kind == "sum":
        return reduce_sum(x, axes, dtype=x.dtype)
    r = reduce(kind, x, axes)
    return astype(r, x.dtype)  # prod widens small integers, as NumPy; wrap back


def _tree(
    computation: Callable[..., Any], xs: list[Tracer], treedef: Any, axes: tuple[int, ...]
) -> list[Tracer]:
    """The general reduction: the reduced axes moved last and flattened, then halves
    combined pairwise by ``computation`` until one entry is left (n >= 1)."""
    nd = xs[0].ndim
    keep = tuple(i for i in range(nd) if i not in axes)
    n = math.prod(xs[0].shape[a] for a in axes)
    flat = [reshape(permute(x, keep + axes), tuple(x.shape[i] for i in keep) + (n,)) for x in xs]
    while n > 1:
        h = n // 2
        left = [getitem(x, (Ellipsis, slice(0, h))) for x in flat]
        right = [getitem(x, (Ellipsis, slice(h, 2 * h))) for x in flat]
        out = _apply(computation, treedef, left, right)
        if n % 2:
            out = [
                concatenate([o, getitem(x, (Ellipsis, slice(2 * h, n)))], -1)
                for o, x in zip(out, flat)
            ]
        flat, n = out, h + n % 2
    return [getitem(x, (Ellipsis, 0)) for x in flat]


def _is_identity(init: Value, fn: str, dtype: np.dtype) -> bool:
    if isinstance(init, Tracer):
        return False
    value = np.asarray(init)
    return value.shape == () and bool(np.asarray(value == _identity(fn, dtype)))


@export("lax", "reduce")
def lax_reduce(
    operands: Any,
    init_values: Any,
    computation: Callable[..., Any],
    dimensions: Sequence[int],
    out_sharding: Any = None,
) -> Any:
    """``jax.lax.reduce``: ``operands`` (an array or a tree of arrays of one shape) reduced
    over ``dimensions`` by ``computation``, starting from ``init_values``."""
    leaves, treedef = control._flatten(operands)
    inits, initdef = control._flatten(init_values)
    if not leaves or initdef != treedef:
        raise ArgumentTypeError(
            "reduce: operands and init_values must be trees of the same structure, got "
            f"{operands!r} and {init_values!r}"
        )
    trace = trace_of((*leaves, *inits))
    xs = [lift(x, trace) for x in leaves]
    if len({x.shape for x in xs}) != 1:
        raise IncompatibleShapesError(
            "reduce operands must all have the same shape, got "
            + ", ".join(str(x.shape) for x in xs)
        )
    if any(np.ndim(i) if not isinstance(i, Tracer) else i.ndim for i in inits):
        raise IncompatibleShapesError("reduce: init_values must be scalars")
    nd = xs[0].ndim
    axes = _ints(dimensions, "reduce dimensions")
    if any(not 0 <= a < nd for a in axes) or len(set(axes)) != len(axes):
        raise ShapeError(f"reduce dimensions {axes} are not distinct axes of rank {nd}")
    init_ts = [astype(lift(i, trace), x.dtype) for i, x in zip(inits, xs)]
    fns = _recognise(computation, [x.dtype for x in xs], treedef)
    if fns is not None:
        outs = []
        for fn, x, init, raw in zip(fns, xs, init_ts, inits):
            r = _native(fn, x, axes)
            outs.append(r if _is_identity(raw, fn, x.dtype) else elementwise(fn, init, r))
        outs = [astype(o, x.dtype) for o, x in zip(outs, xs)]
        return control._unflatten(treedef, outs)
    shape = tuple(n for i, n in enumerate(xs[0].shape) if i not in axes)
    if any(xs[0].shape[a] == 0 for a in axes):
        return control._unflatten(treedef, [broadcast_to(i, shape) for i in init_ts])
    folded = _tree(computation, xs, treedef, axes) if axes else xs
    return control._unflatten(treedef, _apply(computation, treedef, init_ts, folded))


def _reducer(fn: str, what: str) -> Callable[..., Tracer]:
    def reducer(operand: Value, axes: Sequence[int], **kw: Any) -> Tracer:
        x = _t(operand)
        dims = _ints(axes, f"{what} axes")
        if any(not 0 <= a < x.ndim for a in dims) or len(set(dims)) != len(dims):
            raise ShapeError(
                f"reduction axes {dims} contains out-of-bounds indices for "
                f"{x.dtype}{list(x.shape)}."
            )
        if fn in ("add", "multiply") and x.dtype == np.bool_:
            raise IncompatibleShapesError(
                f"{what} does not accept dtype bool. Accepted dtypes are subtypes of number."
            )
        if fn.startswith("logical") and x.dtype.kind not in "biu":
            raise IncompatibleShapesError(
                f"logical reduction requires operand dtype bool or int, got {x.dtype}."
            )
        if fn in ("logical_and", "logical_or") and x.dtype != np.bool_:
            fn_ = "bitwise_and" if fn == "logical_and" else "bitwise_or"
            return _native(fn_, x, dims)
        if fn == "logical_xor" and x.dtype != np.bool_:
            return _native("bitwise_xor", x, dims)
        return _native(fn, x, dims)

    reducer.__name__ = what
    reducer.__doc__ = f"``jax.lax.{what}``: the reduction over ``axes``, in the operand's dtype."
    return reducer


for _fn, _what in (
    ("add", "reduce_sum"),
    ("multiply", "reduce_prod"),
    ("maximum", "reduce_max"),
    ("minimum", "reduce_min"),
    ("logical_and", "reduce_and"),
    ("logical_or", "reduce_or"),
    ("logical_xor", "reduce_xor"),
):
    export("lax", _what)(_reducer(_fn, _what))


def _arg(fn: str, operand: Value, axis: int, index_dtype: Any) -> Tracer:
    x = _t(operand)
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not 0 <= axis < x.ndim:
        raise ShapeError(f"Invalid axis {axis} for operand shape {x.shape}")
    dt = np.dtype(index_dtype)
    if dt.kind not in "iu":
        raise ArgumentTypeError(f"index_dtype must be an integer type, but got {dt}")
    if x.shape[axis] == 0:
        raise ShapeError(f"{fn} of an empty axis {axis} of shape {x.shape}")
    return astype(reduce(fn, x, int(axis)), dt)


@export("lax", "argmax")
def argmax(operand: Value, axis: int, index_dtype: Any) -> Tracer:
    """``jax.lax.argmax``: the first index of the largest entry (a NaN counts as largest)."""
    return _arg("argmax", operand, axis, index_dtype)


@export("lax", "argmin")
def argmin(operand: Value, axis: int, index_dtype: Any) -> Tracer:
    """``jax.lax.argmin``: the first index of the smallest entry (a NaN counts as smallest)."""
    return _arg("argmin", operand, axis, index_dtype)


@export("lax", "cumlogsumexp")
def cumlogsumexp(operand: Value, axis: int = 0, reverse: bool = False) -> Tracer:
    """``jax.lax.cumlogsumexp``: running ``logaddexp`` along ``axis`` (log-depth doubling,
    stable for large entries)."""
    t = _t(operand)
    ax = _dims((axis,), t.ndim, "cumlogsumexp axis", negative=True)[0]
    if t.dtype.kind not in "fc":
        raise ArgumentTypeError(f"cumlogsumexp requires a floating operand, got {t.dtype}")
    if reverse:
        t = rev(t, (ax,))
    n, s = t.shape[ax], 1
    while s < n:  # doubling steps: y[i] = logaddexp(y[i], y[i - s])
        head = slice_in_dim(t, 0, s, 1, ax)
        tail = nn.logaddexp(slice_in_dim(t, s, n, 1, ax), slice_in_dim(t, 0, n - s, 1, ax))
        t = concatenate([head, astype(tail, t.dtype)], axis=ax)
        s *= 2
    return rev(t, (ax,)) if reverse else t


# ------------------------------------------------------------------ reduce_window


def window_pads(
    padding: Any,
    shape: Sequence[int],
    window: Sequence[int],
    strides: Sequence[int],
    what: str = "reduce_window",
) -> list[tuple[int, int]]:
    """``(low, high)`` per axis for a padding string ('VALID', 'SAME', 'SAME_LOWER', as
    ``lax.padtype_to_pads``) or explicit pairs."""
    if isinstance(padding, str):
        mode = padding.upper()
        if mode == "VALID":
            return [(0, 0)] * len(shape)
        if mode not in ("SAME", "SAME_LOWER"):
            raise ShapeError(
                f"Unrecognized padding type: expected 'VALID', 'SAME', or 'SAME_LOWER', got "
                f"{padding}."
            )
        pads = []
        for n, w, s in zip(shape, window, strides):
            total = max((-(-n // s) - 1) * s + w - n, 0)
            small, big = total // 2, total - total // 2
            pads.append((small, big) if mode == "SAME" else (big, small))
        return pads
    pairs = [tuple(_ints(p, f"{what} padding")) for p in padding]
    if len(pairs) != len(shape) or any(len(p) != 2 for p in pairs):
        raise IncompatibleShapesError(
            f"{what} padding must be one (low, high) pair per axis, got {padding!r}"
        )
    return [(p[0], p[1]) for p in pairs]


def _axis_positions(n: int, lo: int, hi: int, dilation: int) -> np.ndarray:
    """For each position of the padded, dilated axis: the operand entry there, or -1."""
    size = max(0, (n - 1) * dilation + 1) if n else 0
    pos = np.arange(-lo, size + hi)
    entry = np.where((pos >= 0) & (pos < size) & (pos % dilation == 0), pos // dilation, -1)
    return entry


def _pools(fn: str, dtype: np.dtype) -> bool:
    return fn in ("add", "maximum", "minimum") and dtype.kind in "fiu"


def _pool(
    fn: str,
    x: Tracer,
    window: tuple[int, ...],
    strides: tuple[int, ...],
    dilation: tuple[int, ...],
) -> Tracer:
    """A sum, max or min over every window of the (padded) ``x``: a reduction over the
    appended axes of its ``windows`` view. A max (min) is read at the window's first
    argmax (argmin), so its derivatives route to that one entry, as XLA's
    select-and-scatter does for JAX's max pooling."""
    axes = [d for d in range(x.ndim) if (window[d], strides[d], dilation[d]) != (1, 1, 1)]
    if not axes:
        return x
    out = tuple(
        max(0, (n - (w - 1) * dl - 1) // st + 1)
        for n, w, st, dl in zip(x.shape, window, strides, dilation)
    )
    if 0 in out:
        return broadcast_to(_t(_identity(fn, x.dtype)), out)
    win = windows(
        x, axes, [window[d] for d in axes], [strides[d] for d in axes], [dilation[d] for d in axes]
    )
    lead = win.shape[: x.ndim]
    if fn == "add":
        return reduce_sum(win, axis=tuple(range(x.ndim, win.ndim)), dtype=x.dtype)
    size = math.prod(win.shape[x.ndim :])
    flat = reshape(win, (*lead, size))
    pick = reduce("argmax" if fn == "maximum" else "argmin", flat, -1)
    first = elementwise("equal", reshape(pick, (*lead, 1)), np.arange(size))
    return reduce_sum(elementwise("where", first, flat, 0), axis=-1, dtype=x.dtype)


@export("lax", "reduce_window")
def reduce_window(
    operand: Any,
    init_value: Any,
    computation: Callable[..., Any],
    window_dimensions: Sequence[int],
    window_strides: Sequence[int] | None = None,
    padding: Any = "VALID",
    base_dilation: Sequence[int] | None = None,
    window_dilation: Sequence[int] | None = None,
) -> Any:
    """``jax.lax.reduce_window``: ``computation`` over every window (strided, padded,
    dilated) of ``operand`` (an array or a tree of arrays of one shape)."""
    leaves, treedef = control._flatten(operand)
    inits, initdef = control._flatten(init_value)
    if not leaves or initdef != treedef:
        raise ArgumentTypeError(
            "reduce_window: operand and init_value must be trees of the same structure"
        )
    trace = trace_of((*leaves, *inits))
    xs = [lift(x, trace) for x in leaves]
    if len({x.shape for x in xs}) != 1:
        raise IncompatibleShapesError("reduce_window operands must all have the same shape")
    shape = xs[0].shape
    nd = len(shape)

    def per_axis(v: Any, what: str) -> tuple[int, ...]:
        vals = (1,) * nd if v is None else _ints(v, f"reduce_window {what}")
        if len(vals) != nd or any(k < 1 for k in vals):
            raise IncompatibleShapesError(
                f"reduce_window {what} must be {nd} positive ints, got {v!r}"
            )
        return vals

    window = per_axis(window_dimensions, "window_dimensions")
    strides = per_axis(window_strides, "window_strides")
    base = per_axis(base_dilation, "base_dilation")
    wdil = per_axis(window_dilation, "window_dilation")
    effective = tuple((w - 1) * d + 1 for w, d in zip(window, wdil))
    pads = window_pads(padding, shape, effective, strides)
    entries = [_axis_positions(n, lo, hi, b) for n, (lo, hi), b in zip(shape, pads, base)]
    out_shape = tuple(
        max(0, (len(e) - w) // s + 1) if len(e) >= w else 0
        for e, w, s in zip(entries, effective, strides)
    )
    init_ts = [astype(lift(i, trace), x.dtype) for i, x in zip(inits, xs)]
    fns = _recognise(computation, [x.dtype for x in xs], treedef)
    # a known op with its identity as init: padding with the init is exact, no masks
    plain = fns is not None and all(
        _is_identity(raw, fn, x.dtype) for fn, raw, x in zip(fns, inits, xs)
    )
    holes = any(lo or hi for lo, hi in pads) or any(b > 1 for b in base)
    padded = xs
    if holes:
        config = [(lo, hi, b - 1) for (lo, hi), b in zip(pads, base)]
        padded = [order.lax_pad(x, i, config) for x, i in zip(xs, init_ts)]
    if plain and fns is not None and all(_pools(fn, x.dtype) for fn, x in zip(fns, xs)):
        pooled = [_pool(fn, p, window, strides, wdil) for fn, p in zip(fns, padded)]
        return control._unflatten(treedef, pooled)
    acc: list[Tracer] | None = None if plain else [broadcast_to(i, out_shape) for i in init_ts]
    for offsets in np.ndindex(*window):
        starts = [o * d for o, d in zip(offsets, wdil)]
        items = tuple(
            slice(s, s + (m - 1) * st + 1, st) if m else slice(0, 0)
            for s, m, st in zip(starts, out_shape, strides)
        )
        parts = [getitem(p, items) for p in padded]
        if acc is None:
            acc = parts
            continue
        combined = _apply(computation, treedef, acc, parts)
        if holes and not plain:
            mask = np.ones(out_shape, np.bool_)
            for d, (e, s, m, st) in enumerate(zip(entries, starts, out_shape, strides)):
                line = e[s : s + (m - 1) * st + 1 : st] >= 0 if m else np.zeros(0, np.bool_)
                mask &= line.reshape((1,) * d + (m,) + (1,) * (nd - d - 1))
            if not mask.all():
                combined = [elementwise("where", mask, c, a) for c, a in zip(combined, acc)]
        acc = combined
    assert acc is not None
    return control._unflatten(treedef, acc)
