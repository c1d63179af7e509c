"""The Tracer's operators, NumPy protocol hooks and array methods, attached from above.

Like JAX's ``_src/numpy/array_methods.py``: the tracer class lives in the tracing layer and
knows nothing of the primitives; this module, in the numpy layer, gives it ``+``,
``x.sum()``, ``x.T``, ``np.exp(x)`` and the methods primitive modules export, at import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import primitives as ops
from ..errors import TracingError, UnsupportedError
from ..primitives.gathers import _SCATTER_MODES, advanced, scatter
from ..tracing.build import Value
from ..tracing.trace import Trace
from ..tracing.tracer import Tracer
from . import elementwise, indexing, manipulation, reductions, sorting
from .namespace import FUNCTIONS as _NAMESPACE  # axcomp.numpy's, for np.* dispatch


class _Index:
    def __init__(self, x: Tracer, index: Any) -> None:
        self.x, self.index = x, index

    def _check(self, mode: Any) -> None:
        if mode not in _SCATTER_MODES:
            raise UnsupportedError(f"scatter mode {mode!r} is not supported (drop)")

    def get(self, mode: Any = None, fill_value: Any = None, **_: Any) -> Tracer:
        if mode in (None, "clip", "promise_in_bounds"):
            return ops.getitem(self.x, self.index)
        if mode == "fill":
            return advanced(self.x, self.index, mode="fill", fill=fill_value)
        raise UnsupportedError(f"gather mode {mode!r} is not supported (clip, fill)")

    def set(self, values: Value, mode: Any = None, **_: Any) -> Tracer:
        self._check(mode)
        return scatter(self.x, self.index, values, "set")

    def add(self, values: Value, mode: Any = None, **_: Any) -> Tracer:
        self._check(mode)
        return scatter(self.x, self.index, values, "add")

    def subtract(self, values: Value, mode: Any = None, **_: Any) -> Tracer:
        self._check(mode)
        return scatter(self.x, self.index, ops.elementwise("negative", values), "add")

    def multiply(self, values: Value, mode: Any = None, **_: Any) -> Tracer:
        self._check(mode)
        return scatter(self.x, self.index, values, "multiply")

    mul = multiply

    def min(self, values: Value, mode: Any = None, **_: Any) -> Tracer:
        self._check(mode)
        return scatter(self.x, self.index, values, "min")

    def max(self, values: Value, mode: Any = None, **_: Any) -> Tracer:
        self._check(mode)
        return scatter(self.x, self.index, values, "max")


class _At:
    def __init__(self, x: Tracer) -> None:
        self.x = x

    def __getitem__(self, index: Any) -> _Index:
        return _Index(self.x, index)


class _Methods:
    """Bodies to copy onto ``Tracer`` (a class only to keep them readable together)."""

    trace: Trace

    @property
    def T(self) -> Tracer:
        return ops.transpose(self)

    @property
    def mT(self) -> Tracer:
        return ops.swapaxes(self, -1, -2)

    @property
    def at(self) -> _At:
        """JAX's ``x.at[index].set(v)`` (also add, multiply, min, max, get): the updated
        copy, as scatters."""
        return _At(self)  # type: ignore[arg-type]  # (self is a Tracer once installed)

    @property
    def real(self) -> Tracer:
        return ops.elementwise("real", self)

    @property
    def imag(self) -> Tracer:
        return ops.elementwise("imag", self)

    # --- NumPy protocol: route np.* calls on tracers to axcomp.numpy ---
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return dispatch_ufunc(self.trace, ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return dispatch_function(self.trace, func, args, kwargs)

    # --- operators ---
    def __add__(self, o: Any) -> Tracer:
        return ops.elementwise("add", self, o)

    def __radd__(self, o: Any) -> Tracer:
        return ops.elementwise("add", o, self)

    def __sub__(self, o: Any) -> Tracer:
        return ops.elementwise("subtract", self, o)

    def __rsub__(self, o: Any) -> Tracer:
        return ops.elementwise("subtract", o, self)

    def __mul__(self, o: Any) -> Tracer:
        return ops.multiply(self, o)

    def __rmul__(self, o: Any) -> Tracer:
        return ops.multiply(o, self)

    def __truediv__(self, o: Any) -> Tracer:
        return ops.elementwise("true_divide", self, o)

    def __rtruediv__(self, o: Any) -> Tracer:
        return ops.elementwise("true_divide", o, self)

    def __floordiv__(self, o: Any) -> Tracer:
        return ops.elementwise("floor_divide", self, o)

    def __rfloordiv__(self, o: Any) -> Tracer:
        return ops.elementwise("floor_divide", o, self)

    def __mod__(self, o: Any) -> Tracer:
        return ops.elementwise("remainder", self, o)

    def __rmod__(self, o: Any) -> Tracer:
        return ops.elementwise("remainder", o, self)

    def __pow__(self, o: Any) -> Tracer:
        return ops.power(self, o)

    def __rpow__(self, o: Any) -> Tracer:
        return ops.power(o, self)

    def __matmul__(self, o: Any) -> Tracer:
        return ops.matmul(self, o)

    def __rmatmul__(self, o: Any) -> Tracer:
        return ops.matmul(o, self)

    def __neg__(self) -> Tracer:
        return ops.elementwise("negative", self)

    def __pos__(self) -> Any:
        return self

    def __abs__(self) -> Tracer:
        return ops.elementwise("absolute", self)

    def __invert__(self) -> Tracer:
        return ops.elementwise("invert", self)

    def __and__(self, o: Any) -> Tracer:
        return ops.elementwise("bitwise_and", self, o)

    def __rand__(self, o: Any) -> Tracer:
        return ops.elementwise("bitwise_and", o, self)

    def __or__(self, o: Any) -> Tracer:
        return ops.elementwise("bitwise_or", self, o)

    def __ror__(self, o: Any) -> Tracer:
        return ops.elementwise("bitwise_or", o, self)

    def __xor__(self, o: Any) -> Tracer:
        return ops.elementwise("bitwise_xor", self, o)

    def __rxor__(self, o: Any) -> Tracer:
        return ops.elementwise("bitwise_xor", o, self)

    def __lt__(self, o: Any) -> Tracer:
        return ops.elementwise("less", self, o)

    def __le__(self, o: Any) -> Tracer:
        return ops.elementwise("less_equal", self, o)

    def __gt__(self, o: Any) -> Tracer:
        return ops.elementwise("greater", self, o)

    def __ge__(self, o: Any) -> Tracer:
        return ops.elementwise("greater_equal", self, o)

    def __eq__(self, o: Any) -> Tracer:  # type: ignore[override]
        return ops.elementwise("equal", self, o)

    def __ne__(self, o: Any) -> Tracer:  # type: ignore[override]
        return ops.elementwise("not_equal", self, o)

    __hash__ = object.__hash__

    def __getitem__(self, index: Any) -> Tracer:
        return ops.getitem(self, index)

    # --- methods ---
    def sum(self, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Tracer:
        return ops.reduce_sum(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def mean(self, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Tracer:
        return ops.mean(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tracer:
        return ops.reduce("max", self, axis=axis, keepdims=keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Tracer:
        return ops.reduce("min", self, axis=axis, keepdims=keepdims)

    def prod(self, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Tracer:
        return ops.reduce("prod", self, axis=axis, keepdims=keepdims, dtype=dtype)

    def reshape(self, *shape: Any, order: str = "C") -> Tracer:
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = tuple(shape[0])
        return ops.reshape(self, shape, order=order)

    def transpose(self, *axes: Any) -> Tracer:
        if len(axes) == 1 and not isinstance(axes[0], int):
            axes = tuple(axes[0]) if axes[0] is not None else ()
        return ops.transpose(self, axes or None)

    def swapaxes(self, a: int, b: int) -> Tracer:
        return ops.swapaxes(self, a, b)

    def squeeze(self, axis: Any = None) -> Tracer:
        return ops.squeeze(self, axis)

    def astype(self, dtype: Any) -> Tracer:
        return ops.astype(self, dtype)

    def dot(self, other: Any) -> Tracer:
        return ops.dot(self, other)

    def conj(self) -> Tracer:
        return ops.elementwise("conjugate", self)

    conjugate = conj

    def flatten(self) -> Tracer:
        return ops.reshape(self, (-1,))

    ravel = flatten

    def copy(self) -> Any:
        return self  # values in the graph are immutable: a copy is the value itself

    def clip(self, min: Any = None, max: Any = None) -> Tracer:
        out: Any = self
        if min is not None:
            out = ops.elementwise("maximum", out, min)
        if max is not None:
            out = ops.elementwise("minimum", out, max)
        return out

    def any(self, axis: Any = None, keepdims: bool = False) -> Tracer:
        return ops.reduce("any", self, axis=axis, keepdims=keepdims)

    def all(self, axis: Any = None, keepdims: bool = False) -> Tracer:
        return ops.reduce("all", self, axis=axis, keepdims=keepdims)

    def argmax(self, axis: Any = None, keepdims: bool = False) -> Tracer:
        return ops.reduce("argmax", self, axis=axis, keepdims=keepdims)

    def argmin(self, axis: Any = None, keepdims: bool = False) -> Tracer:
        return ops.reduce("argmin", self, axis=axis, keepdims=keepdims)

    round = elementwise.round  # numpy.round(x, decimals) as x.round(decimals)
    ptp = reductions.ptp
    repeat = manipulation.repeat
    var = reductions.var
    cumsum = reductions.cumsum
    cumprod = reductions.cumprod
    std = reductions.std
    sort = sorting.sort
    argsort = sorting.argsort
    diagonal = indexing.diagonal  # no x.trace(): Tracer.trace is the tracer's Trace


_UFUNC_TO_OP: dict[str, Callable[..., Tracer]] = {
    "multiply": ops.multiply,
    "matmul": ops.matmul,
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
        if name in ops.ELEMENTWISE_FUNCTIONS:
            return ops.elementwise(name, *inputs)
        if callable(_NAMESPACE.get(name)):  # ufuncs built from primitives (logaddexp)
            return _NAMESPACE[name](*inputs)
    if method == "reduce" and name == "add":
        return ops.reduce_sum(
            inputs[0], axis=kwargs.get("axis", 0), keepdims=kwargs.get("keepdims", False)
        )
    raise TracingError(
        f"NumPy ufunc np.{name}{'.' + method if method != '__call__' else ''} "
        f"{'with ' + ', '.join(kwargs) + ' ' if kwargs else ''}is not supported on traced "
        f"values in kernel {trace.current_function!r}; use axcomp.numpy instead of numpy "
        "inside kernels"
    )


def dispatch_function(trace: Trace, func: Any, args: Any, kwargs: Any) -> Any:
    name = getattr(func, "__name__", repr(func))
    impl = _NAMESPACE.get(name)
    if impl is not None and callable(impl):
        return impl(*args, **kwargs)
    raise TracingError(
        f"NumPy function np.{name} is not supported by axcomp on traced values (reached "
        f"through __array_function__ in kernel {trace.current_function!r}); use an "
        "axcomp.numpy function instead"
    )


def install(namespace: dict[str, Any], public: list[str]) -> None:
    """Attach the methods to ``Tracer``; route ``np.<name>`` on tracers to ``namespace``."""
    _NAMESPACE.update((n, namespace[n]) for n in public if callable(namespace.get(n)))
    skip = {"__module__", "__qualname__", "__doc__", "__dict__", "__weakref__", "__hash__"}
    for name, value in vars(_Methods).items():
        if name not in skip:
            setattr(Tracer, name, value)
