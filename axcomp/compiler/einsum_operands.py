"""What the einsum operand rewrites (``merged_labels``, ``broadcast_operands``) share: a
label no subscript uses yet, and the einsum rebuilt over new operands."""

from __future__ import annotations

from ..core.graph import Node
from ..primitives.contraction import EinsumParams, einsum_p


def fresh_label(base: str, taken: set[str]) -> str:
    """``base`` (primed until unused), added to ``taken``."""
    name = base
    while name in taken:
        name += "'"
    taken.add(name)
    return name


def with_operands(node: Node, inputs: list[Node], subscripts: list[tuple[str, ...]]) -> Node:
    """The einsum ``node`` over ``inputs`` labelled ``subscripts`` (same output)."""
    params: EinsumParams = node.params
    return Node(
        einsum_p,
        tuple(inputs),
        EinsumParams(tuple(subscripts), params.out),
        node.shape,
        node.dtype,
        node.axes,
    )
