"""Shape and order: tile, repeat, flip, roll, rot90, pad, sort, argsort, top_k, searchsorted,
cummax/cummin, diff, triu/tril, diagonal, trace, split.

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
from ..errors import ArgumentTypeError, AxisError, ShapeError, UnsupportedError
from ..tracing.build import (
    Value,
    lift,
    logical_names,
    make,
    normalize_axes,
    normalize_axis,
    trace_of,
    union_levels,
)
from ..tracing.tracer import Tracer
from .api import export
from .contraction import contract, moveaxis, transpose
from .elementwise import elementwise, where
from .indexing import getitem
from .reductions import reduce_sum
from .shape import astype, broadcast_levels, broadcast_to, concatenate, expand_dims, reshape

# ------------------------------------------------------------------ primitives


@dataclass(frozen=True)
class SortParams:
    axis: int  # physical axis (batch axes included)


@dataclass(frozen=True)
class TakeParams:
    axis: int  # physical axis
    permutation: bool  # ``idx`` is a permutation of range(n) along ``axis`` (x's shape)


sort_p = primitive("sort", SortParams, arity=1)
argsort_p = primitive("argsort", SortParams, arity=1)
take_p = primitive("take_along", TakeParams, arity=2, moves_data=True)

sort_p.def_describe(lambda q: f"sort axis={q.axis}")
argsort_p.def_describe(lambda q: f"argsort axis={q.axis} stable")
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
        raise UnsupportedError("internal: take_along with traced non-permutation indices")
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


def take_along(x: Value, idx: Any, axis: int, permutation: bool = False) -> Tracer:
    """``x`` indexed along logical ``axis``: by a NumPy 1-d int array (the same for every
    line), or by a traced permutation of x's shape (``permutation=True``)."""
    trace = trace_of((x, idx))
    t = lift(x, trace)
    ax = normalize_axis(axis, t.ndim)
    names = logical_names(t)
    if isinstance(idx, Tracer):
        if not permutation:
            raise UnsupportedError("internal: traced indices must be a permutation")
        levels = union_levels([t, idx])
        t, i = broadcast_levels(t, levels), broadcast_levels(idx, levels)
        i = astype(i, np.intp)
        params = TakeParams(len(levels) + ax, True)
        return make(trace, take_p, (t, i), params, levels, t.shape, t.dtype, names)
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


# ------------------------------------------------------------------ flips and rolls


@export("numpy")
def flip(m: Value, axis: Any = None) -> Tracer:
    """Reverse the order of elements along ``axis`` (all axes when None), as ``numpy.flip``."""
    t = _t(m)
    return _reverse(t, normalize_axes(axis, t.ndim))


@export("numpy")
def fliplr(m: Value) -> Tracer:
    """Reverse along axis 1, as ``numpy.fliplr``."""
    t = _t(m)
    if t.ndim < 2:
        raise ShapeError(f"fliplr: input must be >= 2-d, got shape {t.shape}")
    return _reverse(t, (1,))


@export("numpy")
def flipud(m: Value) -> Tracer:
    """Reverse along axis 0, as ``numpy.flipud``."""
    t = _t(m)
    if t.ndim < 1:
        raise ShapeError("flipud: input must be >= 1-d, got a 0-d array")
    return _reverse(t, (0,))


@export("numpy")
def roll(a: Value, shift: Any, axis: Any = None) -> Tracer:
    """Roll elements along ``axis`` by static ``shift`` (flattened when None), as ``numpy.roll``."""
    t = _t(a)
    if axis is None:
        return reshape(roll(reshape(t, (-1,)), shift, 0), t.shape)
    shifts, axes = _ints(shift, "roll shift"), _ints(axis, "roll axis")
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    if len(axes) == 1 and len(shifts) > 1:
        axes = axes * len(shifts)
    if len(shifts) != len(axes):
        raise ShapeError(f"roll: shift {shift!r} and axis {axis!r} must have the same length")
    total: dict[int, int] = {}
    for s, ax in zip(shifts, axes):
        d = normalize_axis(ax, t.ndim)
        total[d] = total.get(d, 0) + s
    for d, s in total.items():
        n = t.shape[d]
        k = s % n if n else 0
        if k:
            t = concatenate([_slice(t, d, n - k, None), _slice(t, d, 0, n - k)], axis=d)
    return t


@export("numpy")
def rot90(m: Value, k: int = 1, axes: Any = (0, 1)) -> Tracer:
    """Rotate by 90 degrees ``k`` times in the plane of ``axes``, as ``numpy.rot90``."""
    t = _t(m)
    axes = tuple(axes)
    if len(axes) != 2:
        raise ShapeError(f"rot90: len(axes) must be 2, got {axes!r}")
    a0, a1 = (normalize_axis(a, t.ndim, "rot90 axes") for a in axes)
    if a0 == a1:
        raise ShapeError(f"rot90: axes must be different, got {axes!r}")
    k = _int(k, "rot90 k") % 4
    if k == 0:
        return t
    if k == 2:
        return _reverse(_reverse(t, (a0,)), (a1,))
    perm = list(range(t.ndim))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return transpose(_reverse(t, (a1,)), perm)
    return _reverse(transpose(t, perm), (a1,))


