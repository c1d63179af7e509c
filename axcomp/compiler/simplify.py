"""Graph clean-up before lowering: common subexpressions, redundant reshapes, and full
sorts read only through their first entries (``selection``).

Each pass returns ``(graph, changed)``; ``simplify`` runs them until nothing changes.
Tracing emits one node per user operation, so identical transposes of an input or chains
of reshapes are common, and both would otherwise become separate NumPy calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.graph import Graph, GraphError, Node
from ..core.leaves import ConstParams, input_p
from ..primitives.shape import ReshapeParams, reshape_p
from .broadcast_operands import absorb_broadcasts
from .broadcasts import shrink_repeated
from .common_factors import factor_common_operands
from .distribute_sums import distribute_contractions
from .identity_operands import fold_identity
from .loops import merge_extended_loops
from .merged_labels import split_einsum
from .selection import select_partially
from .shared_operands import merge_shared_products
from .shared_products import inline_shared_products


def _rebuild(graph: Graph, rewrite: Callable[[Node, tuple[Node, ...]], Node]) -> tuple[Graph, bool]:
    """Rebuild ``graph`` bottom-up; ``rewrite(node, new_inputs)`` returns the replacement."""
    new: dict[Node, Node] = {}
    changed = False
    for node in graph.nodes():
        inputs = tuple(new[i] for i in node.inputs)
        node_ = (
            node.replace_inputs(inputs)
            if any(a is not b for a, b in zip(inputs, node.inputs))
            else node
        )
        out = rewrite(node_, inputs)
        changed |= out is not node
        new[node] = out
    for n in graph.inputs:
        new.setdefault(n, n)
    outputs = tuple(new[o] for o in graph.outputs)
    return Graph(graph.inputs, outputs, tuple(new[e] for e in graph.effects)), changed


def fold_reshapes(graph: Graph) -> tuple[Graph, bool]:
    def rewrite(node: Node, inputs: tuple[Node, ...]) -> Node:
        if node.op is not reshape_p:
            return node
        src = inputs[0]
        while src.op is reshape_p:
            src = src.inputs[0]  # reshape(reshape(x)) == reshape(x) in C order
        if src.shape == node.shape:
            return src
        if src is inputs[0]:
            return node
        return Node(reshape_p, (src,), ReshapeParams(node.shape), node.shape, node.dtype, node.axes)

    return _rebuild(graph, rewrite)


#: constants up to this many elements are merged by value, larger ones only when the same
#: object (comparing big arrays would cost more than the duplicate)
_MERGE_BY_VALUE = 64


def _params_key(params: Any) -> Any:
    if isinstance(params, ConstParams):
        value = params.value
        array = np.asarray(value)
        if array.size <= _MERGE_BY_VALUE and array.dtype.kind in "biufc":
            # by value, bit for bit (0.0 and -0.0 differ, a NaN equals itself), so where a
            # literal is written (one module or two) cannot change the program
            kind = type(value).__name__
            return ("const", kind, array.dtype.str, array.shape, array.tobytes(), params.weak)
        return ("const", id(value))
    return params


def eliminate_common_subexpressions(graph: Graph) -> tuple[Graph, bool]:
    seen: dict[Any, Node] = {}

    def rewrite(node: Node, inputs: tuple[Node, ...]) -> Node:
        if node.op is input_p or node.op.effect:
            return node  # an effect runs once per place it is written
        key = (
            node.op,
            inputs,
            _params_key(node.params),
            node.shape,
            node.dtype,
        )
        first = seen.get(key)
        if first is not None:
            return first
        seen[key] = node
        return node

    return _rebuild(graph, rewrite)


def split_merged_labels(graph: Graph) -> tuple[Graph, bool]:
    """Einsums read past reshapes that merge only summed axes (``merged_labels``)."""
    return _rebuild(graph, split_einsum)


def read_broadcast_sources(graph: Graph) -> tuple[Graph, bool]:
    """Einsums read broadcast operands' sources (``broadcast_operands``)."""
    return _rebuild(graph, absorb_broadcasts)


def fold_identity_operands(graph: Graph) -> tuple[Graph, bool]:
    """Einsums read identity operands as relabels (``identity_operands``)."""
    return _rebuild(graph, fold_identity)


PASSES = (
    fold_reshapes,
    split_merged_labels,
    read_broadcast_sources,
    fold_identity_operands,
    eliminate_common_subexpressions,
    select_partially,
    merge_extended_loops,
    shrink_repeated,
    merge_shared_products,
    distribute_contractions,
    inline_shared_products,
    factor_common_operands,
)


def simplify(graph: Graph, max_rounds: int = 8, verify: bool = False) -> Graph:
    """Run the passes in rounds until nothing changes (at most ``max_rounds``); with
    ``verify`` check the graph after each. It stops as soon as every pass in a row has
    left the graph as it was: the passes after that point already ran on this graph and
    left it alone, so a full round more would only repeat them (the graph is the same)."""
    unchanged = 0  # passes in a row, across rounds, that left the graph as it was
    for _ in range(max_rounds):
        for p in PASSES:
            effects = len(graph.effects)
            graph, changed = p(graph)
            if verify:
                graph.verify()
                if len(graph.effects) != effects:  # a pass that rebuilt the graph lost one
                    raise GraphError(f"simplify pass {p.__name__} dropped an effect")
            unchanged = 0 if changed else unchanged + 1
            if unchanged == len(PASSES):
                return graph
    return graph
