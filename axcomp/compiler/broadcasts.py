"""Compute values that repeat along an axis once, and broadcast the result.

A Jacobian is a vmap of a sweep over basis vectors, so the primal it linearises at is
broadcast along the basis axis, and everything computed from it (``A x``, the softmax of a
``logsumexp``, an MLP's activations) repeats one value along that axis: traced as it is,
the primal runs once per basis vector. ``shrink_repeated`` finds those values
(``core.independence.repeated_axes``, from the primitives' declared axis relations),
computes each at length 1 along the axes it repeats, and reads it through a broadcast view
where a varying value meets it, which the contraction planner folds into the einsum. So
``jacfwd(jacrev(f))``, ``jvp(grad(f))`` under a vmap of tangents and ``jacrev`` evaluate
the primal once and push every tangent or cotangent through the linear program.
"""

from __future__ import annotations

from ..core.graph import Graph, Node
from ..core.independence import Carried, repeated_axes
from ..primitives.contraction import einsum_p
from ..primitives.elementwise import elementwise_p
from ..primitives.gradients import stop_gradient_p
from ..primitives.reductions import reduce_p
from ..primitives.shape import BroadcastParams, ReshapeParams, broadcast_p, cast_p, reshape_p

#: the primitives a value of which is recomputed at length 1: position by position along
#: every carried axis, with params that do not depend on that axis's length (checked
#: against the shape rule), or whose params are rewritten here (reshape, broadcast)
_SHRINKABLE = (
    einsum_p,
    elementwise_p,
    reduce_p,
    cast_p,
    reshape_p,
    broadcast_p,
    stop_gradient_p,  # logsumexp's max shift: an identity for the values
)


def shrink_repeated(graph: Graph) -> tuple[Graph, bool]:
    repeated = repeated_axes(graph.outputs)
    small: dict[Node, Node] = {}  # node -> the same value at length 1 along shrunk(node)
    shrunk: dict[Node, frozenset[int]] = {}
    new: dict[Node, Node] = {n: n for n in graph.inputs}
    changed = False
    for node in graph.nodes():
        inputs = tuple(new[i] for i in node.inputs)
        axes = frozenset(k for k in repeated.get(node, ()) if node.shape[k] > 1)
        shrinkable = axes and node.op in _SHRINKABLE
        made = _shrink(node, axes, small, shrunk, new) if shrinkable else None
        if made is not None:
            small[node], shrunk[node] = made, axes
            new[node] = _expand(made, node, axes)
            # a broadcast at length 1 saves nothing by itself: the graph changes only when
            # some computation does (else every round would re-shrink the views it made)
            changed |= node.op is not broadcast_p
        elif any(a is not b for a, b in zip(inputs, node.inputs, strict=True)):
            new[node] = node.replace_inputs(inputs)
        else:
            new[node] = node
    if not changed:
        return graph, False
    outputs = tuple(new[o] for o in graph.outputs)
    # effects (debug callbacks) are roots no output reads: keep them
    return Graph(graph.inputs, outputs, tuple(new[e] for e in graph.effects)), True


def _expand(value: Node, like: Node, axes: frozenset[int]) -> Node:
    """``value`` (``like`` at length 1 along ``axes``) broadcast to ``like``'s shape: a view."""
    maps = tuple(-1 if k in axes else k for k in range(like.ndim))
    return Node(broadcast_p, (value,), BroadcastParams(maps), like.shape, like.dtype, like.axes)


def _shrink(
    node: Node,
    axes: frozenset[int],
    small: dict[Node, Node],
    shrunk: dict[Node, frozenset[int]],
    new: dict[Node, Node],
) -> Node | None:
    """``node`` computed at length 1 along ``axes``, from its inputs at length 1 along the
    axes carried there; None where an input is not available so or the params refuse."""
    relations = node.op.axes(node) if node.op.axes is not None else None
    if relations is None:
        return None
    inputs = []
    for inp, flows in zip(node.inputs, relations, strict=True):
        want = frozenset(
            k for k, f in enumerate(flows) if isinstance(f, Carried) and f.axis in axes
        )
        want = frozenset(k for k in want if inp.shape[k] > 1)
        if not want:
            inputs.append(new[inp])
            continue
        if inp not in small or not want <= shrunk[inp]:
            return None
        extra = shrunk[inp] - want  # shrunk there but needed at full length here
        inputs.append(_partly(small[inp], inp, extra) if extra else small[inp])
    shape = tuple(1 if k in axes else n for k, n in enumerate(node.shape))
    params = ReshapeParams(shape) if node.op is reshape_p else node.params
    if node.op is broadcast_p:  # no shape rule: the kept axes' lengths must agree
        maps: tuple[int, ...] = node.params.maps
        if any(inputs[0].shape[k] != shape[m] for k, m in enumerate(maps) if m >= 0):
            return None
    else:
        rule = node.op.shape_rule
        if rule is None or tuple(rule(params, inputs)) != shape:
            return None
    return Node(node.op, tuple(inputs), params, shape, node.dtype, node.axes)


def _partly(value: Node, like: Node, axes: frozenset[int]) -> Node:
    """``value`` (``like`` shrunk along some axes) broadcast back along ``axes`` only."""
    shape = tuple(
        like.shape[k] if k in axes or value.shape[k] == like.shape[k] else 1
        for k in range(like.ndim)
    )
    maps = tuple(-1 if k in axes else k for k in range(like.ndim))
    return Node(broadcast_p, (value,), BroadcastParams(maps), shape, like.dtype, like.axes)
