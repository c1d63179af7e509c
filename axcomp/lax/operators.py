"""The basic ``jax.lax`` operators (JAX's ``lax.py``) that are compositions rather than
primitives: products (``dot_general``, ``batch_matmul``, ``dot``), layout (``broadcast``,
``broadcast_in_dim``, ``broadcast_to_rank``, ``broadcast_shapes``, ``reshape``,
``transpose``, ``squeeze``, ``expand_dims``, ``collapse``, ``rev``, ``slice``,
``concatenate``, ``split``, ``stack``, ``unstack``, ``tile``), indexing helpers
(``index_in_dim``, ``slice_in_dim``, ``dynamic_update_*_in_dim``, ``index_take``),
``select_n``, ``sort_key_val``, reductions (``reduce``,
``reduce_sum``/``max``/``min``/``prod``/``and``/``or``/``xor``, ``argmax``, ``argmin``,
``cumlogsumexp``) and constructors (``full``, ``full_like``, ``iota``,
``broadcasted_iota``, ``empty``), plus ``optimization_barrier`` and ``dce_sink``.

Every function is composed from einsums, reshapes, broadcasts, index windows, gathers and
elementwise ops, so vmap, jit, both sweeps and the Array API backend come with them.
Shape errors are the built-in types JAX raises (mostly ``TypeError``, ``ValueError``
where JAX says so).

``reduce`` takes a Python ``computation``. It is first applied to two scalar probes: when
each result is one known binary op of the matching probes (``add``, ``multiply``,
``maximum``, ``minimum``, ``logical_and``/``or``, whatever function spelled it:
``lax.add``, ``jnp.add``, ``operator.add``, a lambda), the reduction is the native one (an
einsum sum, the ``reduce`` primitive). Otherwise the computation itself is applied to
arrays: a pairwise tree over the reduced axes (the order of a reduction is unspecified in
XLA too).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core.dtype_promotion import inexact_result
from ..core.graph import Node
from ..errors import (
    ArgumentTypeError,
    IncompatibleShapesError,
    IndexOutOfBounds,
    ShapeError,
    UnsupportedError,
)
from ..primitives import control, gathers, indexing, order, products
from ..primitives import gradients as _gradients
from ..primitives import reductions as _reductions
from ..primitives.contraction import EinsumParams, contract, einsum_p, moveaxis, permute
from ..primitives.cumulative import cumprod_p, cumsum_p, scan
from ..primitives.elementwise import ElementwiseParams, elementwise, elementwise_p
from ..primitives.indexing import getitem
from ..primitives.order import (
    _argselect,
    _argsort_along,
    _cumext,
    _int,
    _lex_perm,
    _slice,
    _sort,
    selects_partially,
    take_along,
)
from ..primitives.order import _int as _static_int  # one definition of "a static int argument"
from ..primitives.reductions import reduce
from ..primitives.shape import (
    astype,
    broadcast_levels,
    broadcast_to,
    concatenate,
    expand_dims,
    reshape,
)
from ..primitives.shape import stack as _stack
from ..tracing.build import Value, cast_to_jax_dtype, lift, normalize_axis, trace_of, union_levels
from ..tracing.tracer import Tracer
from ..transforms.jit import staged_export
from .precision import check_precision, preferred_dtype
from .slicing import dynamic_update_slice

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


# ------------------------------------------------------------------ shapes


def broadcast_shapes(*shapes: Any) -> tuple[int, ...]:
    """``jax.lax.broadcast_shapes``: the shape of the broadcast, as Python ints (a dim of 1
    stretches; the rank is the largest). A negative or non-integer dim is a TypeError, as in
    JAX."""
    clean: list[tuple[int, ...]] = []
    for s in shapes:
        if isinstance(s, np.ndarray) and s.ndim == 1:
            s = s.tolist()
        if isinstance(s, (str, bytes)) or not isinstance(s, Sequence):
            raise ArgumentTypeError(
                f"Shapes must be 1D sequences of concrete values of integer type, got {s!r}."
            )
        try:
            dims = tuple(operator.index(d) for d in s)
        except TypeError:
            raise ArgumentTypeError(
                f"Shapes must be 1D sequences of concrete values of integer type, got {s!r}."
            ) from None
        if any(d < 0 for d in dims):
            raise ArgumentTypeError(
                "Only non-negative indices are allowed when broadcasting static shapes, but "
                f"got shape {dims!r}."
            )
        clean.append(dims)
    rank = max((len(s) for s in clean), default=0)
    out: list[int] = []
    for k in range(rank):
        sizes = {s[k - rank + len(s)] for s in clean if k - rank + len(s) >= 0}
        big = sizes - {1}
        if len(big) > 1:
            raise ShapeError(f"Incompatible shapes for broadcasting: shapes={clean}")
        out.append(int(big.pop()) if big else 1)
    return tuple(out)


@staged_export
def split(operand: Value, sizes: Sequence[int], axis: int = 0) -> list[Tracer]:
    """``jax.lax.split``: consecutive pieces of the given ``sizes`` along ``axis`` (they
    must add up to its length)."""
    t = _t(operand)
    ax = normalize_axis(_static_int(axis, "split axis"), t.ndim)
    widths = [_static_int(z, "split sizes") for z in sizes]
    if any(z < 0 for z in widths) or sum(widths) != t.shape[ax]:
        raise ShapeError(
            f"split: sizes {tuple(widths)} must be non-negative and add up to "
            f"{t.shape[ax]}, the length of axis {ax} of shape {t.shape}"
        )
    pieces, start = [], 0
    for z in widths:
        index = (slice(None),) * ax + (slice(start, start + z),)
        pieces.append(indexing.getitem(t, index))
        start += z
    return pieces


@staged_export
def stack(operands: Sequence[Value], axis: int = 0) -> Tracer:
    """``jax.lax.stack``: the operands (one shape) joined along a new ``axis``."""
    return _stack(list(operands), axis=_static_int(axis, "stack axis"))


@staged_export
def unstack(x: Value, axis: int = 0) -> tuple[Tracer, ...]:
    """``jax.lax.unstack``: the entries along ``axis``, that axis removed."""
    t = _t(x)
    ax = normalize_axis(_static_int(axis, "unstack axis"), t.ndim)
    return tuple(indexing.getitem(t, (slice(None),) * ax + (k,)) for k in range(t.shape[ax]))


@staged_export
def tile(operand: Value, reps: Sequence[int]) -> Tracer:
    """``jax.lax.tile``: ``numpy.tile`` with one repeat count per axis exactly."""
    t = _t(operand)
    r = tuple(_static_int(v, "tile reps") for v in reps)
    if len(r) != t.ndim:
        raise ArgumentTypeError(
            "reps length must be equal to the ndim of x, got "
            f"len(reps)={len(r)} and x.ndim={t.ndim}."
        )
    return order.tile(t, r)


# ------------------------------------------------------------------ dot


@staged_export
def dot(
    lhs: Value,
    rhs: Value,
    *,
    dimension_numbers: Any = None,
    precision: Any = None,
    preferred_element_type: Any = None,
    out_sharding: Any = None,
) -> Tracer:
    """``jax.lax.dot``: vector-vector, matrix-vector and matrix-matrix products (exact at
    every ``precision`` on NumPy); ``preferred_element_type`` is the accumulation and
    result dtype."""
    check_precision(precision, "lax.dot")
    if dimension_numbers is not None:
        raise UnsupportedError("lax.dot with dimension_numbers: use lax.dot_general")
    trace = trace_of((lhs, rhs))
    x, y = lift(lhs, trace), lift(rhs, trace)
    if not (1 <= x.ndim <= 2 and 1 <= y.ndim <= 2):
        raise ShapeError(
            "jax.lax.dot: dimension_numbers must be specified when not performing simple "
            "un-batched matrix-matrix, matrix-vector, or vector-vector products; got "
            f"lhs.shape={x.shape} rhs.shape={y.shape}"
        )
    if x.shape[-1] != y.shape[0]:
        raise ShapeError(f"lax.dot: shapes {x.shape} and {y.shape} do not contract")
    want = preferred_dtype(preferred_element_type)
    if want is not None:
        # accumulate in the preferred dtype (int8 inputs summed in int32, no wrap-around)
        x, y = astype(x, want), astype(y, want)
    return products.dot(x, y)


# ------------------------------------------------------------------ products


@staged_export
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


@staged_export
def batch_matmul(lhs: Value, rhs: Value, precision: Any = None) -> Tracer:
    """``jax.lax.batch_matmul``: matrix products over equal leading batch axes."""
    x, y = _t(lhs), _t(rhs)
    if x.ndim < 2 or x.ndim != y.ndim or x.shape[:-2] != y.shape[:-2]:
        raise ShapeError(
            f"batch_matmul: operands need the same rank >= 2 and batch axes, got {x.shape} "
            f"and {y.shape}"
        )
    batch = tuple(range(x.ndim - 2))
    return dot_general.traced(x, y, (((x.ndim - 1,), (y.ndim - 2,)), (batch, batch)), precision)


# ------------------------------------------------------------------ layout


@staged_export
def broadcast(operand: Value, sizes: Sequence[int], *, out_sharding: Any = None) -> Tracer:
    """``jax.lax.broadcast``: new leading axes of ``sizes``."""
    t = _t(operand)
    return broadcast_to(t, _ints(sizes, "broadcast sizes") + t.shape)


@staged_export
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


@staged_export
def broadcast_to_rank(x: Value, rank: int) -> Tracer:
    """``jax.lax.broadcast_to_rank``: leading size-1 axes up to ``rank``."""
    t = _t(x)
    return reshape(t, (1,) * max(0, operator.index(rank) - t.ndim) + t.shape)


@staged_export("reshape")
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


@staged_export("transpose")
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


@staged_export("squeeze")
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


@staged_export("expand_dims")
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


@staged_export
def collapse(operand: Value, start_dimension: int, stop_dimension: int | None = None) -> Tracer:
    """``jax.lax.collapse``: axes ``start_dimension:stop_dimension`` merged into one."""
    t = _t(operand)
    lo, hi, _ = slice(start_dimension, stop_dimension).indices(t.ndim)
    hi = max(hi, lo)
    return reshape(t, t.shape[:lo] + (math.prod(t.shape[lo:hi]),) + t.shape[hi:])


@staged_export
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


@staged_export("slice")
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


@staged_export
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
    return lax_slice.traced(t, starts, limits, strides)


@staged_export
def index_in_dim(operand: Value, index: int, axis: int = 0, keepdims: bool = True) -> Tracer:
    """``jax.lax.index_in_dim``: one static entry along ``axis`` (negative from the end)."""
    t = _t(operand)
    ax = _dims((axis,), t.ndim, "index_in_dim axis", negative=True)[0]
    n = t.shape[ax]
    i = operator.index(index)
    if not -n <= i < n:
        raise IndexOutOfBounds(f"index {i} is out of bounds for axis {ax} with size {n}")
    i %= n
    out = slice_in_dim.traced(t, i, i + 1, 1, ax)
    return out if keepdims else reshape(out, t.shape[:ax] + t.shape[ax + 1 :])


@staged_export
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
    return dynamic_update_slice.traced(t, update, starts)


@staged_export
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


@staged_export
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


@staged_export("concatenate")
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


@staged_export
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


@staged_export
def sort_key_val(
    keys: Value, values: Value, dimension: int = -1, is_stable: bool = True
) -> tuple[Tracer, Tracer]:
    """``jax.lax.sort_key_val``: ``values`` reordered as the (stable) sort of ``keys``."""
    k, v = lax_sort.traced((keys, values), dimension, is_stable, 1)
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


@staged_export
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


@staged_export
def full_like(
    x: Value, fill_value: Value, dtype: Any = None, shape: Any = None, sharding: Any = None
) -> Tracer:
    """``jax.lax.full_like``: ``fill_value`` in ``x``'s shape and dtype (or the given)."""
    dt = np.dtype(dtype) if dtype is not None else _scalar_dtype(x)
    dims = np.shape(x) if not isinstance(x, Tracer) else x.shape
    return full.traced(dims if shape is None else shape, fill_value, dt)


