"""Which axes a blocked run may split: each primitive declares how its axes flow.

A blocked run (chunking to a memory budget, dask blocks, pmap shards) computes a program on
slices of one axis of its inputs and joins the pieces. That is right only where every value
computed from a slice is the same slice of the whole run's value: the axis is *carried*
position by position through every operation, or *reduced* by an operation whose partial
results the blocks can combine (a sum, a min, a max) and then used by nothing that is not
linear in it. A name surviving to the output proves nothing (``cumsum``, ``sort``, ``flip``
and ``take`` along the axis keep its name and mix its positions), so each primitive states,
beside its other rules, what happens to each axis of each input:

* ``Carried(j)``: output axis ``j`` at position ``p`` depends on this axis only at ``p``;
* ``Reduced(combine, key)``: the axis is summed (or min/max-ed) away; inputs sharing ``key``
  are reduced together (an einsum label);
* ``MIXED``: anything else (the default for an undeclared axis: nothing is assumed);
* ``UNUSED``: the input does not affect the value (a custom rule's residuals).

``split_state`` runs those declarations over a graph. Primitives whose behaviour depends on
which inputs are split (loops and conds, through their bodies) declare a ``split`` rule
instead, which may call ``split_state`` on their sub-graphs.
"""

from __future__ import annotations

import contextvars
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .graph import Graph, Node, describe, topological


@dataclass(frozen=True)
class Carried:
    axis: int  # the output axis this input axis becomes, position by position


@dataclass(frozen=True)
class Reduced:
    combine: str | None  # "sum", "min", "max"; None: not combinable from blocks (argmax...)
    key: object = None  # input axes reduced together share a key (an einsum label)


@dataclass(frozen=True)
class _Mixed:
    def __repr__(self) -> str:
        return "MIXED"


@dataclass(frozen=True)
class _Unused:
    def __repr__(self) -> str:
        return "UNUSED"


MIXED = _Mixed()
UNUSED = _Unused()
Flow = Carried | Reduced | _Mixed | _Unused
#: per input, per axis of that input
Relations = tuple[tuple[Flow, ...], ...]


@dataclass(frozen=True)
class Sliced:
    """A value computed from a block is the block of the whole value along ``axis``."""

    axis: int


@dataclass(frozen=True)
class Partial:
    """A value computed from a block is that block's part of a reduction over the split
    axis; the blocks' parts combine by ``combine`` (sum, min or max)."""

    combine: str


#: ``None``: the value does not depend on the split axis (every block computes it whole)
State = Sliced | Partial | None


class NotIndependent(Exception):
    """The split axis is mixed (or reduced uncombinably) at ``node``."""

    def __init__(self, node: Node, reason: str) -> None:
        super().__init__(f"%{describe(node)}: {reason}")
        self.node = node
        self.reason = reason


def identity_relations(node: Node) -> Relations:
    """Every axis of the (first) input carried to the same output axis."""
    return (tuple(Carried(k) for k in range(node.inputs[0].ndim)),) + tuple(
        (MIXED,) * i.ndim for i in node.inputs[1:]
    )


def all_axes_but(node: Node, mixed: Sequence[int]) -> Relations:
    """Each input's axes carried to the same output axis, except ``mixed`` ones (the axis a
    cumulative op scans, a sort sorts, a concatenation joins)."""
    return tuple(
        tuple(MIXED if k in mixed else Carried(k) for k in range(i.ndim)) for i in node.inputs
    )


