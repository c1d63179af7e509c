"""A sum of contractions that share operands becomes one contraction of the shared
operands with the sum of the rest.

An empirical NTK summed over an MLP's parameters adds, per layer, the weight term
``einsum(G1, a1, G2, a2)`` (the Jacobian of ``W`` is the outer product ``G ⊗ a``) and the
bias term ``einsum(G1, G2)``. Each is planned alone, so the large product ``G1 G2ᵀ`` is
computed twice; written as ``einsum(G1, G2, a1 a2ᵀ + 1)`` it is computed once, and the
sum over the small factors costs a ``(n, m)`` add instead of an ``(n, m, a, b)`` one.

In general, terms ``T_k = einsum(S, R_k)`` of one sum (an ``add`` tree) whose operands
include the same nodes ``S`` read with the same labels (the output's labels equal, summed
labels in one-to-one correspondence) equal ``einsum(S, E)`` with ``E = Σ_k E_k``, where
``E_k`` is ``R_k``'s product summed over the labels ``S`` and the output do not carry
(an empty ``R_k`` is the constant 1), each broadcast to the union of their labels.

A term is read as its multilinear region, the einsum nodes ``regions`` would fuse into
it, so the shared nodes are the ones the planner would multiply anyway; a broadcast of a
term (axes it is constant along) keeps those axes as output labels no operand carries.
The rewrite applies when ``opt_einsum``'s FLOP count of the factored form, with the
``E_k`` and their sum, is below the terms' own, and ``E`` is no larger than the result
or an operand of the ``R_k`` (it is materialised).

This is the distributive law, exact in real arithmetic; the rounding differs as any
reassociation does, and so may infinities: ``inf * 2 + inf * (-1)`` is NaN where
``inf * (2 - 1)`` is inf (as when the planner reorders a contraction). A NaN operand
still reaches every entry it multiplies.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import opt_einsum as oe

from ..core.graph import Graph, Node
from ..core.leaves import ConstParams, const_p
from ..primitives.contraction import EinsumParams, einsum_p, is_permutation
from ..primitives.elementwise import ElementwiseParams, elementwise_p
from ..primitives.shape import BroadcastParams, broadcast_p
from .region_costs import PASS_COST, path_cost

Labels = tuple[str, ...]


@dataclass(frozen=True)
class _Term:
    """One addend, read as a product: ``operands`` labelled ``subs`` give the sum's
    axes ``out`` (labels no operand carries are axes the term is constant along)."""

    operands: tuple[Node, ...]
    subs: tuple[Labels, ...]
    sizes: dict[str, int]
    node: Node | None  # the addend itself (None for a product this pass built)


def _uses(graph: Graph) -> dict[Node, int]:
    uses: dict[Node, int] = {}
    for node in graph.nodes():
        for inp in node.inputs:
            uses[inp] = uses.get(inp, 0) + 1
    for out in graph.roots:
        uses[out] = uses.get(out, 0) + 1
    return uses


def _is_add(node: Node) -> bool:
    return node.op is elementwise_p and node.params.fn == "add"


def _opens(inp: Node, maps: tuple[int, ...], root: Node, uses: dict[Node, int]) -> bool:
    """Whether the sum at ``root`` reads ``inp`` (an operand of one of its adds) as part
    of its own tree: an ``add`` of the full shape and dtype that nothing else reads."""
    return (
        _is_add(inp)
        and maps == tuple(range(root.ndim))
        and inp.shape == root.shape
        and inp.dtype == root.dtype
        and uses.get(inp) == 1
    )


def _tree(
    root: Node, uses: dict[Node, int]
) -> tuple[list[tuple[Node, tuple[int, ...]]], set[Node]]:
    """The addends of the ``add`` tree at ``root``, left to right, with their axes'
    places in the sum; and the tree's inner ``add`` nodes."""
    found: list[tuple[Node, tuple[int, ...]]] = []
    inner: set[Node] = set()
    stack: list[tuple[Node, tuple[int, ...]]] = [(root, tuple(range(root.ndim)))]
    while stack:
        node, maps = stack.pop()
        if node is not root and not _opens(node, maps, root, uses):
            found.append((node, maps))
            continue
        inner.add(node)
        stack.extend(reversed(list(zip(node.inputs, node.params.maps))))
    return found, inner


