"""Expand pairwise squared forms into GEMMs, exactly: ``sum w (x - y)**2 -> P + Q - 2 G``.

The pattern
    A multilinear region (``regions.find_regions``) whose operands are one elementwise
    ``subtract`` (or ``add``) node ``S = x -+ y`` taken twice under the same labels (the
    square), times any other operands ("weights" ``w``), where ``x`` and ``y`` carry
    *different* batch axes: each has an output axis of the region the other lacks (the
    pairwise structure vmap-over-vmap produces), both carry every summed axis of ``S``, and
    every array is float32/float64 of the region's dtype. ``(a - b) ** 2`` traces as
    ``einsum(S, S)`` and ``dot(x - y, x - y)`` too, so both match.

The rewrite (distributivity)
    ``sum w S S = P + Q -+ 2 G`` with ``P = sum w x x``, ``Q = sum w y y`` (reductions over
    one side's points only) and ``G = sum w x y`` (one contraction over the summed axes: a
    GEMM). Each monomial is an einsum node, so each fuses into its own contraction; a
    ``refine`` node (``primitives/refine.py``) adds them and repairs cancellation.

Cost model (applied per region; expand only when both hold)
    FLOPs: direct = |S| + 2 (k - 1) L, with L the product of the sizes of all region labels
    and k the number of operands; expanded = 2 L_G (k - 1) + 2 L_P (k - 1) + 2 L_Q (k - 1)
    + 6 |out| (+ the |w| norms when there are weights). Expand iff expanded <= direct.
    Bytes of the biggest temporary: direct materialises S (|S| elements), expanded only
    arrays of the output's size: expand iff |out| < |S|. In words: expand when the summed
    extent is large enough that the broadcast difference dominates (D = 1 never expands).

Exactness
    Rounding (Higham, gamma_n = n u / (1 - n u), u = eps / 2, n = D + #weights + 2 with D
    the number of summed terms): the computed ``t`` satisfies ``|t^ - t| <= 2 gamma_n B``
    with ``B = Pb + Qb``, the norms under ``|w|`` (``|G| <= B / 2`` by AM-GM). Entries with
    ``t^ > tau B`` therefore have relative error ``<= rho`` when
    ``tau = 2 gamma_n (1 + 1 / rho) / (1 - gamma_n)``; ``rho`` is ``RHO`` per dtype (1e-8
    for float64, 2e-4 for float32, well inside the 1e-6 / 1e-3 guarantees). Every other
    entry (and every NaN) is recomputed with the direct formula for just those index pairs.
    When ``tau >= 1/2`` (float32 with very long sums) typical entries would all be flagged,
    so the rewrite is not applied.

Set ``AXCOMP_EXPAND=0`` (or ``expand.ENABLED = False``) to turn the pass off.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

import numpy as np

from ..core.graph import Graph, Node, consumers
from ..core.leaves import ConstParams, const_p
from ..core.plan import Region
from ..primitives.contraction import EinsumParams, einsum_p
from ..primitives.elementwise import ElementwiseParams, elementwise_p
from ..primitives.refine import RefineParams, refine_p
from .regions import find_regions

ENABLED = os.environ.get("AXCOMP_EXPAND", "1") not in ("0", "")

#: Target relative accuracy of the entries the expansion keeps, per dtype.
RHO = {np.dtype(np.float64): 1e-8, np.dtype(np.float32): 2e-4}


def threshold(dtype: np.dtype, terms: int) -> float:
    """``tau`` for sums of ``terms`` rounded products (see the module docstring)."""
    u = float(np.finfo(dtype).eps) / 2
    n = terms + 2
    if n * u >= 0.5:
        return math.inf
    gamma = n * u / (1 - n * u)
    return 2 * gamma * (1 + 1 / RHO[np.dtype(dtype)]) / (1 - gamma)


def _const(value: float, dtype: np.dtype) -> Node:
    arr = np.asarray(value, dtype=dtype)
    return Node(const_p, (), ConstParams(arr, False), (), arr.dtype, ())


def _einsum(
    region: Region, operands: Sequence[Node], subs: Sequence[tuple[str, ...]], dtype: np.dtype
) -> Node:
    sizes = dict(region.sizes)
    present = {lab for sub in subs for lab in sub}
    out = tuple(lab for lab in region.out if lab in present)
    axes = tuple(region.root.axes[region.out.index(lab)] for lab in out)
    shape = tuple(sizes[lab] for lab in out)
    return Node(einsum_p, tuple(operands), EinsumParams(tuple(subs), out), shape, dtype, axes)


def _match(region: Region, negated: bool = False) -> Node | None:
    """The refine node replacing ``region.root`` (``negated``: its negation), or None when
    the pattern or model fails."""
    root = region.root
    dtype = root.dtype
    if dtype not in RHO or root.ndim == 0:
        return None
    ops, subs = region.operands, region.subscripts
    diffs = [k for k, o in enumerate(ops) if o.op is elementwise_p]
    if len(diffs) != 2:
        return None
    k1, k2 = diffs
    s = ops[k1]
    sp: ElementwiseParams = s.params
    if ops[k2] is not s or subs[k1] != subs[k2] or sp.fn not in ("subtract", "add"):
        return None
    if len(s.inputs) != 2 or len(set(subs[k1])) != len(subs[k1]):
        return None
    x, y = s.inputs
    if x.dtype != dtype or y.dtype != dtype or s.dtype != dtype:
        return None
    weights = [(o, sub) for k, (o, sub) in enumerate(zip(ops, subs)) if k not in diffs]
    for w, sub in weights:
        if w.dtype != dtype or len(set(sub)) != len(sub):
            return None
    s_sub = subs[k1]
    sides = []
    for inp, maps in zip((x, y), sp.maps):
        if any(m < 0 or inp.shape[i] != s.shape[m] for i, m in enumerate(maps)):
            return None  # size-1 broadcasting: not handled
        sides.append(tuple(s_sub[m] for m in maps))
    xs, ys = sides
    out = set(region.out)
    summed = tuple(lab for lab in s_sub if lab not in out)
    if not all(lab in xs and lab in ys for lab in summed):
        return None
    if not (set(xs) - set(ys)) & out or not (set(ys) - set(xs)) & out:
        return None  # not a pairwise (different batch axes) square
    sizes = dict(region.sizes)
    all_labels = {lab for sub in subs for lab in sub}
    terms = math.prod(sizes[lab] for lab in all_labels - out)
    tau = threshold(dtype, terms + len(weights))
    if not tau < 0.5:
        return None
    # -- the cost model
    k = len(ops)
    size_out = math.prod(root.shape)
    size_s = math.prod(s.shape)

    def span(labels: set[str]) -> int:
        return math.prod(sizes[lab] for lab in labels)

    w_labels = {lab for _, sub in weights for lab in sub}
    direct = size_s + 2 * (k - 1) * span(all_labels)
    expanded = (
        2 * (k - 1) * (span(set(xs) | set(ys) | w_labels))
        + 2
        * (k - 1)
        * (span(set(xs) | w_labels) + span(set(ys) | w_labels))
        * (2 if weights else 1)
        + 6 * size_out
    )
    if expanded > direct or size_out >= size_s:
        return None
    # -- the monomials
    wn = [w for w, _ in weights]
    wsubs = [sub for _, sub in weights]
    sign = (-2.0 if sp.fn == "subtract" else 2.0) * (-1.0 if negated else 1.0)
    p = _einsum(region, [x, x, *wn], [xs, xs, *wsubs], dtype)
    q = _einsum(region, [y, y, *wn], [ys, ys, *wsubs], dtype)
    g = _einsum(region, [x, y, *wn, _const(sign, dtype)], [xs, ys, *wsubs, ()], dtype)
    if weights:
        absw = [
            Node(
                elementwise_p,
                (w,),
                ElementwiseParams("absolute", (tuple(range(w.ndim)),)),
                w.shape,
                w.dtype,
                w.axes,
            )
            for w in wn
        ]
        pb = _einsum(region, [x, x, *absw], [xs, xs, *wsubs], dtype)
        qb = _einsum(region, [y, y, *absw], [ys, ys, *wsubs], dtype)
    else:
        pb, qb = p, q
    inputs = (p, q, g, pb, qb, x, y, *wn)
    label_subs = tuple(n.params.out for n in (p, q, g, pb, qb)) + (xs, ys, *wsubs)
    params = RefineParams(
        sp.fn, tau, region.out, summed, label_subs, direct, expanded, size_s, negated
    )
    return Node(refine_p, inputs, params, root.shape, dtype, root.axes)


def expand_squares(graph: Graph) -> tuple[Graph, bool]:
    """The pass: replace every matching region root by its expansion."""
    if not ENABLED or not any(
        n.op is einsum_p
        and any(i.op is elementwise_p and i.params.fn in ("subtract", "add") for i in n.inputs)
        for n in graph.nodes()
    ):
        return graph, False  # no product of a sum or difference: nothing can match
    regions = find_regions(graph)
    order = graph.nodes()
    readers = consumers(order)
    for o in (*graph.outputs, *graph.effects):
        readers[o] = readers.get(o, 0) + 1
    new: dict[Node, Node] = {}
    changed = False
    for node in order:
        region = regions.get(node)
        out = _match(region) if region is not None else None
        if out is None and _negates_a_square(node, regions, readers):
            # -(expanded square): the refine computes the negation itself (a GEMM with the
            # other sign, the norms subtracted), so no pass negates the result (top_k(-d))
            out = _match(regions[node.inputs[0]], negated=True)
        if out is not None:
            # rebuild on the (possibly rewritten) operands of the original region
            out = _remap(out, new)
            changed = True
        else:
            inputs = tuple(new.get(i, i) for i in node.inputs)
            out = (
                node.replace_inputs(inputs)
                if any(a is not b for a, b in zip(inputs, node.inputs))
                else node
            )
        new[node] = out
    if not changed:
        return graph, False
    outputs = tuple(new.get(o, o) for o in graph.outputs)
    return Graph(graph.inputs, outputs, tuple(new.get(e, e) for e in graph.effects)), True


def _negates_a_square(node: Node, regions: dict[Node, Region], readers: dict[Node, int]) -> bool:
    """Whether ``node`` is ``negative`` of a region root that only it reads."""
    if node.op is not elementwise_p or node.params.fn != "negative":
        return False
    src = node.inputs[0]
    return src in regions and readers.get(src, 0) == 1 and src.shape == node.shape


def _remap(node: Node, new: dict[Node, Node]) -> Node:
    """``node`` with every original graph node below it replaced by its rewrite."""
    memo: dict[Node, Node] = {}

    def go(n: Node) -> Node:
        if n in new:
            return new[n]
        if n in memo:
            return memo[n]
        inputs = tuple(go(i) for i in n.inputs)
        r = n.replace_inputs(inputs) if any(a is not b for a, b in zip(inputs, n.inputs)) else n
        memo[n] = r
        return r

    return go(node)


def expand(graph: Graph, verify: bool = False) -> Graph:
    """Run the pass once (its output has no new matches); with ``verify`` check the graph."""
    graph, _ = expand_squares(graph)
    if verify:
        graph.verify()
    return graph
