"""Sort, argsort and take-along primitives, with the builders other layers need: ``tile``,
``pad``, ``diagonal``, ``split``/``array_split`` (``axcomp.numpy`` publishes them; ``lax``,
``scipy`` and other primitives build on them), ``lax.pad``, ``lax.sort``, ``lax.top_k`` and
``lax.cummax``/``cummin``. The ``jax.numpy`` functions built on these primitives (``flip``,
``roll``, ``repeat``, ``sort``, ``searchsorted``, ``diff``, ``tril``...) live in
``axcomp/numpy/``.

Most functions are built from existing primitives (indexing, concatenation, broadcasting,
elementwise), so lowering, reverse mode and both backends come with them. Three small
primitives are private to this family:

* ``sort`` and ``argsort`` (stable, ascending) along one physical axis, naturally batched;
* ``take_along``: ``x`` indexed along one axis by an integer array ``idx`` of the same rank
  (size 1 or ``x``'s size in the other axes). Its reverse rule is a take itself: by the
  inverse permutation when ``idx`` is a permutation (sort), or, for constant indices (pad,
  repeat), a gather of the cotangent into a (position, reader) table summed over readers.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.graph import Node
from ..core.independence import MIXED, Carried, Relations, all_axes_but
from ..core.leaves import const_p
from ..core.plan import Assign, Expr, LowerContext, Statement, call
from ..core.primitive import primitive
from ..errors import ArgumentTypeError, ShapeError, UnsupportedError
from ..tracing.build import (
    Value,
    lift,
    logical_names,
    make,
    normalize_axis,
    trace_of,
    union_levels,
)
from ..tracing.tracer import Tracer
from .contraction import contract, moveaxis
from .elementwise import elementwise
from .indexing import getitem
from .reductions import reduce_sum
from .shape import astype, broadcast_levels, broadcast_to, concatenate, reshape

# ------------------------------------------------------------------ primitives


@dataclass(frozen=True)
class SortParams:
    axis: int  # physical axis (batch axes included)


@dataclass(frozen=True)
class SelectParams:
    axis: int  # physical axis
    k: int  # how many entries it keeps along ``axis``
    largest: bool  # lax.top_k's order (totalOrder from the top), else argsort's from the bottom


@dataclass(frozen=True)
class TakeParams:
    axis: int  # physical axis
    permutation: bool  # ``idx`` is a permutation of range(n) along ``axis`` (x's shape)


sort_p = primitive("sort", SortParams, arity=1)
argsort_p = primitive("argsort", SortParams, arity=1)
take_p = primitive("take_along", TakeParams, arity=2, moves_data=True)
argselect_p = primitive("argselect", SelectParams, arity=1)

sort_p.def_describe(lambda q: f"sort axis={q.axis}")
argsort_p.def_describe(lambda q: f"argsort axis={q.axis} stable")
argselect_p.def_describe(
    lambda q: f"argselect axis={q.axis} k={q.k} {'largest' if q.largest else 'smallest'}"
)
take_p.def_describe(lambda q: f"take_along axis={q.axis}{' permutation' if q.permutation else ''}")


def _same_shape(q: SortParams, inputs: Sequence[Node]) -> tuple[int, ...]:
    return inputs[0].shape if 0 <= q.axis < inputs[0].ndim else (-1,)


sort_p.def_shape(_same_shape)
argsort_p.def_shape(_same_shape)


def _sort_flops(node: Node) -> int:
    n = node.shape[node.params.axis] if node.ndim else 1
    return math.prod(node.shape) * max(1, math.ceil(math.log2(max(n, 2))))


sort_p.def_flops(_sort_flops)
argsort_p.def_flops(_sort_flops)


@argselect_p.def_shape
def _select_shape(q: SelectParams, inputs: Sequence[Node]) -> tuple[int, ...]:
    x = inputs[0]
    if not 0 <= q.axis < x.ndim or not 0 <= q.k <= x.shape[q.axis]:
        return (-1,)
    return tuple(q.k if d == q.axis else s for d, s in enumerate(x.shape))


@argselect_p.def_flops
def _select_flops(node: Node) -> int:
    # a linear-time selection per line plus a sort of the k it keeps
    x = node.inputs[0]
    q: SelectParams = node.params
    lines = math.prod(x.shape) // max(x.shape[q.axis], 1)
    return lines * (x.shape[q.axis] + q.k * max(1, math.ceil(math.log2(max(q.k, 2)))))


@argselect_p.def_lower
def _lower_argselect(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
) -> tuple[Statement, ...]:
    q: SelectParams = node.params
    return (Assign(target, call("argselect", args[0], axis=q.axis, k=q.k, largest=q.largest)),)


argselect_p.def_vjp(lambda b, node, ct, active: [None])  # integer positions: no cotangent
argselect_p.def_jvp(lambda b, node, tangents: None)
take_p.def_flops(lambda node: math.prod(node.shape))


@take_p.def_shape
def _take_shape(q: TakeParams, inputs: Sequence[Node]) -> tuple[int, ...]:
    x, idx = inputs
    if x.ndim != idx.ndim or not 0 <= q.axis < x.ndim:
        return (-1,)
    for d in range(x.ndim):
        if d != q.axis and idx.shape[d] not in (1, x.shape[d]):
            return (-1,)
    if q.permutation and idx.shape != x.shape:
        return (-1,)
    return tuple(idx.shape[d] if d == q.axis else x.shape[d] for d in range(x.ndim))


@sort_p.def_lower
def _lower_sort(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
) -> tuple[Statement, ...]:
    return (Assign(target, call("sort", args[0], axis=node.params.axis)),)


@argsort_p.def_lower
def _lower_argsort(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
) -> tuple[Statement, ...]:
    return (Assign(target, call("argsort", args[0], axis=node.params.axis, stable=True)),)


def _is_line(idx: Node, axis: int) -> bool:
    return all(s == 1 for d, s in enumerate(idx.shape) if d != axis)


@take_p.def_lower
def _lower_take(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
) -> tuple[Statement, ...]:
    q: TakeParams = node.params
    idx = node.inputs[1]
    if _is_line(idx, q.axis):  # the same indices for every line: the standard's ``take``
        line = call("reshape", args[1], shape=(idx.shape[q.axis],))
        return (Assign(target, call("take", args[0], line, axis=q.axis)),)
    return (Assign(target, call("take_along_axis", args[0], args[1], axis=q.axis)),)


def _no_grad(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    return [None] * len(node.inputs)


argsort_p.def_vjp(_no_grad)


@sort_p.def_vjp
def _vjp_sort(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    # y = x[perm] along the axis, so dx = ct[inverse(perm)]; perm is the stable argsort
    axis: int = node.params.axis
    perm = _argsort(b.p(node.inputs[0]), axis)
    inverse = _argsort(perm, axis)
    return [take_along(b.p(ct), inverse, axis, permutation=True).node]


@take_p.def_vjp
def _vjp_take(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    q: TakeParams = node.params
    x, idx = node.inputs
    if not active[0]:
        return [None, None]
    g = b.p(ct)
    if q.permutation:
        return [take_along(g, _argsort(b.p(idx), q.axis), q.axis, permutation=True).node, None]
    if idx.op is not const_p or not _is_line(idx, q.axis):
        return [_scatter_add_along(g, b.p(idx), q.axis, x.shape[q.axis]).node, None]
    line = np.asarray(idx.params.value).reshape(-1).astype(np.intp)
    n, m = x.shape[q.axis], line.size
    counts = np.bincount(line, minlength=n)
    width = int(counts.max()) if m else 0
    if width == 0:
        return [broadcast_to(np.zeros((), ct.dtype), x.shape).node, None]
    # table[i, j]: the j-th output position that read input i (m: a zero appended to ct)
    order = np.argsort(line, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    j = np.arange(width)
    table = np.where(j[None, :] < counts[:, None], order[np.minimum(starts[:, None] + j, m - 1)], m)
    if bool((counts == width).all()):
        src = g
    else:
        zshape = tuple(1 if d == q.axis else s for d, s in enumerate(ct.shape))
        src = concatenate([g, broadcast_to(np.zeros((), ct.dtype), zshape)], axis=q.axis)
    picked = take_along(src, table.reshape(-1), q.axis)
    shape = (*x.shape[: q.axis], n, width, *x.shape[q.axis + 1 :])
    return [reduce_sum(reshape(picked, shape), axis=q.axis + 1).node, None]


def _scatter_add_along(g: Tracer, idx: Tracer, axis: int, n: int) -> Tracer:
    """The transpose of a take along ``axis`` by traced indices: the cotangent ``g`` added
    into ``n`` positions per line, through a (k, n) one-hot per line."""
    gl = moveaxis(g, axis, -1)  # (..., k)
    il = moveaxis(broadcast_to(idx, g.shape), axis, -1)
    onehot = astype(elementwise("equal", reshape(il, (*il.shape, 1)), np.arange(n)), g.dtype)
    rest = tuple(chr(97 + d) for d in range(gl.ndim - 1))
    dx = contract((onehot, gl), (rest + ("k", "z"), rest + ("k",)), rest + ("z",))
    return moveaxis(dx, -1, axis)


argsort_p.def_jvp(lambda b, node, tangents: None)  # integer positions: no tangent


@sort_p.def_jvp
def _jvp_sort(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
    # y = x[perm] along the axis: the tangent is permuted the same way (stable argsort)
    (t,) = tangents
    if t is None:
        return None
    axis: int = node.params.axis
    perm = _argsort(b.p(node.inputs[0]), axis)
    return take_along(b.p(t), perm, axis, permutation=True).node


@take_p.def_jvp
def _jvp_take(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
    t = tangents[0]  # linear in x; the indices are integers
    return b.apply(node, (t, node.inputs[1])) if t is not None else None


def _argsort(t: Tracer, axis: int) -> Tracer:
    """Stable ascending argsort along logical ``axis`` (no checks)."""
    nb = len(t.levels)
    names = logical_names(t)
    return make(
        t.trace, argsort_p, (t,), SortParams(nb + axis), t.levels, t.shape, np.dtype(np.intp), names
    )


def _sort(t: Tracer, axis: int) -> Tracer:
    nb = len(t.levels)
    names = logical_names(t)
    return make(t.trace, sort_p, (t,), SortParams(nb + axis), t.levels, t.shape, t.dtype, names)


def _argselect(t: Tracer, axis: int, k: int, largest: bool) -> Tracer:
    """The indices of the ``k`` smallest (``largest``: largest, totalOrder) entries along
    logical ``axis``, in sort order, ties by the lower index (no checks)."""
    nb = len(t.levels)
    names = logical_names(t)
    shape = tuple(k if d == axis else s for d, s in enumerate(t.shape))
    params = SelectParams(nb + axis, k, largest)
    return make(t.trace, argselect_p, (t,), params, t.levels, shape, np.dtype(np.intp), names)


def selects_partially(dtype: np.dtype, n: int, k: int) -> bool:
    """Whether ``k`` of ``n`` entries per line are better selected than fully sorted: real
    values (a partition has no complex order) and ``k`` small enough that the reverse rule
    of the take (a one-hot of ``k`` by ``n`` per line) stays near the sort it replaces."""
    return dtype.kind in "biuf" and k > 0 and 2 * k <= n and k <= 8 * math.ceil(math.log2(n))


def take_along(x: Value, idx: Any, axis: int, permutation: bool = False) -> Tracer:
    """``x`` indexed along logical ``axis``: by a NumPy 1-d int array (the same for every
    line), or by traced in-bounds indices of x's rank, a permutation of x's shape when
    ``permutation``."""
    trace = trace_of((x, idx))
    t = lift(x, trace)
    ax = normalize_axis(axis, t.ndim)
    names = logical_names(t)
    if isinstance(idx, Tracer):
        levels = union_levels([t, idx])
        t, i = broadcast_levels(t, levels), broadcast_levels(idx, levels)
        i = astype(i, np.intp)
        out = tuple(i.shape[d] if d == ax else s for d, s in enumerate(t.shape))
        params = TakeParams(len(levels) + ax, permutation)
        return make(trace, take_p, (t, i), params, levels, out, t.dtype, names)
    line = np.asarray(idx, dtype=np.intp).reshape(-1)
    nb = len(t.levels)
    shape = [1] * (nb + t.ndim)
    shape[nb + ax] = line.size
    i = lift(line.reshape(shape), trace)
    out = tuple(line.size if d == ax else s for d, s in enumerate(t.shape))
    return make(trace, take_p, (t, i), TakeParams(nb + ax, False), t.levels, out, t.dtype, names)


# ------------------------------------------------------------------ helpers


def _t(x: Value) -> Tracer:
    return lift(x, trace_of((x,)))


def _int(value: Any, what: str) -> int:
    if isinstance(value, Tracer):
        raise ArgumentTypeError(f"{what} must be a static int, not a traced value")
    try:
        return operator.index(value)
    except TypeError:
        raise ArgumentTypeError(f"{what} must be an int, got {type(value).__name__}") from None


def _ints(value: Any, what: str) -> tuple[int, ...]:
    if isinstance(value, Tracer):
        raise ArgumentTypeError(f"{what} must be static ints, not a traced value")
    if np.ndim(value) == 0:
        return (_int(value, what),)
    return tuple(_int(v, what) for v in np.asarray(value).reshape(-1).tolist())


def _reverse(t: Tracer, axes: Sequence[int]) -> Tracer:
    items = tuple(slice(None, None, -1) if d in axes else slice(None) for d in range(t.ndim))
    return getitem(t, items)


def _slice(t: Tracer, axis: int, start: int | None, stop: int | None, step: int = 1) -> Tracer:
    return getitem(t, (slice(None),) * axis + (slice(start, stop, step),))


def _full(value: Value, shape: tuple[int, ...], dtype: np.dtype) -> Tracer:
    if isinstance(value, Tracer):
        return broadcast_to(astype(value, dtype), shape)
    return broadcast_to(_t(np.asarray(value).astype(dtype)), shape)


# ------------------------------------------------------------------ tile


def tile(A: Value, reps: Any) -> Tracer:
    """Repeat the whole array ``reps`` times per axis, as ``numpy.tile``."""
    t = _t(A)
    r = _ints(reps, "tile reps")
    if any(v < 0 for v in r):
        raise ShapeError(f"tile: negative reps {reps!r}")
    nd = max(t.ndim, len(r))
    r = (1,) * (nd - len(r)) + r
    t = reshape(t, (1,) * (nd - t.ndim) + t.shape)
    if all(v == 1 for v in r):
        return t
    spread = reshape(t, tuple(x for s in t.shape for x in (1, s)))
    big = broadcast_to(spread, tuple(x for v, s in zip(r, t.shape) for x in (v, s)))
    return reshape(big, tuple(v * s for v, s in zip(r, t.shape)))


# ------------------------------------------------------------------ padding


def _pad_widths(pad_width: Any, ndim: int) -> list[tuple[int, int]]:
    if isinstance(pad_width, Tracer):
        raise ArgumentTypeError("pad_width must be static ints, not a traced value")
    arr = np.asarray(pad_width)
    if arr.dtype.kind not in "iu" and arr.size:
        raise ArgumentTypeError(f"pad_width must be of integral type, got {pad_width!r}")
    try:
        full = np.broadcast_to(arr.astype(np.intp), (ndim, 2))
    except ValueError:
        raise ShapeError(
            f"pad_width {pad_width!r} cannot be broadcast to ({ndim}, 2) for a {ndim}-d array"
        ) from None
    if (full < 0).any():
        raise ShapeError(f"pad: index can't contain negative values, got {pad_width!r}")
    return [(int(lo), int(hi)) for lo, hi in full]


def pad(array: Value, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Tracer:
    """Pad with ``mode`` constant (``constant_values``), edge, reflect, symmetric or wrap,
    as ``numpy.pad``; pad widths in NumPy's forms (an int, a pair, one pair per axis)."""
    t = _t(array)
    widths = _pad_widths(pad_width, t.ndim)
    if mode == "constant":
        values = kwargs.pop("constant_values", 0)
        if kwargs:
            raise ArgumentTypeError(f"pad: unexpected keywords {sorted(kwargs)} for mode constant")
        if isinstance(values, Tracer):
            per: list[tuple[Any, Any]] = [(values, values)] * t.ndim
        else:
            arr = np.asarray(values)
            if arr.ndim == 0:
                per = [(arr, arr)] * t.ndim
            else:
                full = np.broadcast_to(arr, (t.ndim, 2))
                per = [(full[d, 0], full[d, 1]) for d in range(t.ndim)]
        for d, (lo, hi) in enumerate(widths):
            parts = []
            if lo:
                shape = tuple(lo if k == d else s for k, s in enumerate(t.shape))
                parts.append(_full(per[d][0], shape, t.dtype))
            parts.append(t)
            if hi:
                shape = tuple(hi if k == d else s for k, s in enumerate(t.shape))
                parts.append(_full(per[d][1], shape, t.dtype))
            if len(parts) > 1:
                t = concatenate(parts, axis=d)
        return t
    if mode not in ("edge", "reflect", "symmetric", "wrap"):
        raise UnsupportedError(
            f"pad mode {mode!r} is not supported; use constant, edge, reflect, symmetric or wrap"
        )
    if kwargs:
        raise UnsupportedError(f"pad: keywords {sorted(kwargs)} are not supported for {mode!r}")
    for d, (lo, hi) in enumerate(widths):
        if not lo and not hi:
            continue
        n = t.shape[d]
        if n == 0:
            raise ShapeError(f"pad: can't extend empty axis {d} using mode {mode!r}")
        index = np.pad(np.arange(n), (lo, hi), mode=mode)  # type: ignore[call-overload]
        t = take_along(t, index, d)
    return t


