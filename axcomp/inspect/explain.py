"""``axcomp.explain``: what a transformed function compiles to, for given shapes.

    e = axcomp.explain(pairwise_matvec, mats, vecs)   # arrays or ShapeDtypeStructs
    e.equations   # ['abc,dc->adb']
    e.levels      # one LevelInfo per vmap call, outermost first
    e.path        # one opt_einsum PathInfo (or SingleOperandPath) per contraction
    e.flops, e.peak_bytes, e.graph, e.source, e.to_dot()
    print(e)      # a compact report in the spirit of opt_einsum's PathInfo table

Node numbers in ``.graph``, ``.source`` and ``.to_dot()`` are the graph's local numbering
(inputs first, then topological order), so reports are stable across runs and processes.
Everything here is read from the graph and the Plan, never parsed back out of source text.
"""

from __future__ import annotations

import functools
import html
import math
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..backends.numpy_backend import fused_steps, loop_nest_steps, statement_text
from ..compiler import memory
from ..core.chunks import ChunkPlan
from ..core.graph import Graph, Node, describe
from ..core.plan import Step, format_bytes
from ..primitives.contraction import is_rename
from ..transforms.compile import Compiled
from ..transforms.jit import jit
from ..transforms.staging import Staged
from .dot import _type, graph_to_dot, render_svg
from .levels import LevelInfo, MappedAxis, positions_text
from .numbering import Numbering
from .values import value_text


def grouped_lines(items: Iterable[tuple[int, str]]) -> list[str]:
    """``%node: text`` lines, one per distinct text in first-seen order: the regions of
    an unrolled loop (a short ``scan`` runs its body once per step) share one line,
    ``%6, %10, ..., %22 (5 alike): text``, so a long unrolling stays one line."""
    nodes: dict[str, list[int]] = {}
    for index, text in items:
        seen = nodes.setdefault(text, [])
        if index not in seen:
            seen.append(index)
    out = []
    for text, found in nodes.items():
        ids = [f"%{i}" for i in found]
        if len(ids) > 4:
            ids = [*ids[:2], "...", ids[-1]]
        alike = f" ({len(found)} alike)" if len(found) > 1 else ""
        out.append(f"{', '.join(ids)}{alike}: {text}")
    return out


@dataclass(frozen=True)
class SingleOperandPath:
    """The stand-in for opt_einsum's ``PathInfo`` when a contraction has one operand (a sum
    over axes or a transpose), which opt_einsum does not plan."""

    eq: str
    opt_cost: int
    size_dict: dict[str, int]
    largest_intermediate: int
    path: tuple[tuple[int, ...], ...] = ()

    @property
    def naive_cost(self) -> int:
        return self.opt_cost

    @property
    def speedup(self) -> float:
        return 1.0

    @property
    def scale_list(self) -> list[int]:
        return [len(set(self.eq.replace(",", "").split("->")[0]))]

    def __str__(self) -> str:
        return (
            f"  Complete contraction:  {self.eq}\n"
            f"         Naive scaling:  {self.scale_list[0]}\n"
            f"  Optimized FLOP count:  {self.opt_cost:.3e}\n"
            f"  Largest intermediate:  {self.largest_intermediate:.3e} elements\n"
            "  (one operand: a single reduction/transpose, no pairwise path)"
        )

    __repr__ = __str__


@dataclass(frozen=True)
class ContractionInfo:
    """One fused einsum region of the program."""

    index: int  # local node number of the region's root (as in ``.graph``)
    equation: str
    axes: tuple[tuple[str, tuple[str, ...], int, bool], ...]  # (letter, names, size, summed)
    flops: int
    largest_intermediate: int  # elements
    itemsize: int
    path: Any  # opt_einsum PathInfo or SingleOperandPath
    code: tuple[str, ...]  # the generated statements

    @property
    def scaling(self) -> int:
        return max(self.path.scale_list) if list(self.path.scale_list) else 0

    def axes_text(self) -> str:
        parts = []
        for letter, names, size, summed in self.axes:
            parts.append(f"{letter}={'|'.join(names)}:{size}{'+' if summed else ''}")
        return " ".join(parts)


