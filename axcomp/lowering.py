"""Lowering: the axis graph becomes a list of NumPy statements.

Maximal multilinear regions (einsum nodes feeding einsum nodes) are fused into one
contraction each and handed to ``contraction.lower_contraction`` (opt_einsum picks the
path, BLAS runs it). Every other node becomes one broadcasted NumPy call.
"""

from __future__ import annotations

import itertools
import keyword
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .contraction import ContractionCode, lower_contraction
from .ir import EinsumParams, Graph, Node, consumers, topological

NP = "_np"


@dataclass(frozen=True)
class Region:
    """One fused multilinear region: ``root`` = einsum(operands) with these labels."""

    root: Node
    operands: tuple[Node, ...]
    subscripts: tuple[tuple[str, ...], ...]
    out: tuple[str, ...]
    sizes: tuple[tuple[str, int], ...]

    @property
    def is_permutation(self) -> bool:
        """A pure transpose (or identity): no product, no sum — lowered to a view."""
        return (
            len(self.operands) == 1
            and len(set(self.subscripts[0])) == len(self.subscripts[0])
            and sorted(self.subscripts[0]) == sorted(self.out)
        )


@dataclass(frozen=True)
class Statement:
    node: Node
    lines: tuple[str, ...]
    result: str
    contraction: ContractionCode | None = None
    region: Region | None = None


@dataclass(frozen=True)
class Program:
    """Lowered code for one graph: statements in order plus the constants they use."""

    graph: Graph
    inputs: tuple[str, ...]
    statements: tuple[Statement, ...]
    outputs: tuple[str, ...]
    constants: tuple[tuple[str, Any], ...]

    @property
    def contractions(self) -> tuple[Statement, ...]:
        return tuple(
            s
            for s in self.statements
            if s.contraction is not None and s.region is not None and not s.region.is_permutation
        )


def _is_permutation_node(node: Node) -> bool:
    p: EinsumParams = node.params
    return (
        len(node.inputs) == 1
        and len(set(p.subscripts[0])) == len(p.subscripts[0])
        and sorted(p.subscripts[0]) == sorted(p.out)
    )


def find_regions(graph: Graph) -> dict[int, Region]:
    """Fuse einsum nodes into their einsum consumers; returns the region of every einsum
    node that stays materialised (keyed by node id)."""
    order = graph.nodes()
    uses = consumers(order)
    for out in graph.outputs:
        uses[out.id] = uses.get(out.id, 0) + 1
    fresh = (f"_f{i}" for i in itertools.count())

    def inlinable(child: Node, parent: Node) -> bool:
        if child.op != "einsum" or child.dtype != parent.dtype:
            return False
        return uses.get(child.id, 0) == 1 or _is_permutation_node(child)

    def expand(node: Node, labels: tuple[str, ...]) -> Iterator[tuple[Node, tuple[str, ...]]]:
        p: EinsumParams = node.params
        rename = dict(zip(p.out, labels))
        for lab in itertools.chain(*p.subscripts):
            if lab not in rename:
                rename[lab] = next(fresh)
        for inp, sub in zip(node.inputs, p.subscripts):
            mapped = tuple(rename[lab] for lab in sub)
            if inlinable(inp, node):
                yield from expand(inp, mapped)
            else:
                yield inp, mapped

    regions: dict[int, Region] = {}
    for node in order:
        if node.op != "einsum":
            continue
        out_labels = tuple(f"o{i}" for i in range(node.ndim))
        pieces = list(expand(node, out_labels))
        sizes: dict[str, int] = dict(zip(out_labels, node.shape))
        for operand, sub in pieces:
            sizes.update(zip(sub, operand.shape))
        regions[node.id] = Region(
            node,
            tuple(n for n, _ in pieces),
            tuple(s for _, s in pieces),
            out_labels,
            tuple(sorted(sizes.items())),
        )
    return regions