# ------------------------------------------------------------------ tile and repeat


@export("numpy")
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


@export("numpy")
@export("methods")
def repeat(a: Value, repeats: Any, axis: Any = None) -> Tracer:
    """Repeat each element ``repeats`` times (an int or one static count per element) along
    ``axis`` (flattened when None), as ``numpy.repeat``."""
    t = _t(a)
    if axis is None:
        t, ax = reshape(t, (-1,)), 0
    else:
        ax = normalize_axis(axis, t.ndim)
    reps = _ints(repeats, "repeat repeats")
    if any(v < 0 for v in reps):
        raise ShapeError(f"repeat: negative repeats {repeats!r}")
    n = t.shape[ax]
    if len(reps) == 1:  # one count for every element (NumPy broadcasts it)
        v = reps[0]
        wide = expand_dims(t, ax + 1)
        shape = list(wide.shape)
        shape[ax + 1] = v
        big = broadcast_to(wide, tuple(shape))
        return reshape(big, (*t.shape[:ax], n * v, *t.shape[ax + 1 :]))
    if len(reps) != n:
        raise ShapeError(
            f"repeat: operands could not be broadcast: {len(reps)} repeats for axis {ax} "
            f"of size {n}"
        )
    return take_along(t, np.repeat(np.arange(n), reps), ax)


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


@export("numpy")
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


@export("lax", "pad")
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


# ------------------------------------------------------------------ sorting


def _axis_or_flat(t: Tracer, axis: Any) -> tuple[Tracer, int]:
    if axis is None:
        return reshape(t, (-1,)), 0
    if t.ndim == 0:
        raise AxisError(f"axis {axis} is out of bounds for an array of dimension 0")
    return t, normalize_axis(axis, t.ndim)


def _argsort_along(t: Tracer, ax: int, descending: bool) -> Tracer:
    if not descending:
        return _argsort(t, ax)
    # stable descending (ties keep their order), as jnp.argsort: n-1 - flip(argsort(flip(x)))
    n = t.shape[ax]
    rev = _reverse(_argsort(_reverse(t, (ax,)), ax), (ax,))
    return elementwise("subtract", np.asarray(n - 1, np.intp), rev)


def _check_kind(kind: Any, order: Any) -> None:
    if order is not None:
        raise UnsupportedError("sort/argsort: 'order' (structured arrays) is not supported")
    if kind not in (None, "stable", "mergesort", "quicksort", "heapsort"):
        raise ArgumentTypeError(f"sort/argsort: unknown kind {kind!r}")


@export("numpy")
@export("methods")
def sort(
    a: Value,
    axis: Any = -1,
    kind: Any = None,
    order: Any = None,
    *,
    stable: Any = None,
    descending: bool = False,
) -> Tracer:
    """Sorted copy along ``axis`` (flattened when None), as ``jax.numpy.sort``."""
    _check_kind(kind, order)
    t, ax = _axis_or_flat(_t(a), axis)
    out = _sort(t, ax)
    return _reverse(out, (ax,)) if descending else out


@export("numpy")
@export("methods")
def argsort(
    a: Value,
    axis: Any = -1,
    kind: Any = None,
    order: Any = None,
    *,
    stable: Any = None,
    descending: bool = False,
) -> Tracer:
    """Indices that sort along ``axis`` (stable), as ``jax.numpy.argsort``."""
    _check_kind(kind, order)
    t, ax = _axis_or_flat(_t(a), axis)
    return _argsort_along(t, ax, bool(descending))


def _lex_perm(keys: Sequence[Tracer], ax: int) -> Tracer:
    """The stable permutation sorting by keys[0], then keys[1], ... (successive stable sorts
    from the last key)."""
    perm = _argsort(keys[-1], ax)
    for key in reversed(keys[:-1]):
        perm = take_along(perm, _argsort(take_along(key, perm, ax, True), ax), ax, True)
    return perm


@export("lax", "sort")
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


@export("lax", "top_k")
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
    perm = _argsort_along(t, ax, True)
    values = _slice(take_along(t, perm, ax, True), ax, 0, k)
    return values, astype(_slice(perm, ax, 0, k), np.int32)


