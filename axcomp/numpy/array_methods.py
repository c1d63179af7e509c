"""The Tracer's operators, NumPy protocol hooks and array methods, attached from above.

Like JAX's ``_src/numpy/array_methods.py``: the tracer class lives in the tracing layer and
knows nothing of the primitives; this module, in the numpy layer, gives it ``+``,
``x.sum()``, ``x.T``, ``np.exp(x)`` and the methods primitive modules export, at import.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable
from typing import Any, cast

import numpy as np

from .. import primitives as ops
from ..core.array_impl import ArrayImpl, as_array
from ..errors import ArgumentTypeError, TracingError, UnsupportedError
from ..primitives.control import while_loop
from ..primitives.gathers import _SCATTER_MODES, advanced, scatter
from ..tracing.build import Value
from ..tracing.trace import Trace
from ..tracing.tracer import Tracer
from ..transforms.jit import static_jit
from . import elementwise, fft, indexing, manipulation, reductions, sorting, ufuncs
from .dispatch import any_traced, returning_arrays
from .namespace import FUNCTIONS as _NAMESPACE  # axcomp.numpy's, for np.* dispatch


class _Index:
    """``x.at[index]``: the updated copies of JAX's ``.at`` on a traced ``x``."""

    def __init__(self, x: Any, index: Any) -> None:
        self.x, self.index = x, index

    def _scatter(self, values: Value, how: str, mode: Any) -> Tracer:
        if mode == "clip":
            return scatter(self.x, _clipped(self.x, self.index), values, how)
        if mode == "fill":  # for scatters JAX's "fill" drops out-of-bounds writes
            mode = "drop"
        if mode not in _SCATTER_MODES:
            raise UnsupportedError(
                f"scatter mode {mode!r} is not supported (clip, drop, fill, promise_in_bounds)"
            )
        return scatter(self.x, self.index, values, how)

    def get(self, mode: Any = None, fill_value: Any = None, **_: Any) -> Tracer:
        if mode in (None, "clip", "promise_in_bounds"):  # gathers clamp, as JAX's
            return ops.getitem(self.x, _clipped(self.x, self.index, arrays=False))
        if mode == "fill":
            return advanced(self.x, self.index, mode="fill", fill=fill_value)
        raise UnsupportedError(f"gather mode {mode!r} is not supported (clip, fill)")

    def set(self, values: Value, mode: Any = None, **_: Any) -> Tracer:
        return self._scatter(values, "set", mode)

    def add(self, values: Value, mode: Any = None, **_: Any) -> Tracer:
        return self._scatter(values, "add", mode)

    def subtract(self, values: Value, mode: Any = None, **_: Any) -> Tracer:
        return self._scatter(ops.elementwise("negative", values), "add", mode)

    def multiply(self, values: Value, mode: Any = None, **_: Any) -> Tracer:
        return self._scatter(values, "multiply", mode)

    mul = multiply

    def divide(self, values: Value, mode: Any = None, **_: Any) -> Tracer:
        # as JAX: x divided by ones multiplied at the index by the values
        ones = _At(_NAMESPACE["ones_like"](self.x))[self.index]
        return ops.elementwise("true_divide", self.x, ones.multiply(values, mode=mode))

    def power(self, values: Value, mode: Any = None, **_: Any) -> Tracer:
        ones = _At(_NAMESPACE["ones_like"](self.x))[self.index]
        return ops.power(self.x, ones.multiply(values, mode=mode))

    def min(self, values: Value, mode: Any = None, **_: Any) -> Tracer:
        return self._scatter(values, "min", mode)

    def max(self, values: Value, mode: Any = None, **_: Any) -> Tracer:
        return self._scatter(values, "max", mode)

    def apply(self, func: Callable[[Any], Any], mode: Any = None, **_: Any) -> Tracer:
        """``func`` applied at the index, once per occurrence of a position (JAX applies it
        again for each repeat): where no position repeats, once to the gathered values;
        else ``func`` of the whole array, kept where a position has more rounds to go."""
        if not _traced_index(self.index):
            counts = _occurrences(self.x, self.index, mode)
            if counts is None or int(np.max(counts, initial=0)) <= 1:
                got = self.get(mode="clip" if mode == "clip" else None)
                return self.set(func(got), mode=mode)
            return cast(Tracer, _apply_rounds(self.x, counts, func))  # (x is a Tracer)
        shape = _NAMESPACE["shape"](self.x)
        traced_counts = _Index(np.zeros(shape, np.int32), self.index).add(1, mode=mode)
        rounds = _NAMESPACE["max"](traced_counts) if traced_counts.size else 0
        where = _NAMESPACE["where"]

        def step(state: tuple[Any, Any]) -> tuple[Any, Any]:
            k, y = state
            return k + 1, where(traced_counts > k, func(y), y)

        # traced positions: as many rounds as the most repeated one needs (one, if none is)
        out = while_loop(lambda state: state[0] < rounds, step, (0, self.x))[1]
        return cast(Tracer, out)  # (the loop's carry: x's shape and dtype)


