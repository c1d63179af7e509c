"""The ``callback`` primitive: a Python function called at run time with traced values, for
its effect (``jax.debug.print``, ``jax.debug.callback``); and ``pure_callback``, one whose
results the program uses (``jax.pure_callback``).

A callback node is none of its graph's outputs: the trace keeps it among the graph's
``effects`` (``Trace.add_effect``), which no pass drops, merges or reorders, and a loop or
cond whose body holds one becomes an effect of the enclosing graph. It lowers to the plan
operation ``callback``, whose first operand is a plan constant holding the Python function
(the generated code calls a name the lowering allocated, never user text) and whose result
is an unused 0-d token. Under ``vmap`` the function is called once per example (the
innermost level's index changing slowest, as in JAX), with each operand's slice for that
example (an operand that does not vary along a level is passed whole), as JAX's batching
rule for callbacks does; a level no operand carries is not looped over.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.array_impl import ArrayImpl
from ..core.graph import Node
from ..core.independence import MIXED, Relations
from ..core.plan import Assign, Expr, LowerContext, Statement, call
from ..core.primitive import primitive
from ..errors import ArgumentValueError, UnsupportedError
from ..tracing.build import lift, make, union_levels
from ..tracing.trace import Trace
from ..tracing.tracer import Tracer


@dataclass(frozen=True, eq=False)
class CallbackParams:
    """``function`` is called with one value per operand; ``levels`` are the sizes of the
    vmap levels the operands carry (outermost first), ``mapped[k]`` the positions among
    them of operand k's leading batch axes; ``description`` is what graphs and ``explain``
    print."""

    function: Callable[..., Any]
    levels: tuple[int, ...]
    mapped: tuple[tuple[int, ...], ...]
    description: str
    guarded: bool = False  # the first operand is a mask: no call unless some entry is true


callback_p = primitive("callback", CallbackParams, allocates=False, effect=True)
callback_p.def_shape(lambda params, inputs: ())
callback_p.def_describe(lambda params: params.description)


# the token carries no derivative: its operands get none through it, it has no tangent
callback_p.def_vjp(lambda b, node, ct, active: [None] * len(node.inputs))
callback_p.def_jvp(lambda b, node, tangents: None)


@callback_p.def_axes
def _callback_axes(node: Node) -> Relations:
    # the function sees whole values: a blocked run cannot split through it
    return tuple((MIXED,) * i.ndim for i in node.inputs)


class _PerExample:
    """The plan constant a ``callback`` step calls: ``function`` once per example of the
    levels the operands carry, with each operand's slice, as an ``ArrayImpl``."""

    def __init__(self, params: CallbackParams) -> None:
        self.params = params

    def __call__(self, *values: np.ndarray) -> np.ndarray:
        p = self.params
        if p.guarded:
            if not np.any(values[0]):
                return np.zeros((), bool)
            values = values[1:]
        arrays = [np.asarray(v).view(ArrayImpl) for v in values]
        # the innermost level is the outermost loop, as JAX's nested batching rules run
        for reversed_example in itertools.product(*(range(n) for n in reversed(p.levels))):
            example = reversed_example[::-1]
            p.function(
                *(
                    a[tuple(example[k] for k in mapped)] if mapped else a
                    for a, mapped in zip(arrays, p.mapped, strict=True)
                )
            )
        return np.zeros((), bool)

    def __repr__(self) -> str:
        return f"<callback {self.params.description}>"


@callback_p.def_lower
def _lower_callback(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
) -> tuple[Statement, ...]:
    function = ctx.constant(_PerExample(node.params))
    return (Assign(target, call("callback", function, *args), (), np.dtype(bool)),)


