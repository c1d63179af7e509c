"""An einsum over a sum becomes the sum of einsums over its terms, when that costs less.

A Hessian of ``logsumexp(A @ x)`` ends in ``(u ⊗ p + s · (Aᵀ ∘ p)) @ A``: the outer
product ``u ⊗ p`` and the scaled product are materialised, added, and the sum enters one
batched GEMM. Since an einsum is linear in each operand, ``E(x + y) = E(x) + E(y)``
(``E(x - y) = E(x) - E(y)``): the outer-product term contracted on its own is
``u ⊗ (p @ A)``, a small GEMM, and the other term's einsum is the one batched GEMM; the
large sum and the outer product are never written. Each term then joins ``E``'s
multilinear region (``regions``), whose path opt_einsum picks.

The rewrite is not always cheaper (two full-rank terms would run the GEMM twice), so it is
decided by cost (``region_costs``): opt_einsum's FLOP count of each contraction, each
term's own region and each array written, before and after, each counted where
the multilinear regions would put it (an einsum read once is fused into its reader, so a
term read only by the sum is contracted inside ``E``'s region after the rewrite, and an
operand of ``E`` read only by ``E`` is written once it is read by two). Only ``add`` and
``subtract`` of terms of the sum's dtype (not bool, where ``add`` is ``or``) distribute,
when the sum is one operand of ``E`` (read once: ``E`` is linear there) under distinct
labels, and each of the sum's labels a term is broadcast along is carried by another
operand of ``E`` (else the term, summed along it once instead of ``n`` times, or an output
axis, would lose its count or its source). Floating-point sums are reassociated, as any
contraction path does.
"""

from __future__ import annotations

from ..core.graph import Graph, Node
from ..primitives.contraction import EinsumParams, einsum_p, is_permutation
from ..primitives.elementwise import ElementwiseParams, elementwise_p, record_of
from .einsum_operands import fresh_label
from .region_costs import (
    Operand,
    cost,
    fresh_labels,
    fused,
    operands_of,
    readers_of,
    rebuilt,
    written,
)

#: the elementwise functions an einsum distributes over (both are linear in each term)
_SUMS = frozenset({"add", "subtract"})


def distribute_contractions(graph: Graph) -> tuple[Graph, bool]:
    """Every einsum reading a sum of terms where distributing over it costs less reads
    each term instead, and the sum is of the results (a ``simplify`` pass)."""
    order = graph.nodes()
    readers = readers_of(order)
    outputs = set(graph.outputs) | set(graph.effects)
    uses = {n: len(readers.get(n, ())) + (n in outputs) for n in order}
    chosen: dict[Node, int] = {}
    for node in order:
        if node.op is einsum_p and not is_permutation(node):
            for s in range(len(node.inputs)):
                if _distributes(node, s, uses, readers.get(node, [])):
                    chosen[node] = s
                    break
    if not chosen:
        return graph, False

    def rewrite(node: Node, inputs: tuple[Node, ...]) -> Node | None:
        return _distributed(node, inputs, chosen[node]) if node in chosen else None

    return rebuilt(graph, order, rewrite), True


def _sum_terms(node: Node) -> tuple[Node, ...] | None:
    """The terms of ``node`` when it is an add or subtract that an einsum distributes over."""
    if node.op is not elementwise_p or record_of(node.params.fn).name not in _SUMS:
        return None
    if node.dtype.kind not in "iufc" or any(t.dtype != node.dtype for t in node.inputs):
        return None
    return node.inputs


def _term_labels(
    einsum: Node, s: int, maps: tuple[int, ...], taken: set[str]
) -> tuple[str, ...] | None:
    """The labels of a term of the sum (operand ``s`` of ``einsum``) whose axes go to the
    sum's axes ``maps``, or None when a label it is broadcast along would lose its source
    or its count."""
    p: EinsumParams = einsum.params
    sub = p.subscripts[s]
    others = {lab for k, o in enumerate(p.subscripts) if k != s for lab in o}
    labels = []
    for k, m in enumerate(maps):
        if m >= 0:
            labels.append(sub[m])
        else:  # a size-1 axis broadcast away: summed over its one entry
            labels.append(fresh_label(f"1.{k}", taken))
    if any(lab not in others for lab in set(sub) - set(labels)):
        return None
    return tuple(labels)