def _traced_index(index: Any) -> bool:
    return any(isinstance(it, Tracer) for it in (index if isinstance(index, tuple) else (index,)))


def _occurrences(x: Any, index: Any, mode: Any) -> np.ndarray | None:
    """How many times ``x.at[index]`` (a static index of ints, integer arrays and slices)
    writes each position of ``x``, out-of-bounds writes dropped (clamped with ``clip``), in
    NumPy alone (no trace); None for an index of another kind (masks, ``None``, ``...``)."""
    shape = tuple(_NAMESPACE["shape"](x))
    items = index if isinstance(index, tuple) else (index,)
    if len(items) > len(shape):
        return None
    # one extra slot per indexed axis takes the dropped writes
    padded = np.zeros(tuple(n + 1 for n in shape), np.int64)
    selection: list[Any] = []
    for it, n in zip(items, shape):
        if isinstance(it, slice):
            selection.append(slice(*it.indices(n)))
            continue
        if it is None or it is Ellipsis or isinstance(it, (bool, np.bool_)):
            return None
        i = np.asarray(it)
        if i.dtype.kind not in "iu":
            return None
        i = np.where(i < 0, i + n, i)
        dropped = np.where((i < 0) | (i >= n), n, i)
        selection.append(np.clip(i, 0, n - 1) if mode == "clip" else dropped)
    selection += [slice(0, n) for n in shape[len(items) :]]
    np.add.at(padded, tuple(selection), 1)
    return padded[tuple(slice(0, n) for n in shape)]


def _apply_rounds(x: Any, counts: np.ndarray, func: Callable[[Any], Any]) -> Any:
    """``func`` applied ``counts`` times at each position of ``x``."""
    where = _NAMESPACE["where"]
    y = x
    for k in range(int(counts.max())):
        y = where(counts > k, func(y), y)
    return y


def _tuple_or_item(index: Any) -> Any:
    """``index`` unless it is a list: JAX refuses ``x[[0, 1]]`` (NumPy once read a list as
    a tuple of indices), where ``x[np.array([0, 1])]`` or ``x[[0, 1],]`` says which."""
    if type(index) is list:
        raise ArgumentTypeError(
            "Using a non-tuple sequence for multidimensional indexing is not allowed; use "
            "`arr[array(seq)]` instead of `arr[seq]` (as JAX)"
        )
    return index


def _static_clamped(x: Any, index: Any) -> Any:
    """``x[index]``'s index with out-of-bounds ints clamped, as JAX's gathers do (eager and
    under ``jit``); an index that does not fit ``x`` is left for ``getitem`` to refuse."""
    items = index if isinstance(index, tuple) else (index,)
    if not any(isinstance(it, (int, np.integer)) and not isinstance(it, bool) for it in items):
        return index
    try:
        return _clipped(x, index, arrays=False)
    except IndexError:
        return index


