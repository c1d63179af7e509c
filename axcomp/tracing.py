"""Tracing Python kernels into the axis graph.

A ``Tracer`` stands for an array inside a kernel. Its node's leading axes are the batch
axes of the vmap ``levels`` it depends on (outermost first); the remaining axes are the
*logical* axes the kernel sees. vmap only adds a level (names an axis); ops align batch
axes by level, so no op needs per-level batching code.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import ShapeError, SpecSyntaxError, TracingError
from .ir import Node

_level_ids = itertools.count()


@dataclass(eq=False)
class Level:
    """One vmap call: a named batch axis of a fixed size."""

    name: str
    size: int
    depth: int
    describe: str  # e.g. "vmap(in_axes=(None, 0))" — used in error messages
    id: int = field(default_factory=lambda: next(_level_ids))
    alive: bool = True

    @property
    def label(self) -> str:
        return f"L{self.id}"


@dataclass(frozen=True)
class LevelRecord:
    """What one vmap call did, kept for ``axcomp.explain`` (outermost level first)."""

    name: str  # the batch axis's name in the axis graph
    depth: int  # 0 for the outermost vmap
    size: int
    function: str  # the function being vmapped
    in_axes: Any
    out_axes: Any
    # (argument label, logical axis, axis name in the graph before mapping) per mapped leaf
    mapped: tuple[tuple[str, int, str], ...]
    # (output label, position of the batch axis in that output of the vmapped function)
    placed: tuple[tuple[str, int | None], ...] = ()


class Trace:
    """State of one compilation: the active vmap levels and the kernels being traced."""

    def __init__(self) -> None:
        self.levels: list[Level] = []
        self.functions: list[str] = []
        self.level_records: list[LevelRecord] = []  # every vmap call, in call order

    def level_name(self, axis_name: str | None) -> str:
        if axis_name is not None:
            return axis_name
        depth = len(self.levels)
        return "abcdefgh"[depth] if depth < 8 else f"v{depth}"

    @property
    def current_function(self) -> str:
        return self.functions[-1] if self.functions else "<kernel>"


_state = threading.local()


def current_trace() -> Trace | None:
    return getattr(_state, "trace", None)


@contextmanager
def new_trace() -> Iterator[Trace]:
    previous = current_trace()
    trace = Trace()
    _state.trace = trace
    try:
        yield trace
    finally:
        _state.trace = previous


@contextmanager
def tracing_function(trace: Trace, name: str) -> Iterator[None]:
    trace.functions.append(name)
    try:
        yield
    except ShapeError as exc:
        _add_kernel_context(exc, trace)
        raise
    finally:
        trace.functions.pop()


def _add_kernel_context(exc: ShapeError, trace: Trace) -> None:
    """Name the kernel (and the vmap levels around it) in an op's shape error, once."""
    if getattr(exc, "_axcomp_context", False) or type(exc).__str__ is not Exception.__str__:
        return
    if isinstance(exc, SpecSyntaxError):
        return  # DSL errors already point at the text with line, column and caret
    if not exc.args or not isinstance(exc.args[0], str):
        return
    levels = ", ".join(f"{lv.name}={lv.size} from {lv.describe}" for lv in trace.levels)
    where = f"in kernel {trace.current_function!r}"
    if levels:
        where += f" (per-example shapes shown; batch axes {levels})"
    exc.args = (f"{exc.args[0]}\n  {where}", *exc.args[1:])
    exc._axcomp_context = True  # type: ignore[attr-defined]


def function_name(fun: Any) -> str:
    return getattr(fun, "__qualname__", None) or getattr(fun, "__name__", None) or repr(fun)