@staged_export
def iota(dtype: Any, size: int) -> Tracer:
    """``jax.lax.iota``: ``0, 1, ..., size - 1`` of ``dtype``."""
    n = operator.index(size)
    return _t(np.arange(n).astype(np.dtype(dtype)))


@staged_export
def broadcasted_iota(dtype: Any, shape: Any, dimension: int, *, out_sharding: Any = None) -> Tracer:
    """``jax.lax.broadcasted_iota``: the position along ``dimension``, in ``shape``."""
    dims = _static_shape(shape, "broadcasted_iota shape")
    d = _dims((dimension,), len(dims), "broadcasted_iota dimension")[0]
    line = np.arange(dims[d]).astype(np.dtype(dtype))
    placed = [1] * len(dims)
    placed[d] = dims[d]
    return broadcast_to(_t(line.reshape(placed)), dims)


@staged_export
def empty(shape: Any, dtype: Any, *, out_sharding: Any = None) -> Tracer:
    """``jax.lax.empty``: an array of ``shape`` whose values are unspecified (zeros here)."""
    dims = _static_shape(shape, "empty shape")
    return broadcast_to(_t(np.zeros((), np.dtype(dtype))), dims)


@staged_export
def optimization_barrier(operand: Any) -> Any:
    """``jax.lax.optimization_barrier``: the identity on a pytree (axcomp's compiler moves
    no computation across values, so there is nothing to fence)."""
    return operand


