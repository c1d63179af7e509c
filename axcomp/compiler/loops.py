"""Loop passes: one forward loop where reverse mode asked for the same loop again.

A loop's reverse rule (``primitives/control.py``) needs the residuals of every step, so it
builds a loop with the same inputs and body that also stacks them; the value is still read
from the original loop. ``merge_extended_loops`` reads every result of the original from
the extended loop instead, so the forward runs once.
"""

from __future__ import annotations

import dataclasses

from ..core.graph import Graph, Node
from ..primitives.control import LoopParams, loop_p


def _extends(big: LoopParams, small: LoopParams) -> bool:
    """``big`` computes every result of ``small`` (same body, more stacked ys)."""
    n = small.n_carry + small.n_ys
    return (
        big.group is not small.group
        and not big.has_stop
        and not small.has_stop
        and (big.length, big.reverse, big.nb, big.n_carry, big.has_index, big.n_slice)
        == (small.length, small.reverse, small.nb, small.n_carry, small.has_index, small.n_slice)
        and big.n_ys >= small.n_ys
        and len(big.body.inputs) == len(small.body.inputs)
        and all(a is b for a, b in zip(big.body.inputs, small.body.inputs, strict=True))
        and all(a is b for a, b in zip(big.body.outputs[:n], small.body.outputs[:n], strict=True))
    )


def merge_extended_loops(graph: Graph) -> tuple[Graph, bool]:
    loops: dict[int, Node] = {}  # one result per loop group
    for node in graph.nodes():
        if node.op is loop_p:
            loops.setdefault(id(node.params.group), node)
    into: dict[int, LoopParams] = {}
    for key, small in loops.items():
        best: Node | None = None
        for other in loops.values():
            same_inputs = len(other.inputs) == len(small.inputs) and all(
                a is b for a, b in zip(other.inputs, small.inputs, strict=True)
            )
            longer = best is None or other.params.n_ys > best.params.n_ys
            if same_inputs and longer and _extends(other.params, small.params):
                best = other
        if best is not None:
            into[key] = best.params
    if not into:
        return graph, False

    new: dict[Node, Node] = {n: n for n in graph.inputs}
    for node in graph.nodes():
        inputs = tuple(new[i] for i in node.inputs)
        if node.op is loop_p and id(node.params.group) in into:
            params = dataclasses.replace(into[id(node.params.group)], output=node.params.output)
            new[node] = Node(loop_p, inputs, params, node.shape, node.dtype, node.axes)
        elif any(a is not b for a, b in zip(inputs, node.inputs, strict=True)):
            new[node] = node.replace_inputs(inputs)
        else:
            new[node] = node
    outputs = tuple(new[o] for o in graph.outputs)
    # effects (debug callbacks) are roots no output reads: keep them
    return Graph(graph.inputs, outputs, tuple(new[e] for e in graph.effects)), True
