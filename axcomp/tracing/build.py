"""Helpers every primitive uses to build nodes on tracers.

Every op takes the *logical* view (what the kernel sees) and builds a node on the physical
array, whose leading axes are the batch axes of the tracer's vmap levels. Batch axes are
aligned by level, never by position, so vmap needs no per-op rules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core.dtype_promotion import inexact_result, narrowed
from ..core.graph import Node
from ..core.leaves import ConstParams, const_p
from ..core.primitive import Primitive
from ..errors import ArgumentTypeError, AxisError, IncompatibleShapesError, ShapeError, TracingError
from .trace import Level, Trace, current_trace
from .tracer import Tracer

Value = Any  # a Tracer, a NumPy array or a Python/NumPy scalar


def trace_of(values: Sequence[Value]) -> Trace:
    for v in values:
        if isinstance(v, Tracer):
            return v.trace
    trace = current_trace()
    if trace is None:
        raise TracingError("internal: traced op called outside a trace")
    return trace


def check_alive(t: Tracer) -> None:
    for lv in t.levels:
        if not lv.alive:
            raise TracingError(
                f"a traced value {t!r} escaped from the vmap that created it "
                f"({lv.describe}); return values from the mapped function instead of "
                "storing them in outer variables"
            )


def is_weak_scalar(v: Any) -> bool:
    """A Python scalar or a weakly typed tracer (a traced Python scalar): its dtype yields
    to a typed operand's, as NumPy's NEP 50 and JAX's weak types do."""
    return type(v) in (int, float, complex, bool) or (isinstance(v, Tracer) and v.weak)


def lift(v: Value, trace: Trace) -> Tracer:
    """A Tracer for ``v``: tracers pass through, everything else becomes a constant node."""
    if isinstance(v, Tracer):
        if v.trace is not trace:
            raise TracingError(f"a traced value {v!r} from another compilation was used here")
        check_alive(v)
        return v
    if is_weak_scalar(v):
        dtype = np.result_type(v)
        node = Node(const_p, (), ConstParams(v, True), (), dtype, ())
        return Tracer(node, (), trace, weak=type(v) is not bool)
    try:
        arr = np.asarray(v)
    except Exception as exc:
        raise TracingError(f"cannot use {type(v).__name__} {v!r} as an array") from exc
    if arr.dtype == object:
        raise TracingError(
            f"cannot use {type(v).__name__} {v!r} as an array inside {trace.current_function!r}"
        )
    node = Node(const_p, (), ConstParams(arr, False), arr.shape, arr.dtype, default_names(arr.ndim))
    return Tracer(node, (), trace)


def default_names(n: int, stem: str = "d") -> tuple[str, ...]:
    return tuple(f"{stem}{i}" for i in range(n))


def union_levels(tracers: Sequence[Tracer]) -> tuple[Level, ...]:
    seen: dict[int, Level] = {}
    for t in tracers:
        for lv in t.levels:
            seen.setdefault(lv.id, lv)
    return tuple(sorted(seen.values(), key=lambda lv: (lv.depth, lv.id)))


# a Python scalar of each weak kind, standing for a weak tracer in ``result_dtype``
_WEAK_STAND_INS = {"i": 1, "u": 1, "f": 1.0, "c": 1 + 0j, "b": True}


def _dummy(v: Value) -> Any:
    if isinstance(v, Tracer):
        return _WEAK_STAND_INS[v.dtype.kind] if v.weak else np.ones(1, v.dtype)
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
        raise ArgumentTypeError(f"{what} must be an int, got {type(axis).__name__} {axis!r}")
    if not -ndim <= axis < ndim:
        raise AxisError(f"{what} {axis} is out of bounds for an array of dimension {ndim}")
    return int(axis) % ndim if ndim else 0


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
        raise IncompatibleShapesError(
            "operands could not be broadcast together with shapes "
            + " ".join(str(tuple(s)) for s in shapes)
        ) from None


def batch_names(levels: Sequence[Level]) -> tuple[str, ...]:
    return tuple(lv.name for lv in levels)


# the cast ``primitives/shape.py`` registers (this layer imports no primitives)
_weak_cast: list[Callable[[Tracer, np.dtype], Tracer]] = []


