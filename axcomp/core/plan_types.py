"""The shape and dtype of every plan value, from its operation's rule over its operands'.

One rule per operation of ``core.plan.OPS`` works out what a call computes from the shapes
and dtypes of its operands and its attributes, never from arrays: NumPy's promotion on
dtypes (a ufunc's own type resolution, ``result_type``, the reductions' accumulator dtype),
cached per dtype combination so lowering stays cheap. Lowering uses these rules to record
a shape and dtype on every statement a primitive's rule leaves untyped, ``verify_plan``
checks every recorded value against them, and the memory model reads them.

A value is an array (``shape``, ``dtype``), a Python scalar (weak: it takes the other
operand's dtype within a kind), a dtype (``dtype_of``, ``result_type``, a dtype constant)
or the tuple of ``unravel_index`` (its entries, each a 1-d index array). A length known
only when the program runs (the flagged entries of the refine step) is ``DYNAMIC``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any, Literal, NamedTuple

import numpy as np

from .plan import Call, Expr, Lit, PlanError, Ref

__all__ = ["DYNAMIC", "VType", "array_type", "constant_type", "expr_type", "recorded"]

#: a length known only at run time (a data-dependent selection)
DYNAMIC = -1

_INTP = np.dtype(np.intp)

#: Python's numbers from the narrowest: the product of two is of the wider one's type
_PYTHON_KINDS: tuple[type, ...] = (bool, int, float, complex)


class VType(NamedTuple):
    """The type of one plan value: ``kind`` array (``shape``, ``dtype``), scalar (a weak
    Python number: ``dtype`` is its type's default dtype, ``weak`` its Python type),
    dtype (the value is the dtype ``dtype``) or tuple (``shape[0]`` index arrays).
    Immutable; a named tuple because lowering builds one per statement."""

    kind: Literal["array", "scalar", "dtype", "tuple"]
    shape: tuple[int, ...]
    dtype: np.dtype
    weak: type | None = None


def array_type(shape: Sequence[int], dtype: Any) -> VType:
    if shape.__class__ is not tuple:
        shape = tuple(int(s) for s in shape)
    if not isinstance(dtype, np.dtype):
        dtype = np.dtype(dtype)
    return VType("array", tuple(shape), dtype)


def constant_type(value: Any) -> VType:
    """The type of a plan constant (a dtype, a Python number or an array)."""
    if isinstance(value, np.dtype):
        return VType("dtype", (), value)
    if isinstance(value, (bool, int, float, complex)) and not isinstance(value, np.generic):
        return VType("scalar", (), np.asarray(value).dtype, type(value))
    arr = np.asarray(value)
    return array_type(arr.shape, arr.dtype)


def recorded(t: VType) -> tuple[tuple[int, ...], np.dtype]:
    """The (shape, dtype) a statement binding a value of type ``t`` records (a tuple of
    index arrays as their stack)."""
    return t.shape, t.dtype


Env = Callable[[str], VType]


def expr_type(e: Expr, env: Env) -> VType:
    """The type of ``e`` with the names it reads typed by ``env`` (``PlanError`` where an
    operation's operands cannot give it a result)."""
    if isinstance(e, Ref):
        return env(e.name)
    if isinstance(e, Lit):
        return constant_type(e.value)
    args = [expr_type(a, env) for a in e.args]
    kwargs = {k: expr_type(v, env) for k, v in e.kwargs} if e.kwargs else _NO_KWARGS
    return _RULES[e.op](e, args, kwargs)


_NO_KWARGS: dict[str, VType] = {}


# -- dtype rules (cached: a lowering asks the same few questions many times) ---------------
def _key(t: VType) -> Any:
    """A hashable stand-in for an operand's dtype: its dtype, or a weak scalar's type."""
    if t.kind == "scalar":
        return bool if t.weak is bool else t.weak
    if t.kind != "array":
        raise PlanError(f"a {t.kind} is no array operand")
    return t.dtype


@functools.lru_cache(maxsize=4096)
def _ufunc_dtype(fn: str, keys: tuple[Any, ...]) -> np.dtype:
    f = getattr(np, fn)
    if isinstance(f, np.ufunc) and f.nout == 1 and any(isinstance(k, np.dtype) for k in keys):
        # a weak bool promotes like a bool array (bool is below every kind)
        ins = tuple(np.dtype(np.bool_) if k is bool else k for k in keys)
        try:
            return np.dtype(f.resolve_dtypes((*ins, None))[-1])
        except TypeError:
            pass  # no loop for these dtypes: let the stand-ins say what NumPy does
    with np.errstate(all="ignore"):
        return np.asarray(f(*[_stand_in(k) for k in keys])).dtype


def _stand_in(k: Any) -> Any:
    return np.zeros((), k) if isinstance(k, np.dtype) else k(0)


@functools.lru_cache(maxsize=1024)
def _promoted(keys: tuple[Any, ...]) -> np.dtype:
    return np.result_type(*[_stand_in(k) if not isinstance(k, np.dtype) else k for k in keys])


@functools.lru_cache(maxsize=256)
def accumulator(fn: str, dtype: np.dtype) -> np.dtype:
    """The dtype NumPy's reduction or running reduction ``fn`` (sum, prod, max, min, any,
    all, argmax, argmin, cumsum, cumprod) of a ``dtype`` array has (bools and small
    integers accumulate in the platform integer): asked once per pair."""
    return np.asarray(getattr(np, fn)(np.zeros(1, dtype), axis=0)).dtype


def ufunc_dtype(fn: str, operands: Sequence[VType]) -> np.dtype:
    """The dtype elementwise ``fn`` computes on these operands (NumPy's promotion)."""
    keys = tuple(_key(t) for t in operands)
    if all(not isinstance(k, np.dtype) for k in keys):  # Python numbers only
        keys = tuple(np.dtype(t.dtype) for t in operands)
    return _ufunc_dtype(fn, keys)


def promote_dtypes(dtypes: tuple[np.dtype, ...]) -> np.dtype:
    """NumPy's ``result_type`` of array dtypes (cached)."""
    return _promoted(dtypes)


def promoted(operands: Sequence[VType]) -> np.dtype:
    """NumPy's ``result_type`` of these operands (weak scalars weak)."""
    return _promoted(tuple(_key(t) for t in operands))


# -- shape rules -----------------------------------------------------------------------------
def broadcast(shapes: Sequence[tuple[int, ...]]) -> tuple[int, ...]:
    """NumPy's broadcast of ``shapes`` (equal shapes, ``DYNAMIC`` lengths included, are
    their own broadcast)."""
    shapes = [s for s in shapes if s]
    if not shapes:
        return ()
    if all(s == shapes[0] for s in shapes):
        return shapes[0]
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise PlanError(f"shapes {[list(s) for s in shapes]} do not broadcast") from None


def matmul_shape(sa: tuple[int, ...], sb: tuple[int, ...]) -> tuple[int, ...]:
    if len(sa) == 1 and len(sb) == 1:
        return ()
    if len(sa) == 1:
        return sb[:-2] + sb[-1:]
    if len(sb) == 1:
        return sa[:-1]
    return broadcast([sa[:-2], sb[:-2]]) + (sa[-2], sb[-1])


def einsum_shape(equation: str, shapes: Sequence[tuple[int, ...]]) -> tuple[int, ...]:
    ins, res = equation.split("->")
    size: dict[str, int] = {}
    for sub, shape in zip(ins.split(","), shapes):
        for lab, s in zip(sub, shape):
            size[lab] = max(size.get(lab, 0), s) if s else 0
    return tuple(size[lab] for lab in res)


def reduced_axes(ndim: int, axis: Any) -> list[int]:
    """The axes a reduction over ``axis`` (an int or a tuple) keeps."""
    axes = {a % ndim for a in (axis if isinstance(axis, tuple) else (axis,))}
    return [i for i in range(ndim) if i not in axes]


def getitem_axes(
    items: Sequence[tuple[Any, ...]], shape: Sequence[int]
) -> list[tuple[int, int, int]]:
    """Per result axis of basic indexing: (the operand axis it views, -1 for a new axis;
    its length; its step along that axis, 0 for a new axis). An int item drops its axis;
    trailing axes are kept whole."""
    out: list[tuple[int, int, int]] = []
    dim = 0
    for item in items:
        if item[0] == "new":
            out.append((-1, 1, 0))
            continue
        if item[0] != "int":
            _, start, stop, step = item
            end = None if step < 0 and stop < 0 else stop  # printed as "start::-k"
            out.append((dim, len(range(*slice(start, end, step).indices(shape[dim]))), step))
        dim += 1
    out.extend((d, shape[d], 1) for d in range(dim, len(shape)))
    return out


def window_shape(
    shape: Sequence[int],
    axes: Sequence[int],
    sizes: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
) -> tuple[int, ...]:
    out = list(shape)
    for ax, k, s, d in zip(axes, sizes, strides, dilations):
        extent = (k - 1) * d + 1
        out[ax] = (shape[ax] - extent) // s + 1 if shape[ax] >= extent else 0
        out.append(k)
    return tuple(out)


def take_along_shape(x: tuple[int, ...], idx: tuple[int, ...], axis: int) -> tuple[int, ...]:
    axis %= len(x)
    others = [tuple(1 if d == axis else s for d, s in enumerate(v)) for v in (x, idx)]
    out = broadcast(others)
    return out[:axis] + (idx[axis],) + out[axis + 1 :]


# -- the rules, one per operation ----------------------------------------------------------
_Args = list[VType]
_Kw = dict[str, VType]


def _dtype_operand(t: VType | None, default: np.dtype) -> np.dtype:
    if t is None:
        return default
    if t.kind != "dtype":
        raise PlanError(f"a {t.kind} where a dtype is expected")
    return t.dtype


def _same(c: Call, a: _Args, kw: _Kw) -> VType:
    return array_type(a[0].shape, a[0].dtype)


def _argselect(c: Call, a: _Args, kw: _Kw) -> VType:
    shape, axis = a[0].shape, c.attr("axis") % max(len(a[0].shape), 1)
    return array_type(tuple(c.attr("k") if d == axis else s for d, s in enumerate(shape)), _INTP)


def _transpose(c: Call, a: _Args, kw: _Kw) -> VType:
    x, perm = a[0], tuple(c.attr("perm"))
    if sorted(perm) != list(range(len(x.shape))):
        raise PlanError(f"transpose by {perm} of an array of {list(x.shape)}")
    return array_type([x.shape[p] for p in perm], x.dtype)


def _reshape(c: Call, a: _Args, kw: _Kw) -> VType:
    x, shape = a[0], tuple(c.attr("shape"))
    if math.prod(x.shape) != math.prod(shape):
        raise PlanError(f"reshape of an array of {list(x.shape)} to {list(shape)}")
    return array_type(shape, x.dtype)


def _elementwise(fn: str, a: _Args) -> VType:
    shape = broadcast([t.shape for t in a if t.kind == "array"])
    return array_type(shape, ufunc_dtype(fn, a))


def _multiply(c: Call, a: _Args, kw: _Kw) -> VType:
    acc = a[0]
    for nxt in a[1:]:  # printed as ``x * y * z``: left to right
        if acc.kind == nxt.kind == "scalar":  # Python arithmetic: a Python number, still weak
            wider = max(acc, nxt, key=lambda t: _PYTHON_KINDS.index(t.weak))
            acc = constant_type(wider.weak(1) * wider.weak(1))  # type: ignore[misc]
        else:
            acc = _elementwise("multiply", [acc, nxt])
    return acc


def _einsum(c: Call, a: _Args, kw: _Kw) -> VType:
    shape = einsum_shape(c.attr("equation"), [t.shape for t in a])
    return array_type(shape, _dtype_operand(kw.get("dtype"), promoted(a)))


def _sum(c: Call, a: _Args, kw: _Kw) -> VType:
    x = a[0]
    keep = reduced_axes(len(x.shape), c.attr("axis"))
    dtype = _dtype_operand(kw.get("dtype"), accumulator("sum", x.dtype))
    return array_type([x.shape[i] for i in keep], dtype)


def _reduce(c: Call, a: _Args, kw: _Kw) -> VType:
    x = a[0]
    keep = reduced_axes(len(x.shape), c.attr("axis"))
    return array_type([x.shape[i] for i in keep], accumulator(c.attr("fn"), x.dtype))


def _getitem(c: Call, a: _Args, kw: _Kw) -> VType:
    x = a[0]
    if tuple(c.attr("shape")) != x.shape:
        raise PlanError(f"indexes an array of {list(x.shape)} as if {list(c.attr('shape'))}")
    return array_type([n for _, n, _ in getitem_axes(c.attr("items"), x.shape)], x.dtype)


def _windows(c: Call, a: _Args, kw: _Kw) -> VType:
    x = a[0]
    attrs = [c.attr(k) for k in ("axes", "sizes", "strides", "dilations")]
    return array_type(window_shape(x.shape, *attrs), x.dtype)


def _concatenate(c: Call, a: _Args, kw: _Kw) -> VType:
    axis = c.attr("axis")
    shape = list(a[0].shape)
    shape[axis] = sum(t.shape[axis] for t in a)
    return array_type(shape, promoted(a))


def _asarray(c: Call, a: _Args, kw: _Kw) -> VType:
    x = a[0]
    return array_type(x.shape, _dtype_operand(kw.get("dtype"), x.dtype))


def _take(c: Call, a: _Args, kw: _Kw) -> VType:
    (x, idx), axis = a, c.attr("axis") % len(a[0].shape)
    return array_type(x.shape[:axis] + idx.shape + x.shape[axis + 1 :], x.dtype)


def _gather(c: Call, a: _Args, kw: _Kw) -> VType:
    # advanced indexing of the leading axes by 1-d index arrays of one (dynamic) length
    x, idx = a[0], a[1:]
    lead = broadcast([t.shape for t in idx])
    return array_type(lead + x.shape[len(idx) :], x.dtype)


def _fused(c: Call, a: _Args, kw: _Kw) -> VType:
    loop = c.attr("loop")
    if len(a) != len(loop.operands):
        raise PlanError(f"a fused loop of {len(loop.operands)} operands called with {len(a)}")
    for k, (t, axes, dtype) in enumerate(zip(a, loop.operands, loop.operand_dtypes)):
        want = tuple(1 if ax < 0 else loop.shape[ax] for ax in axes)
        if t.kind != "array" or t.shape != want or t.dtype != np.dtype(dtype):
            raise PlanError(
                f"fused loop operand {k} is {t.kind} {list(t.shape)} {t.dtype}, the loop reads "
                f"{want} {dtype}"
            )
    return array_type(loop.out_shape, np.dtype(loop.dtype))


_RULES: dict[str, Callable[[Call, _Args, _Kw], VType]] = {
    "transpose": _transpose,
    "reshape": _reshape,
    "matmul": lambda c, a, kw: array_type(matmul_shape(a[0].shape, a[1].shape), promoted(a)),
    "multiply": _multiply,
    "einsum": _einsum,
    "sum": _sum,
    "dtype_of": lambda c, a, kw: VType("dtype", (), a[0].dtype),
    "result_type": lambda c, a, kw: VType("dtype", (), promoted(a)),
    "ufunc": lambda c, a, kw: _elementwise(c.attr("fn"), a),
    "reduce": _reduce,
    "broadcast_to": lambda c, a, kw: array_type(c.attr("shape"), a[0].dtype),
    "astype": lambda c, a, kw: array_type(a[0].shape, _dtype_operand(a[1], a[0].dtype)),
    "getitem": _getitem,
    "windows": _windows,
    "zeros": lambda c, a, kw: array_type(
        c.attr("shape"), _dtype_operand(kw.get("dtype"), np.dtype(np.float64))
    ),
    "concatenate": _concatenate,
    "asarray": _asarray,
    "copy": _same,
    "flip": _same,
    "sort": _same,
    "argsort": lambda c, a, kw: array_type(a[0].shape, _INTP),
    "argselect": _argselect,
    "take": _take,
    "take_along_axis": lambda c, a, kw: array_type(
        take_along_shape(a[0].shape, a[1].shape, c.attr("axis")), a[0].dtype
    ),
    "cumulative": lambda c, a, kw: array_type(a[0].shape, accumulator(c.attr("fn"), a[0].dtype)),
    "flatnonzero": lambda c, a, kw: array_type((DYNAMIC,), _INTP),
    "flat_not_greater": lambda c, a, kw: array_type((DYNAMIC,), _INTP),
    "unravel_index": lambda c, a, kw: VType("tuple", (len(c.attr("shape")), *a[0].shape), _INTP),
    "item": lambda c, a, kw: array_type(a[0].shape[1:], a[0].dtype),
    "gather": _gather,
    "bitcast": lambda c, a, kw: array_type(c.attr("shape"), _dtype_operand(a[1], a[0].dtype)),
    "linalg": lambda c, a, kw: array_type(c.attr("shape"), np.dtype(c.attr("dtype"))),
    "callback": lambda c, a, kw: array_type((), np.dtype(bool)),
    "host_call": lambda c, a, kw: array_type(c.attr("shape"), np.dtype(c.attr("dtype"))),
    "fused": _fused,
}
