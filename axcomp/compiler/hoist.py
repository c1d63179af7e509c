"""Block-invariant work out of a blocked program: what a block computes from the inputs
that are not sliced (the norms of the other side of a pairwise distance, a scaled weight
matrix) is the same in every block, so it is computed once, before the blocks, and handed
to each block as an extra input.

``hoist`` splits the (already rewritten) graph of one block in two: a *prologue* graph
over the unsliced inputs whose outputs are the invariant values the rest reads, and a
block graph that takes them as inputs after its own. Only values that do arithmetic on
the way are hoisted: a view or a transpose of an input costs nothing per block, and
taking it out would only hide it from the block's contraction planning.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..core.graph import Graph, Node, topological
from ..core.leaves import InputParams, const_p, input_p
from ..core.plan import Plan
from ..primitives.contraction import EinsumParams
from .lower import lower


@dataclass(frozen=True, eq=False)
class Hoisted:
    """A block program with its invariant work taken out: ``prologue`` computes the values
    (its inputs: the unsliced inputs at ``prologue_args``, positions in the block's
    original inputs); ``block`` takes the original inputs, then those values."""

    prologue_graph: Graph
    prologue_names: tuple[str, ...]
    prologue_args: tuple[int, ...]
    block: Plan
    nbytes: int  # the hoisted values' bytes, alive while the blocks run

    @functools.cached_property
    def prologue(self) -> Plan:
        """The prologue's plan, lowered when first read: the same for every block length,
        so chunking, which may try several lengths, lowers it once, for the one it keeps."""
        return lower(self.prologue_graph, self.prologue_names)


def _computes(node: Node) -> bool:
    """Whether ``node`` itself does arithmetic (a transposing einsum does not)."""
    if node.op is input_p or node.op is const_p or node.op.moves_data:
        return False
    if isinstance(node.params, EinsumParams) and len(node.params.subscripts) == 1:
        (labels,) = node.params.subscripts
        return len(set(labels)) != len(labels) or sorted(labels) != sorted(node.params.out)
    return True


def _does_arithmetic(node: Node, memo: dict[Node, bool]) -> bool:
    """Whether computing ``node`` from the inputs does any arithmetic."""
    if node not in memo:
        for n in topological([node]):  # inputs first, so each reads its inputs' answers
            if n not in memo:
                memo[n] = _computes(n) or any(memo[i] for i in n.inputs)
    return memo[node]


def hoist(graph: Graph, input_names: Sequence[str], sliced: Sequence[bool]) -> Hoisted | None:
    """``graph`` (one block's program; ``sliced[i]``: input ``i`` carries the split axis)
    with its invariant work hoisted, or None when there is none worth hoisting."""
    order = graph.nodes()
    varying: set[Node] = {n for n, s in zip(graph.inputs, sliced) if s}
    for node in order:
        if node.op is not input_p and any(i in varying for i in node.inputs):
            varying.add(node)
    invariant = {n for n in order if n not in varying}
    memo: dict[Node, bool] = {}
    frontier: list[Node] = []
    for node in order:
        if node not in varying:
            continue
        for i in node.inputs:
            leaf = i.op is input_p or i.op is const_p
            if i in invariant and i not in frontier and not leaf and _does_arithmetic(i, memo):
                frontier.append(i)
    if not frontier:
        return None
    names = list(input_names)
    taken = set(names)
    hoisted_names = []
    for k in range(len(frontier)):
        name, j = f"hoisted{k}", 0
        while name in taken:
            j += 1
            name = f"hoisted{k}_{j}"
        taken.add(name)
        hoisted_names.append(name)
    # the prologue: the unsliced inputs -> the frontier values
    args = tuple(k for k, s in enumerate(sliced) if not s)
    prologue_graph = Graph(tuple(graph.inputs[k] for k in args), tuple(frontier))
    # the block: the frontier values become inputs after the original ones
    n_in = len(graph.inputs)
    new_inputs = {
        node: Node(
            input_p, (), InputParams(n_in + k, hoisted_names[k]), node.shape, node.dtype, node.axes
        )
        for k, node in enumerate(frontier)
    }
    rebuilt: dict[Node, Node] = dict(new_inputs)
    for node in order:
        if node in rebuilt:
            continue
        if node.op is input_p:
            rebuilt[node] = node
            continue
        inputs = tuple(rebuilt[i] for i in node.inputs)
        same = all(a is b for a, b in zip(inputs, node.inputs))
        rebuilt[node] = node if same else node.replace_inputs(inputs)
    block_graph = Graph(
        graph.inputs + tuple(new_inputs[n] for n in frontier),
        tuple(rebuilt[o] for o in graph.outputs),
    )
    block = lower(block_graph, (*names, *hoisted_names))
    nbytes = sum(math.prod(n.shape) * n.dtype.itemsize for n in frontier)
    return Hoisted(prologue_graph, tuple(names[k] for k in args), args, block, nbytes)
