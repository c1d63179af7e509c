"""An einsum read by several einsums is contracted inside each reader, when that costs less
than writing it once.

The multilinear regions (``regions``) fuse an einsum into its reader only when it has one
reader, so a product two einsums read is written whole. A Hessian of ``logsumexp(A @ x)``
forms ``Aᵀ ∘ p`` (``(n, d, k)``) and reads it twice: summed over ``k`` (which is
``p @ A``, a GEMM) and in a batched product with ``A`` (which opt_einsum can order as
``p @ (A ⊗ A)``, one large GEMM). Read through their operands instead, both readers find
those paths and the product is never written. The rewrite is decided by cost
(``region_costs``): the product's own FLOPs plus writing it plus each reader's FLOPs with
it as an operand, against each reader's FLOPs with its operands in its place; duplicating
an expensive product (a GEMM read twice) costs more, so it stays.

Only einsums all of whose readers are einsums of their dtype (a reader of another kind
needs the array anyway) and that are no output, read under distinct labels, are inlined.
"""

from __future__ import annotations

from ..core.graph import Graph, Node
from ..primitives.contraction import EinsumParams, einsum_p, is_permutation
from .einsum_operands import fresh_label
from .region_costs import Operand, cost, fresh_labels, operands_of, readers_of, rebuilt, written


def inline_shared_products(graph: Graph) -> tuple[Graph, bool]:
    """Einsums read by several einsums, where that costs less, replaced in each reader by
    their operands (a ``simplify`` pass)."""
    order = graph.nodes()
    readers = readers_of(order)
    kept = set(graph.outputs) | set(graph.effects)
    chosen = {
        node
        for node in order
        if node.op is einsum_p
        and node not in kept
        and not is_permutation(node)
        and _pays(node, readers.get(node, []))
    }
    if not chosen:
        return graph, False

    def rewrite(node: Node, inputs: tuple[Node, ...]) -> Node | None:
        if node.op is not einsum_p or not any(i in chosen for i in node.inputs):
            return None
        return _inlined(node, inputs, [i in chosen for i in node.inputs])

    return rebuilt(graph, order, rewrite), True


def _pays(node: Node, readers: list[Node]) -> bool:
    if len(readers) < 2:
        return False  # one reader: the regions fuse it already
    for r in readers:
        if r.op is not einsum_p or r.dtype != node.dtype:
            return False
        p: EinsumParams = r.params
        for inp, sub in zip(r.inputs, p.subscripts):
            if inp is node and len(set(sub)) != len(sub):
                return False
    fresh = fresh_labels()
    before = cost(operands_of(node, node.params.out, fresh), node.params.out)
    if before is None:
        return False
    before += written(node)
    after = 0.0
    for r in dict.fromkeys(readers):
        p = r.params
        leaf: list[Operand] = []
        inlined: list[Operand] = []
        for inp, sub in zip(r.inputs, p.subscripts):
            leaf.append((inp.shape, sub))
            inlined += operands_of(inp, sub, fresh) if inp is node else [(inp.shape, sub)]
        cost_leaf, cost_inlined = cost(leaf, p.out), cost(inlined, p.out)
        if cost_leaf is None or cost_inlined is None:
            return False
        before += cost_leaf
        after += cost_inlined
    return after < before


def _inlined(node: Node, inputs: tuple[Node, ...], chosen: list[bool]) -> Node:
    """Einsum ``node`` over ``inputs``, the ``chosen`` ones (einsums) read through their
    operands."""
    p: EinsumParams = node.params
    taken = {lab for sub in p.subscripts for lab in sub} | set(p.out)
    operands: list[Node] = []
    subs: list[tuple[str, ...]] = []
    for inp, sub, inline in zip(inputs, p.subscripts, chosen):
        if not inline:
            operands.append(inp)
            subs.append(sub)
            continue
        q: EinsumParams = inp.params
        rename = dict(zip(q.out, sub))
        for lab in dict.fromkeys(lab for s in q.subscripts for lab in s if lab not in q.out):
            rename[lab] = fresh_label(lab, taken)
        operands += inp.inputs
        subs += [tuple(rename[lab] for lab in s) for s in q.subscripts]
    params = EinsumParams(tuple(subs), p.out)
    return Node(einsum_p, tuple(operands), params, node.shape, node.dtype, node.axes)
