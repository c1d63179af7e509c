"""Loop fusion: an elementwise chain and the reduction it feeds become one loop nest.

The contraction planner takes the multilinear regions; what it leaves is an elementwise
chain (``subtract``, ``absolute``, ``not_equal``, casts, ``where``...) materialised whole
before a sum or a max reduces it: the pairwise L1 distance is a (n, m, d) temporary, an
``absolute`` pass and a short-row sum. ``find_fusions`` finds each reduction (a one-operand
sum region, a ``max``/``min`` reduce) whose operand is such a chain and describes the chain
and the reduction as one ``core.fused.FusedLoop``: the chain's nodes are no longer
materialised, the loop reads the chain's inputs (its operands) directly.

A node joins the chain when it is an elementwise function of ``FUSIBLE_FUNCTIONS`` or a cast,
computes in the dtypes a loop can (``FUSIBLE_DTYPES``, its operands already in the dtype
NumPy would compute in, so the loop's values are NumPy's), is no output and is read only
by nodes of the chain, all at the same loop positions. The elementwise chains no reduction
takes (an epilogue such as ``tanh(x @ w + b)``) become ``map`` loops: the chain ending at
a node no chain absorbs, computed in one pass. A region fuses when ``fusion_cost`` predicts
it saves enough (its functions' costs in NumPy and in a loop, the passes it saves, times
the runs of a loop body): a loop's first compilation and each call's dispatch cost what a
small array does not win back (``backends.fused_loops.policy`` sets ``min_elements``, the
size from which the cheapest chain is worth it; 0 fuses everything).

A softmax along the last axis, ``exp(c - max(c)) / sum(exp(c - max(c)))`` with both
row values kept as length-1 axes (``keepdims``, or a ``stop_gradient`` on the max), reads
its rows five times as NumPy passes over temporaries the size of ``c`` (an attention's
scores are far larger than the cache); ``softmax_root`` recognises it and the whole
expression becomes one ``softmax`` loop over rows that stay in the first-level cache, with
``c``'s own elementwise chain (a scale, a mask) fused in front of it. ``jax.nn.softmax``'s
shift, ``where(isfinite(max), max, 0)``, is the loop's ``finite_shift``.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ..core.fused import (
    CAST,
    FUSIBLE_DTYPES,
    FUSIBLE_FUNCTIONS,
    TRANSCENDENTAL,
    Arg,
    FusedLoop,
    Instruction,
)
from ..core.graph import Graph, Node, topological
from ..core.plan import Region
from ..primitives.elementwise import elementwise_p, record_of
from ..primitives.gradients import stop_gradient_p
from ..primitives.reductions import reduce_p
from ..primitives.shape import cast_p, reshape_p
from .fused_products import LoopProduct, loop_product
from .fusion_cost import broadcast_ns, worth_fusing
from .loop_literals import fits, literal, weak_unwritable

#: A loop reads at most this many operands and runs at most this many instructions (the
#: loop compiler's time grows with the body).
MAX_OPERANDS = 16
MAX_INSTRUCTIONS = 48

_COMPARISONS = frozenset("equal not_equal less less_equal greater greater_equal".split())
_FLOAT_ONLY = frozenset("true_divide sqrt tanh exp expm1 log log1p".split())
_NUMBERS = frozenset(np.dtype(t) for t in ("float32", "float64", "int32", "int64"))
_FLOATS = frozenset(np.dtype(t) for t in ("float32", "float64"))


@dataclass(frozen=True)
class Fusion:
    """One fused region: ``root`` (the reduction) computed by ``loop`` from ``operands``
    (graph nodes, in the loop's operand order); ``chain`` is the nodes it absorbs."""

    root: Node
    operands: tuple[Node, ...]
    chain: frozenset[Node]
    loop: FusedLoop


class _Fusible:
    """Whether a loop computes a node, decided once a graph: ``find_fusions`` tries a chain
    from every root, and the chains of a long elementwise graph overlap."""

    def __init__(self, regions: dict[Node, Region]) -> None:
        self.regions = regions
        self._joins: dict[Node, bool] = {}
        self._products: dict[Node, LoopProduct | None] = {}

    def joins(self, node: Node) -> bool:
        known = self._joins.get(node)
        if known is None:
            known = self._joins[node] = _joins(node)
        return known

    def product(self, node: Node) -> LoopProduct | None:
        if node not in self._products:
            self._products[node] = loop_product(node, self.regions)
        return self._products[node]


def find_fusions(
    graph: Graph, regions: dict[Node, Region], min_elements: int, repeat: int = 1
) -> dict[Node, Fusion]:
    """The fused loop of every reduction whose operand chain can fuse, and of every
    elementwise chain left (a map), by root; ``repeat``: how often the graph runs per call
    (a loop body's steps)."""
    order = topological(graph.outputs)
    users: dict[Node, list[tuple[Node, int]]] = {}
    for node in order:
        for pos, inp in enumerate(node.inputs):
            users.setdefault(inp, []).append((node, pos))
    outputs = set(graph.outputs)
    position = {n: k for k, n in enumerate(order)}
    found: dict[Node, Fusion] = {}
    claimed: set[Node] = set()
    fusible = _Fusible(regions)
    for root in reversed(order):
        if root in claimed:
            continue
        softmax = softmax_root(root, regions, users, outputs)
        if softmax is not None:
            rows = _fuse_softmax(root, *softmax, position, users, outputs, fusible)
            if not rows.chain & claimed and worth_fusing(rows.loop, min_elements, repeat):
                found[root] = rows
                claimed |= rows.chain
            continue
        start = _reduction(root, regions)
        if start is None:
            continue
        chain_end, reduction, reduced, out_axes = start
        if chain_end in outputs or chain_end in claimed or len(users.get(chain_end, ())) != 1:
            continue
        if chain_end.dtype != root.dtype or 0 in chain_end.shape:
            continue
        fusion = _fuse(
            root, chain_end, reduction, reduced, out_axes, position, users, outputs, fusible
        )
        if fusion is None or fusion.chain & claimed:
            continue
        if worth_fusing(fusion.loop, min_elements, repeat):
            found[root] = fusion
            claimed |= fusion.chain
    for root in reversed(order):  # the chains no reduction took: maps, from the last node
        if root in claimed or root in found or not root.ndim or 0 in root.shape:
            continue  # (a loop has at least one axis, each of at least one iteration)
        axes = tuple(range(root.ndim))
        fusion = _fuse(root, root, "map", (), axes, position, users, outputs, fusible)
        if fusion is None or fusion.chain & claimed:
            continue
        if worth_fusing(fusion.loop, min_elements, repeat):
            found[root] = fusion
            claimed |= fusion.chain
    return found


def _reduction(
    root: Node, regions: dict[Node, Region]
) -> tuple[Node, str, tuple[int, ...], tuple[int, ...]] | None:
    """(operand, reduction, reduced axes, kept axes in result order) of a reduction root."""
    if root.op.multilinear:
        region = regions.get(root)
        if region is None or len(region.operands) != 1 or region.is_permutation:
            return None
        subs = region.subscripts[0]
        if len(set(subs)) != len(subs) or not set(region.out) <= set(subs):
            return None
        reduced = tuple(k for k, label in enumerate(subs) if label not in region.out)
        out_axes = tuple(subs.index(label) for label in region.out)
        return (region.operands[0], "sum", reduced, out_axes) if reduced else None
    if root.op is reduce_p and root.params.fn in ("max", "min") and root.params.axes:
        axes = tuple(sorted(root.params.axes))
        kept = tuple(k for k in range(root.inputs[0].ndim) if k not in axes)
        return root.inputs[0], root.params.fn, axes, kept
    return None


def _joins(node: Node) -> bool:
    """Whether ``node`` may be computed inside a loop (its function and dtypes)."""
    if node.dtype not in FUSIBLE_DTYPES:
        return False
    if node.op is cast_p:
        return node.inputs[0].dtype in FUSIBLE_DTYPES and node.inputs[0].shape == node.shape
    if node.op is not elementwise_p:
        return False
    fn = record_of(node.params.fn).name
    if fn not in FUSIBLE_FUNCTIONS:
        return False
    strong = [i for i in node.inputs if literal(i) is None]
    if not strong or any(weak_unwritable(i) for i in node.inputs):
        return False
    dtypes = {i.dtype for i in strong}
    if fn == "where":
        cond, *values = node.inputs
        return (
            cond.dtype == np.dtype(bool)
            and literal(cond) is None
            and all(literal(v) is None or fits(literal(v), node.dtype) for v in values)
            and all(literal(v) is not None or v.dtype == node.dtype for v in values)
        )
    if len(dtypes) != 1:
        return False  # mixed operands: NumPy would promote first (a cast node does it here)
    (dtype,) = dtypes
    literals = [literal(i) for i in node.inputs if literal(i) is not None]
    if not all(fits(v, dtype) for v in literals):
        return False  # NumPy would compute in a wider type (an int array > 0.5 in float64)
    if fn in _COMPARISONS:
        return node.dtype == np.dtype(bool) and dtype in _NUMBERS
    if dtype != node.dtype or dtype not in _NUMBERS:
        return False
    return dtype in _FLOATS or fn not in _FLOAT_ONLY


def _cheap(node: Node) -> bool:
    if node.op.multilinear or node.op is cast_p:
        return True  # (a product: one NumPy pass)
    return record_of(node.params.fn).name not in TRANSCENDENTAL


def _input_map(node: Node, pos: int, loop_map: tuple[int, ...]) -> tuple[int, ...]:
    """The loop axis of each axis of ``node``'s input ``pos``, given ``node``'s own."""
    if node.op is cast_p:
        return loop_map
    maps = node.params.maps[pos]
    return tuple(loop_map[m] if m >= 0 else -1 for m in maps)


def _fuse(
    root: Node,
    end: Node,
    reduction: str,
    reduced: tuple[int, ...],
    out_axes: tuple[int, ...],
    position: dict[Node, int],
    users: dict[Node, list[tuple[Node, int]]],
    outputs: set[Node],
    fusible: _Fusible,
) -> Fusion | None:
    products: dict[Node, LoopProduct] = {}  # the chain's products (multilinear regions)
    inlined: set[Node] = set()  # the nodes those regions inline: read only inside them

    def joins(node: Node) -> bool:
        if not node.op.multilinear:
            return fusible.joins(node)
        product = fusible.product(node)
        if product is None:
            return False
        products[node] = product
        return True

    def inputs(node: Node) -> tuple[Node, ...]:
        product = products.get(node)
        return product.region.operands if product else node.inputs

    def reads(node: Node) -> set[tuple[int, ...]] | None:
        """The loop axes of ``node``'s axes at each of its reads (None: one is outside)."""
        seen = set()
        for r, pos in users.get(node, ()):
            product = products.get(r)
            if r in inlined:
                continue  # (its region's root reads ``node`` in its operands)
            if r not in maps:
                return None
            if product is None:
                seen.add(_input_map(r, pos, maps[r]))
                continue
            operands = product.region.operands
            seen |= {product.operand_axes(k, maps[r]) for k, o in enumerate(operands) if o is node}
        return seen

    if not joins(end):
        return None
    maps: dict[Node, tuple[int, ...]] = {end: tuple(range(end.ndim))}
    inlined |= products[end].inlined if end in products else set()
    # from the end backwards, latest first: a node's readers are all decided when it is
    # reached, and only the chain's inputs are visited
    heap = [(-position[i], id(i), i) for i in inputs(end)]
    heapq.heapify(heap)
    while heap:
        _, _, node = heapq.heappop(heap)
        if node in maps or node in outputs or not users.get(node) or not joins(node):
            continue
        seen = reads(node)
        if seen is not None and len(seen) == 1:
            maps[node] = seen.pop()
            # each node is one instruction or more, so the loop is already too long;
            # walking on would make the pass quadratic in a long elementwise graph
            if len(maps) > MAX_INSTRUCTIONS:
                return None
            if node in products:
                inlined.update(products[node].inlined)
            for i in inputs(node):
                heapq.heappush(heap, (-position[i], id(i), i))
        else:
            products.pop(node, None)
    chain = sorted(maps, key=position.__getitem__)
    # a map of one cheap function is the NumPy pass itself, unless that pass broadcasts
    one_cheap = reduction == "map" and len(chain) == 1 and _cheap(end)
    operands: list[tuple[Node, tuple[int, ...]]] = []
    value_of: dict[Node, int] = {}
    body: list[Instruction] = []

    def read(inp: Node, axes: tuple[int, ...]) -> Arg:
        lit = literal(inp)
        if lit is not None:
            return ("literal", lit)
        if inp in value_of:
            return ("value", value_of[inp])
        if (inp, axes) not in operands:
            operands.append((inp, axes))
        return ("operand", operands.index((inp, axes)))

    def emit(fn: str, args: tuple[Arg, ...], node: Node) -> Arg:
        body.append(Instruction(fn, args, node.dtype.name))
        return ("value", len(body) - 1)

    for node in chain:
        product = products.get(node)
        if product is None:
            where = maps[node]
            args = tuple(read(i, _input_map(node, k, where)) for k, i in enumerate(node.inputs))
            emit(CAST if node.op is cast_p else record_of(node.params.fn).name, args, node)
        else:
            made = len(body)
            _multiplies(product, maps[node], read, emit, node)
            assert len(body) > made, "a product is at least one multiply"
        value_of[node] = len(body) - 1
    if len(body) > MAX_INSTRUCTIONS or len(operands) > MAX_OPERANDS:
        return None
    loop = FusedLoop(
        tuple(int(n) for n in end.shape),
        tuple(m for _, m in operands),
        tuple(n.dtype.name for n, _ in operands),
        tuple(body),
        reduction,  # type: ignore[arg-type]
        reduced,
        out_axes,
        root.dtype.name,
    )
    if one_cheap and not broadcast_ns(loop):
        return None
    return Fusion(root, tuple(n for n, _ in operands), frozenset(chain) | inlined, loop)


def _multiplies(
    product: LoopProduct,
    loop_map: tuple[int, ...],
    read: Callable[[Node, tuple[int, ...]], Arg],
    emit: Callable[[str, tuple[Arg, ...], Node], Arg],
    node: Node,
) -> None:
    """``product``'s multiplies, in the order the contraction rounds them."""
    operands = product.region.operands
    factors = [read(operands[k], product.operand_axes(k, loop_map)) for k in product.arrays]
    scalar: Arg | None = None if product.scalar is None else ("literal", product.scalar)
    if scalar is not None and product.fold < len(factors):
        factors[product.fold] = emit("multiply", (factors[product.fold], scalar), node)
        scalar = None
    if len(factors) == 2:
        factors = [emit("multiply", (factors[0], factors[1]), node)]
    if scalar is not None:
        emit("multiply", (factors[0], scalar), node)


def softmax_root(
    root: Node,
    regions: dict[Node, Region],
    users: dict[Node, list[tuple[Node, int]]],
    outputs: set[Node],
) -> tuple[Node, frozenset[Node], bool] | None:
    """(``c``, the nodes between ``c`` and ``root``, whether the shift is finite) when
    ``root`` is the softmax of ``c`` along its last axis, spelled ``e / sum(e, -1,
    keepdims)`` with ``e = exp(c - m)``, ``m`` the row max ``max(c, -1, keepdims)`` or
    ``where(isfinite(m), m, 0)`` (``jax.nn.softmax``'s), and nothing else reads those
    nodes."""
    if not _is_function(root, "true_divide") or root.ndim == 0 or 0 in root.shape:
        return None  # (a loop has at least one axis, each of at least one iteration)
    if root.dtype.kind != "f" or root.dtype not in FUSIBLE_DTYPES:
        return None
    last = root.ndim - 1
    whole = tuple(range(root.ndim))
    row = (*range(last), -1)  # a length-1 last axis, broadcast along the row
    exp, total = root.inputs
    if root.params.maps != (whole, row) or not _is_function(exp, "exp"):
        return None
    shifted = exp.inputs[0]
    if exp.params.maps != (whole,) or not _is_function(shifted, "subtract"):
        return None
    c, shift = shifted.inputs
    if shifted.params.maps != (whole, row):
        return None
    summed, total_nodes = _row_value(total, root)
    peak, shift_nodes = _row_value(shift, root)
    finite = _finite_shift(shift)
    expected = {}
    if finite is not None:  # where(isfinite(r), r, 0) with r the row max
        r, finite_nodes = finite
        peak, shift_nodes = _row_value(r, root)
        shift_nodes += finite_nodes
        expected[r] = finite_nodes[-2:]  # read by isfinite and where
    if summed is None or peak is None:
        return None
    if _reduction(summed, regions) != (exp, "sum", (last,), tuple(range(last))):
        return None
    if peak.op is not reduce_p or peak.params.fn != "max" or tuple(peak.params.axes) != (last,):
        return None
    if peak.inputs[0] is not c:
        return None
    between = frozenset((shifted, exp, summed, peak, *total_nodes, *shift_nodes))
    floats = [n for n in (c, *between) if not _is_function(n, "isfinite")]
    if any(n.dtype != root.dtype for n in floats) or (between | {c}) & outputs:
        return None
    readers = {n: sorted({id(r) for r, _ in users.get(n, ())}) for n in (c, *between)}
    expected.update({c: (peak, shifted), exp: (summed, root)})
    for node, ids in readers.items():
        want = expected.get(node)
        if want is not None:
            if ids != sorted(id(n) for n in want) or len(users[node]) != 2:
                return None
        elif len(users.get(node, ())) != 1:
            return None
    return c, between, finite is not None


def _finite_shift(shift: Node) -> tuple[Node, tuple[Node, ...]] | None:
    """(``r``, the nodes from ``shift`` down to ``r``'s two readers) when ``shift`` is
    ``where(isfinite(r), r, 0)`` (under any ``stop_gradient``), elementwise on one shape."""
    way = []
    while shift.op is stop_gradient_p:
        way.append(shift)
        shift = shift.inputs[0]
    if not _is_function(shift, "where") or len(shift.inputs) != 3:
        return None
    test, r, zero = shift.inputs
    if not _is_function(test, "isfinite") or test.inputs[0] is not r:
        return None
    if literal(zero) != 0 or not (test.shape == r.shape == shift.shape):
        return None
    whole = tuple(range(shift.ndim))
    if shift.params.maps[:2] != (whole, whole) or test.params.maps != (whole,):
        return None
    return r, (*way, test, shift)


def _is_function(node: Node, fn: str) -> bool:
    return node.op is elementwise_p and record_of(node.params.fn).name == fn


def _row_value(node: Node, root: Node) -> tuple[Node | None, tuple[Node, ...]]:
    """The row value (shape ``root.shape[:-1]``) that ``node`` holds with a length-1 last
    axis (a reshape, with any ``stop_gradient`` above or below it), and the nodes on the
    way."""
    way = []
    while node.op is stop_gradient_p:
        way.append(node)
        node = node.inputs[0]
    if node.op is not reshape_p or node.shape != (*root.shape[:-1], 1):
        return None, ()
    way.append(node)
    value = node.inputs[0]
    while value.op is stop_gradient_p:
        way.append(value)
        value = value.inputs[0]
    if value.shape != root.shape[:-1]:
        return None, ()
    return value, tuple(way)


def _fuse_softmax(
    root: Node,
    c: Node,
    between: frozenset[Node],
    finite_shift: bool,
    position: dict[Node, int],
    users: dict[Node, list[tuple[Node, int]]],
    outputs: set[Node],
    fusible: _Fusible,
) -> Fusion:
    """The ``softmax`` loop of ``root``: ``c``'s chain in front when ``c`` joins one, else
    ``c`` read as the loop's one operand."""
    ndim = root.ndim
    reduced, kept = (ndim - 1,), tuple(range(ndim))
    if fusible.joins(c) or fusible.product(c) is not None:
        fusion = _fuse(root, c, "softmax", reduced, kept, position, users, outputs, fusible)
        if fusion is not None:
            loop = replace(fusion.loop, finite_shift=finite_shift)
            return Fusion(root, fusion.operands, fusion.chain | between, loop)
    copy = Instruction(CAST, (("operand", 0),), c.dtype.name)  # c itself, in its dtype
    loop = FusedLoop(
        tuple(int(n) for n in c.shape),
        (kept,),
        (c.dtype.name,),
        (copy,),
        "softmax",
        reduced,
        kept,
        root.dtype.name,
        finite_shift,
    )
    return Fusion(root, (c,), between, loop)