# ------------------------------------------------------------------ sorting


def _argsort_along(t: Tracer, ax: int, descending: bool) -> Tracer:
    if not descending:
        return _argsort(t, ax)
    # stable descending (ties keep their order), as jnp.argsort: n-1 - flip(argsort(flip(x)))
    n = t.shape[ax]
    rev = _reverse(_argsort(_reverse(t, (ax,)), ax), (ax,))
    return elementwise("subtract", np.asarray(n - 1, np.intp), rev)


def _lex_perm(keys: Sequence[Tracer], ax: int) -> Tracer:
    """The stable permutation sorting by keys[0], then keys[1], ... (successive stable sorts
    from the last key)."""
    perm = _argsort(keys[-1], ax)
    for key in reversed(keys[:-1]):
        perm = take_along(perm, _argsort(take_along(key, perm, ax, True), ax), ax, True)
    return perm


# ------------------------------------------------------------------ cumulative extrema


def _cumext(fn: str, operand: Value, axis: int, reverse: bool) -> Tracer:
    t = _t(operand)
    ax = normalize_axis(axis, t.ndim)
    if reverse:
        t = _reverse(t, (ax,))
    n = t.shape[ax]
    s = 1
    while s < n:  # doubling steps: y[i] = max(y[i], y[i - s])
        head = _slice(t, ax, 0, s)
        tail = elementwise(fn, _slice(t, ax, s, None), _slice(t, ax, 0, n - s))
        t = concatenate([head, tail], axis=ax)
        s *= 2
    return _reverse(t, (ax,)) if reverse else t