def add_callback(
    trace: Trace, function: Callable[..., Any], operands: Sequence[Any], description: str
) -> None:
    """Call ``function(*values)`` with the run-time values of ``operands`` (traced or not)
    each time the traced program runs, in program order with the other callbacks."""
    tracers = [lift(v, trace) for v in operands]
    levels = union_levels(tracers)  # only the levels some operand varies along
    position = {lv.id: k for k, lv in enumerate(levels)}
    guard = trace.effect_guard
    params = CallbackParams(
        function,
        tuple(lv.size for lv in levels),
        tuple(tuple(position[lv.id] for lv in t.levels) for t in tracers),
        description,
        guard is not None,
    )
    inputs = ([guard] if guard is not None else []) + tracers
    node = Node(callback_p, tuple(t.node for t in inputs), params, (), np.dtype(bool), ())
    trace.add_effect(node)


# --- pure_callback: a host function with results -------------------------------------


@dataclass(frozen=True, eq=False)
class PureCallbackParams:
    """Result ``index`` of ``call`` (one ``HostCall`` for every result of one
    ``pure_callback``, so the function runs once per run however many results it has);
    ``description`` is what graphs and ``explain`` print."""

    call: HostCall
    index: int
    description: str


class HostCall:
    """The plan constant a ``host_call`` step calls: the user's function on the operands'
    values (as ``ArrayImpl``s, as JAX passes its arrays), per example or once for the
    batch as ``vmap_method`` says, its results checked against the declared shapes and
    dtypes. The results of the last run are kept for the other results' steps, which
    pass the same operand objects (per thread: blocks may run on several)."""

    def __init__(
        self,
        function: Callable[..., Any],
        results: tuple[tuple[tuple[int, ...], np.dtype], ...],
        levels: tuple[int, ...],
        mapped: tuple[tuple[int, ...], ...],
        vmap_method: str,
        description: str,
    ) -> None:
        self.function, self.results, self.levels = function, results, levels
        self.mapped, self.vmap_method, self.description = mapped, vmap_method, description
        self._last = threading.local()

    def result(self, index: int, *values: np.ndarray) -> np.ndarray:
        # a run's steps each take one result of the same call; a result asked for again
        # belongs to a new run, which calls the function again (its operands may be the
        # same arrays with new contents)
        last = getattr(self._last, "run", None)
        if (
            last is None
            or index in last[2]
            or len(last[0]) != len(values)
            or any(a is not b for a, b in zip(last[0], values))
        ):
            fetched: set[int] = set()
            last = (values, self.run(values), fetched)
            self._last.run = last
        last[2].add(index)
        return last[1][index]

    def run(self, values: Sequence[Any]) -> list[np.ndarray]:
        """Every result of one call on ``values`` (eager ``pure_callback`` calls it)."""
        arrays = [np.asarray(v).view(ArrayImpl) for v in values]
        batch = self.levels
        if not batch:
            return self._checked(self.function(*arrays), ())
        if self.vmap_method in ("expand_dims", "broadcast_all"):
            full = [self._with_batch_axes(a, m) for a, m in zip(arrays, self.mapped, strict=True)]
            return self._checked(self.function(*full), batch)
        out = [np.empty(batch + shape, dtype) for shape, dtype in self.results]
        for example in itertools.product(*(range(n) for n in batch)):
            one = self._checked(
                self.function(
                    *(
                        a[tuple(example[k] for k in m)] if m else a
                        for a, m in zip(arrays, self.mapped, strict=True)
                    )
                ),
                (),
            )
            for o, r in zip(out, one, strict=True):
                o[example] = r
        return out

    def _with_batch_axes(self, a: np.ndarray, mapped: tuple[int, ...]) -> np.ndarray:
        """``a`` with every batch axis, in the levels' order: size 1 where ``a`` does not
        vary along one (``expand_dims``), or broadcast to the batch (``broadcast_all``)."""
        order = sorted(range(len(mapped)), key=lambda k: mapped[k])
        a = np.moveaxis(a, order, range(len(mapped))) if order != list(range(len(mapped))) else a
        for position in range(len(self.levels)):
            if position not in mapped:
                a = np.expand_dims(a, position)
        if self.vmap_method == "broadcast_all":
            a = np.broadcast_to(a, self.levels + a.shape[len(self.levels) :]).view(ArrayImpl)
        return a

    def _checked(self, out: Any, batch: tuple[int, ...]) -> list[np.ndarray]:
        leaves = list(out)  # (``function`` returns its results' leaves as a list)
        if len(leaves) != len(self.results):
            raise ArgumentValueError(
                f"pure_callback: {self.description} returned {len(leaves)} results, "
                f"result_shape_dtypes declares {len(self.results)}"
            )
        checked = []
        for k, (value, (shape, dtype)) in enumerate(zip(leaves, self.results, strict=True)):
            array = np.asarray(value)
            want = batch + shape
            if array.shape != want or array.dtype != dtype:
                raise ArgumentValueError(
                    f"pure_callback: {self.description} returned {array.dtype}{list(array.shape)} "
                    f"for result {k}, where result_shape_dtypes declares {dtype}{list(want)}"
                )
            checked.append(array)
        return checked

    def __repr__(self) -> str:
        return f"<pure_callback {self.description}>"