@export("numpy")
def searchsorted(a: Value, v: Value, side: str = "left", sorter: Any = None) -> Tracer:
    """Insertion indices of ``v`` into sorted 1-d ``a``, as ``numpy.searchsorted`` (an
    all-pairs comparison: O(len(a) * v.size))."""
    if sorter is not None:
        raise UnsupportedError("searchsorted: 'sorter' is not supported inside kernels")
    if side not in ("left", "right"):
        raise ArgumentTypeError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    ta, tv = _t(a), _t(v)
    if ta.ndim != 1:
        raise ShapeError(f"searchsorted: a must be 1-d, got shape {ta.shape}")
    cmp = "less" if side == "left" else "less_equal"
    wide = reshape(tv, (*tv.shape, 1))
    hits = elementwise(cmp, ta, wide)
    if np.issubdtype(ta.dtype, np.floating) or np.issubdtype(tv.dtype, np.floating):
        # NaN sorts last (as in jnp.searchsorted): below a NaN query is every number, and
        # for side='right' every NaN too
        below = elementwise("isnan", wide)
        if side == "left":
            below = elementwise(
                "logical_and", below, elementwise("logical_not", elementwise("isnan", ta))
            )
        hits = elementwise("logical_or", hits, below)
    return astype(reduce_sum(hits, axis=-1), np.intp)


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


@export("lax", "cummax")
def cummax(operand: Value, axis: int = 0, reverse: bool = False) -> Tracer:
    """``jax.lax.cummax``: running maximum along ``axis`` (from the end when ``reverse``)."""
    return _cumext("maximum", operand, axis, reverse)


@export("lax", "cummin")
def cummin(operand: Value, axis: int = 0, reverse: bool = False) -> Tracer:
    """``jax.lax.cummin``: running minimum along ``axis`` (from the end when ``reverse``)."""
    return _cumext("minimum", operand, axis, reverse)


# ------------------------------------------------------------------ differences, triangles


@export("numpy")
def diff(a: Value, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Tracer:
    """``n``-th discrete difference along ``axis``, as ``numpy.diff``."""
    t = _t(a)
    n = _int(n, "diff n")
    if n < 0:
        raise ShapeError(f"diff: order must be non-negative but got {n}")
    if t.ndim == 0:
        raise ShapeError("diff requires input that is at least one dimensional")
    ax = normalize_axis(axis, t.ndim)
    if n == 0:
        return t
    parts: list[Tracer | None] = []
    for extra in (prepend, append):
        if extra is None:
            parts.append(None)
            continue
        e = _t(extra)
        if e.ndim == 0:
            e = broadcast_to(e, tuple(1 if d == ax else s for d, s in enumerate(t.shape)))
        parts.append(e)
    joined = [p for p in (parts[0], t, parts[1]) if p is not None]
    if len(joined) > 1:
        t = concatenate(joined, axis=ax)
    fn = "not_equal" if t.dtype == np.bool_ else "subtract"
    for _ in range(n):
        m = t.shape[ax]
        if m == 0:
            break
        t = elementwise(fn, _slice(t, ax, 1, None), _slice(t, ax, 0, m - 1))
    return t


def _triangle(m: Value, k: Any, lower: bool) -> Tracer:
    t = _t(m)
    k = _int(k, "k")
    if t.ndim == 0:
        raise ShapeError("tril/triu: input must be at least 1-d")
    if t.ndim == 1:
        t = broadcast_to(t, (t.shape[0], t.shape[0]))
    rows, cols = t.shape[-2:]
    mask = np.tri(rows, cols, k if lower else k - 1, dtype=bool)
    if not lower:
        mask = ~mask
    return where(mask, t, np.zeros((), t.dtype))


@export("numpy")
def tril(m: Value, k: int = 0) -> Tracer:
    """Lower triangle (on and below diagonal ``k``) of the last two axes, as ``numpy.tril``."""
    return _triangle(m, k, True)


@export("numpy")
def triu(m: Value, k: int = 0) -> Tracer:
    """Upper triangle (on and above diagonal ``k``) of the last two axes, as ``numpy.triu``."""
    return _triangle(m, k, False)


@export("numpy")
@export("methods")
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


@export("numpy")  # no ``x.trace()`` method: ``Tracer.trace`` is the tracer's Trace
def trace(a: Value, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None) -> Tracer:
    """Sum along the ``offset`` diagonal, as ``numpy.trace``."""
    return reduce_sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


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


@export("numpy")
def split(ary: Value, indices_or_sections: Any, axis: int = 0) -> list[Tracer]:
    """Split into equal sections or at static indices along ``axis``, as ``numpy.split``."""
    return _split(ary, indices_or_sections, axis, True)


@export("numpy")
def array_split(ary: Value, indices_or_sections: Any, axis: int = 0) -> list[Tracer]:
    """Split into nearly equal sections or at static indices, as ``numpy.array_split``."""
    return _split(ary, indices_or_sections, axis, False)


__all__ = ["argsort_p", "sort_p", "take_along", "take_p"]


# a sort mixes the positions of the axis it sorts; the others are carried
sort_p.def_axes(lambda node: all_axes_but(node, (node.params.axis,)))
argsort_p.def_axes(lambda node: all_axes_but(node, (node.params.axis,)))


@take_p.def_axes
def _take_axes(node: Node) -> Relations:
    # out[.., i, ..] = x[.., idx[.., i, ..], ..]: idx is read position by position, x whole
    axis: int = node.params.axis
    x, idx = node.inputs
    return (
        tuple(MIXED if d == axis else Carried(d) for d in range(x.ndim)),
        tuple(Carried(d) for d in range(idx.ndim)),
    )
