"""axcomp.explain on the seed tutorial's specs: golden reports, levels, costs, DOT.

Regenerate the golden files after an intended change of the compiler's output with

    AXCOMP_REGEN_GOLDEN=1 python -m pytest -q tests/test_explain.py
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from opt_einsum.contract import PathInfo

import axcomp as ax
import axcomp.numpy as anp
from axcomp.inspect.explain import Explanation, SingleOperandPath

GOLDEN = Path(__file__).parent / "golden"
REGEN = os.environ.get("AXCOMP_REGEN_GOLDEN") == "1"
S = ax.ShapeDtypeStruct


def matvec_multiply(matrix: Any, vector: Any) -> Any:
    return anp.dot(matrix, vector)


def euclidean_distance_sq(point_a: Any, point_b: Any) -> Any:
    return anp.sum((point_a - point_b) ** 2)


pairwise_matvec = ax.vmap(ax.vmap(matvec_multiply, in_axes=(None, 0)), in_axes=(0, None))
batched_matvec = ax.vmap(matvec_multiply, in_axes=(0, 0))
pairwise_distance_sq = ax.vmap(ax.vmap(euclidean_distance_sq, in_axes=(None, 0)), in_axes=(0, None))


def sum_of_distances(p_a: Any, p_b: Any) -> Any:
    return anp.sum(pairwise_distance_sq(p_a, p_b))


def softmax(x: Any) -> Any:
    e = anp.exp(x - anp.max(x))
    return e / anp.sum(e)


# name -> (function, argument structs); the seed tutorial's specs plus out_axes != 0.
SPECS: dict[str, tuple[Callable[..., Any], tuple[Any, ...]]] = {
    "matvec": (matvec_multiply, (S((2, 3)), S((3,)))),
    "batched_matvec": (batched_matvec, (S((3, 2, 3)), S((3, 3)))),
    "pairwise_matvec": (pairwise_matvec, (S((3, 2, 3)), S((4, 3)))),
    "pairwise_distance_sq": (pairwise_distance_sq, (S((3, 2)), S((4, 2)))),
    "jit_pairwise_distance_sq": (ax.jit(pairwise_distance_sq), (S((3, 2)), S((4, 2)))),
    "grad_sum_of_distances": (ax.grad(sum_of_distances, argnums=0), (S((3, 2)), S((4, 2)))),
    "batched_softmax_out_axes_1": (
        ax.vmap(softmax, in_axes=1, out_axes=1),
        (S((5, 3), np.float32),),
    ),
}


def full_text(exp: Explanation) -> str:
    return f"{exp}\n\n--- axis graph\n{exp.graph}\n\n--- generated code\n{exp.source.rstrip()}\n"


@pytest.mark.parametrize("name", list(SPECS))
def test_golden_report(name: str) -> None:
    fun, args = SPECS[name]
    exp = ax.explain(fun, *args)
    exp.name = name
    text = full_text(exp)
    path = GOLDEN / f"explain_{name}.txt"
    if REGEN or not path.exists():
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text)
        if not REGEN:
            pytest.fail(f"golden file {path.name} was missing and has been written; rerun")
    expected = path.read_text()
    assert text == expected, (
        f"explain report for {name} differs from {path}; if the change is intended, "
        "regenerate with AXCOMP_REGEN_GOLDEN=1 python -m pytest -q tests/test_explain.py"
    )


def test_report_is_stable_across_repeated_compiles() -> None:
    # Node numbers are local to the explanation, not the process-global node ids.
    fun, args = SPECS["pairwise_matvec"]
    first = full_text(
        ax.explain(ax.vmap(ax.vmap(matvec_multiply, in_axes=(None, 0)), in_axes=(0, None)), *args)
    )
    ax.explain(fun, S((7, 2, 3)), S((5, 3)))  # creates more nodes in between
    second = full_text(
        ax.explain(ax.vmap(ax.vmap(matvec_multiply, in_axes=(None, 0)), in_axes=(0, None)), *args)
    )
    assert first == second


def test_pairwise_matvec_levels() -> None:
    exp = ax.explain(pairwise_matvec, S((3, 2, 3)), S((4, 3)))
    outer, inner = exp.levels
    assert (outer.depth, outer.size, outer.in_axes, outer.out_axes) == (0, 3, (0, None), 0)
    assert (inner.depth, inner.size, inner.in_axes, inner.out_axes) == (1, 4, (None, 0), 0)
    assert [(m.argument, m.axis, m.source) for m in outer.mapped] == [("matrix", 0, "matrix.0")]
    assert [(m.argument, m.axis, m.source) for m in inner.mapped] == [("vector", 0, "vector.0")]
    assert (outer.output_axis, inner.output_axis) == (0, 1)
    assert exp.equations == ["abc,dc->adb"]
    assert "matrix axis 0" in str(outer) and "output axis 0" in str(outer)


def test_levels_follow_out_axes_and_reductions() -> None:
    f = ax.vmap(
        ax.vmap(matvec_multiply, in_axes=(None, 0), out_axes=1), in_axes=(0, None), out_axes=2
    )
    exp = ax.explain(f, S((3, 2, 3)), S((4, 3)))
    # inner: (m, b) per matrix -> outer puts a at 2: result (m, b, a)
    assert [lv.placed for lv in exp.levels] == [(2,), (1,)]
    assert [lv.output_axis for lv in exp.levels] == [2, 1]
    g = ax.explain(ax.grad(sum_of_distances, argnums=0), S((3, 2)), S((4, 2)))
    assert [lv.output_axis for lv in g.levels] == [0, None]  # b is summed away
    assert "reduced" in str(g)


def test_no_vmap_has_no_levels() -> None:
    exp = ax.explain(matvec_multiply, np.ones((2, 3)), np.ones(3))
    assert exp.levels == []
    assert "vmap levels" not in str(exp)


def test_path_flops_and_peak_bytes() -> None:
    exp = ax.explain(pairwise_matvec, S((3, 2, 3), np.float32), S((4, 3), np.float32))
    (info,) = exp.path
    assert isinstance(info, PathInfo)
    assert exp.flops == info.opt_cost == 144
    assert exp.peak_bytes == 3 * 4 * 2 * 4  # the float32 result is the largest array
    d = ax.explain(ax.vmap(lambda x: anp.sum(anp.exp(x))), S((3, 5)))
    (single,) = d.path
    assert isinstance(single, SingleOperandPath)  # a one-operand sum: no pairwise path
    # exp counts one flop per element on top of the contraction's count
    assert d.flops == single.opt_cost + 3 * 5
    assert d.peak_bytes == 3 * 5 * 8 + 3 * 8  # exp(x) is alive while its sum is allocated
    assert "Complete contraction" in str(single)


def test_source_numbers_match_graph() -> None:
    exp = ax.explain(pairwise_distance_sq, S((3, 2)), S((4, 2)))
    graph_ids = set(re.findall(r"%(\d+) =", exp.graph))
    source_ids = set(re.findall(r"# %(\d+):", exp.source))
    assert source_ids and source_ids <= graph_ids


# --- DOT ----------------------------------------------------------------------------------
_NODE = re.compile(r'^\s*(\w+) \[label="((?:[^"\\]|\\.)*)"')
_EDGE = re.compile(r'^\s*(\w+) -> (\w+) \[label="((?:[^"\\]|\\.)*)"')


def parse_dot(text: str) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """A tiny parser for the DOT that axcomp writes: node labels and labelled edges."""
    assert text.startswith("digraph ") and text.rstrip().endswith("}")
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str, str]] = []
    for line in text.splitlines():
        if m := _EDGE.match(line):
            edges.append((m.group(1), m.group(2), m.group(3).replace("\\n", "\n")))
        elif m := _NODE.match(line):
            nodes[m.group(1)] = m.group(2).replace("\\n", "\n")
    return nodes, edges


def test_dot_has_inputs_ops_outputs_and_named_axes() -> None:
    exp = ax.explain(pairwise_matvec, S((3, 2, 3)), S((4, 3)))
    nodes, edges = parse_dot(exp.to_dot())
    labels = list(nodes.values())
    assert any(lab.startswith("matrix\n") and "[3,2,3]" in lab for lab in labels)
    assert any(lab.startswith("vector\n") and "[4,3]" in lab for lab in labels)
    assert any("einsum" in lab and "abc,dc->adb" in lab for lab in labels)
    assert any(lab.startswith("output\n") and "[3,4,2]" in lab for lab in labels)
    assert "vmap levels" in nodes["levels"]
    # every edge joins declared nodes; vmap renames are folded into the edges' axis names
    for src, dst, _ in edges:
        assert src in nodes and dst in nodes
    edge_labels = {(nodes[s].split("\n")[0], lab) for s, _, lab in edges}
    assert ("matrix", "a=3, matrix.1=2, matrix.2=3") in edge_labels
    assert ("vector", "b=4, vector.1=3") in edge_labels
    assert not any("rename" in lab or "identity" in lab for lab in labels)


def test_dot_elementwise_graph() -> None:
    exp = ax.explain(pairwise_distance_sq, S((3, 2)), S((4, 2)))
    nodes, edges = parse_dot(exp.to_dot())
    labels = " | ".join(nodes.values())
    for op in ("subtract", "einsum", "output"):
        assert op in labels
    assert any(lab == "a=3, b=4" for _, _, lab in edges)  # the result's named axes


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_dot_is_valid_graphviz(tmp_path: Path) -> None:
    exp = ax.explain(pairwise_matvec, S((3, 2, 3)), S((4, 3)))
    out = subprocess.run(
        ["dot", "-Tsvg"], input=exp.to_dot().encode(), capture_output=True, check=True, timeout=60
    )
    assert b"<svg" in out.stdout


def test_an_unrolled_scan_lists_each_fused_region_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A short scan runs its body once per step at trace time: its steps' alike fused
    regions share one line that counts them (before: one line per step)."""
    monkeypatch.setenv("AXCOMP_FUSE", "always")

    def f(h: Any, xs: Any, w: Any) -> Any:
        def step(c: Any, x: Any) -> Any:
            c = anp.tanh(c @ w + x)
            return c, anp.exp(c)

        return ax.lax.scan(step, h, xs)

    rng = np.random.default_rng(0)
    report = ax.explain(
        ax.jit(f), rng.normal(size=(64, 32)), rng.normal(size=(5, 64, 32)), np.eye(32)
    )
    assert len(report.fused) == 2, report.fused
    assert all(
        re.match(r"%\d+, %\d+, \.\.\., %\d+ \(5 alike\): fused loop", r) for r in report.fused
    )
    assert "(5 alike): fused loop map(exp)" in str(report)