def split_by_relations(
    node: Node,
    relations: Relations,
    states: Sequence[State],
    constant: Sequence[frozenset[int]] = (),
) -> State:
    """The state of ``node`` from its inputs' states and its declared relations.
    ``constant[i]`` holds the axes along which input ``i`` repeats one value (a broadcast):
    the block run makes those at the block's length, so they may meet the split axis."""
    if any(isinstance(s, Partial) for s in states):
        return _through_partial(node, relations, states)
    targets: set[int] = set()
    reduced: dict[object, str | None] = {}
    for inp, state, flows in zip(node.inputs, states, relations):
        if not isinstance(state, Sliced):
            continue
        flow = flows[state.axis]
        if isinstance(flow, Carried):
            targets.add(flow.axis)
        elif isinstance(flow, Reduced):
            reduced[flow.key] = flow.combine
        elif flow is MIXED:
            raise NotIndependent(node, f"mixes positions of the split axis {state.axis} of {inp!r}")
    if not targets and not reduced:
        return None
    if len(targets) > 1 or (targets and reduced):
        raise NotIndependent(node, "meets the split axis in two places")
    # every input axis that meets the split one (same output axis or same reduction) must be
    # split too, have length 1 or repeat one value: a whole axis there would be sliced in
    # the block run
    for i, (inp, state, flows) in enumerate(zip(node.inputs, states, relations)):
        repeated = constant[i] if i < len(constant) else frozenset()
        for k, flow in enumerate(flows):
            split_here = isinstance(state, Sliced) and state.axis == k
            meets = (isinstance(flow, Carried) and flow.axis in targets) or (
                isinstance(flow, Reduced) and flow.key in reduced
            )
            if meets and not split_here and inp.shape[k] != 1 and k not in repeated:
                raise NotIndependent(
                    node, f"aligns axis {k} of {inp!r}, which the blocks do not split, with it"
                )
    if targets:
        return Sliced(targets.pop())
    (how,) = set(reduced.values()) if len(set(reduced.values())) == 1 else (None,)
    if how is None:
        raise NotIndependent(node, "reduces the split axis in a way blocks cannot combine")
    return Partial(how)


def constant_axes(
    node: Node,
    relations: Relations,
    constant: Sequence[frozenset[int]],
    *,
    length_one_repeats: bool = True,
) -> frozenset[int]:
    """The axes along which ``node`` repeats one value: those that only carry such axes of
    its inputs, and those no input reaches (a broadcast's new axes), unless the node mixes
    positions of some input axis (then nothing is assumed). With ``length_one_repeats``
    false, an input axis of length 1 counts as varying too: the answer then says which
    axes no varying input reaches, whatever the lengths (so a block of one example is
    analysed as a block of many is)."""
    reached: dict[int, bool] = {}
    for inp, flows, repeated in zip(node.inputs, relations, constant):
        for k, flow in enumerate(flows):
            if flow is MIXED and inp.shape[k] != 1:
                return frozenset()
            if isinstance(flow, Carried):
                same = k in repeated or (length_one_repeats and inp.shape[k] == 1)
                reached[flow.axis] = reached.get(flow.axis, True) and same
    return frozenset(j for j in range(node.ndim) if reached.get(j, True))


def repeated_axes(
    outputs: Sequence[Node], varying: frozenset[Node] | set[Node] = frozenset()
) -> dict[Node, frozenset[int]]:
    """For every node that ``outputs`` depend on, the axes along which it repeats one value
    because no varying input reaches them (``constant_axes`` from the leaves up, lengths
    ignored). A node without inputs (an input, a constant),
    without declared axis relations, or in ``varying`` repeats nothing, so the answer errs
    towards "varies"."""
    repeated: dict[Node, frozenset[int]] = {}
    for node in topological(list(outputs)):
        op: Any = node.op
        known = node.inputs and op.axes is not None and node not in varying
        relations = op.axes(node) if known else None
        repeated[node] = (
            constant_axes(
                node, relations, [repeated[i] for i in node.inputs], length_one_repeats=False
            )
            if relations is not None
            else frozenset()
        )
    return repeated


def _through_partial(node: Node, relations: Relations, states: Sequence[State]) -> State:
    """A partial result may only go through operations linear in it: a sum's part through a
    product with values every block computes whole (an einsum) or a data move (reshape,
    index, broadcast), a min/max's part only through a permutation or a data move."""
    parts = [s for s in states if isinstance(s, Partial)]
    others = [s for s in states if not isinstance(s, Partial)]
    linear = node.op.multilinear or (node.op.moves_data and node.dtype == node.inputs[0].dtype)
    if len(parts) != 1 or any(s is not None for s in others) or not linear:
        raise NotIndependent(node, "uses a partial result of the split axis non-linearly")
    (part,) = parts
    k = states.index(part)
    flows = relations[k]
    reduces = any(isinstance(f, Reduced) for f in flows)
    if part.combine != "sum" and (reduces or len(node.inputs) > 1):
        raise NotIndependent(node, f"combines a partial {part.combine} with other values")
    if any(f is MIXED for f in flows):
        raise NotIndependent(node, "mixes a partial result of the split axis")
    reached = {f.axis for f in flows if isinstance(f, Carried)}
    if any(n != 1 and j not in reached for j, n in enumerate(node.shape)):
        # a new axis may have the split's length, which a block run would make its own
        raise NotIndependent(node, "broadcasts a partial result of the split axis")
    return part


