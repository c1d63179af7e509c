"""The ``callback`` primitive: a Python function called at run time with traced values, for
its effect (``jax.debug.print``, ``jax.debug.callback``).

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.array_impl import ArrayImpl
from ..core.graph import Node
from ..core.independence import MIXED, Relations
from ..core.plan import Assign, Expr, LowerContext, Statement, call
from ..core.primitive import primitive
from ..tracing.build import lift, union_levels
from ..tracing.trace import Trace


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