def _product(node: Node, out: Labels, uses: dict[Node, int], fresh: Iterator[str]) -> _Term | None:
    """``node`` (an addend of the sum's full shape, labelled ``out``) as a product of
    the leaves of its multilinear region, or None when it is no product. Broadcasts read
    once are read through where that is exact: an axis they add is an output axis (the
    product is constant along it) or has size 1."""
    sizes = dict(zip(out, node.shape))
    if uses.get(node) != 1:
        return None  # read elsewhere too: it stays computed, factoring would add work
    operands: list[Node] = []
    subs: list[Labels] = []
    stack: list[tuple[Node, Labels]] = [(node, out)]
    while stack:
        cur, labs = stack.pop()
        sizes.update(zip(labs, cur.shape))
        inner = cur is node or uses.get(cur) == 1 or is_permutation(cur)
        if cur.dtype != node.dtype:
            return None  # a promoting operand: the product's dtype rule differs
        if inner and cur.op is einsum_p:
            p: EinsumParams = cur.params
            rename = dict(zip(p.out, labs))
            for lab in itertools.chain(*p.subscripts):
                rename.setdefault(lab, next(fresh))
            for inp, sub in reversed(list(zip(cur.inputs, p.subscripts))):
                stack.append((inp, tuple(rename[lab] for lab in sub)))
        elif inner and cur.op is broadcast_p and _drops_exactly(cur, labs, out):
            maps = cur.params.maps
            stack.append((cur.inputs[0], tuple(labs[m] if m >= 0 else next(fresh) for m in maps)))
        elif cur is node:
            return None
        else:
            operands.append(cur)
            subs.append(labs)
    return _Term(tuple(operands), tuple(subs), sizes, node)


def _drops_exactly(node: Node, labels: Labels, out: Labels) -> bool:
    """Whether the broadcast ``node`` labelled ``labels`` equals its source labelled
    without the axes it adds: each is an output axis or of size 1, and every source
    axis it keeps keeps its size."""
    maps = node.params.maps if isinstance(node.params, BroadcastParams) else None
    if maps is None or len(maps) != node.inputs[0].ndim or len(set(labels)) != len(labels):
        return False
    src = node.inputs[0]
    if any(m >= 0 and src.shape[j] != node.shape[m] for j, m in enumerate(maps)):
        return False  # a size-1 axis stretched in place
    kept = {m for m in maps if m >= 0}
    return all(k in kept or node.shape[k] == 1 or labels[k] in out for k in range(node.ndim))


def _match(a: _Term, b: _Term, out: Labels) -> tuple[list[int], list[int], dict[str, str]]:
    """Operands of ``a`` and ``b`` that are the same nodes read the same way: their
    positions, and ``b``'s labels renamed to ``a``'s on them (output labels stay)."""
    rename: dict[str, str] = {lab: lab for lab in out}
    taken = set(out)
    in_a: list[int] = []
    in_b: list[int] = []
    for j, (node, sub) in enumerate(zip(b.operands, b.subs)):
        for i, (other, sub_a) in enumerate(zip(a.operands, a.subs)):
            if other is not node or i in in_a:
                continue
            trial = dict(rename)
            used = set(taken)
            ok = True
            for lb, la in zip(sub, sub_a):
                if lb in trial:
                    ok = trial[lb] == la
                elif la in used:
                    ok = False
                else:
                    trial[lb] = la
                    used.add(la)
                if not ok:
                    break
            if ok:
                rename, taken = trial, used
                in_a.append(i)
                in_b.append(j)
                break
    return in_a, in_b, rename


def _cost(subs: list[Labels], out: Labels, sizes: dict[str, int]) -> int:
    """opt_einsum's FLOP count of ``einsum(subs -> out)`` (0 with no operands)."""
    if not subs:
        return 0
    carried = set(itertools.chain(*subs))
    out = tuple(lab for lab in out if lab in carried)  # the rest is a broadcast
    letters: dict[str, str] = {}
    for lab in itertools.chain(*subs, out):
        letters.setdefault(lab, str(oe.get_symbol(len(letters))))
    eq = ",".join("".join(letters[lab] for lab in s) for s in subs)
    eq += "->" + "".join(letters[lab] for lab in out)
    found = path_cost(eq, tuple(tuple(sizes[lab] for lab in s) for s in subs), "greedy")
    assert found is not None  # labels with sizes always have a path
    return int(found[0])


def _kept(subs: list[Labels], keep: set[str]) -> Labels:
    """The labels of ``subs`` in ``keep``, in order of first appearance."""
    return tuple(dict.fromkeys(lab for s in subs for lab in s if lab in keep))


