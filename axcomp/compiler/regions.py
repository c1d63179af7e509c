"""Multilinear fusion: every maximal region of einsum nodes becomes one contraction."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from ..core.graph import Graph, Node, consumers
from ..core.plan import Region
from ..primitives.contraction import EinsumParams, is_permutation


def find_regions(graph: Graph) -> dict[Node, Region]:
    """Fuse einsum nodes into their einsum consumers; returns the region of every
    multilinear node that stays materialised."""
    order = graph.nodes()
    uses = consumers(order)
    for out in graph.outputs:
        uses[out] = uses.get(out, 0) + 1
    fresh = (f"_f{i}" for i in itertools.count())

    def inlinable(child: Node, parent: Node) -> bool:
        if not child.op.multilinear or child.dtype != parent.dtype:
            return False
        return uses.get(child, 0) == 1 or is_permutation(child)

    def expand(node: Node, labels: tuple[str, ...]) -> Iterator[tuple[Node, tuple[str, ...]]]:
        p: EinsumParams = node.params
        rename = dict(zip(p.out, labels))
        for lab in itertools.chain(*p.subscripts):
            if lab not in rename:
                rename[lab] = next(fresh)
        for inp, sub in zip(node.inputs, p.subscripts):
            mapped = tuple(rename[lab] for lab in sub)
            if inlinable(inp, node):
                yield from expand(inp, mapped)
            else:
                yield inp, mapped

    regions: dict[Node, Region] = {}
    for node in order:
        if not node.op.multilinear:
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
