"""The axis graph: an SSA graph whose values are arrays with named axes.

Every node names each of its axes; a vmap level's batch axis keeps the level's name
wherever it flows, so a printed graph shows which axis came from which vmap. Nodes are
frozen and hashed by identity; ``node.op`` is a :class:`~axcomp.core.primitive.Primitive`
and ``node.params`` an instance of that primitive's frozen params type. Node numbers are
local to a graph (:meth:`Graph.numbering`), so printed graphs are stable across runs.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .leaves import input_p
from .primitive import Primitive


@dataclass(frozen=True, eq=False)
class Node:
    op: Primitive
    inputs: tuple[Node, ...]
    params: Any  # an instance of ``op.params_type`` (typed per primitive)
    shape: tuple[int, ...]
    dtype: np.dtype
    axes: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.axes) != len(self.shape):
            raise ValueError(f"axes {self.axes} do not match shape {self.shape}")

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def type_str(self) -> str:
        dims = ",".join(f"{a}={s}" for a, s in zip(self.axes, self.shape))
        return f"{self.dtype}[{dims}]"

    def __repr__(self) -> str:
        return f"<{self.op.name}:{self.type_str()}>"

    def replace_inputs(self, inputs: tuple[Node, ...]) -> Node:
        return Node(self.op, inputs, self.params, self.shape, self.dtype, self.axes)


def describe(node: Node) -> str:
    """One line for ``node``: its primitive's own description of its params."""
    return node.op.describe(node.params)


def topological(outputs: Sequence[Node]) -> list[Node]:
    """Every node reachable from ``outputs``, inputs before users (iterative: deep graphs)."""
    order: list[Node] = []
    seen: set[Node] = set()
    stack: list[tuple[Node, bool]] = [(n, False) for n in reversed(outputs)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for inp in reversed(node.inputs):
            if inp not in seen:
                stack.append((inp, False))
    return order


def consumers(order: Iterable[Node]) -> dict[Node, int]:
    counts: dict[Node, int] = {}
    for node in order:
        for inp in node.inputs:
            counts[inp] = counts.get(inp, 0) + 1
    return counts


class GraphError(AssertionError):
    """A malformed graph: a compiler bug, never a user error."""


@dataclass(frozen=True)
class Graph:
    """A traced program: flat inputs, flat outputs, and the nodes it runs for their
    effects (``jax.debug.print``, a loop whose body prints) though no output reads them,
    in program order: roots like the outputs, so no pass drops them."""

    inputs: tuple[Node, ...]
    outputs: tuple[Node, ...]
    effects: tuple[Node, ...] = ()

    @property
    def roots(self) -> tuple[Node, ...]:
        """The effects, then the outputs: a topological order from these runs each effect
        as soon as its operands are ready, effects in the order they were traced."""
        return self.effects + self.outputs if self.effects else self.outputs

    def nodes(self) -> list[Node]:
        return list(self._order)

    @functools.cached_property
    def _order(self) -> tuple[Node, ...]:
        # nodes and graphs are immutable: the order is found once per graph (simplify's
        # passes and the lowering ask the same graph for it dozens of times)
        return tuple(topological(self.roots))

    def ordered(self) -> list[Node]:
        """Inputs first (in argument order), then every other node in topological order."""
        ins = set(self.inputs)
        return list(self.inputs) + [n for n in self.nodes() if n not in ins]

    def numbering(self) -> dict[Node, int]:
        """Stable local node numbers: inputs first, then topological order."""
        return {node: k for k, node in enumerate(self.ordered())}

    def verify(self) -> Graph:
        """Check every node against its primitive's rules; raises ``GraphError``.

        Checks definition before use, arity, the params type, axis names against the
        rank, and the shape the primitive's shape rule derives from the inputs.
        """
        known = set(self.inputs)
        for node in self.inputs:
            if node.inputs:
                raise GraphError(f"graph input {node!r} has inputs")
        declared = set(self.inputs)
        for node in self.nodes():
            p = node.op
            if p is input_p and node not in declared:
                raise GraphError(
                    f"{node!r} is an input node that the graph does not declare: not defined"
                )
            for inp in node.inputs:
                if inp not in known:
                    raise GraphError(f"{node!r} uses {inp!r}, which is not defined before it")
            if p.arity is not None and len(node.inputs) != p.arity:
                raise GraphError(
                    f"{node!r}: {p.name} takes {p.arity} inputs, has {len(node.inputs)}"
                )
            if p.params_type is not None and not isinstance(node.params, p.params_type):
                raise GraphError(
                    f"{node!r}: params {node.params!r} are not {p.params_type.__name__}"
                )
            if not isinstance(node.dtype, np.dtype):
                raise GraphError(f"{node!r}: dtype {node.dtype!r} is not a numpy dtype")
            if len(node.axes) != len(node.shape) or not all(isinstance(a, str) for a in node.axes):
                raise GraphError(f"{node!r}: axis names {node.axes} do not fit shape {node.shape}")
            if p.shape_rule is not None:
                want = tuple(p.shape_rule(node.params, node.inputs))
                if want != node.shape:
                    raise GraphError(
                        f"{node!r}: {p.name} on inputs {[i.shape for i in node.inputs]} gives "
                        f"shape {want}, the node says {node.shape}"
                    )
            known.add(node)
        return self

    def format(self, num: dict[Node, int] | None = None) -> str:
        num = num if num is not None else self.numbering()
        lines = []
        for node in num:
            args = ", ".join(f"%{num[i]}" for i in node.inputs)
            call = f"{describe(node)}({args})" if args else describe(node)
            lines.append(f"  %{num[node]} = {call} : {node.type_str()}")
        outs = ", ".join(f"%{num[n]}" for n in self.outputs)
        if self.effects:
            lines.append("  effects " + ", ".join(f"%{num[n]}" for n in self.effects))
        return "\n".join([*lines, f"  return {outs}"])

    def __str__(self) -> str:
        return self.format()