def _factor(a: _Term, b: _Term, out: Labels, root: Node) -> _Term | None:
    """``a + b`` as one product of their shared operands and the sum of the rest, when
    that costs fewer FLOPs; else None."""
    if all(set(sub) <= set(out) for sub in (*a.subs, *b.subs)):
        return None  # elementwise products: at most one multiply an element to save
    in_a, in_b, rename = _match(a, b, out)
    if not in_a:
        return None
    shared = [a.subs[i] for i in in_a]
    rests = [
        [s for i, s in enumerate(a.subs) if i not in in_a],
        [tuple(rename.get(lab, lab) for lab in s) for j, s in enumerate(b.subs) if j not in in_b],
    ]
    if not rests[0] and not rests[1]:
        return None  # the same product twice (common subexpressions merge those)
    sizes = {**{rename.get(k, k): v for k, v in b.sizes.items()}, **a.sizes}
    carried = set(itertools.chain(*shared)) | set(out)
    parts = [_kept(r, carried) for r in rests]
    union = _kept([out, parts[0], parts[1]], set(parts[0]) | set(parts[1]))
    # every output axis must come from an operand of the factored product
    if any(lab not in union and lab not in set(itertools.chain(*shared)) for lab in out):
        return None
    # the sum of the rests is materialised: no larger than the result or a rest's operand
    rest_sizes = [math.prod(o.shape) for o in _rest_operands(a, b, in_a, in_b)]
    bound = max([math.prod(root.shape), *rest_sizes])
    if math.prod(sizes[lab] for lab in union) > bound:
        return None
    before = _cost(list(a.subs), out, a.sizes) + _cost(list(b.subs), out, b.sizes)
    # arrays written cost what ``region_costs`` charges, so ``distribute_sums`` (its
    # inverse) and this pass agree on which form is cheaper and never undo each other
    before += PASS_COST * math.prod(root.shape)  # the add of the two terms
    after = _cost([*shared, union], out, sizes) + PASS_COST * math.prod(sizes[lab] for lab in union)
    after += sum(_cost(r, p, sizes) for r, p in zip(rests, parts))
    if after >= before:
        return None
    axes = _axis_names(union, out, root, a)
    dtype = root.dtype
    pieces: list[tuple[Node, tuple[int, ...]]] = []
    for term, rest, part, idx in ((a, rests[0], parts[0], in_a), (b, rests[1], parts[1], in_b)):
        ops = [o for i, o in enumerate(term.operands) if i not in idx]
        if not ops:
            one = np.asarray(1, dtype=dtype)
            pieces.append((Node(const_p, (), ConstParams(one, False), (), dtype, ()), ()))
            continue
        shape = tuple(sizes[lab] for lab in part)
        part_axes = tuple(axes[union.index(lab)] for lab in part)
        params = EinsumParams(tuple(rest), part)
        node = Node(einsum_p, tuple(ops), params, shape, dtype, part_axes)
        pieces.append((node, tuple(union.index(lab) for lab in part)))
    shape = tuple(sizes[lab] for lab in union)
    (e1, m1), (e2, m2) = pieces
    total = Node(elementwise_p, (e1, e2), ElementwiseParams("add", (m1, m2)), shape, dtype, axes)
    operands = (*(a.operands[i] for i in in_a), total)
    subs = (*shared, union)
    return _Term(operands, subs, sizes, None)


def _rest_operands(a: _Term, b: _Term, in_a: list[int], in_b: list[int]) -> list[Node]:
    return [o for i, o in enumerate(a.operands) if i not in in_a] + [
        o for j, o in enumerate(b.operands) if j not in in_b
    ]


def _axis_names(union: Labels, out: Labels, root: Node, a: _Term) -> tuple[str, ...]:
    """Axis names for the sum of the rests: the output's, or a shared operand's."""
    names: dict[str, str] = dict(zip(out, root.axes))
    for node, sub in zip(a.operands, a.subs):
        for lab, name in zip(sub, node.axes):
            names.setdefault(lab, name)
    return tuple(names.get(lab, lab) for lab in union)