def _clipped(x: Any, index: Any, arrays: bool = True) -> Any:
    """``index`` with its integer items (and with ``arrays`` its integer arrays) wrapped
    from the end and clamped into ``x``'s shape (JAX's ``mode="clip"``)."""
    items = index if isinstance(index, tuple) else (index,)
    shape = _NAMESPACE["shape"](x)
    real = sum(1 for it in items if it is not None and it is not Ellipsis)
    out: list[Any] = []
    dim = 0
    for it in items:
        if it is None or it is Ellipsis or isinstance(it, slice):
            out.append(it)
            dim += (len(shape) - real) if it is Ellipsis else int(it is not None)
            continue
        n = shape[dim]
        dim += 1
        if isinstance(it, (int, np.integer)) and not isinstance(it, bool):
            out.append(min(max(it + n if it < 0 else it, 0), n - 1))
        elif not arrays or _NAMESPACE["result_type"](it) == np.bool_:
            return index  # masks: left to the gather
        else:
            where, clip = _NAMESPACE["where"], _NAMESPACE["clip"]
            out.append(clip(where(it < 0, it + n, it), 0, n - 1))
    return tuple(out) if isinstance(index, tuple) else out[0]


class _At:
    def __init__(self, x: Any) -> None:
        self.x = x

    def __getitem__(self, index: Any) -> _Index:
        return _Index(self.x, _tuple_or_item(index))


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
        return _At(self)

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
        return ops.getitem(self, _static_clamped(self, _tuple_or_item(index)))

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
        out = cast(Tracer, self)  # (these methods are Tracer's once installed)
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


# --- the concrete array: ``.at`` run through the traced implementation above ---

_UPDATES = ("set", "add", "subtract", "multiply", "mul", "divide", "power", "min", "max")


class _EagerIndex:
    """``x.at[index]`` on a concrete array: the traced ``_Index`` method compiled (per
    method, index structure and mode) and run, so eager and traced give the same numbers."""

    def __init__(self, x: ArrayImpl, index: Any) -> None:
        self.x, self.index = x, index

    def _run(self, how: str, values: Any, mode: Any, fill_value: Any = None) -> Any:
        if any_traced((values,)):  # a traced update of a constant: record it
            return getattr(_Index(self.x, self.index), how)(values, mode=mode)
        # (min/max keep integer positions static: the traced scatter takes a traced
        # single position for a set there)
        skeleton, arrays = _split_index(self.index, static_ints=how in ("min", "max"))
        program = _eager_program(how, skeleton, mode, _static_key(fill_value))
        return program(self.x, values, *arrays)

    def get(
        self,
        *,
        mode: Any = None,
        fill_value: Any = None,
        indices_are_sorted: bool = False,
        unique_indices: bool = False,
    ) -> Any:
        return self._run("get", None, mode, fill_value)

    def apply(
        self,
        func: Callable[[Any], Any],
        *,
        mode: Any = None,
        indices_are_sorted: bool = False,
        unique_indices: bool = False,
    ) -> Any:
        counts = None if _traced_index(self.index) else _occurrences(self.x, self.index, mode)
        if counts is not None and int(np.max(counts, initial=0)) > 1:  # once per repeat
            return as_array(_apply_rounds(self.x, counts, func))
        return self._run("apply", func, mode)

    def __getattr__(self, how: str) -> Callable[..., Any]:
        if how not in _UPDATES:
            raise AttributeError(f"'_IndexUpdateRef' object has no attribute {how!r}")

        def update(
            values: Any,
            *,
            mode: Any = None,
            indices_are_sorted: bool = False,
            unique_indices: bool = False,
        ) -> Any:
            return self._run(how, values, mode)

        return update


def _split_index(index: Any, static_ints: bool) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """An index as a hashable skeleton and its arrays (the program's arguments: integers
    too, as 0-d arrays, so a loop over positions compiles once); boolean masks become
    their integer positions, as NumPy indexes with them."""
    is_tuple = isinstance(index, tuple)
    items: list[Any] = []
    arrays: list[Any] = []
    for it in index if is_tuple else (index,):
        if isinstance(it, slice):
            items.append(("slice", it.start, it.stop, it.step))
        elif it is None or it is Ellipsis or isinstance(it, (bool, np.bool_)):
            items.append(("item", it))
        elif isinstance(it, (int, np.integer)) and static_ints:
            items.append(("item", int(it)))
        elif isinstance(it, (int, np.integer)):  # an argument: one program for every i
            items.append(("array",))
            arrays.append(np.asarray(it, dtype=np.intp))
        else:
            a = np.asarray(it)
            if a.dtype == bool:
                for positions in np.nonzero(a):
                    items.append(("array",))
                    arrays.append(positions)
            else:
                items.append(("array",))
                arrays.append(a.view(np.ndarray))
    return (is_tuple, *items), tuple(arrays)


