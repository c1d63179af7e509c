"""Products of one large operand with several small ones become one product.

An HVP of softmax regression computes ``X @ W`` and ``X @ V`` (the primal and the tangent)
with ``X`` 2048 x 784 and ``W``, ``V`` 784 x 10: each GEMM is bound by reading ``X``, so two
of them read it twice. When two-operand einsums read the same large operand ``S`` in the
same way, and their other operands differ only in the length of one axis ``f`` that the
result keeps (``W`` and ``V``'s columns), the einsum of ``S`` with the others concatenated
along ``f`` computes every result at once; each is a slice of it (a view). Every entry is
the same sum of the same products (BLAS may block a wider product differently, so the
last bits may differ).

Only products none of whose other operands depends on another's result merge, none that
another einsum sums over (its region may contract it more cheaply), and only when ``S`` is
at least ``MIN_RATIO`` times larger than each other operand (the concatenation copies
those).
"""

from __future__ import annotations

import math

from ..core.graph import Graph, Node
from ..primitives.contraction import EinsumParams, einsum_p
from ..primitives.indexing import IndexParams, index_p
from ..primitives.shape import ConcatParams, concat_p
from .expand import _remap as remap  # a replacement over the rewritten graph

#: the shared operand must be this many times larger than each operand concatenated
MIN_RATIO = 8
#: below this many elements the shared operand is read from cache: nothing to save
MIN_SHARED = 1 << 16


def _key(node: Node, s: int) -> tuple[object, ...] | None:
    """What two products reading ``node.inputs[s]`` must agree on to merge, or None."""
    p: EinsumParams = node.params
    shared, other = node.inputs[s], node.inputs[1 - s]
    ss, so = p.subscripts[s], p.subscripts[1 - s]
    if len(set(ss)) != len(ss) or len(set(so)) != len(so):
        return None
    free = [j for j, lab in enumerate(so) if lab not in ss]
    if len(free) != 1 or so[free[0]] not in p.out:
        return None
    f = free[0]
    if math.prod(shared.shape) < max(MIN_SHARED, MIN_RATIO * math.prod(other.shape)):
        return None
    if shared.dtype != other.dtype or node.dtype != shared.dtype:
        return None
    rest = other.shape[:f] + other.shape[f + 1 :]
    return (shared, s, p.equation(), f, rest, node.dtype)


def _depends(node: Node, on: set[Node], seen: dict[Node, bool]) -> bool:
    """Whether ``node`` is or reads any of ``on`` (memoised, iterative)."""
    # depth first, each node expanded once and decided after its inputs (a DAG has
    # exponentially many paths: a stack of paths would blow up on blocked solves)
    stack: list[tuple[Node, bool]] = [(node, False)]
    expanded: set[Node] = set()
    while stack:
        n, inputs_done = stack.pop()
        if n in seen:
            continue
        if inputs_done:
            seen[n] = n in on or any(seen.get(i, False) for i in n.inputs)
        elif n not in expanded:
            expanded.add(n)
            stack.append((n, True))
            stack.extend((i, False) for i in n.inputs if i not in seen)
    return seen[node]


def _summed_by_a_reader(graph: Graph) -> set[Node]:
    """Einsum nodes another einsum sums over (their region may contract them another
    way, ``(X @ V).sum(1)`` as ``X @ V.sum(1)``: they stay whole)."""
    found: set[Node] = set()
    for node in graph.nodes():
        if node.op is not einsum_p:
            continue
        p: EinsumParams = node.params
        for inp, sub in zip(node.inputs, p.subscripts):
            if inp.op is einsum_p and not set(sub) <= set(p.out):
                found.add(inp)
    return found


def merge_shared_products(graph: Graph) -> tuple[Graph, bool]:
    groups: dict[tuple[object, ...], list[Node]] = {}
    sides: dict[tuple[object, ...], int] = {}  # which operand is the shared one
    summed = _summed_by_a_reader(graph)
    for node in graph.nodes():
        if node.op is not einsum_p or len(node.inputs) != 2 or node in summed:
            continue
        for s in (0, 1):
            key = _key(node, s)
            if key is not None:
                groups.setdefault(key, []).append(node)
                sides[key] = s
                break
    replace: dict[Node, Node] = {}
    for key, nodes in groups.items():
        if len(nodes) < 2:
            continue
        side = sides[key]
        chosen: list[Node] = []
        for node in nodes:
            if node in replace:
                continue
            # none of the merged products may read another's result (or its own group's)
            seen: dict[Node, bool] = {}
            if _depends(node.inputs[1 - side], set(chosen), seen):
                continue
            if any(_depends(n.inputs[1 - side], {node}, {}) for n in chosen):
                continue
            chosen.append(node)
        if len(chosen) < 2:
            continue
        replace.update(_merged(chosen, side))
    if not replace:
        return graph, False
    return _substitute(graph, replace), True


def _merged(nodes: list[Node], s: int) -> dict[Node, Node]:
    first = nodes[0]
    p: EinsumParams = first.params
    so = p.subscripts[1 - s]
    f = next(j for j, lab in enumerate(so) if lab not in p.subscripts[s])
    out_axis = p.out.index(so[f])
    others = [n.inputs[1 - s] for n in nodes]
    cat_shape = list(others[0].shape)
    cat_shape[f] = sum(o.shape[f] for o in others)
    cat = Node(
        concat_p, tuple(others), ConcatParams(f), tuple(cat_shape), others[0].dtype, others[0].axes
    )
    inputs = (first.inputs[0], cat) if s == 0 else (cat, first.inputs[1])
    shape = list(first.shape)
    shape[out_axis] = cat_shape[f]
    product = Node(einsum_p, inputs, p, tuple(shape), first.dtype, first.axes)
    found: dict[Node, Node] = {}
    start = 0
    for node in nodes:
        stop = start + node.shape[out_axis]
        items = tuple(
            ("slice", start, stop, 1) if k == out_axis else ("slice", 0, n, 1)
            for k, n in enumerate(product.shape)
        )
        found[node] = Node(
            index_p, (product,), IndexParams(items), node.shape, node.dtype, node.axes
        )
        start = stop
    return found


def _substitute(graph: Graph, replace: dict[Node, Node]) -> Graph:
    """``graph`` with each key of ``replace`` read as its value (whose own inputs are
    rebuilt too)."""
    new: dict[Node, Node] = {}

    def get(n: Node) -> Node:
        return new.get(n, n)

    for node in graph.nodes():
        if node in replace:
            new[node] = remap(replace[node], new)
            continue
        inputs = tuple(get(i) for i in node.inputs)
        changed = any(a is not b for a, b in zip(inputs, node.inputs))
        new[node] = node.replace_inputs(inputs) if changed else node
    outputs = tuple(get(o) for o in graph.outputs)
    return Graph(graph.inputs, outputs, tuple(get(e) for e in graph.effects))
