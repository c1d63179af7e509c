"""Multilinear fusion: every maximal region of einsum nodes becomes one contraction."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from ..core.graph import Graph, Node
from ..core.plan import Region
from ..primitives.contraction import EinsumParams, is_permutation

#: A region stops growing at this many operands (opt_einsum's path search and the printed
#: product grow with it; a chain of thousands of products becomes steps of this size) ...
MAX_OPERANDS = 32
#: ... or at this many distinct labels (the einsum letters ``contraction`` can name).
MAX_LABELS = 52


def find_regions(graph: Graph) -> dict[Node, Region]:
    """Fuse einsum nodes into their einsum consumers; returns the region of every
    multilinear node that stays materialised (a region root: an output, read by a node
    that does not fuse it, or where a region reached its size limit). Each node is
    expanded once, so a chain of n products costs O(n)."""
    order = graph.nodes()
    uses: dict[Node, int] = {}
    for out in graph.outputs:
        uses[out] = uses.get(out, 0) + 1
    for node in order:
        for inp in node.inputs:
            uses[inp] = uses.get(inp, 0) + 1
    fresh = (f"_f{i}" for i in itertools.count())

    def inlinable(child: Node, parent: Node) -> bool:
        if not parent.op.multilinear or not child.op.multilinear or child.dtype != parent.dtype:
            return False
        return uses.get(child, 0) == 1 or is_permutation(child)

    roots = set(graph.outputs)
    for node in order:
        for inp in node.inputs:
            if inp.op.multilinear and not inlinable(inp, node):
                roots.add(inp)

    def new_labels(node: Node) -> int:
        p: EinsumParams = node.params
        return len(set(itertools.chain(*p.subscripts)) - set(p.out))

    def expand(node: Node, labels: tuple[str, ...]) -> Iterator[tuple[Node, tuple[str, ...]]]:
        # the operands depth first, in operand order, with an explicit stack (chains may be
        # deeper than Python's recursion limit); ``leaf`` marks an operand to hand out
        stack: list[tuple[Node, tuple[str, ...], bool]] = [(node, labels, False)]
        slots, count = 1, len(labels)  # operands and distinct labels so far
        while stack:
            cur, labs, leaf = stack.pop()
            if not leaf and cur is not node:
                grown = slots + len(cur.inputs) - 1, count + new_labels(cur)
                leaf = grown[0] > MAX_OPERANDS or grown[1] > MAX_LABELS
                if leaf:
                    roots.add(cur)  # materialised: a region of its own
            if leaf:
                yield cur, labs
                continue
            slots, count = slots + len(cur.inputs) - 1, count + new_labels(cur)
            p: EinsumParams = cur.params
            rename = dict(zip(p.out, labs))
            for lab in itertools.chain(*p.subscripts):
                if lab not in rename:
                    rename[lab] = next(fresh)
            for inp, sub in reversed(list(zip(cur.inputs, p.subscripts))):
                stack.append((inp, tuple(rename[lab] for lab in sub), not inlinable(inp, cur)))

    regions: dict[Node, Region] = {}
    for node in reversed(order):  # consumers first: a region may make a new root below it
        if not node.op.multilinear or node not in roots:
            continue
        out_labels = tuple(f"o{i}" for i in range(node.ndim))
        pieces = list(expand(node, out_labels))
        sizes: dict[str, int] = dict(zip(out_labels, node.shape))
        for operand, sub in pieces:
            sizes.update(zip(sub, operand.shape))
        regions[node] = Region(
            node,
            tuple(n for n, _ in pieces),
            tuple(s for _, s in pieces),
            out_labels,
            tuple(sorted(sizes.items())),
        )
    return regions