class _Names:
    def __init__(self) -> None:
        self.used: set[str] = {NP}
        self.counter = itertools.count()

    def claim(self, base: str) -> str:
        name = base if base.isidentifier() and not keyword.iskeyword(base) else f"x_{base}"
        if not name.isidentifier():
            name = "x"
        candidate, k = name, 1
        while candidate in self.used:
            candidate = f"{name}_{k}"
            k += 1
        self.used.add(candidate)
        return candidate

    def temp(self) -> str:
        while True:
            name = f"t{next(self.counter)}"
            if name not in self.used:
                self.used.add(name)
                return name


def _literal(value: Any) -> str | None:
    """Source text for a weak Python scalar, when it round-trips exactly."""
    if type(value) is bool:
        return repr(value)
    if type(value) is int:
        return repr(value)
    if type(value) is float and math.isfinite(value):
        return repr(value)
    return None


def lower(graph: Graph, input_names: tuple[str, ...]) -> Program:
    regions = find_regions(graph)
    names = _Names()
    var: dict[int, str] = {}
    view_of_input: set[str] = set()  # vars that may share memory with a caller's input
    readonly: set[str] = set()
    constants: list[tuple[str, Any]] = []
    inputs = []
    for node, nm in zip(graph.inputs, input_names):
        v = names.claim(nm)
        var[node.id] = v
        inputs.append(v)
        view_of_input.add(v)

    needed = _needed(graph, regions)
    statements: list[Statement] = []
    for node in topological(graph.outputs):
        if node.op == "input" or node.id not in needed:
            continue
        if node.op == "const":
            value = node.params.value
            lit = _literal(value) if node.params.weak else None
            if lit is not None:
                var[node.id] = lit
            else:
                name = names.claim(f"c{len(constants)}")
                constants.append((name, value))
                var[node.id] = name
                readonly.add(name)
            continue
        if node.op == "einsum":
            region = regions[node.id]
            code = lower_contraction(
                [_named(o, var, names, constants) for o in region.operands],
                list(region.subscripts),
                region.out,
                dict(region.sizes),
                names.temp,
                np_name=NP,
            )
            lines = code.lines
            result = code.result
            if not result.isidentifier():
                result = names.temp()
                lines = lines + (f"{result} = {code.result}",)
            var[node.id] = result
            if region.is_permutation and var[region.operands[0].id] in view_of_input:
                view_of_input.add(result)
            statements.append(Statement(node, lines, result, code, region))
            continue
        target = names.temp()
        src = [var[i.id] for i in node.inputs]
        expr = _expression(node, src, names, constants)
        var[node.id] = target
        if node.op in ("reshape", "index") and src[0] in view_of_input:
            view_of_input.add(target)
        if node.op == "broadcast":
            readonly.add(target)
        lines = (f"{target} = {expr}",)
        if node.op == "scatter":  # zeros, then the input written into the indexed window
            lines += (f"{target}[{_index_text(node.params.items, node.shape)}] = {src[0]}",)
        statements.append(Statement(node, lines, target))

    outputs = []
    for node in graph.outputs:
        v = var[node.id]
        t = names.temp()
        if _literal(v) is not None:
            line = f"{t} = {NP}.asarray({v}, dtype={_dtype_ref(node.dtype, names, constants)})"
        elif v in view_of_input or v in readonly:
            # never hand back the caller's memory or a read-only broadcast view
            line = f"{t} = {NP}.array({v}, copy=True)"
        elif node.ndim == 0:
            line = f"{t} = {NP}.asarray({v})"  # 0-d results are arrays, not NumPy scalars
        else:
            outputs.append(v)
            continue
        statements.append(Statement(node, (line,), t))
        outputs.append(t)
    return Program(graph, tuple(inputs), tuple(statements), tuple(outputs), tuple(constants))


def _named(node: Node, var: dict[int, str], names: _Names, constants: list[tuple[str, Any]]) -> str:
    """The operand as an identifier (contractions take names; literals become constants)."""
    v = var[node.id]
    if v.isidentifier():
        return v
    name = names.claim(f"c{len(constants)}")
    constants.append((name, node.params.value))  # still a Python scalar: weak promotion kept
    var[node.id] = name
    return name