def _join_index(skeleton: tuple[Any, ...], arrays: tuple[Any, ...]) -> Any:
    is_tuple, *items = skeleton
    given = iter(arrays)
    out = [
        slice(*it[1:]) if it[0] == "slice" else it[1] if it[0] == "item" else next(given)
        for it in items
    ]
    return tuple(out) if is_tuple or len(out) != 1 else out[0]


def _static_key(value: Any) -> Any:
    return value.item() if isinstance(value, np.ndarray) and value.ndim == 0 else value


@functools.lru_cache(maxsize=256)
def _eager_program(how: str, skeleton: tuple[Any, ...], mode: Any, fill: Any) -> Any:
    def program(x: Any, values: Any, *arrays: Any) -> Any:
        ref = _Index(x, _join_index(skeleton, arrays))
        if how == "get":
            return ref.get(mode=mode, fill_value=fill)
        return getattr(ref, how)(values, mode=mode)

    staged = static_jit(program)
    if how in ("get", "apply"):  # no values argument: the function (apply) is static
        return lambda x, values, *arrays: staged(x, values, *arrays)
    return lambda x, values, *arrays: staged(x, np.asarray(values), *arrays)


class _EagerAt:
    __slots__ = ("x",)

    def __init__(self, x: ArrayImpl) -> None:
        self.x = x

    def __getitem__(self, index: Any) -> _EagerIndex | _Index:
        index = _tuple_or_item(index)
        if any_traced((index,)):  # a constant updated at traced positions: record it
            return _Index(self.x, index)
        return _EagerIndex(self.x, index)


def _at(self: ArrayImpl) -> _EagerAt:
    """JAX's ``x.at[index].set(v)`` (add, subtract, multiply, divide, power, min, max,
    apply, get): the updated copy."""
    return _EagerAt(self)


def _getitem(self: ArrayImpl, index: Any) -> Any:
    _tuple_or_item(index)
    if any_traced((index,)):  # a constant indexed by traced values: a gather
        return ops.getitem(self.view(np.ndarray), index)
    try:
        return as_array(np.ndarray.__getitem__(self, index))
    except IndexError:  # out of bounds: JAX clamps, as its gathers do (x.at[i].get())
        return _EagerIndex(self, index).get()


def _reshape(self: ArrayImpl, *shape: Any, order: str = "C") -> Any:
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = tuple(shape[0])
    return _PUBLIC["reshape"](self, shape, order=order)


def _transpose(self: ArrayImpl, *axes: Any) -> Any:
    if len(axes) == 1 and not isinstance(axes[0], int):
        axes = tuple(axes[0]) if axes[0] is not None else ()
    return _PUBLIC["transpose"](self, axes or None)


# their eager shape mismatches are JAX's TypeError, as under jit
_PRODUCTS = frozenset({"dot", "matmul", "einsum", "inner", "vdot", "tensordot"})

# methods: the axcomp.numpy function of the same name (JAX's dtype rules, ArrayImpl results)
_ARRAY_METHODS = {
    name: name
    for name in (
        "sum",
        "mean",
        "var",
        "std",
        "prod",
        "max",
        "min",
        "any",
        "all",
        "argmax",
        "argmin",
        "cumsum",
        "cumprod",
        "ptp",
        "round",
        "sort",
        "argsort",
        "diagonal",
        "repeat",
        "clip",
        "dot",
        "conj",
        "conjugate",
        "astype",
        "squeeze",
        "swapaxes",
        "nonzero",
        "take",
        "trace",
        "searchsorted",
        "ravel",
    )
} | {"flatten": "ravel"}