class Tracer:
    """An array inside a traced kernel. Supports NumPy-style operators and methods."""

    __slots__ = ("levels", "node", "trace")
    __array_priority__ = 1000.0  # make ndarray <op> Tracer defer to Tracer

    def __init__(self, node: Node, levels: tuple[Level, ...], trace: Trace) -> None:
        self.node = node
        self.levels = levels
        self.trace = trace

    # --- array attributes (the logical view) ---
    @property
    def shape(self) -> tuple[int, ...]:
        return self.node.shape[len(self.levels):]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def dtype(self) -> np.dtype:
        return self.node.dtype

    @property
    def T(self) -> Tracer:
        return _ops().transpose(self)

    @property
    def mT(self) -> Tracer:
        return _ops().swapaxes(self, -1, -2)

    @property
    def real(self) -> Tracer:
        return _ops().elementwise("real", self)

    @property
    def imag(self) -> Tracer:
        return _ops().elementwise("imag", self)

    def __repr__(self) -> str:
        batch = ", ".join(f"{lv.name}={lv.size}" for lv in self.levels)
        extra = f", batched over [{batch}]" if batch else ""
        return f"Traced<{self.dtype}{list(self.shape)}{extra}>"

    def __len__(self) -> int:
        if not self.shape:
            raise TracingError("len() of a 0-d traced array")
        return self.shape[0]

    def __iter__(self) -> Iterator[Tracer]:
        if not self.shape:
            raise TracingError("iteration over a 0-d traced array")
        return (self[i] for i in range(self.shape[0]))

    # --- things that would need a concrete value ---
    def _concrete(self, what: str) -> TracingError:
        return TracingError(
            f"{what} needs a concrete value, but inside the traced kernel "
            f"{self.trace.current_function!r} this is {self!r}. axcomp compiles kernels "
            "ahead of time, so Python control flow cannot depend on array values: use "
            "axcomp.numpy.where(cond, a, b) instead of if/else, or pass the value as a "
            "static (non-array) argument."
        )

    def __bool__(self) -> bool:
        raise self._concrete("bool() (an if, while, and/or or assert on an array)")

    def __float__(self) -> float:
        raise self._concrete("float()")

    def __int__(self) -> int:
        raise self._concrete("int()")

    def __complex__(self) -> complex:
        raise self._concrete("complex()")

    def __index__(self) -> int:
        raise self._concrete("using an array as an index")

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise self._concrete("converting to a NumPy array (np.asarray, np.array)")

    def tolist(self) -> Any:
        raise self._concrete("tolist()")

    def item(self) -> Any:
        raise self._concrete("item()")

    # --- NumPy protocol: route np.* calls on tracers to axcomp.numpy ---
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return _ops().dispatch_ufunc(self.trace, ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return _ops().dispatch_function(self.trace, func, args, kwargs)

    # --- operators ---
    def __add__(self, o: Any) -> Tracer:
        return _ops().elementwise("add", self, o)

    def __radd__(self, o: Any) -> Tracer:
        return _ops().elementwise("add", o, self)

    def __sub__(self, o: Any) -> Tracer:
        return _ops().elementwise("subtract", self, o)

    def __rsub__(self, o: Any) -> Tracer:
        return _ops().elementwise("subtract", o, self)

    def __mul__(self, o: Any) -> Tracer:
        return _ops().multiply(self, o)

    def __rmul__(self, o: Any) -> Tracer:
        return _ops().multiply(o, self)

    def __truediv__(self, o: Any) -> Tracer:
        return _ops().elementwise("true_divide", self, o)

    def __rtruediv__(self, o: Any) -> Tracer:
        return _ops().elementwise("true_divide", o, self)

    def __floordiv__(self, o: Any) -> Tracer:
        return _ops().elementwise("floor_divide", self, o)

    def __rfloordiv__(self, o: Any) -> Tracer:
        return _ops().elementwise("floor_divide", o, self)

    def __mod__(self, o: Any) -> Tracer:
        return _ops().elementwise("remainder", self, o)

    def __rmod__(self, o: Any) -> Tracer:
        return _ops().elementwise("remainder", o, self)

    def __pow__(self, o: Any) -> Tracer:
        return _ops().power(self, o)

    def __rpow__(self, o: Any) -> Tracer:
        return _ops().power(o, self)

    def __matmul__(self, o: Any) -> Tracer:
        return _ops().matmul(self, o)

    def __rmatmul__(self, o: Any) -> Tracer:
        return _ops().matmul(o, self)

    def __neg__(self) -> Tracer:
        return _ops().elementwise("negative", self)

    def __pos__(self) -> Tracer:
        return self

    def __abs__(self) -> Tracer:
        return _ops().elementwise("absolute", self)

    def __invert__(self) -> Tracer:
        return _ops().elementwise("invert", self)

    def __and__(self, o: Any) -> Tracer:
        return _ops().elementwise("bitwise_and", self, o)

    def __rand__(self, o: Any) -> Tracer:
        return _ops().elementwise("bitwise_and", o, self)

    def __or__(self, o: Any) -> Tracer:
        return _ops().elementwise("bitwise_or", self, o)

    def __ror__(self, o: Any) -> Tracer:
        return _ops().elementwise("bitwise_or", o, self)

    def __xor__(self, o: Any) -> Tracer:
        return _ops().elementwise("bitwise_xor", self, o)

    def __rxor__(self, o: Any) -> Tracer:
        return _ops().elementwise("bitwise_xor", o, self)

    def __lt__(self, o: Any) -> Tracer:
        return _ops().elementwise("less", self, o)

    def __le__(self, o: Any) -> Tracer:
        return _ops().elementwise("less_equal", self, o)

    def __gt__(self, o: Any) -> Tracer:
        return _ops().elementwise("greater", self, o)

    def __ge__(self, o: Any) -> Tracer:
        return _ops().elementwise("greater_equal", self, o)

    def __eq__(self, o: Any) -> Tracer:  # type: ignore[override]
        return _ops().elementwise("equal", self, o)

    def __ne__(self, o: Any) -> Tracer:  # type: ignore[override]
        return _ops().elementwise("not_equal", self, o)

    __hash__ = object.__hash__

    def __getitem__(self, index: Any) -> Tracer:
        return _ops().getitem(self, index)

    # --- methods ---
    def sum(self, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Tracer:
        return _ops().reduce_sum(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def mean(self, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Tracer:
        return _ops().mean(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tracer:
        return _ops().reduce("max", self, axis=axis, keepdims=keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Tracer:
        return _ops().reduce("min", self, axis=axis, keepdims=keepdims)

    def prod(self, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Tracer:
        return _ops().reduce("prod", self, axis=axis, keepdims=keepdims, dtype=dtype)

    def reshape(self, *shape: Any, order: str = "C") -> Tracer:
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = tuple(shape[0])
        return _ops().reshape(self, shape, order=order)

    def transpose(self, *axes: Any) -> Tracer:
        if len(axes) == 1 and not isinstance(axes[0], int):
            axes = tuple(axes[0]) if axes[0] is not None else ()
        return _ops().transpose(self, axes or None)

    def swapaxes(self, a: int, b: int) -> Tracer:
        return _ops().swapaxes(self, a, b)

    def squeeze(self, axis: Any = None) -> Tracer:
        return _ops().squeeze(self, axis)

    def astype(self, dtype: Any) -> Tracer:
        return _ops().astype(self, dtype)

    def dot(self, other: Any) -> Tracer:
        return _ops().dot(self, other)

    def conj(self) -> Tracer:
        return _ops().elementwise("conjugate", self)

    conjugate = conj

    def flatten(self) -> Tracer:
        return _ops().reshape(self, (-1,))

    ravel = flatten

    def copy(self) -> Tracer:
        return self


def _ops() -> Any:
    from . import ops

    return ops