class Explanation:
    """What ``fun`` compiles to for one signature. Built by :func:`explain`."""

    def __init__(self, compiled: Compiled, name: str | None = None) -> None:
        self.compiled = compiled
        self.name = name or compiled.name

    @property
    def _num(self) -> dict[Node, int]:
        return self.compiled.plan.numbering

    # --- the public facts --------------------------------------------------------------
    @property
    def backend(self) -> str:
        """The emitter and the array library the code runs on, e.g. ``array_api
        (array_api_strict)``; NumPy programs say ``numpy``."""
        c = self.compiled
        return c.backend if c.namespace == c.backend else f"{c.backend} ({c.namespace})"

    @property
    def target(self) -> str:
        """Where the program runs (``backends.target``): ``numpy``, ``array_api (<library>)``,
        with the chunk driver's blocks when chunked, the block grid on dask arrays (the
        program shown is then the largest block's), the shards under pmap."""
        return self.compiled.target.describe()

    @property
    def constants(self) -> dict[str, str]:
        """The constants the generated code reads, by the name it reads them under, each as
        a reader wants it (``0.5``, ``[0. 1. 2.]  float64[3]``, ``float64[4,3] array``)."""
        plans = [self.compiled.plan]
        if self.chunks is not None:
            plans += [p for p in (self.chunks.block, self.chunks.tail) if p is not None]
        source = self.source
        out: dict[str, str] = {}
        for plan in plans:
            for name, value in plan.constants:
                if name not in out and re.search(rf"(?<![\w.]){re.escape(name)}\b", source):
                    out[name] = value_text(value)
        return out

    @property
    def chunks(self) -> ChunkPlan | None:
        """How the program runs in blocks (``None`` when it runs whole)."""
        return self.compiled.chunks

    @property
    def rewrites(self) -> list[str]:
        """The algebraic rewrites the planner applied, with its cost model's figures."""
        out = []
        for node in self._num:
            p = node.params
            if node.op.name != "refine":
                continue
            sign = "-" if p.fn == "subtract" else "+"
            itemsize = node.dtype.itemsize
            out.append(
                f"%{self._num[node]}: sum (x {sign} y)**2 -> "
                f"norms + one GEMM, near-cancelling entries recomputed directly (tau "
                f"{p.tau:.2g}); cost model: direct {p.direct_flops:,} flops and a "
                f"{format_bytes(p.direct_elements * itemsize)} difference, expanded "
                f"{p.expanded_flops:,} flops"
            )
        return out

    @property
    def fused(self) -> list[str]:
        """The fused loops (``compiler.fusion``): one line per region the program runs as
        one compiled loop nest, with the node it computes."""
        plans = [self.compiled.plan]
        if self.compiled.chunks is not None:
            plans.append(self.compiled.chunks.block)
        return grouped_lines(
            (step.index, loop.describe()) for plan in plans for step, loop in fused_steps(plan)
        )

    @property
    def compiled_loops(self) -> list[str]:
        """The loops that run whole as one compiled loop nest (``compiler.loop_nests``):
        one line per loop, with its steps and the statements of one step."""
        lines: list[tuple[int, str]] = []
        for step, loop in loop_nest_steps(self.compiled.plan):
            n = sum(len(s.statements) for s in loop.body)
            steps = "while" if loop.length is None else f"{loop.length} steps"
            steps += ", reverse" if loop.reverse else ""
            lines.append((step.index, f"loop ({steps}) of {n} statements"))
        return grouped_lines(lines)

    @property
    def equations(self) -> list[str]:
        return self.compiled.equations

    @property
    def source(self) -> str:
        return self.compiled.source

    @property
    def graph(self) -> str:
        return format_graph(self.compiled.graph, self._num)

    @functools.cached_property
    def contractions(self) -> list[ContractionInfo]:
        return [_contraction_info(st, self._num) for st in self.compiled.plan.contractions]

    @property
    def path(self) -> list[Any]:
        """One opt_einsum ``PathInfo`` per contraction (``SingleOperandPath`` for one operand)."""
        return [c.path for c in self.contractions]

    @functools.cached_property
    def flops(self) -> int:
        """Contraction flops (opt_einsum's count) plus one per output element of every
        elementwise op and one per input element of every non-einsum reduction."""
        return sum(c.flops for c in self.contractions) + self.elementwise_flops

    @functools.cached_property
    def _statements(self) -> list[Step]:
        """One step per node: output copies/wrappers reuse their node and add no work."""
        seen: set[Node] = set()
        out = []
        for st in self.compiled.plan.steps:
            if st.node not in seen:
                seen.add(st.node)
                out.append(st)
        return out

    @functools.cached_property
    def elementwise_flops(self) -> int:
        # a fused loop does its chain's work and its reduction's: one flop per instruction
        # and one per accumulation, per iteration
        fused = {st.node: loop for st, loop in fused_steps(self.compiled.plan)}
        return sum(
            (fused[st.node].elements * (len(fused[st.node].body) + 1))
            if st.node in fused
            else st.node.op.flops(st.node)
            for st in self._statements
            if st.contraction is None
        )

    @functools.cached_property
    def peak_bytes(self) -> int:
        """The predicted peak of the bytes the generated code holds at once (temporaries,
        including those inside a statement, and outputs; inputs are the caller's), from
        ``compiler.memory``'s statement-level liveness. A chunked program holds its outputs
        and, per thread running a block, one block's temporaries."""
        chunks = self.compiled.chunks
        if chunks is not None:
            return chunks.output_bytes + chunks.peak_temporaries
        return memory.peak_bytes(self.compiled.plan)

    @functools.cached_property
    def temporary_bytes(self) -> int:
        """The predicted peak of the temporaries alone (what ``memory_limit`` bounds)."""
        chunks = self.compiled.chunks
        if chunks is not None:
            return chunks.peak_temporaries
        return memory.temporary_peak(self.compiled.plan)

    @functools.cached_property
    def levels(self) -> list[LevelInfo]:
        outputs = self.compiled.graph.outputs
        out: list[LevelInfo] = []
        for rec in self.compiled.levels:
            lands = tuple(_axis_position(node, rec.name) for node in outputs)
            out.append(
                LevelInfo(
                    rec.depth,
                    rec.name,
                    rec.size,
                    rec.function,
                    rec.in_axes,
                    rec.out_axes,
                    tuple(MappedAxis(a, k, s) for a, k, s in rec.mapped),
                    tuple(p for _, p in rec.placed),
                    lands,
                )
            )
        return out

    def to_dot(self) -> str:
        """The axis graph in Graphviz DOT: inputs, ops and outputs, named axes on the edges."""
        return graph_to_dot(self.compiled.graph, self._num, self.name, self.levels)

    # --- text ----------------------------------------------------------------------------
    def signature(self) -> str:
        graph = self.compiled.graph
        names = self.compiled.plan.inputs  # as the source names them (look-alikes apart)
        if len(names) != len(graph.inputs):
            names = tuple(n.params.name for n in graph.inputs)
        ins = ", ".join(f"{name}: {_type(n)}" for name, n in zip(names, graph.inputs))
        outs = [_type(n) for n in graph.outputs]
        res = outs[0] if len(outs) == 1 else "(" + ", ".join(outs) + ")"
        return f"{self.name}({ins}) -> {res}"

    def __str__(self) -> str:
        n_ew = sum(1 for st in self._statements if st.node.op.name == "elementwise")
        lines = [
            self.signature(),
            (
                f"  flops {self.flops:,} | peak {format_bytes(self.peak_bytes)} | "
                f"{_plural(len(self.contractions), 'contraction')} | "
                f"{_plural(n_ew, 'elementwise op')}"
            ),
            f"  backend {self.backend}",
        ]
        if self.target != self.backend:  # blocks, a dask grid or pmap shards
            lines.append(f"  target: {self.target}")
        chunks = self.chunks
        if chunks is not None:
            lines.append(
                f"  chunked ({chunks.reason}): {chunks.axis_text} (size {chunks.size}) "
                f"in {chunks.n_blocks} blocks of {chunks.chunk} on "
                f"{min(chunks.threads, chunks.n_blocks)} thread(s); temporaries "
                f"{format_bytes(chunks.full_temporaries)} whole -> "
                f"{format_bytes(chunks.block_temporaries)} per block, memory_limit "
                f"{format_bytes(chunks.budget)}"
                + (
                    f"; {len(chunks.prologue.outputs)} block-invariant value(s) "
                    f"({format_bytes(chunks.hoisted_bytes)}) computed once, before the blocks"
                    if chunks.prologue is not None
                    else ""
                )
            )
        if self.rewrites:
            lines += ["", "rewrites:"] + [f"  {r}" for r in self.rewrites]
        if self.fused:
            lines += ["", "fused loops (numba):"] + [f"  {r}" for r in self.fused]
        if self.compiled_loops:
            lines += ["", "compiled loops (numba):"] + [f"  {r}" for r in self.compiled_loops]
        constants = self.constants
        if constants:
            lines += ["", "constants the code reads:"]
            lines += [f"  {name} = {text}" for name, text in constants.items()]
        if self.levels:
            lines += ["", "vmap levels (outermost first):"]
            rows: list[tuple[str, ...]] = [
                ("level", "axis", "size", "in_axes", "out_axes", "maps", "-> output axis")
            ]
            for lv in self.levels:
                rows.append(
                    (
                        str(lv.depth + 1),
                        lv.axis_name,
                        str(lv.size),
                        repr(lv.in_axes),
                        repr(lv.out_axes),
                        ", ".join(str(m) for m in lv.mapped) or "-",
                        positions_text(lv.output_axes),
                    )
                )
            lines += _table(rows, right={2})
        if self.contractions:
            lines += ["", "contractions (axes: letter=name(s):size, + summed):"]
            rows = [("node", "equation", "scaling", "flops", "largest", "axes")]
            for c in self.contractions:
                rows.append(
                    (
                        f"%{c.index}",
                        c.equation,
                        str(c.scaling),
                        f"{c.flops:,}",
                        format_bytes(c.largest_intermediate * c.itemsize),
                        c.axes_text(),
                    )
                )
            lines += _table(rows, right={2, 3, 4})
        others = [
            st
            for st in self._statements
            if st.contraction is None and not st.node.op.moves_data and st.kind != "output"
        ]
        if others:
            lines += ["", "other ops:"]
            lines.append(
                "  "
                + ", ".join(
                    f"%{self._num[st.node]} {describe(st.node)}{list(st.node.shape)}"
                    for st in others
                )
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The report for Jupyter: summary, vmap levels and contractions as tables, the
        axis graph inline (when Graphviz is installed) and the generated code."""
        esc = html.escape
        out = [
            '<div class="axcomp-explain">',
            f"<p><code>{esc(self.signature())}</code><br>flops {self.flops:,} | peak "
            f"{esc(format_bytes(self.peak_bytes))} | {len(self.contractions)} contraction(s)</p>",
        ]
        out.append(f"<p>target: {esc(self.target)}</p>")
        if self.chunks is not None:
            out.append(f"<p>{esc(self.chunks.describe())}</p>")
        if self.levels:
            out.append(
                _html_table(
                    ("level", "axis", "size", "in_axes", "out_axes", "maps", "output axis"),
                    [
                        (
                            str(lv.depth + 1),
                            lv.axis_name,
                            str(lv.size),
                            repr(lv.in_axes),
                            repr(lv.out_axes),
                            ", ".join(str(m) for m in lv.mapped) or "-",
                            positions_text(lv.output_axes),
                        )
                        for lv in self.levels
                    ],
                    "vmap levels (outermost first)",
                )
            )
        if self.contractions:
            out.append(
                _html_table(
                    ("node", "equation", "scaling", "flops", "largest", "axes"),
                    [
                        (
                            f"%{c.index}",
                            c.equation,
                            str(c.scaling),
                            f"{c.flops:,}",
                            format_bytes(c.largest_intermediate * c.itemsize),
                            c.axes_text(),
                        )
                        for c in self.contractions
                    ],
                    "contractions",
                )
            )
        svg = render_svg(self.to_dot())
        if svg is not None:
            out.append(f'<div class="axcomp-graph">{svg}</div>')
        out.append(
            f"<details><summary>generated code</summary><pre>{esc(self.source)}</pre></details>"
        )
        out.append("</div>")
        return "\n".join(out)

    def __repr__(self) -> str:
        return f"<Explanation {self.name!r}: {_plural(len(self.equations), 'contraction')}>"


def explain(fun: Callable[..., Any], *args: Any, **kwargs: Any) -> Explanation:
    """Compile ``fun`` for these arguments (arrays or ShapeDtypeStructs) and describe it."""
    staged = fun if isinstance(fun, Staged) else jit(fun)
    name = getattr(fun, "__name__", None)
    return Explanation(staged.lower(*args, **kwargs), name if isinstance(name, str) else None)


# --- helpers -------------------------------------------------------------------------------
def format_graph(graph: Graph, num: dict[Node, int]) -> str:
    """``Graph.format`` with vmap's renames spelled out and identities left out (a use of
    one reads the node it passes on; ``numbering.Numbering`` says under which number)."""
    numbering = Numbering(graph, num)
    lines = []
    for node in num:
        if node in numbering.passes_on:
            continue
        args = ", ".join(f"%{numbering.number(i)}" for i in node.inputs)
        what = describe(node)
        note = ""
        if is_rename(node):
            renames = [f"{a}->{b}" for a, b in zip(node.inputs[0].axes, node.axes) if a != b]
            what, note = "rename", f"  # {', '.join(renames)}"
        call = f"{what}({args})" if args else what
        lines.append(f"  %{numbering.number(node)} = {call} : {node.type_str()}{note}")
    outs = ", ".join(f"%{numbering.number(n)}" for n in graph.outputs)
    return "\n".join(lines + [f"  return {outs}"])


def _contraction_info(st: Step, num: dict[Node, int]) -> ContractionInfo:
    code = st.contraction
    region = st.region
    assert code is not None and region is not None
    # lower_contraction gives letters in order of first appearance in the operands' labels.
    letters: dict[str, str] = {}
    names: dict[str, list[str]] = {}
    for operand, sub in zip(region.operands, region.subscripts):
        for lab, axis_name in zip(sub, operand.axes):
            if lab not in letters:
                letters[lab] = _symbol(len(letters))
            group = names.setdefault(lab, [])
            if axis_name not in group:
                group.append(axis_name)
    for lab, axis_name in zip(region.out, region.root.axes):
        group = names.setdefault(lab, [])
        if axis_name in group:
            group.remove(axis_name)
        group.insert(0, axis_name)  # the output's name first: the name the user sees
    sizes = dict(region.sizes)
    axes = tuple(
        (letter, tuple(names[lab]), sizes[lab], lab not in region.out)
        for lab, letter in letters.items()
    )
    path = code.path_info
    if path is None:
        path = SingleOperandPath(
            code.equation,
            code.flops,
            {letters[k]: v for k, v in sizes.items() if k in letters},
            code.largest_intermediate,
        )
    # opt_einsum counts the result among intermediates; do the same for one-operand sums.
    largest = max(int(code.largest_intermediate), _elements(st.node.shape))
    return ContractionInfo(
        num[st.node],
        code.equation,
        axes,
        int(code.flops),
        largest,
        st.node.dtype.itemsize,
        path,
        tuple(statement_text(s) for s in st.statements),
    )


def _symbol(i: int) -> str:
    import opt_einsum

    return str(opt_einsum.get_symbol(i))


def _axis_position(node: Node, name: str) -> int | None:
    return node.axes.index(name) if name in node.axes else None


def _elements(shape: Sequence[int]) -> int:
    return math.prod(int(s) for s in shape)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _html_table(head: tuple[str, ...], rows: Sequence[tuple[str, ...]], caption: str) -> str:
    esc = html.escape
    cells = [
        "<table>",
        f"<caption>{esc(caption)}</caption>",
        "<tr>" + "".join(f"<th>{esc(h)}</th>" for h in head) + "</tr>",
    ]
    for row in rows:
        cells.append("<tr>" + "".join(f"<td><code>{esc(c)}</code></td>" for c in row) + "</tr>")
    cells.append("</table>")
    return "".join(cells)


def _table(rows: Sequence[tuple[str, ...]], right: Collection[int] = ()) -> list[str]:
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [
            c.rjust(w) if k in right else c.ljust(w) for k, (c, w) in enumerate(zip(r, widths))
        ]
        out.append("  " + "  ".join(cells).rstrip())
    return out
