"""NumPy-semantics operations on tracers, each adding one node to the axis graph.

Every function takes the *logical* view (what the kernel sees) and builds a node on the
physical array, whose leading axes are the batch axes of the tracer's vmap levels. Batch
axes are aligned by level, never by position, so vmap needs no per-op rules.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .errors import ShapeError, TracingError, UnsupportedError
from .ir import (
    BroadcastParams,
    CastParams,
    ConcatParams,
    ConstParams,
    EinsumParams,
    ElementwiseParams,
    IndexParams,
    Node,
    ReduceParams,
    ReshapeParams,
)
from .tracing import Level, Trace, Tracer, current_trace

Value = Any  # a Tracer, a NumPy array or a Python/NumPy scalar


class IndexOutOfBounds(ShapeError, IndexError):
    """A static index is outside the axis (IndexError, like NumPy)."""


# ---------------------------------------------------------------- helpers


def _trace_of(values: Sequence[Value]) -> Trace:
    for v in values:
        if isinstance(v, Tracer):
            return v.trace
    trace = current_trace()
    if trace is None:
        raise TracingError("internal: traced op called outside a trace")
    return trace


def _check_alive(t: Tracer) -> None:
    for lv in t.levels:
        if not lv.alive:
            raise TracingError(
                f"a traced value {t!r} escaped from the vmap that created it "
                f"({lv.describe}); return values from the mapped function instead of "
                "storing them in outer variables"
            )


def is_weak_scalar(v: Any) -> bool:
    return type(v) in (int, float, complex, bool)


def lift(v: Value, trace: Trace) -> Tracer:
    """A Tracer for ``v``: tracers pass through, everything else becomes a constant node."""
    if isinstance(v, Tracer):
        if v.trace is not trace:
            raise TracingError(f"a traced value {v!r} from another compilation was used here")
        _check_alive(v)
        return v
    if is_weak_scalar(v):
        dtype = np.result_type(v)
        node = Node("const", (), ConstParams(v, True), (), dtype, ())
        return Tracer(node, (), trace)
    try:
        arr = np.asarray(v)
    except Exception as exc:
        raise TracingError(f"cannot use {type(v).__name__} {v!r} as an array") from exc
    if arr.dtype == object:
        raise TracingError(
            f"cannot use {type(v).__name__} {v!r} as an array inside {trace.current_function!r}"
        )
    node = Node("const", (), ConstParams(arr, False), arr.shape, arr.dtype, _names(arr.ndim))
    return Tracer(node, (), trace)


def _names(n: int, stem: str = "d") -> tuple[str, ...]:
    return tuple(f"{stem}{i}" for i in range(n))


def _union_levels(tracers: Sequence[Tracer]) -> tuple[Level, ...]:
    seen: dict[int, Level] = {}
    for t in tracers:
        for lv in t.levels:
            seen.setdefault(lv.id, lv)
    return tuple(sorted(seen.values(), key=lambda lv: (lv.depth, lv.id)))


def _dummy(v: Value) -> Any:
    if isinstance(v, Tracer):
        return np.ones(1, v.dtype)
    if is_weak_scalar(v):
        return v
    return np.ones(1, np.asarray(v).dtype)


def result_dtype(fn: Callable[..., Any], *values: Value) -> np.dtype:
    """The dtype NumPy gives for ``fn`` on these operands (NEP 50 weak scalars included)."""
    with np.errstate(all="ignore"):
        try:
            return np.asarray(fn(*[_dummy(v) for v in values])).dtype
        except TypeError as exc:
            kinds = ", ".join(
                str(v.dtype) if isinstance(v, Tracer) else type(v).__name__ for v in values
            )
            raise TracingError(
                f"{getattr(fn, '__name__', fn)} is not defined for operands of type {kinds}: {exc}"
            ) from None


def normalize_axis(axis: int, ndim: int, what: str = "axis") -> int:
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError_(f"{what} must be an int, got {type(axis).__name__} {axis!r}")
    if not -ndim <= axis < ndim:
        raise AxisError_(f"{what} {axis} is out of bounds for an array of dimension {ndim}")
    return int(axis) % ndim if ndim else 0


class TypeError_(TracingError):
    """A bad argument type to an axcomp.numpy function."""


class AxisError_(ShapeError, np.exceptions.AxisError):
    """An axis argument out of range (also NumPy's AxisError)."""

    def __init__(self, message: str) -> None:
        ValueError.__init__(self, message)
        self._msg = message

    def __str__(self) -> str:
        return self._msg


def normalize_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        axes = tuple(normalize_axis(a, ndim) for a in axis)
        if len(set(axes)) != len(axes):
            raise ShapeError(f"repeated axis in {tuple(axis)}")
        return axes
    return (normalize_axis(axis, ndim),)


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ShapeError(
            "operands could not be broadcast together with shapes "
            + " ".join(str(tuple(s)) for s in shapes)
        ) from None


def _batch_names(levels: Sequence[Level]) -> tuple[str, ...]:
    return tuple(lv.name for lv in levels)


def _make(
    trace: Trace,
    op: str,
    inputs: Sequence[Tracer],
    params: Any,
    levels: tuple[Level, ...],
    logical_shape: tuple[int, ...],
    dtype: np.dtype,
    logical_names: tuple[str, ...] | None = None,
) -> Tracer:
    shape = tuple(lv.size for lv in levels) + tuple(logical_shape)
    names = logical_names if logical_names is not None else _names(len(logical_shape))
    node = Node(
        op,
        tuple(t.node for t in inputs),
        params,
        shape,
        np.dtype(dtype),
        _batch_names(levels) + tuple(names),
    )
    return Tracer(node, levels, trace)


def _logical_names(t: Tracer) -> tuple[str, ...]:
    return t.node.axes[len(t.levels) :]


# ---------------------------------------------------------------- elementwise

_UFUNCS: dict[str, Callable[..., Any]] = {
    name: getattr(np, name)
    for name in (
        "add subtract true_divide floor_divide remainder power negative positive square sqrt "
        "exp exp2 log log2 log10 log1p expm1 absolute sign tanh sinh cosh sin cos tan arcsin "
        "arccos arctan arctan2 arcsinh arccosh arctanh maximum minimum fmax fmin greater "
        "greater_equal less less_equal equal not_equal logical_and logical_or logical_not "
        "logical_xor bitwise_and bitwise_or bitwise_xor invert conjugate real imag floor ceil "
        "rint trunc reciprocal isnan isinf isfinite where clip hypot copysign cbrt deg2rad "
        "rad2deg heaviside multiply"
    ).split()
}
for _f in list(_UFUNCS.values()):
    _UFUNCS.setdefault(_f.__name__, _f)  # NumPy 2 renames (true_divide is 'divide')
ELEMENTWISE_FUNCTIONS = _UFUNCS


def elementwise(fn: str, *args: Value) -> Tracer:
    """``fn`` (a NumPy ufunc name, or where/clip) applied with NumPy broadcasting."""
    trace = _trace_of(args)
    tracers = [lift(a, trace) for a in args]
    np_fn = _UFUNCS.get(fn)
    if np_fn is None:
        raise UnsupportedError(f"elementwise function {fn!r} is not supported by axcomp")
    dtype = result_dtype(np_fn, *args)
    out_logical = broadcast_shapes(*(t.shape for t in tracers))
    levels = _union_levels(tracers)
    maps = tuple(_broadcast_map(t, levels, out_logical) for t in tracers)
    names = _merge_names(tracers, out_logical)
    return _make(
        trace,
        "elementwise",
        tracers,
        ElementwiseParams(fn, maps),
        levels,
        out_logical,
        dtype,
        names,
    )


def _broadcast_map(
    t: Tracer, levels: Sequence[Level], out_logical: tuple[int, ...]
) -> tuple[int, ...]:
    pos = {lv.id: i for i, lv in enumerate(levels)}
    nb = len(levels)
    offset = len(out_logical) - t.ndim
    out: list[int] = [pos[lv.id] for lv in t.levels]
    for k, size in enumerate(t.shape):
        target = offset + k
        out.append(nb + target if size == out_logical[target] else -1)
    return tuple(out)


def _merge_names(tracers: Sequence[Tracer], out_logical: tuple[int, ...]) -> tuple[str, ...]:
    names = list(_names(len(out_logical)))
    for k in range(len(out_logical)):
        for t in tracers:
            j = k - (len(out_logical) - t.ndim)
            if 0 <= j < t.ndim and t.shape[j] == out_logical[k]:
                names[k] = _logical_names(t)[j]
                break
    return tuple(names)


def power(x: Value, y: Value) -> Tracer:
    # x ** 2 as x * x: NumPy computes the same values, and the product is multilinear, so
    # sum((a - b) ** 2) fuses into one contraction instead of a squared temporary.
    if isinstance(x, Tracer) and type(y) in (int, float) and y == 2 and x.dtype.kind in "iufc":
        return multiply(x, x)
    return elementwise("power", x, y)


# ---------------------------------------------------------------- contractions


def contract(
    operands: Sequence[Value],
    subscripts: Sequence[Sequence[str]],
    out: Sequence[str],
    dtype: Any = None,
    out_names: Sequence[str] | None = None,
) -> Tracer:
    """Einsum over logical labels; batch axes are added as extra shared labels."""
    trace = _trace_of(operands)
    tracers = [lift(o, trace) for o in operands]
    sizes: dict[str, int] = {}
    for t, sub in zip(tracers, subscripts):
        if len(sub) != t.ndim:
            raise ShapeError(f"einsum operand has {t.ndim} axes but {len(sub)} labels {tuple(sub)}")
        for lab, size in zip(sub, t.shape):
            if sizes.setdefault(lab, size) != size:
                raise ShapeError(
                    f"size mismatch for contracted axis: {sizes[lab]} vs {size} "
                    f"(shapes {', '.join(str(x.shape) for x in tracers)})"
                )
    levels = _union_levels(tracers)
    subs = tuple(tuple(lv.label for lv in t.levels) + tuple(s) for t, s in zip(tracers, subscripts))
    out_full = tuple(lv.label for lv in levels) + tuple(out)
    if dtype is None:
        dtype = result_dtype(np.multiply, *operands) if len(tracers) > 1 else tracers[0].dtype
    logical = tuple(sizes[lab] for lab in out)
    if out_names is None:
        label_name: dict[str, str] = {}
        for t, sub in zip(tracers, subscripts):
            for lab, nm in zip(sub, _logical_names(t)):
                label_name.setdefault(lab, nm)
        out_names = tuple(label_name.get(lab, lab) for lab in out)
    return _make(
        trace,
        "einsum",
        tracers,
        EinsumParams(subs, out_full),
        levels,
        logical,
        np.dtype(dtype),
        tuple(out_names),
    )


def multiply(x: Value, y: Value) -> Tracer:
    """Elementwise product, recorded as an einsum so it fuses into contractions."""
    trace = _trace_of((x, y))
    tx, ty = lift(x, trace), lift(y, trace)
    out_logical = broadcast_shapes(tx.shape, ty.shape)
    out = tuple(f"o{k}" for k in range(len(out_logical)))
    counter = itertools.count()
    subs = []
    for t in (tx, ty):
        offset = len(out_logical) - t.ndim
        sub = []
        for k, size in enumerate(t.shape):
            # a size-1 axis broadcast against a longer one gets its own label; summing a
            # size-1 axis is the identity, so the product stays a plain einsum
            sub.append(out[offset + k] if size == out_logical[offset + k] else f"s{next(counter)}")
        subs.append(tuple(sub))
    dtype = result_dtype(np.multiply, x, y)
    return contract((tx, ty), subs, out, dtype=dtype, out_names=_merge_names((tx, ty), out_logical))


def einsum(subscripts: str, *operands: Value) -> Tracer:
    trace = _trace_of(operands)
    tracers = [lift(o, trace) for o in operands]
    ins, out = _parse_einsum(subscripts, [t.ndim for t in tracers])
    return contract(tracers, ins, out)


def _parse_einsum(eq: str, ranks: Sequence[int]) -> tuple[list[tuple[str, ...]], tuple[str, ...]]:
    eq = eq.replace(" ", "")
    if "->" in eq:
        lhs, rhs = eq.split("->")
        explicit = True
    else:
        lhs, rhs, explicit = eq, "", False
    terms = lhs.split(",")
    if len(terms) != len(ranks):
        raise ShapeError(f"einsum {eq!r} names {len(terms)} operands but got {len(ranks)}")
    ell_rank = 0
    for term, rank in zip(terms, ranks):
        if "..." in term:
            ell_rank = max(ell_rank, rank - len(term.replace("...", "")))
    ell = tuple(f"_e{i}" for i in range(ell_rank))
    subs = []
    for term, rank in zip(terms, ranks):
        if any(not (c.isalpha() or c == ".") for c in term):
            raise ShapeError(f"einsum subscripts must be letters, got {term!r} in {eq!r}")
        if "..." in term:
            head, tail = term.split("...")
            n = rank - len(head) - len(tail)
            if n < 0:
                raise ShapeError(f"einsum term {term!r} has more labels than operand rank {rank}")
            subs.append(tuple(head) + ell[ell_rank - n :] + tuple(tail))
        else:
            if len(term) != rank:
                raise ShapeError(
                    f"einsum term {term!r} has {len(term)} labels but operand rank {rank}"
                )
            subs.append(tuple(term))
    if explicit:
        if "..." in rhs:
            head, tail = rhs.split("...")
            out = tuple(head) + ell + tuple(tail)
        else:
            out = tuple(rhs)
    else:
        counts: dict[str, int] = {}
        for s in subs:
            for lab in s:
                if not lab.startswith("_e"):
                    counts[lab] = counts.get(lab, 0) + 1
        out = ell + tuple(sorted(lab for lab, c in counts.items() if c == 1))
    known = {lab for s in subs for lab in s}
    for lab in out:
        if lab not in known:
            raise ShapeError(f"einsum output label {lab!r} in {eq!r} appears in no operand")
    return subs, out


def matmul(x: Value, y: Value) -> Tracer:
    trace = _trace_of((x, y))
    tx, ty = lift(x, trace), lift(y, trace)
    if tx.ndim == 0 or ty.ndim == 0:
        raise ShapeError(
            f"matmul: input operand does not have enough dimensions (shapes {tx.shape}, {ty.shape})"
        )
    xs, ys = tx.shape, ty.shape
    x2 = xs if len(xs) > 1 else (1,) + xs
    y2 = ys if len(ys) > 1 else ys + (1,)
    if x2[-1] != y2[-2]:
        raise ShapeError(
            f"matmul: contracted dimension mismatch, shapes {xs} and {ys} ({x2[-1]} != {y2[-2]})"
        )
    batch = broadcast_shapes(x2[:-2], y2[:-2])
    bl = tuple(f"b{i}" for i in range(len(batch)))

    def batch_sub(shape: tuple[int, ...], tag: str) -> list[str]:
        off = len(batch) - len(shape)
        return [bl[off + i] if s == batch[off + i] else f"{tag}{i}" for i, s in enumerate(shape)]

    sx = batch_sub(x2[:-2], "u") + (["i"] if len(xs) > 1 else []) + ["k"]
    sy = batch_sub(y2[:-2], "w") + ["k"] + (["j"] if len(ys) > 1 else [])
    out = list(bl) + (["i"] if len(xs) > 1 else []) + (["j"] if len(ys) > 1 else [])
    return contract(
        (tx, ty), (tuple(sx), tuple(sy)), tuple(out), dtype=result_dtype(np.matmul, x, y)
    )


def dot(x: Value, y: Value) -> Tracer:
    trace = _trace_of((x, y))
    tx, ty = lift(x, trace), lift(y, trace)
    if tx.ndim == 0 or ty.ndim == 0:
        return multiply(tx, ty)
    if ty.ndim == 1 or (tx.ndim == 1 and ty.ndim <= 2):
        return matmul(tx, ty) if tx.ndim <= 2 else tensordot(tx, ty, axes=([-1], [0]))
    return tensordot(tx, ty, axes=([tx.ndim - 1], [ty.ndim - 2]), _fn=np.dot)


def tensordot(x: Value, y: Value, axes: Any = 2, _fn: Callable[..., Any] = np.tensordot) -> Tracer:
    trace = _trace_of((x, y))
    tx, ty = lift(x, trace), lift(y, trace)
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        ax_x = list(range(tx.ndim - n, tx.ndim))
        ax_y = list(range(n))
    else:
        ax_x, ax_y = axes
        ax_x = [int(ax_x)] if isinstance(ax_x, (int, np.integer)) else list(ax_x)
        ax_y = [int(ax_y)] if isinstance(ax_y, (int, np.integer)) else list(ax_y)
    if len(ax_x) != len(ax_y):
        raise ShapeError(f"tensordot: axes {axes} have different lengths")
    ax_x = [normalize_axis(a, tx.ndim) for a in ax_x]
    ax_y = [normalize_axis(a, ty.ndim) for a in ax_y]
    sx = [f"x{i}" for i in range(tx.ndim)]
    sy = [f"y{i}" for i in range(ty.ndim)]
    for k, (a, b) in enumerate(zip(ax_x, ax_y)):
        if tx.shape[a] != ty.shape[b]:
            raise ShapeError(f"tensordot: shape mismatch for sum, {tx.shape} and {ty.shape}")
        sx[a] = sy[b] = f"k{k}"
    out = [lab for i, lab in enumerate(sx) if i not in ax_x] + [
        lab for i, lab in enumerate(sy) if i not in ax_y
    ]
    return contract(
        (tx, ty), (tuple(sx), tuple(sy)), tuple(out), dtype=result_dtype(np.multiply, x, y)
    )


def inner(x: Value, y: Value) -> Tracer:
    trace = _trace_of((x, y))
    tx, ty = lift(x, trace), lift(y, trace)
    if tx.ndim == 0 or ty.ndim == 0:
        return multiply(tx, ty)
    return tensordot(tx, ty, axes=([-1], [-1]))


def outer(x: Value, y: Value) -> Tracer:
    trace = _trace_of((x, y))
    tx, ty = reshape(lift(x, trace), (-1,)), reshape(lift(y, trace), (-1,))
    return contract((tx, ty), (("i",), ("j",)), ("i", "j"), dtype=result_dtype(np.multiply, x, y))


def vdot(x: Value, y: Value) -> Tracer:
    trace = _trace_of((x, y))
    tx, ty = lift(x, trace), lift(y, trace)
    if tx.size != ty.size:
        raise ShapeError(f"vdot: vectors have different lengths ({tx.size} and {ty.size})")
    if np.issubdtype(tx.dtype, np.complexfloating):
        tx = elementwise("conjugate", tx)
    return contract(
        (reshape(tx, (-1,)), reshape(ty, (-1,))),
        (("i",), ("i",)),
        (),
        dtype=result_dtype(np.vdot, x, y),
    )


# ---------------------------------------------------------------- reductions


def _sum_dtype(t: Tracer, dtype: Any) -> np.dtype:
    if dtype is not None:
        return np.dtype(dtype)
    return np.sum(np.ones(1, t.dtype)).dtype


def reduce_sum(x: Value, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Tracer:
    trace = _trace_of((x,))
    t = lift(x, trace)
    axes = normalize_axes(axis, t.ndim)
    target = _sum_dtype(t, dtype)
    if t.dtype != target:
        t = astype(t, target)
    sub = tuple(f"a{i}" for i in range(t.ndim))
    out = tuple(lab for i, lab in enumerate(sub) if i not in axes)
    names = tuple(nm for i, nm in enumerate(_logical_names(t)) if i not in axes)
    r = contract((t,), (sub,), out, dtype=target, out_names=names)
    return _keep(r, t.shape, axes) if keepdims else r


def _keep(r: Tracer, shape: tuple[int, ...], axes: tuple[int, ...]) -> Tracer:
    return reshape(r, tuple(1 if i in axes else s for i, s in enumerate(shape)))


def mean(x: Value, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Tracer:
    trace = _trace_of((x,))
    t = lift(x, trace)
    axes = normalize_axes(axis, t.ndim)
    target = np.mean(np.ones(1, t.dtype)).dtype if dtype is None else np.dtype(dtype)
    acc = np.dtype(np.float32) if target == np.float16 else target
    total = reduce_sum(t, axis=axes, dtype=acc, keepdims=keepdims)
    count = math.prod(t.shape[a] for a in axes)
    with np.errstate(all="ignore"):
        r = elementwise("true_divide", total, count)
    return astype(r, target) if r.dtype != target else r


_REDUCERS: dict[str, Callable[..., Any]] = {
    "max": np.max,
    "min": np.min,
    "prod": np.prod,
    "any": np.any,
    "all": np.all,
    "argmax": np.argmax,
    "argmin": np.argmin,
}


def reduce(
    fn: str, x: Value, axis: Any = None, keepdims: bool = False, dtype: Any = None
) -> Tracer:
    trace = _trace_of((x,))
    t = lift(x, trace)
    if fn in ("argmax", "argmin"):
        if axis is None:
            t, axis = reshape(t, (-1,)), 0
        axes: tuple[int, ...] = (normalize_axis(axis, t.ndim),)
    else:
        axes = normalize_axes(axis, t.ndim)
    if fn in ("max", "min", "argmax", "argmin") and any(t.shape[a] == 0 for a in axes):
        raise ShapeError(f"zero-size array to reduction operation {fn} which has no identity")
    if dtype is not None and fn == "prod":
        t = astype(t, dtype)
    out_dtype = np.asarray(_REDUCERS[fn](np.ones((1,), t.dtype), axis=0)).dtype
    nb = len(t.levels)
    shape = tuple(s for i, s in enumerate(t.shape) if i not in axes)
    names = tuple(nm for i, nm in enumerate(_logical_names(t)) if i not in axes)
    params = ReduceParams(fn, tuple(nb + a for a in axes))
    r = _make(trace, "reduce", (t,), params, t.levels, shape, out_dtype, names)
    return _keep(r, t.shape, axes) if keepdims else r


# ---------------------------------------------------------------- shape ops


def astype(x: Value, dtype: Any) -> Tracer:
    trace = _trace_of((x,))
    t = lift(x, trace)
    dt = np.dtype(dtype)
    if dt == t.dtype:
        return t
    return _make(trace, "cast", (t,), CastParams(dt), t.levels, t.shape, dt, _logical_names(t))


def reshape(x: Value, shape: Any, order: str = "C") -> Tracer:
    if order != "C":
        raise UnsupportedError("reshape only supports order='C'")
    trace = _trace_of((x,))
    t = lift(x, trace)
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    shape = tuple(int(s) for s in shape)
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1 or any(s < -1 for s in shape):
        raise ShapeError(f"cannot reshape array of shape {t.shape} into shape {shape}")
    if unknown:
        known = math.prod(s for s in shape if s != -1)
        if known == 0 or t.size % known:
            raise ShapeError(f"cannot reshape array of size {t.size} into shape {shape}")
        shape = tuple(t.size // known if s == -1 else s for s in shape)
    if math.prod(shape) != t.size:
        raise ShapeError(
            f"cannot reshape array of size {t.size} (shape {t.shape}) into shape {shape}"
        )
    if shape == t.shape:
        return t
    nb = len(t.levels)
    full = t.node.shape[:nb] + shape
    return _make(trace, "reshape", (t,), ReshapeParams(full), t.levels, shape, t.dtype)


def transpose(x: Value, axes: Any = None) -> Tracer:
    trace = _trace_of((x,))
    t = lift(x, trace)
    if axes is None:
        perm = tuple(reversed(range(t.ndim)))
    else:
        perm = tuple(normalize_axis(a, t.ndim) for a in axes)
        if sorted(perm) != list(range(t.ndim)):
            raise ShapeError(f"axes {tuple(axes)} don't match array of shape {t.shape}")
    return permute(t, perm)


def permute(t: Tracer, perm: Sequence[int]) -> Tracer:
    if tuple(perm) == tuple(range(t.ndim)):
        return t
    sub = tuple(f"a{i}" for i in range(t.ndim))
    names = _logical_names(t)
    return contract(
        (t,),
        (sub,),
        tuple(sub[p] for p in perm),
        dtype=t.dtype,
        out_names=tuple(names[p] for p in perm),
    )


def swapaxes(x: Value, a: int, b: int) -> Tracer:
    trace = _trace_of((x,))
    t = lift(x, trace)
    a, b = normalize_axis(a, t.ndim), normalize_axis(b, t.ndim)
    perm = list(range(t.ndim))
    perm[a], perm[b] = perm[b], perm[a]
    return permute(t, perm)


def moveaxis(x: Value, source: Any, destination: Any) -> Tracer:
    trace = _trace_of((x,))
    t = lift(x, trace)
    src: list[Any] = [source] if isinstance(source, (int, np.integer)) else list(source)
    is_one = isinstance(destination, (int, np.integer))
    dst: list[Any] = [destination] if is_one else list(destination)
    if len(src) != len(dst):
        raise ShapeError("moveaxis: source and destination must have the same number of elements")
    src = [normalize_axis(a, t.ndim, "source") for a in src]
    dst = [normalize_axis(a, t.ndim, "destination") for a in dst]
    order = [n for n in range(t.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(t, order)


def expand_dims(x: Value, axis: Any) -> Tracer:
    trace = _trace_of((x,))
    t = lift(x, trace)
    axes: list[Any] = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    nd = t.ndim + len(axes)
    norm = sorted(normalize_axis(a, nd) for a in axes)
    if len(set(norm)) != len(norm):
        raise ShapeError(f"repeated axis in expand_dims axis={axis}")
    it = iter(t.shape)
    shape = tuple(1 if i in norm else next(it) for i in range(nd))
    return reshape(t, shape)


def squeeze(x: Value, axis: Any = None) -> Tracer:
    trace = _trace_of((x,))
    t = lift(x, trace)
    if axis is None:
        axes = tuple(i for i, s in enumerate(t.shape) if s == 1)
    else:
        axes = normalize_axes(axis, t.ndim)
        for a in axes:
            if t.shape[a] != 1:
                raise ShapeError(
                    f"cannot select an axis to squeeze out which has size not equal to one "
                    f"(axis {a} of shape {t.shape})"
                )
    return reshape(t, tuple(s for i, s in enumerate(t.shape) if i not in axes))


def broadcast_to(x: Value, shape: Any) -> Tracer:
    trace = _trace_of((x,))
    t = lift(x, trace)
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if len(shape) < t.ndim or broadcast_shapes(t.shape, shape) != shape:
        raise ShapeError(f"cannot broadcast array of shape {t.shape} to shape {shape}")
    if shape == t.shape:
        return t
    maps = _broadcast_map(t, t.levels, shape)
    return _make(trace, "broadcast", (t,), BroadcastParams(maps), t.levels, shape, t.dtype)


def add_batch_axis(t: Tracer, level: Level, position: int) -> Tracer:
    """Broadcast an unbatched value along ``level`` and place that axis at logical ``position``
    (used by out_axes for outputs that do not depend on the mapped inputs)."""
    levels = t.levels
    shape = t.shape[:position] + (level.size,) + t.shape[position:]
    nb = len(levels)
    maps = tuple(range(nb)) + tuple(nb + (k if k < position else k + 1) for k in range(t.ndim))
    names = _logical_names(t)
    names = names[:position] + (level.name,) + names[position:]
    return _make(t.trace, "broadcast", (t,), BroadcastParams(maps), levels, shape, t.dtype, names)


def map_axis(t: Tracer, axis: int, level: Level) -> Tracer:
    """vmap entry: make logical ``axis`` of ``t`` the batch axis of ``level``."""
    nb = len(t.levels)
    phys = nb + axis
    sub = tuple(f"a{i}" for i in range(t.node.ndim))
    perm = list(range(nb)) + [phys] + [nb + i for i in range(t.ndim) if i != axis]
    names = _logical_names(t)
    new_names = tuple(n for i, n in enumerate(names) if i != axis)
    levels = t.levels + (level,)
    if perm == list(range(t.node.ndim)):
        return Tracer(_renamed(t.node, _batch_names(levels) + new_names), levels, t.trace)
    out = tuple(sub[p] for p in perm)
    params = EinsumParams((sub,), out)
    shape = tuple(t.node.shape[p] for p in perm)
    node = Node("einsum", (t.node,), params, shape, t.dtype, _batch_names(levels) + new_names)
    return Tracer(node, levels, t.trace)


def _renamed(node: Node, axes: tuple[str, ...]) -> Node:
    # identity permutation: wrap in a no-op einsum so the new level's axis name shows
    sub = tuple(f"a{i}" for i in range(node.ndim))
    return Node("einsum", (node,), EinsumParams((sub,), sub), node.shape, node.dtype, axes)


def unmap_axis(t: Tracer, level: Level, position: int) -> Tracer:
    """vmap exit: move ``level``'s batch axis to logical ``position`` of the result."""
    idx = [lv.id for lv in t.levels].index(level.id)
    levels = tuple(lv for lv in t.levels if lv.id != level.id)
    nb = len(levels)
    rest = [i for i in range(t.node.ndim) if i != idx]
    perm = rest[: nb + position] + [idx] + rest[nb + position :]
    sub = tuple(f"a{i}" for i in range(t.node.ndim))
    names = t.node.axes
    new_axes = tuple(names[p] for p in perm)
    shape = tuple(t.node.shape[p] for p in perm)
    node = Node(
        "einsum",
        (t.node,),
        EinsumParams((sub,), tuple(sub[p] for p in perm)),
        shape,
        t.dtype,
        new_axes,
    )
    return Tracer(node, levels, t.trace)


def getitem(x: Value, index: Any) -> Tracer:
    trace = _trace_of((x,))
    t = lift(x, trace)
    items = index if isinstance(index, tuple) else (index,)
    for it in items:
        if isinstance(it, Tracer) or (isinstance(it, (list, np.ndarray)) and not np.ndim(it) == 0):
            raise UnsupportedError(
                f"advanced (array) indexing is not supported in traced kernel "
                f"{trace.current_function!r}; use basic indexing (ints, slices, None, ...)"
            )
    n_real = sum(1 for it in items if it is not None and it is not Ellipsis)
    if n_real > t.ndim:
        raise IndexOutOfBounds(
            f"too many indices for array: array is {t.ndim}-dimensional, but {n_real} were indexed"
        )
    if sum(1 for it in items if it is Ellipsis) > 1:
        raise ShapeError("an index can only have a single ellipsis ('...')")
    expanded: list[Any] = []
    for it in items:
        if it is Ellipsis:
            expanded.extend([slice(None)] * (t.ndim - n_real))
        else:
            expanded.append(it)
    if Ellipsis not in items:
        expanded.extend([slice(None)] * (t.ndim - n_real))
    norm: list[tuple[Any, ...]] = [("slice", 0, s, 1) for s in t.node.shape[: len(t.levels)]]
    shape: list[int] = []
    names: list[str] = []
    dim = 0
    lnames = _logical_names(t)
    for it in expanded:
        if it is None:
            norm.append(("new",))
            shape.append(1)
            names.append(f"n{len(names)}")
            continue
        size = t.shape[dim]
        if isinstance(it, slice):
            start, stop, step = it.indices(size)
            norm.append(("slice", start, stop, step))
            shape.append(len(range(start, stop, step)))
            names.append(lnames[dim])
        else:
            try:
                i = operator.index(it)
            except TypeError:
                raise TypeError_(f"invalid index {it!r} of type {type(it).__name__}") from None
            if not -size <= i < size:
                raise IndexOutOfBounds(
                    f"index {i} is out of bounds for axis {dim} with size {size}"
                )
            norm.append(("int", i % size))
        dim += 1
    if (
        all(item == ("slice", 0, s, 1) for item, s in zip(norm[len(t.levels) :], t.shape))
        and len(norm) - len(t.levels) == t.ndim
    ):
        return t
    return _make(
        trace,
        "index",
        (t,),
        IndexParams(tuple(norm)),
        t.levels,
        tuple(shape),
        t.dtype,
        tuple(names),
    )


def concatenate(values: Sequence[Value], axis: int = 0) -> Tracer:
    trace = _trace_of(values)
    tracers = [lift(v, trace) for v in values]
    if not tracers:
        raise ShapeError("need at least one array to concatenate")
    nd = tracers[0].ndim
    if nd == 0:
        raise ShapeError("zero-dimensional arrays cannot be concatenated")
    ax = normalize_axis(axis, nd)
    for t in tracers:
        if t.ndim != nd or any(
            a != b for i, (a, b) in enumerate(zip(t.shape, tracers[0].shape)) if i != ax
        ):
            raise ShapeError(
                "all the input array dimensions except for the concatenation axis must match "
                f"exactly, got shapes {[x.shape for x in tracers]}"
            )
    levels = _union_levels(tracers)
    dtype = np.result_type(*[np.ones(1, t.dtype) for t in tracers])
    # give every operand every batch axis so the physical concat is on one axis
    full = [broadcast_levels(t, levels) for t in tracers]
    full = [astype(t, dtype) for t in full]
    shape = list(tracers[0].shape)
    shape[ax] = sum(t.shape[ax] for t in tracers)
    return _make(trace, "concat", full, ConcatParams(len(levels) + ax), levels, tuple(shape), dtype)


def stack(values: Sequence[Value], axis: int = 0) -> Tracer:
    trace = _trace_of(values)
    tracers = [lift(v, trace) for v in values]
    if not tracers:
        raise ShapeError("need at least one array to stack")
    shapes = {t.shape for t in tracers}
    if len(shapes) != 1:
        raise ShapeError(
            f"all input arrays must have the same shape, got {[t.shape for t in tracers]}"
        )
    ax = normalize_axis(axis, tracers[0].ndim + 1)
    return concatenate([expand_dims(t, ax) for t in tracers], axis=ax)


def broadcast_levels(t: Tracer, levels: tuple[Level, ...]) -> Tracer:
    """Give ``t`` the batch axes of all ``levels`` (materialising a broadcast)."""
    if tuple(lv.id for lv in t.levels) == tuple(lv.id for lv in levels):
        return t
    pos = {lv.id: i for i, lv in enumerate(levels)}
    nb = len(levels)
    maps = tuple(pos[lv.id] for lv in t.levels) + tuple(nb + k for k in range(t.ndim))
    return _make(
        t.trace,
        "broadcast",
        (t,),
        BroadcastParams(maps),
        levels,
        t.shape,
        t.dtype,
        _logical_names(t),
    )


def where(cond: Value, x: Value, y: Value) -> Tracer:
    return elementwise("where", cond, x, y)


# ---------------------------------------------------------------- NumPy protocol dispatch

_UFUNC_TO_OP: dict[str, Callable[..., Tracer]] = {
    "multiply": multiply,
    "matmul": matmul,
}


def dispatch_ufunc(trace: Trace, ufunc: Any, method: str, inputs: Any, kwargs: Any) -> Any:
    name = ufunc.__name__
    if method == "__call__" and not kwargs:
        if name in _UFUNC_TO_OP:
            return _UFUNC_TO_OP[name](*inputs)
        if name == "divide":
            name = "true_divide"
        if name == "abs":
            name = "absolute"
        if name in _UFUNCS:
            return elementwise(name, *inputs)
    if method == "reduce" and name == "add":
        return reduce_sum(
            inputs[0], axis=kwargs.get("axis", 0), keepdims=kwargs.get("keepdims", False)
        )
    raise TracingError(
        f"NumPy ufunc np.{name}{'.' + method if method != '__call__' else ''} "
        f"{'with ' + ', '.join(kwargs) + ' ' if kwargs else ''}is not supported on traced "
        f"values in kernel {trace.current_function!r}; use axcomp.numpy instead of numpy "
        "inside kernels"
    )


def dispatch_function(trace: Trace, func: Any, args: Any, kwargs: Any) -> Any:
    from . import numpy as anp

    name = getattr(func, "__name__", repr(func))
    impl = getattr(anp, name, None)
    if impl is not None and callable(impl) and name in anp.__all__:
        return impl(*args, **kwargs)
    raise TracingError(
        f"NumPy function np.{name} is not supported by axcomp on traced values (reached "
        f"through __array_function__ in kernel {trace.current_function!r}); use an "
        "axcomp.numpy function instead"
    )