def _needed(graph: Graph, regions: dict[int, Region]) -> set[int]:
    needed: set[int] = set()
    stack = list(graph.outputs)
    while stack:
        node = stack.pop()
        if node.id in needed:
            continue
        needed.add(node.id)
        if node.op == "einsum":
            stack.extend(regions[node.id].operands)
        else:
            stack.extend(node.inputs)
    return needed


def _dtype_ref(dtype: np.dtype, names: _Names, constants: list[tuple[str, Any]]) -> str:
    for name, value in constants:
        if isinstance(value, np.dtype) and value == dtype:
            return name
    name = names.claim(f"dt_{dtype.name}")
    constants.append((name, np.dtype(dtype)))
    return name


def _aligned(src: str, node: Node, maps: tuple[int, ...], in_shape: tuple[int, ...]) -> str:
    """``src`` transposed/reshaped so it broadcasts against ``node``'s axes per ``maps``."""
    present = sorted((m, k) for k, m in enumerate(maps) if m >= 0)
    perm = [k for _, k in present] + [k for k, m in enumerate(maps) if m < 0]
    expr = src
    if perm != list(range(len(perm))):
        expr = f"{src}.transpose({', '.join(map(str, perm))})"
    if not present:
        return expr if not in_shape else f"{expr}.reshape(())"
    first = present[0][0]
    target = [1] * (node.ndim - first)
    for m, k in present:
        target[m - first] = in_shape[k]
    current = [in_shape[k] for k in perm]
    if current != target:
        expr = f"{expr}.reshape({_tuple(target)})"
    return expr


def _tuple(values: Any) -> str:
    vals = [str(int(v)) for v in values]
    return "(" + ", ".join(vals) + ("," if len(vals) == 1 else "") + ")"


def _expression(node: Node, src: list[str], names: _Names, constants: list[tuple[str, Any]]) -> str:
    p = node.params
    if node.op == "elementwise":
        args = [
            s if not inp.ndim else _aligned(s, node, m, inp.shape)
            for s, inp, m in zip(src, node.inputs, p.maps)
        ]
        return f"{NP}.{p.fn}({', '.join(args)})"
    if node.op == "reduce":
        axes = p.axes[0] if p.fn in ("argmax", "argmin") else _tuple(p.axes)
        return f"{NP}.{p.fn}({src[0]}, axis={axes})"
    if node.op == "reshape":
        return f"{src[0]}.reshape({_tuple(p.shape)})"
    if node.op == "index":
        return f"{src[0]}[{_index_text(p.items, node.inputs[0].shape)}]"
    if node.op == "broadcast":
        inp = node.inputs[0]
        return (
            f"{NP}.broadcast_to({_aligned(src[0], node, p.maps, inp.shape)}, {_tuple(node.shape)})"
        )
    if node.op == "cast":
        return f"{src[0]}.astype({_dtype_ref(p.dtype, names, constants)})"
    if node.op == "scatter":
        dtype = _dtype_ref(node.dtype, names, constants)
        return f"{NP}.zeros({_tuple(node.shape)}, dtype={dtype})"
    if node.op == "concat":
        return f"{NP}.concatenate(({', '.join(src)},), axis={p.axis})"
    raise AssertionError(f"no lowering for {node.op}")


def _index_text(items: tuple[tuple[Any, ...], ...], shape: tuple[int, ...]) -> str:
    parts = []
    dim = 0
    for item in items:
        if item[0] == "new":
            parts.append("None")
            continue
        size = shape[dim]
        dim += 1
        if item[0] == "int":
            parts.append(str(int(item[1])))
            continue
        _, start, stop, step = item
        if step > 0 and start == 0 and stop >= size and step == 1:
            parts.append(":")
            continue
        stop_txt = "" if step < 0 and stop < 0 else str(int(stop))
        parts.append(f"{int(start)}:{stop_txt}:{int(step)}")
    return ", ".join(parts) + ("," if len(parts) == 1 else "")
