"""Graph clean-up before lowering: common subexpressions and redundant reshapes.

Each pass returns ``(graph, changed)``; ``simplify`` runs them until nothing changes.
Tracing emits one node per user operation, so identical transposes of an input or chains
of reshapes are common, and both would otherwise become separate NumPy calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .ir import ConstParams, Graph, Node, ReshapeParams


def _rebuild(graph: Graph, rewrite: Callable[[Node, tuple[Node, ...]], Node]) -> tuple[Graph, bool]:
    """Rebuild ``graph`` bottom-up; ``rewrite(node, new_inputs)`` returns the replacement."""
    new: dict[int, Node] = {}
    changed = False
    for node in graph.nodes():
        inputs = tuple(new[i.id] for i in node.inputs)
        if any(a is not b for a, b in zip(inputs, node.inputs)):
            node_ = Node(node.op, inputs, node.params, node.shape, node.dtype, node.axes)
        else:
            node_ = node
        out = rewrite(node_, inputs)
        changed |= out is not node
        new[node.id] = out
    for n in graph.inputs:
        new.setdefault(n.id, n)
    return Graph(graph.inputs, tuple(new[o.id] for o in graph.outputs)), changed


def fold_reshapes(graph: Graph) -> tuple[Graph, bool]:
    def rewrite(node: Node, inputs: tuple[Node, ...]) -> Node:
        if node.op != "reshape":
            return node
        src = inputs[0]
        while src.op == "reshape":
            src = src.inputs[0]  # reshape(reshape(x)) == reshape(x) in C order
        if src.shape == node.shape:
            return src
        if src is inputs[0]:
            return node
        return Node("reshape", (src,), ReshapeParams(node.shape), node.shape, node.dtype, node.axes)

    return _rebuild(graph, rewrite)


def _params_key(params: Any) -> Any:
    if isinstance(params, ConstParams):
        return ("const", id(params.value))
    return params


def eliminate_common_subexpressions(graph: Graph) -> tuple[Graph, bool]:
    seen: dict[Any, Node] = {}

    def rewrite(node: Node, inputs: tuple[Node, ...]) -> Node:
        if node.op == "input":
            return node
        key = (
            node.op,
            tuple(i.id for i in inputs),
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


PASSES = (fold_reshapes, eliminate_common_subexpressions)


def simplify(graph: Graph, max_rounds: int = 8) -> Graph:
    for _ in range(max_rounds):
        any_change = False
        for p in PASSES:
            graph, changed = p(graph)
            any_change |= changed
        if not any_change:
            break
    return graph
