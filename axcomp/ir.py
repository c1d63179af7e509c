"""The axis graph: an SSA graph whose values are arrays with named axes.

A small fixed set of node kinds (see ``OPS``). Every node names each of its axes; a vmap
level's batch axis keeps the level's name wherever it flows, so a printed graph shows
which axis came from which vmap. Nodes are frozen and compared by identity.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: The node kinds. ``einsum`` covers products, sums over axes, contractions, transposes.
OPS = (
    "input",
    "const",
    "einsum",
    "elementwise",
    "reduce",
    "reshape",
    "index",
    "broadcast",
    "cast",
    "concat",
    "scatter",  # zeros of its shape, the input written at ``IndexParams`` (grad of index)
)


@dataclass(frozen=True)
class InputParams:
    index: int
    name: str


@dataclass(frozen=True, eq=False)
class ConstParams:
    value: Any  # a numpy array or a Python scalar
    weak: bool  # Python scalars follow NumPy's weak promotion (float32 * 2.0 -> float32)


@dataclass(frozen=True)
class EinsumParams:
    """Product of the inputs summed over labels not in ``out``; labels are node-local."""

    subscripts: tuple[tuple[str, ...], ...]
    out: tuple[str, ...]

    def equation(self) -> str:
        letters: dict[str, str] = {}
        for lab in itertools.chain(*self.subscripts, self.out):
            letters.setdefault(lab, _letter(len(letters)))
        ins = ",".join("".join(letters[lab] for lab in sub) for sub in self.subscripts)
        return ins + "->" + "".join(letters[lab] for lab in self.out)


@dataclass(frozen=True)
class ElementwiseParams:
    """``fn`` applied with broadcasting; ``maps[i][k]`` is the output axis of input i's axis k,
    or -1 when that axis has size 1 and is broadcast away."""

    fn: str
    maps: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class ReduceParams:
    fn: str  # max, min, prod, any, all, argmax, argmin
    axes: tuple[int, ...]


@dataclass(frozen=True)
class ReshapeParams:
    shape: tuple[int, ...]


@dataclass(frozen=True)
class IndexParams:
    """Basic indexing; items are ('int', i), ('slice', start, stop, step) or ('new',)."""

    items: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class BroadcastParams:
    """``maps[k]``: output axis of input axis k, or -1 for a size-1 axis broadcast away."""

    maps: tuple[int, ...]


@dataclass(frozen=True)
class CastParams:
    dtype: np.dtype


@dataclass(frozen=True)
class ConcatParams:
    axis: int


_ids = itertools.count()


@dataclass(frozen=True, eq=False)
class Node:
    op: str
    inputs: tuple[Node, ...]
    params: Any
    shape: tuple[int, ...]
    dtype: np.dtype
    axes: tuple[str, ...]
    id: int = field(default_factory=lambda: next(_ids))

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ValueError(f"unknown op {self.op!r}")
        if len(self.axes) != len(self.shape):
            raise ValueError(f"axes {self.axes} do not match shape {self.shape}")

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def type_str(self) -> str:
        dims = ",".join(f"{a}={s}" for a, s in zip(self.axes, self.shape))
        return f"{self.dtype}[{dims}]"

    def __repr__(self) -> str:
        return f"%{self.id}:{self.op}:{self.type_str()}"


def _letter(i: int) -> str:
    import opt_einsum

    return str(opt_einsum.get_symbol(i))


def topological(outputs: Sequence[Node]) -> list[Node]:
    """Every node reachable from ``outputs``, inputs before users (iterative: deep graphs)."""
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(n, False) for n in reversed(outputs)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node.id in seen:
            continue
        seen.add(node.id)
        stack.append((node, True))
        for inp in reversed(node.inputs):
            if inp.id not in seen:
                stack.append((inp, False))
    return order


def consumers(order: Iterable[Node]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for node in order:
        for inp in node.inputs:
            counts[inp.id] = counts.get(inp.id, 0) + 1
    return counts


@dataclass(frozen=True)
class Graph:
    """A traced program: flat inputs, flat outputs."""

    inputs: tuple[Node, ...]
    outputs: tuple[Node, ...]

    def nodes(self) -> list[Node]:
        return topological(self.outputs)

    def lint(self) -> None:
        """Check structural invariants; raises AssertionError on a malformed graph."""
        known = {n.id for n in self.inputs}
        for node in self.nodes():
            for inp in node.inputs:
                assert inp.id in known, f"{node!r} uses {inp!r} before it is defined"
            if node.op == "input":
                assert node.id in {n.id for n in self.inputs}, f"stray input {node!r}"
            if node.op == "einsum":
                p: EinsumParams = node.params
                assert len(p.subscripts) == len(node.inputs)
                for sub, inp in zip(p.subscripts, node.inputs):
                    assert len(sub) == inp.ndim, f"{node!r}: subscript {sub} vs {inp!r}"
            known.add(node.id)

    def __str__(self) -> str:
        return format_graph(self)


def describe(node: Node) -> str:
    p = node.params
    if node.op == "input":
        return f"input {p.name}"
    if node.op == "const":
        v = p.value
        return f"const {v!r}" if np.ndim(v) == 0 else f"const array{np.shape(v)}"
    if node.op == "einsum":
        return f"einsum '{p.equation()}'"
    if node.op == "elementwise":
        return p.fn
    if node.op == "reduce":
        return f"{p.fn} axes={p.axes}"
    if node.op == "reshape":
        return f"reshape {p.shape}"
    if node.op == "index":
        return f"index {p.items}"
    if node.op == "broadcast":
        return f"broadcast {p.maps}"
    if node.op == "cast":
        return f"cast {p.dtype}"
    if node.op == "scatter":
        return f"scatter {p.items}"
    return f"{node.op} {p}"


def format_graph(graph: Graph) -> str:
    lines = []
    for node in graph.nodes():
        args = ", ".join(f"%{i.id}" for i in node.inputs)
        call = f"{describe(node)}({args})" if args else describe(node)
        lines.append(f"  %{node.id} = {call} : {node.type_str()}")
    outs = ", ".join(f"%{n.id}" for n in graph.outputs)
    return "\n".join(lines + [f"  return {outs}"])