class _Result:
    """The function a ``host_call`` step calls: result ``index`` of ``call``."""

    def __init__(self, call: HostCall, index: int) -> None:
        self.call, self.index = call, index

    def __call__(self, *values: np.ndarray) -> np.ndarray:
        return self.call.result(self.index, *values)

    def __repr__(self) -> str:
        return f"<pure_callback {self.call.description} result {self.index}>"


pure_callback_p = primitive("pure_callback", PureCallbackParams, allocates=True)
pure_callback_p.def_describe(lambda params: params.description)


@pure_callback_p.def_shape
def _pure_callback_shape(params: PureCallbackParams, inputs: Sequence[Node]) -> tuple[int, ...]:
    shape, _ = params.call.results[params.index]
    return tuple(params.call.levels) + shape


def _no_derivative(*_: Any) -> Any:
    raise ArgumentValueError(
        "Pure callbacks do not support JVP. Please use `jax.custom_jvp` to use callbacks "
        "while taking gradients."
    )


pure_callback_p.def_vjp(_no_derivative)
pure_callback_p.def_jvp(_no_derivative)


@pure_callback_p.def_axes
def _pure_callback_axes(node: Node) -> Relations:
    return tuple((MIXED,) * i.ndim for i in node.inputs)  # the function sees whole values


@pure_callback_p.def_lower
def _lower_pure_callback(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
) -> tuple[Statement, ...]:
    function = ctx.constant(_Result(node.params.call, node.params.index))
    value = call("host_call", function, *args, shape=node.shape, dtype=node.dtype.name)
    return (Assign(target, value),)


def add_pure_callback(
    trace: Trace,
    function: Callable[..., Any],
    results: Sequence[tuple[tuple[int, ...], np.dtype]],
    operands: Sequence[Any],
    vmap_method: str | None,
    description: str,
) -> list[Tracer]:
    """The traced results of ``function(*values)`` on the run-time values of ``operands``,
    declared ``results`` (shape, dtype) each, batched over the vmap levels the operands
    carry as ``vmap_method`` says."""
    tracers = [lift(v, trace) for v in operands]
    levels = union_levels(tracers)
    if levels and vmap_method not in VMAP_METHODS:
        raise UnsupportedError(
            "vmap is only supported for the pure_callback primitive when vmap_method is one "
            f"of {', '.join(repr(m) for m in VMAP_METHODS)}. Got vmap_method={vmap_method!r}."
        )
    position = {lv.id: k for k, lv in enumerate(levels)}
    host = HostCall(
        function,
        tuple((tuple(shape), np.dtype(dtype)) for shape, dtype in results),
        tuple(lv.size for lv in levels),
        tuple(tuple(position[lv.id] for lv in t.levels) for t in tracers),
        vmap_method or "sequential",
        description,
    )
    return [
        make(
            trace,
            pure_callback_p,
            tracers,
            PureCallbackParams(host, k, description),
            levels,
            shape,
            dtype,
        )
        for k, (shape, dtype) in enumerate(host.results)
    ]


#: how a vmapped pure_callback calls its function (JAX's names)
VMAP_METHODS = ("sequential", "sequential_unrolled", "expand_dims", "broadcast_all")