@staged_export
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
        return _reductions.reduce_sum(x, axes, dtype=x.dtype)
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


@staged_export("reduce")
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


reduce_sum = staged_export("reduce_sum", _reducer("add", "reduce_sum"))
reduce_prod = staged_export("reduce_prod", _reducer("multiply", "reduce_prod"))
reduce_max = staged_export("reduce_max", _reducer("maximum", "reduce_max"))
reduce_min = staged_export("reduce_min", _reducer("minimum", "reduce_min"))
reduce_and = staged_export("reduce_and", _reducer("logical_and", "reduce_and"))
reduce_or = staged_export("reduce_or", _reducer("logical_or", "reduce_or"))
reduce_xor = staged_export("reduce_xor", _reducer("logical_xor", "reduce_xor"))


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


@staged_export
def argmax(operand: Value, axis: int, index_dtype: Any) -> Tracer:
    """``jax.lax.argmax``: the first index of the largest entry (a NaN counts as largest)."""
    return _arg("argmax", operand, axis, index_dtype)


@staged_export
def argmin(operand: Value, axis: int, index_dtype: Any) -> Tracer:
    """``jax.lax.argmin``: the first index of the smallest entry (a NaN counts as smallest)."""
    return _arg("argmin", operand, axis, index_dtype)


def logaddexp_operands(x1: Value, x2: Value, complex_ok: bool = False) -> tuple[Tracer, Tracer]:
    """The operands of ``numpy.logaddexp`` (``jnp.arctan2``...), promoted as JAX's
    ``promote_args_inexact``; complex ones only where ``complex_ok``."""
    trace = trace_of((x1, x2))
    a, b = cast_to_jax_dtype([lift(x1, trace), lift(x2, trace)])  # JAX's f32 for f32, i32
    # JAX's inexact dtype of the pair, Python scalars weak (f32 with 2.0 is f32; NumPy's
    # logaddexp of a 0-d float64 would widen it), float32 from int32 and bools
    dtype = inexact_result(a, b)
    if dtype.kind == "c" and not complex_ok:  # (numpy/complex_elementwise.py's forms)
        raise ArgumentTypeError(f"logaddexp: complex operands are not supported, got {dtype}")
    if a.dtype != dtype and not isinstance(x1, (int, float)):
        a = astype(a, dtype)
    if b.dtype != dtype and not isinstance(x2, (int, float)):
        b = astype(b, dtype)
    return a, b