# ------------------------------------------------------------------ diagonals


def diagonal(a: Value, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tracer:
    """The ``offset`` diagonal of the (axis1, axis2) planes, appended as the last axis, as
    ``numpy.diagonal``."""
    t = _t(a)
    if t.ndim < 2:
        raise ShapeError(f"diagonal requires an array of at least two dimensions, got {t.shape}")
    a1 = normalize_axis(axis1, t.ndim, "axis1")
    a2 = normalize_axis(axis2, t.ndim, "axis2")
    if a1 == a2:
        raise ShapeError(f"diagonal: axis1 and axis2 cannot be the same ({axis1}, {axis2})")
    offset = _int(offset, "offset")
    t = moveaxis(t, (a1, a2), (-2, -1))
    rows, cols = t.shape[-2:]
    if offset >= 0:
        size = max(0, min(rows, cols - offset))
        t = getitem(t, (Ellipsis, slice(0, size), slice(offset, offset + size)))
    else:
        size = max(0, min(rows + offset, cols))
        t = getitem(t, (Ellipsis, slice(-offset, -offset + size), slice(0, size)))
    labels = tuple(f"a{i}" for i in range(t.ndim - 2))
    return contract((t,), (labels + ("i", "i"),), labels + ("i",))


# ------------------------------------------------------------------ splitting


def _split(ary: Value, sections: Any, axis: int, strict: bool) -> list[Tracer]:
    t = _t(ary)
    ax = normalize_axis(axis, t.ndim)
    n = t.shape[ax]
    if isinstance(sections, Tracer):
        raise ArgumentTypeError("split: indices_or_sections must be static")
    if np.ndim(sections) == 0:
        parts = _int(sections, "sections")
        if parts <= 0:
            raise ShapeError(f"split: number sections must be larger than 0, got {parts}")
        if strict and n % parts:
            raise ShapeError(f"array split does not result in an equal division: {n} by {parts}")
        each, extra = divmod(n, parts)
        sizes = [each + 1] * extra + [each] * (parts - extra)
        bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
    else:
        bounds = [0, *_ints(sections, "indices"), n]
    out = []
    for lo, hi in itertools.pairwise(bounds):
        out.append(_slice(t, ax, *slice(lo, hi).indices(n)[:2]))
    return out


def split(ary: Value, indices_or_sections: Any, axis: int = 0) -> list[Tracer]:
    """Split into equal sections or at static indices along ``axis``, as ``numpy.split``."""
    return _split(ary, indices_or_sections, axis, True)


def array_split(ary: Value, indices_or_sections: Any, axis: int = 0) -> list[Tracer]:
    """Split into nearly equal sections or at static indices, as ``numpy.array_split``."""
    return _split(ary, indices_or_sections, axis, False)


__all__ = ["argselect_p", "argsort_p", "sort_p", "take_along", "take_p"]


# a sort mixes the positions of the axis it sorts; the others are carried
sort_p.def_axes(lambda node: all_axes_but(node, (node.params.axis,)))
argsort_p.def_axes(lambda node: all_axes_but(node, (node.params.axis,)))
argselect_p.def_axes(lambda node: all_axes_but(node, (node.params.axis,)))


@take_p.def_axes
def _take_axes(node: Node) -> Relations:
    # out[.., i, ..] = x[.., idx[.., i, ..], ..]: idx is read position by position, x whole
    axis: int = node.params.axis
    x, idx = node.inputs
    return (
        tuple(MIXED if d == axis else Carried(d) for d in range(x.ndim)),
        tuple(Carried(d) for d in range(idx.ndim)),
    )