def register_weak_cast(cast: Callable[[Tracer, np.dtype], Tracer]) -> None:
    _weak_cast[:] = [cast]


def cast_weak_inputs(inputs: Sequence[Tracer], dtype: np.dtype) -> list[Tracer]:
    """The operands of a promoting operation (arithmetic, products) whose ``dtype`` came
    from ``result_dtype``: a weak traced input (a traced Python scalar) is cast to it, since
    the generated NumPy code sees that input as a 0-d array, which NumPy does not treat as
    weak (``f32 * f64[]`` is f64). A Python constant is printed as a literal, which NumPy
    does treat as weak, so it needs no cast."""
    dtype = np.dtype(dtype)
    if dtype.kind not in "iufc" or all(t.weak for t in inputs) or not _weak_cast:
        return list(inputs)
    return [
        _weak_cast[0](t, dtype)
        if t.weak and t.dtype != dtype and t.dtype.kind in "iufc" and t.node.op is not const_p
        else t
        for t in inputs
    ]


def inexact_operands(
    inputs: list[Tracer], dtype: np.dtype, fixed: np.dtype | None = None
) -> list[Tracer]:
    """The operands of a function NumPy computes in the inexact ``dtype`` from bools and
    integers only (``sin(int32)``, ``int32 / int32``): cast to JAX's inexact dtype for
    them (``to_inexact``: float32 from up to 32 bits, where NumPy's is float64, or float16
    from 8 bits; or ``fixed``) where that differs; ``inputs`` itself otherwise."""
    strong = [t.dtype for t in inputs if not t.weak]
    if not strong or any(d.kind not in "biu" for d in strong) or not _weak_cast:
        return inputs
    target = fixed if fixed is not None else inexact_result(*inputs)
    if target == dtype:
        return inputs
    return [_weak_cast[0](t, target) if not t.weak else t for t in inputs]


def cast_to_jax_dtype(inputs: Sequence[Tracer], skip: int = -1) -> list[Tracer]:
    """The operands of a promoting operation with their integer operands cast to JAX's
    dtype where NumPy would promote them wider (``f32`` with ``i32`` is ``f32`` in JAX,
    ``f64`` in NumPy): an explicit cast node, so NumPy then computes in JAX's dtype.
    Weak operands (traced Python scalars) do not take part; ``skip`` is the index of an
    operand that does not promote (``where``'s condition, ``ldexp``'s exponent)."""
    strong = tuple(t.dtype for k, t in enumerate(inputs) if k != skip and not t.weak)
    target = narrowed(strong)
    if target is None or not _weak_cast:
        return list(inputs)
    return [
        _weak_cast[0](t, target) if k != skip and not t.weak and t.dtype.kind in "iu" else t
        for k, t in enumerate(inputs)
    ]


def make(
    trace: Trace,
    op: Primitive,
    inputs: Sequence[Tracer],
    params: Any,
    levels: tuple[Level, ...],
    logical_shape: tuple[int, ...],
    dtype: np.dtype,
    logical_names: tuple[str, ...] | None = None,
) -> Tracer:
    dtype = np.dtype(dtype)
    shape = tuple(lv.size for lv in levels) + tuple(logical_shape)
    names = logical_names if logical_names is not None else default_names(len(logical_shape))
    node = Node(
        op,
        tuple(t.node for t in inputs),
        params,
        shape,
        dtype,
        batch_names(levels) + tuple(names),
    )
    # weak in, same dtype out stays weak (``0.5 * 2.0``, ``sin(x)``); a new dtype
    # (a comparison's bool, a cast) or any strong operand makes it strong, as in JAX
    weak = bool(inputs) and all(t.weak for t in inputs) and node.dtype == inputs[0].dtype
    return Tracer(node, levels, trace, weak)


def logical_names(t: Tracer) -> tuple[str, ...]:
    return t.node.axes[len(t.levels) :]


def broadcast_map(
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


def merge_names(tracers: Sequence[Tracer], out_logical: tuple[int, ...]) -> tuple[str, ...]:
    names = list(default_names(len(out_logical)))
    for k in range(len(out_logical)):
        for t in tracers:
            j = k - (len(out_logical) - t.ndim)
            if 0 <= j < t.ndim and t.shape[j] == out_logical[k]:
                names[k] = logical_names(t)[j]
                break
    return tuple(names)