def logaddexp_of(a: Tracer, b: Tracer, log1p_exp: Any) -> Tracer:
    """``max(a, b) + log1p_exp(-|a - b|)``: ``logaddexp`` (or ``logaddexp2``, by its
    ``log1p_exp``), finite in both branches of every ``where``."""
    # the larger argument by a where that sends ties to a: with abs'(0) = 1 each side of a
    # tie gets half the cotangent (JAX's rule); nan or inf - inf falls back to a + b
    delta = elementwise("subtract", a, b)
    amax = elementwise("where", elementwise("greater_equal", a, b), a, b)
    out = elementwise(
        "add", amax, log1p_exp(elementwise("negative", elementwise("absolute", delta)))
    )
    return elementwise("where", elementwise("isnan", delta), elementwise("add", a, b), out)


def logaddexp(x1: Value, x2: Value) -> Tracer:
    """``log(exp(x1) + exp(x2))`` without overflow, as ``numpy.logaddexp`` (``jnp.logaddexp``
    and ``cumlogsumexp`` share it)."""
    a, b = logaddexp_operands(x1, x2)
    return logaddexp_of(a, b, lambda d: elementwise("log1p", elementwise("exp", d)))


@staged_export
def cumlogsumexp(operand: Value, axis: int = 0, reverse: bool = False) -> Tracer:
    """``jax.lax.cumlogsumexp``: running ``logaddexp`` along ``axis`` (log-depth doubling,
    stable for large entries)."""
    t = _t(operand)
    ax = _dims((axis,), t.ndim, "cumlogsumexp axis", negative=True)[0]
    if t.dtype.kind not in "fc":
        raise ArgumentTypeError(f"cumlogsumexp requires a floating operand, got {t.dtype}")
    if reverse:
        t = rev.traced(t, (ax,))
    n, s = t.shape[ax], 1
    while s < n:  # doubling steps: y[i] = logaddexp(y[i], y[i - s])
        head = slice_in_dim.traced(t, 0, s, 1, ax)
        tail = logaddexp(
            slice_in_dim.traced(t, s, n, 1, ax), slice_in_dim.traced(t, 0, n - s, 1, ax)
        )
        t = concatenate([head, astype(tail, t.dtype)], axis=ax)
        s *= 2
    return rev.traced(t, (ax,)) if reverse else t