# operators: the axcomp.numpy function; in-place forms rebind (a new array, as JAX's)
_OPERATORS = {
    "add": "add",
    "sub": "subtract",
    "mul": "multiply",
    "truediv": "true_divide",
    "floordiv": "floor_divide",
    "mod": "remainder",
    "pow": "power",
    "matmul": "matmul",
    "and": "bitwise_and",
    "or": "bitwise_or",
    "xor": "bitwise_xor",
    "lshift": "left_shift",
    "rshift": "right_shift",
}
_COMPARISONS = {
    "lt": "less",
    "le": "less_equal",
    "gt": "greater",
    "ge": "greater_equal",
    "eq": "equal",
    "ne": "not_equal",
}
_UNARY = {"neg": "negative", "abs": "absolute", "invert": "invert"}


# the public functions, returning ``ArrayImpl``s (``install`` fills it)
_PUBLIC: dict[str, Callable[..., Any]] = {}


def _method(fn: Callable[..., Any]) -> Callable[..., Any]:
    def method(self: ArrayImpl, *args: Any, **kwargs: Any) -> Any:
        return fn(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = getattr(fn, "__name__", "method")
    method.__doc__ = fn.__doc__
    return method


def _binary(fn: Callable[..., Any], reflected: bool = False) -> Callable[..., Any]:
    def method(self: ArrayImpl, other: Any) -> Any:
        if _defers(other):
            return NotImplemented
        return fn(other, self) if reflected else fn(self, other)

    return method


def _defers(other: Any) -> bool:
    # NumPy's rule: an operand that opts out of ufuncs gets its reflected operator
    return getattr(type(other), "__array_ufunc__", False) is None


def _install_array(namespace: dict[str, Any]) -> None:
    """Give ``ArrayImpl`` JAX's methods and operators, through ``namespace``'s functions."""
    _PUBLIC.update((n, f) for n, f in namespace.items() if callable(f))
    for method, name in _ARRAY_METHODS.items():
        if callable(namespace.get(name)):
            setattr(ArrayImpl, method, _method(namespace[name]))
    for op, name in _OPERATORS.items():
        fn = namespace[name]
        setattr(ArrayImpl, f"__{op}__", _binary(fn))
        setattr(ArrayImpl, f"__i{op}__", _binary(fn))  # x += y rebinds x
        setattr(ArrayImpl, f"__r{op}__", _binary(fn, reflected=True))
    for op, name in _COMPARISONS.items():
        setattr(ArrayImpl, f"__{op}__", _binary(namespace[name]))
    for op, name in _UNARY.items():
        setattr(ArrayImpl, f"__{op}__", _method(namespace[name]))
    ArrayImpl.reshape = _reshape  # type: ignore[method-assign,assignment]
    ArrayImpl.transpose = _transpose  # type: ignore[method-assign,assignment]
    ArrayImpl.__getitem__ = _getitem  # type: ignore[method-assign,assignment]
    ArrayImpl.at = property(_at)  # type: ignore[attr-defined]


def install(namespace: dict[str, Any], public: list[str]) -> None:
    """Attach the methods to ``Tracer`` and ``ArrayImpl``; route ``np.<name>`` on tracers
    to ``namespace``; make the namespace's eager results ``ArrayImpl``s."""
    _NAMESPACE.update((n, namespace[n]) for n in public if callable(namespace.get(n)))
    skip = {"__module__", "__qualname__", "__doc__", "__dict__", "__weakref__", "__hash__"}
    for name, value in vars(_Methods).items():
        if name not in skip:
            setattr(Tracer, name, value)
    for name in public:
        fn = namespace.get(name)
        if isinstance(fn, (types.FunctionType, types.BuiltinFunctionType)):
            namespace[name] = returning_arrays(fn, products=name in _PRODUCTS)
            if ufuncs.FUNCTIONS.get(name) is fn:  # the generated table names the public one
                ufuncs.FUNCTIONS[name] = namespace[name]
    for name in fft.__all__:  # (jnp.linalg runs through jit: its outputs are arrays already)
        setattr(fft, name, returning_arrays(getattr(fft, name)))
    _install_array(namespace)