def split_states(
    graph: Graph,
    inputs: Sequence[State],
    level: str | None = None,
    every: dict[Node, State] | None = None,
) -> dict[Node, State]:
    """The state of every node of ``graph`` when its inputs have ``inputs`` states; raises
    ``NotIndependent`` at the first node that mixes the split axis.

    ``level`` names the vmap level being split: an axis of that name that no split input
    reaches still has the level's length, which a block run makes the block's. Such an
    axis that repeats one value (a broadcast) is split like the data (a constant's block
    is the block's constant); any other (``axis_index``'s positions) is refused.
    ``every``, when given, also receives the states of the nodes of the sub-graphs (loop
    and cond bodies) that ``split`` rules analysed, as they settled."""
    token = _LEVEL.set(level)  # sub-graphs (loop and cond bodies) are split under it too
    seen = _EVERY.set(every) if every is not None else None
    try:
        return _split_states(graph, inputs, level)
    finally:
        if seen is not None:
            _EVERY.reset(seen)
        _LEVEL.reset(token)


def current_level() -> str | None:
    """The vmap level being split, for a ``split`` rule that analyses a sub-graph."""
    return _LEVEL.get()


_LEVEL: contextvars.ContextVar[str | None] = contextvars.ContextVar("split_level", default=None)
_EVERY: contextvars.ContextVar[dict[Node, State] | None] = contextvars.ContextVar(
    "split_every", default=None
)


def _split_states(graph: Graph, inputs: Sequence[State], level: str | None) -> dict[Node, State]:
    states: dict[Node, State] = dict(zip(graph.inputs, inputs))
    constant: dict[Node, frozenset[int]] = {}
    for node in topological(list(graph.outputs)):
        if node in states:
            constant[node] = frozenset()
            state = states[node]
        else:
            op: Any = node.op
            relations = op.axes(node) if op.axes is not None else None
            repeated = [constant[i] for i in node.inputs]
            constant[node] = (
                constant_axes(node, relations, repeated) if relations is not None else frozenset()
            )
            ins = [states[i] for i in node.inputs]
            if all(s is None for s in ins):
                state = None
            elif op.split is not None:
                state = op.split(node, ins)
            elif relations is None:
                raise NotIndependent(node, f"{op.name} declares no axis relations")
            else:
                state = split_by_relations(node, relations, ins, repeated)
        if level is not None and level in node.axes:
            state = _level_axes(node, state, level, constant[node])
        states[node] = state
    every = _EVERY.get()
    if every is not None:  # a body analysed again overwrites its earlier states
        every.update(states)
    return states


def _level_axes(node: Node, state: State, level: str, repeated: frozenset[int]) -> State:
    for k, name in enumerate(node.axes):
        if name != level or state == Sliced(k):
            continue
        if k not in repeated:
            raise NotIndependent(node, f"depends on the positions of the split axis '{level}'")
        if state is not None:
            raise NotIndependent(node, "meets the split axis in two places")
        state = Sliced(k)
    return state


def reshape_relations(src: Sequence[int], dst: Sequence[int]) -> tuple[Flow, ...]:
    """A C-order reshape carries an input axis exactly when it is a whole factor of the
    result: the products of the axes before it agree on both sides, and the result has an
    axis of its length there."""
    before_dst: dict[int, int] = {}
    prod = 1
    for j, n in enumerate(dst):
        if n != 1:
            before_dst.setdefault(prod, j)
        prod *= n
    flows: list[Flow] = []
    prod = 1
    for n in src:
        at = before_dst.get(prod)
        flows.append(Carried(at) if n != 1 and at is not None and dst[at] == n else MIXED)
        prod *= n
    return tuple(flows)


def is_pointwise(node: Node) -> bool:
    """Whether each result element depends only on the operands' elements at its own
    position (broadcast size-1 axes aside), by the primitive's declared relations: what
    lets an operation write its result over a dying operand."""
    rule = node.op.axes
    if rule is None:
        return False
    for inp, flows in zip(node.inputs, rule(node)):
        for k, flow in enumerate(flows):
            if isinstance(flow, Carried):
                if node.shape[flow.axis] != inp.shape[k] and inp.shape[k] != 1:
                    return False
            elif not (flow is MIXED and inp.shape[k] == 1):
                return False
    return True