@staged_export("pad")
def lax_pad(operand: Value, padding_value: Value, padding_config: Any) -> Tracer:
    """``jax.lax.pad``: ``(low, high, interior)`` per axis; negative low/high crop."""
    t = _t(operand)
    config = [tuple(_int(v, "padding_config") for v in c) for c in padding_config]
    if len(config) != t.ndim or any(len(c) != 3 for c in config):
        raise ShapeError(
            f"lax.pad: padding_config must have one (low, high, interior) per axis of the "
            f"operand of shape {t.shape}, got {padding_config!r}"
        )
    pv = _t(padding_value)
    if pv.ndim != 0:
        raise ShapeError(f"lax.pad: padding_value must be a scalar, got shape {pv.shape}")
    if pv.dtype != t.dtype:
        raise ArgumentTypeError(
            f"lax.pad: padding_value dtype {pv.dtype} must match the operand's {t.dtype}"
        )
    for d, (lo, hi, interior) in enumerate(config):
        if interior < 0:
            raise ShapeError(f"lax.pad: interior padding must be >= 0, got {interior} (axis {d})")
        n = t.shape[d]
        if interior and n > 1:
            wide = expand_dims(t, d + 1)
            fill = list(wide.shape)
            fill[d + 1] = interior
            joined = concatenate([wide, broadcast_to(pv, tuple(fill))], axis=d + 1)
            shape = (*t.shape[:d], n * (interior + 1), *t.shape[d + 1 :])
            t = _slice(reshape(joined, shape), d, 0, (n - 1) * (interior + 1) + 1)
        n = t.shape[d]
        if n + lo + hi < 0:
            raise ShapeError(f"lax.pad: padding {config[d]} leaves axis {d} of negative size")
        if lo < 0:
            t = _slice(t, d, -lo, None)
        if hi < 0:
            t = _slice(t, d, 0, t.shape[d] + hi)
        parts = []
        if lo > 0:
            parts.append(
                broadcast_to(pv, tuple(lo if k == d else s for k, s in enumerate(t.shape)))
            )
        parts.append(t)
        if hi > 0:
            parts.append(
                broadcast_to(pv, tuple(hi if k == d else s for k, s in enumerate(t.shape)))
            )
        if len(parts) > 1:
            t = concatenate(parts, axis=d)
    return t


