"""Pictures of the axis graph: Graphviz DOT text, and rendering it with the ``dot`` program.

DOT needs nothing installed; SVG/PNG/PDF need Graphviz's ``dot`` on PATH.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..core.graph import Graph, Node, describe
from ..core.leaves import const_p, input_p
from ..errors import AxcompError, GraphvizNotFound
from ..primitives.contraction import einsum_p, is_rename
from .levels import LevelInfo
from .numbering import Numbering
from .values import value_text

RENDERED_FORMATS = ("svg", "png", "pdf")
INSTALL_HINT = (
    "install the Graphviz package that provides it (Debian/Ubuntu: `apt-get install graphviz`, "
    "macOS: `brew install graphviz`, conda: `conda install graphviz`), or write a .dot file"
)

_STYLE = {
    "input": 'shape=box, style="rounded,filled", fillcolor="#dbeafe"',
    "output": 'shape=box, style="rounded,filled", fillcolor="#dcfce7"',
    "einsum": 'shape=box, style=filled, fillcolor="#fef3c7"',
    "const": "shape=plaintext",
    "other": "shape=ellipse",
}


def quote(text: str) -> str:
    """A DOT double-quoted string (newlines become DOT's centred line breaks)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _axes_label(node: Node) -> str:
    return ", ".join(f"{a}={s}" for a, s in zip(node.axes, node.shape)) or "scalar"


def _type(node: Node) -> str:
    return f"{np.dtype(node.dtype).name}[{','.join(str(s) for s in node.shape)}]"


def _summed(node: Node) -> str:
    """``\nsums matrix.2=vector.1``: the named axes an einsum node contracts away."""
    p = node.params
    groups: dict[str, list[str]] = {}
    for inp, sub in zip(node.inputs, p.subscripts):
        for lab, axis in zip(sub, inp.axes):
            if lab not in p.out and axis not in groups.setdefault(lab, []):
                groups[lab].append(axis)
    return ("\nsums " + ", ".join("=".join(g) for g in groups.values())) if groups else ""


def constant_label(node: Node) -> str:
    """A constant node by its value (``inspect.values``), its type on a line of its own."""
    return value_text(node.params.value, separator="\n")


def graph_to_dot(
    graph: Graph, num: dict[Node, int], name: str, levels: Sequence[LevelInfo] = ()
) -> str:
    """Inputs, ops and outputs as nodes; each edge is labelled with the named axes of the
    value it carries. Pure renames (how vmap names a batch axis) are folded into the edge,
    so the new name shows on the edge instead of as a node of its own."""

    def shown(node: Node) -> Node:
        while is_rename(node):
            node = node.inputs[0]
        return node

    lines = [
        f"digraph {quote(name)} {{",
        "  rankdir=TB;",
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9, color="#555555"];',
        f'  label={quote(name)}; labelloc=t; fontname="Helvetica";',
    ]
    order = list(num)
    number = Numbering(graph, num).number
    for node in order:
        if is_rename(node):
            continue
        k = number(node)
        if node.op is input_p:
            label, style = f"{node.params.name}\n{_type(node)}", _STYLE["input"]
        elif node.op is const_p:
            label, style = constant_label(node), _STYLE["const"]
        elif node.op is einsum_p:
            label = f"%{k} einsum\n{node.params.equation()}{_summed(node)}"
            style = _STYLE["einsum"]
        else:
            label, style = f"%{k} {describe(node)}", _STYLE["other"]
        lines.append(f"  n{k} [label={quote(label)}, {style}];")
    for node in order:
        if is_rename(node):
            continue
        for inp in node.inputs:
            # The edge shows the value as the consumer sees it, after any renames.
            edge = f"n{number(shown(inp))} -> n{number(node)}"
            lines.append(f"  {edge} [label={quote(_axes_label(inp))}];")
    for j, out in enumerate(graph.outputs):
        oname = "output" if len(graph.outputs) == 1 else f"output {j}"
        olabel = quote(f"{oname}\n{_type(out)}")
        lines.append(f"  out{j} [label={olabel}, {_STYLE['output']}];")
        lines.append(f"  n{number(shown(out))} -> out{j} [label={quote(_axes_label(out))}];")
    if levels:
        rows = ["vmap levels, outermost first"]
        for lv in levels:
            maps = ", ".join(str(m) for m in lv.mapped) or "(axis_size)"
            where = ", ".join("reduced" if p is None else f"axis {p}" for p in lv.output_axes)
            rows.append(f"{lv.axis_name} (size {lv.size}): maps {maps} -> output {where}")
        text = "".join(r.replace("\\", "\\\\").replace('"', '\\"') + "\\l" for r in rows)
        lines.append(f'  levels [label="{text}", shape=note, fontsize=10];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def have_dot() -> bool:
    return shutil.which("dot") is not None


def check_picture_target(path: str | Path) -> str:
    """The format for ``path``; raises before any work when it cannot be written."""
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt in ("dot", "gv"):
        return fmt
    if fmt not in RENDERED_FORMATS:
        raise AxcompError(
            f"cannot write a picture to {str(path)!r}: "
            f"unknown format {Path(path).suffix or '(none)'!r}; "
            f"use one of .dot, .gv, {', '.join('.' + f for f in RENDERED_FORMATS)}"
        )
    if not have_dot():
        raise GraphvizNotFound(
            f"writing {Path(path).name} needs Graphviz's `dot` program, which is not on PATH: "
            + INSTALL_HINT
        )
    return fmt


def write_picture(dot_text: str, path: str | Path) -> Path:
    """Write ``dot_text`` to ``path``: as is for ``.dot``/``.gv``, else rendered by Graphviz
    in the format the suffix names."""
    path = Path(path)
    fmt = check_picture_target(path)
    if fmt in ("dot", "gv"):
        path.write_text(dot_text)
        return path
    proc = subprocess.run(
        ["dot", f"-T{fmt}", "-o", str(path)],
        input=dot_text.encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    if proc.returncode != 0:
        raise AxcompError(f"Graphviz `dot` failed: {proc.stderr.decode(errors='replace').strip()}")
    return path


def render_svg(dot_text: str) -> str | None:
    """The picture as inline SVG text, or None when Graphviz's ``dot`` is not installed."""
    if not have_dot():
        return None
    proc = subprocess.run(
        ["dot", "-Tsvg"], input=dot_text.encode(), capture_output=True, timeout=60, check=False
    )
    if proc.returncode != 0:
        return None
    text = proc.stdout.decode(errors="replace")
    start = text.find("<svg")
    return text[start:] if start >= 0 else None