def _rewrite(
    root: Node,
    addends: list[tuple[Node, tuple[int, ...]]],
    uses: dict[Node, int],
    fresh: Iterator[str],
) -> Node | None:
    """The sum of ``addends`` (the tree at ``root``) with its terms that share operands
    factored, or None."""
    out = tuple(f"o{i}" for i in range(root.ndim))
    full = tuple(range(root.ndim))
    terms: list[_Term | tuple[Node, tuple[int, ...]] | None] = []
    for node, maps in addends:
        # an addend the sum promotes stays whole (its product has its own dtype)
        same = maps == full and node.dtype == root.dtype
        term = _product(node, out, uses, fresh) if same else None
        terms.append(term if term is not None else (node, maps))
    # only terms that read a common node can share it (a factored term reads a subset
    # of its nodes, so the pairs found first are all there are)
    readers: dict[Node, list[int]] = {}
    for k, t in enumerate(terms):
        if isinstance(t, _Term):
            for o in dict.fromkeys(t.operands):
                readers.setdefault(o, []).append(k)
    changed = False
    for i, t in enumerate(terms):
        if not isinstance(t, _Term):
            continue
        partners = sorted({j for o in t.operands for j in readers[o] if j > i})
        for j in partners:
            a, b = terms[i], terms[j]
            if not isinstance(a, _Term) or not isinstance(b, _Term):
                continue
            merged = _factor(a, b, out, root)
            if merged is not None:
                terms[i], terms[j] = merged, None
                changed = True
    if not changed:
        return None
    kept: list[tuple[Node, tuple[int, ...]]] = []
    for t in terms:
        if isinstance(t, _Term):
            node = t.node if t.node is not None else _built(t, out, root)
            kept.append((node, full))
        elif t is not None:
            kept.append(t)
    kept.sort(key=lambda t: t[1] != full)  # a full-shape addend first: the sum's shape
    acc = kept[0][0]
    for node, maps in kept[1:]:
        params = ElementwiseParams("add", (full, maps))
        acc = Node(elementwise_p, (acc, node), params, root.shape, root.dtype, root.axes)
    return acc


def _built(term: _Term, out: Labels, root: Node) -> Node:
    """The node computing a factored ``term``: its shared operands, then the sum of the
    rests. When that sum carries only output axes, the shared product is its own einsum
    times the sum, an elementwise product (a fused loop may take it with the adds), not
    one region: the planner keeps the shared product's best order (the large GEMM first,
    not a small factor spread over a wide operand)."""
    total, labels = term.operands[-1], term.subs[-1]
    if not set(labels) <= set(out):
        params = EinsumParams(term.subs, out)
        return Node(einsum_p, term.operands, params, root.shape, root.dtype, root.axes)
    carried = set(itertools.chain(*term.subs[:-1]))
    kept = tuple(lab for lab in out if lab in carried)
    params = EinsumParams(term.subs[:-1], kept)
    shape = tuple(term.sizes[lab] for lab in kept)
    axes = tuple(root.axes[out.index(lab)] for lab in kept)
    shared = Node(einsum_p, term.operands[:-1], params, shape, root.dtype, axes)
    maps = (tuple(out.index(lab) for lab in kept), tuple(out.index(lab) for lab in labels))
    product = ElementwiseParams("multiply", maps)
    return Node(elementwise_p, (shared, total), product, root.shape, root.dtype, root.axes)


def factor_common_operands(graph: Graph) -> tuple[Graph, bool]:
    """Every ``add`` tree whose terms share operands, factored (the module docstring)."""
    uses = _uses(graph)
    fresh = (f"_c{i}" for i in itertools.count())
    replace: dict[Node, Node] = {}
    opened: set[Node] = set()  # inner adds of a tree already visited from its root
    for node in reversed(graph.nodes()):
        if not _is_add(node) or node in opened or node.dtype.kind not in "fc":
            continue
        addends, inner = _tree(node, uses)
        opened |= inner
        new = _rewrite(node, addends, uses, fresh)
        if new is not None:
            replace[node] = new
    if not replace:
        return graph, False
    return _substituted(graph, replace), True


def _substituted(graph: Graph, replace: dict[Node, Node]) -> Graph:
    """``graph`` with each key of ``replace`` read as its value, whose new nodes are
    rebuilt over the rewritten graph. Iterative: a sum of thousands of terms is a chain
    deeper than Python's recursion limit."""
    new: dict[Node, Node] = {}

    def rebuilt(n: Node) -> Node:
        inputs = tuple(new.get(i, i) for i in n.inputs)
        changed = any(a is not b for a, b in zip(inputs, n.inputs))
        return n.replace_inputs(inputs) if changed else n

    for node in graph.nodes():
        target = replace.get(node)
        if target is None:
            new[node] = rebuilt(node)
            continue
        # the nodes the pass built, below ``target``, inputs first; the graph's own nodes
        # below it come earlier in the order and are done
        stack: list[tuple[Node, bool]] = [(target, False)]
        while stack:
            n, inputs_done = stack.pop()
            if n in new:
                continue
            if inputs_done:
                new[n] = rebuilt(n)
            else:
                stack.append((n, True))
                stack.extend((i, False) for i in n.inputs if i not in new)
        new[node] = new[target]
    outputs = tuple(new.get(o, o) for o in graph.outputs)
    return Graph(graph.inputs, outputs, tuple(new.get(e, e) for e in graph.effects))