@staged_export("sort")
def lax_sort(operand: Any, dimension: int = -1, is_stable: bool = True, num_keys: int = 1) -> Any:
    """``jax.lax.sort``: one array, or a sequence sorted together by its first ``num_keys``."""
    single = not isinstance(operand, (list, tuple))
    ops = [_t(o) for o in ([operand] if single else operand)]
    if not ops:
        raise ShapeError("lax.sort: needs at least one operand")
    shapes = {o.shape for o in ops}
    if len(shapes) != 1:
        raise ShapeError(
            f"lax.sort: operands must have the same shape, got {[o.shape for o in ops]}"
        )
    num_keys = _int(num_keys, "num_keys")
    if not 1 <= num_keys <= len(ops):
        raise ShapeError(f"lax.sort: num_keys={num_keys} must be in [1, {len(ops)}]")
    ax = normalize_axis(dimension, ops[0].ndim, "dimension")
    if len(ops) == 1:  # a sequence of one gives a tuple of one, as in JAX
        return _sort(ops[0], ax) if single else (_sort(ops[0], ax),)
    levels = union_levels(ops)
    ops = [broadcast_levels(o, levels) for o in ops]
    perm = _lex_perm(ops[:num_keys], ax)
    outs = tuple(take_along(o, perm, ax, True) for o in ops)
    return outs


@staged_export
def top_k(operand: Value, k: int, *, axis: int = -1) -> tuple[Tracer, Tracer]:
    """``jax.lax.top_k``: the ``k`` largest entries along ``axis`` (the last by default) and
    their indices (ties: the lower index first)."""
    t = _t(operand)
    k = _int(k, "top_k k")
    if t.ndim == 0:
        raise ShapeError("top_k: operand must have at least one axis")
    ax = normalize_axis(_int(axis, "top_k axis"), t.ndim)
    n = t.shape[ax]
    if not 0 <= k <= n:
        raise ShapeError(f"top_k: k={k} must be in [0, {n}] for axis {ax} of shape {t.shape}")
    if selects_partially(t.dtype, n, k):  # a partition and a sort of the k it keeps
        idx = _argselect(t, ax, k, True)
        return take_along(t, idx, ax), astype(idx, np.int32)
    # the whole order (totalOrder for real values, as JAX), so the reverse rule is the
    # inverse permutation
    real = t.dtype.kind in "biuf"
    perm = _argselect(t, ax, n, True) if real else _argsort_along(t, ax, True)
    values = _slice(take_along(t, perm, ax, True), ax, 0, k)
    return values, astype(_slice(perm, ax, 0, k), np.int32)


@staged_export
def cummax(operand: Value, axis: int = 0, reverse: bool = False) -> Tracer:
    """``jax.lax.cummax``: running maximum along ``axis`` (from the end when ``reverse``)."""
    return _cumext("maximum", operand, axis, reverse)


@staged_export
def cummin(operand: Value, axis: int = 0, reverse: bool = False) -> Tracer:
    """``jax.lax.cummin``: running minimum along ``axis`` (from the end when ``reverse``)."""
    return _cumext("minimum", operand, axis, reverse)


@staged_export("cumsum")
def lax_cumsum(operand: Value, axis: int = 0, reverse: bool = False) -> Tracer:
    """``jax.lax.cumsum``: along ``axis``, from the end when ``reverse``; keeps the dtype."""
    dtype = lift(operand, trace_of((operand,))).dtype
    return scan(cumsum_p, operand, axis, dtype, reverse, lax=True)


@staged_export("cumprod")
def lax_cumprod(operand: Value, axis: int = 0, reverse: bool = False) -> Tracer:
    """``jax.lax.cumprod``: along ``axis``, from the end when ``reverse``; keeps the dtype."""
    dtype = lift(operand, trace_of((operand,))).dtype
    return scan(cumprod_p, operand, axis, dtype, reverse, lax=True)


@staged_export
def stop_gradient(x: Value) -> Tracer:
    """``jax.lax.stop_gradient``: ``x`` unchanged, treated as a constant by
    ``grad``/``vjp``/``jvp`` (the ``stop_gradient`` primitive)."""
    return _gradients.stop_gradient(x)
