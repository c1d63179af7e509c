"""The node numbers explain shows: identities (renames that rename nothing, which vmap
leaves at level boundaries) are not shown, and a node whose only use is an identity chain
is shown under the chain's last number, the number the generated code and the contraction
tables give its result."""

from __future__ import annotations

from ..core.graph import Graph, Node
from ..primitives.contraction import is_rename


def is_identity(node: Node) -> bool:
    return is_rename(node) and all(a == b for a, b in zip(node.inputs[0].axes, node.axes))


class Numbering:
    """``number(node)``: the number a node is shown under; ``source(node)``: the node a use
    of ``node`` shows (through identities)."""

    def __init__(self, graph: Graph, num: dict[Node, int]) -> None:
        self.num = num
        uses: dict[Node, int] = {}
        for node in [*(i for n in num for i in n.inputs), *graph.outputs]:
            uses[node] = uses.get(node, 0) + 1
        self.passes_on: dict[Node, Node] = {}  # identity -> its input
        self.absorbed_by: dict[Node, Node] = {}  # node -> the identity that is its only use
        for node in num:
            if is_identity(node):
                self.passes_on[node] = node.inputs[0]
                if uses[node.inputs[0]] == 1 and node.inputs[0].inputs:  # inputs keep theirs
                    self.absorbed_by[node.inputs[0]] = node

    def source(self, node: Node) -> Node:
        while node in self.passes_on:
            node = self.passes_on[node]
        return node

    def number(self, node: Node) -> int:
        node = self.source(node)
        while node in self.absorbed_by:
            node = self.absorbed_by[node]
        return self.num[node]
