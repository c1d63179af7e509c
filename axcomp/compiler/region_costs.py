"""What the cost-decided einsum rewrites (``distribute_sums``, ``shared_products``) share:
what they count (opt_einsum's FLOPs of a contraction plus writing the intermediates of its
path, its operands as the multilinear regions would read them, the cost of writing an
array), each node's readers, and the graph rebuilt with their rewrites."""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterator

import opt_einsum as oe

from ..core.graph import Graph, Node
from ..primitives.contraction import EinsumParams, einsum_p, is_permutation

#: what writing one element of an intermediate array costs, in FLOPs (a pass over memory
#: runs several times slower per element than a GEMM per multiply-add)
PASS_COST = 8

Operand = tuple[tuple[int, ...], tuple[str, ...]]  # shape and labels of one einsum operand


def written(node: Node) -> float:
    """The cost of writing ``node``'s array."""
    return float(PASS_COST * math.prod(node.shape))


def fused(child: Node, parent: Node, uses: int) -> bool:
    """Whether ``regions.find_regions`` contracts einsum ``child`` (read ``uses`` times)
    inside ``parent``'s region."""
    return (
        child.op is einsum_p
        and parent.op is einsum_p
        and child.dtype == parent.dtype
        and (uses == 1 or is_permutation(child))
    )


def operands_of(node: Node, labels: tuple[str, ...], fresh: Iterator[str]) -> list[Operand]:
    """The operands of einsum ``node`` with its output labelled ``labels`` (its summed
    labels fresh)."""
    p: EinsumParams = node.params
    rename = dict(zip(p.out, labels))
    operands = []
    for inp, sub in zip(node.inputs, p.subscripts):
        for lab in sub:
            if lab not in rename:
                rename[lab] = next(fresh)
        operands.append((inp.shape, tuple(rename[lab] for lab in sub)))
    return operands


def fresh_labels() -> Iterator[str]:
    """Labels for counting only: no subscript of a node holds a NUL character."""
    return (f"\x00{i}" for i in itertools.count())


def cost(operands: list[Operand], out: tuple[str, ...]) -> float | None:
    """opt_einsum's FLOP count of the contraction on its path plus writing the
    intermediates of that path (the result is counted by the caller), or None when it
    finds no path."""
    letters: dict[str, str] = {}
    for lab in itertools.chain(*(sub for _, sub in operands), out):
        letters.setdefault(lab, str(oe.get_symbol(len(letters))))
    equation = (
        ",".join("".join(letters[lab] for lab in sub) for _, sub in operands)
        + "->"
        + "".join(letters[lab] for lab in out)
    )
    found = path_cost(equation, tuple(shape for shape, _ in operands), "auto")
    if found is None:  # no path: the caller does not rewrite
        return None
    flops, intermediates = found
    return flops + PASS_COST * intermediates


@functools.lru_cache(maxsize=1 << 16)
def path_cost(
    equation: str, shapes: tuple[tuple[int, ...], ...], optimize: str
) -> tuple[float, float] | None:
    """opt_einsum's FLOPs of ``equation`` on ``shapes`` and the elements its path's
    intermediates hold, or None when it finds no path. Cached: the cost-decided passes
    ask the same question for every alike term of a long series, round after round."""
    try:
        _, info = oe.contract_path(equation, *shapes, shapes=True, optimize=optimize)
    except Exception:
        return None
    return float(info.opt_cost), float(sum(info.size_list[:-1]))


def readers_of(order: list[Node]) -> dict[Node, list[Node]]:
    """The nodes reading each node of ``order`` (once per operand)."""
    readers: dict[Node, list[Node]] = {}
    for node in order:
        for inp in node.inputs:
            readers.setdefault(inp, []).append(node)
    return readers


def rebuilt(
    graph: Graph, order: list[Node], rewrite: Callable[[Node, tuple[Node, ...]], Node | None]
) -> Graph:
    """``graph`` with each node for which ``rewrite(node, new_inputs)`` returns a node
    replaced by it (the others rebuilt over their new inputs)."""
    new: dict[Node, Node] = {}
    for node in order:
        inputs = tuple(new.get(i, i) for i in node.inputs)
        replacement = rewrite(node, inputs)
        if replacement is not None:
            new[node] = replacement
        elif any(a is not b for a, b in zip(inputs, node.inputs)):
            new[node] = node.replace_inputs(inputs)
    return Graph(
        graph.inputs,
        tuple(new.get(o, o) for o in graph.outputs),
        tuple(new.get(e, e) for e in graph.effects),
    )
