"""An einsum reads a broadcast operand's source: the broadcast axes' labels are dropped
from that operand when another operand carries them.

``shrink_repeated`` and ``vmap`` of unbatched values leave operands such as a weight
broadcast over the batch (``(64, 10, 128, 128)`` from ``(128, 128)``) or an activation
broadcast over the outputs; read whole, the planner multiplies the broadcast copies (a
batched GEMM of 640 vector-matrix products instead of one GEMM, a ``(640, 640)`` product
for a ``(64, 64)`` one). A broadcast is a product with ones, so the einsum of the source
with the broadcast axes' labels left out is the same sum, as long as each such label is
still carried by another operand (else the output axis would have no source, or a summed
one would lose its factor of the size). Source axes of size 1 broadcast away get a fresh
label of size 1 (summed, a factor of one).
"""

from __future__ import annotations

from ..core.graph import Node
from ..primitives.contraction import EinsumParams, einsum_p
from ..primitives.shape import BroadcastParams, broadcast_p
from .einsum_operands import fresh_label, with_operands


def absorb_broadcasts(node: Node, inputs: tuple[Node, ...]) -> Node:
    """``node`` (an einsum of ``inputs``) reading its broadcast operands' sources where
    that drops only labels other operands carry (``simplify.read_broadcast_sources``)."""
    if node.op is not einsum_p:
        return node
    params: EinsumParams = node.params
    subs = list(params.subscripts)
    new_inputs = list(inputs)
    taken = {lab for sub in subs for lab in sub} | set(params.out)
    changed = False
    for k, inp in enumerate(inputs):
        if inp.op is not broadcast_p or len(set(subs[k])) != len(subs[k]):
            continue
        src = inp.inputs[0]
        maps = inp.params.maps if isinstance(inp.params, BroadcastParams) else ()
        if len(maps) != src.ndim:
            continue
        kept = {m for m in maps if m >= 0}
        if any(m >= 0 and src.shape[j] != inp.shape[m] for j, m in enumerate(maps)):
            continue  # a size-1 axis stretched in place: its label's size differs
        others = {lab for i, sub in enumerate(subs) if i != k for lab in sub}
        dropped = [subs[k][a] for a in range(inp.ndim) if a not in kept]
        if not dropped or any(lab not in others for lab in dropped):
            continue
        sub = []
        for j, m in enumerate(maps):
            if m >= 0:
                sub.append(subs[k][m])
            else:
                sub.append(fresh_label(f"1.{k}.{j}", taken))
        subs[k] = tuple(sub)
        new_inputs[k] = src
        changed = True
    if not changed:
        return node
    return with_operands(node, new_inputs, subs)