def _distributes(node: Node, s: int, uses: dict[Node, int], readers: list[Node]) -> bool:
    total = node.inputs[s]
    terms = _sum_terms(total)
    p: EinsumParams = node.params
    if terms is None or node.dtype != total.dtype or node.inputs.count(total) != 1:
        return False
    if len(set(p.subscripts[s])) != len(p.subscripts[s]):
        return False
    taken = {lab for o in p.subscripts for lab in o} | set(p.out)
    term_subs = []
    for m in total.params.maps:
        labels = _term_labels(node, s, m, taken)
        if labels is None:
            return False
        term_subs.append(labels)
    costs = _costs(node, s, term_subs, uses, readers)
    return costs is not None and costs[1] < costs[0]


def _costs(
    node: Node,
    s: int,
    term_subs: list[tuple[str, ...]],
    uses: dict[Node, int],
    readers: list[Node],
) -> tuple[float, float] | None:
    """The cost of ``node`` reading the sum (operand ``s``) and of the distributed form,
    or None when opt_einsum finds no path."""
    p: EinsumParams = node.params
    total = node.inputs[s]
    fresh = fresh_labels()
    sum_once = uses[total] == 1
    term_fused = [sum_once and fused(t, node, uses[t]) for t in total.inputs]
    # an operand read only by ``node`` is fused into it before, written once read twice after
    inside = [k != s and fused(o, node, uses[o]) for k, o in enumerate(node.inputs)]
    shared = [f and uses[o] == 1 and not is_permutation(o) for f, o in zip(inside, node.inputs)]

    operands: list[Operand] = []
    for k, (o, sub) in enumerate(zip(node.inputs, p.subscripts)):
        operands += operands_of(o, sub, fresh) if inside[k] else [(o.shape, sub)]
    whole = cost(operands, p.out)
    if whole is None:
        return None
    before = whole + (written(total) if sum_once else 0.0)
    into_reader = len(readers) == 1 and uses[node] == 1 and fused(node, readers[0], 1)
    if not into_reader:
        before += written(node)
    after = written(node) * (len(total.inputs) + 1)  # each term's result and their sum
    for t, fuse in zip(total.inputs, term_fused):
        if fuse:  # its own region, then written for the sum
            own = cost(operands_of(t, t.params.out, fresh), t.params.out)
            if own is None:
                return None
            before += own + written(t)
    for k, o in enumerate(node.inputs):
        if shared[k]:
            own = cost(operands_of(o, o.params.out, fresh), o.params.out)
            if own is None:
                return None
            after += own + written(o)
    for t, labels, fuse in zip(total.inputs, term_subs, term_fused):
        operands = []
        for k, (o, sub) in enumerate(zip(node.inputs, p.subscripts)):
            if k == s:
                operands += operands_of(t, labels, fresh) if fuse else [(t.shape, labels)]
            elif inside[k] and not shared[k]:
                operands += operands_of(o, sub, fresh)
            else:
                operands.append((o.shape, sub))
        part = cost(operands, p.out)
        if part is None:
            return None
        after += part
    return before, after


def _distributed(node: Node, inputs: tuple[Node, ...], s: int) -> Node:
    """``node`` (an einsum of ``inputs``) as the sum of its einsums over each term of its
    operand ``s``."""
    p: EinsumParams = node.params
    total = inputs[s]
    taken = {lab for o in p.subscripts for lab in o} | set(p.out)
    parts = []
    for term, maps in zip(total.inputs, total.params.maps):
        labels = _term_labels(node, s, maps, taken)
        assert labels is not None  # checked by ``_distributes`` on the same shapes
        subs = list(p.subscripts)
        subs[s] = labels
        operands = list(inputs)
        operands[s] = term
        params = EinsumParams(tuple(subs), p.out)
        parts.append(Node(einsum_p, tuple(operands), params, node.shape, node.dtype, node.axes))
    same = tuple(range(node.ndim))
    return Node(
        elementwise_p,
        tuple(parts),
        ElementwiseParams(total.params.fn, (same,) * len(parts)),
        node.shape,
        node.dtype,
        node.axes,
    )
