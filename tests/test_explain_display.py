"""What explain shows a reader: the graph text without vmap's identity chains, the same
node numbers in the text, the picture, the tables and the generated code, and constants
drawn by their values."""

from __future__ import annotations

import re

import numpy as np

import axcomp as ax
import axcomp.numpy as anp

S = ax.ShapeDtypeStruct
pairwise = ax.vmap(ax.vmap(lambda M, v: anp.dot(M, v), in_axes=(None, 0)), in_axes=(0, None))


def defined_and_used(text: str) -> tuple[set[str], set[str]]:
    """The numbers the graph text defines, and those it refers to."""
    defined = set(re.findall(r"^\s*%(\d+) =", text, re.M))
    used = set(re.findall(r"%(\d+)", re.sub(r"^\s*%\d+ =", "", text, flags=re.M)))
    return defined, used


def test_graph_text_has_no_identities_and_its_numbers_are_the_codes() -> None:
    exp = ax.explain(pairwise, S((3, 2, 3), np.float64), S((4, 3), np.float64))
    graph = exp.graph
    assert "identity(" not in graph
    defined, used = defined_and_used(graph)
    assert used <= defined, graph  # every reference names a line shown
    (returned,) = re.findall(r"return %(\d+)", graph)
    code_numbers = set(re.findall(r"# %(\d+):", exp.source))
    assert code_numbers <= defined and returned in code_numbers  # the einsum's line
    assert re.search(rf"^\s*%{returned} = einsum 'abc,dc->adb'", graph, re.M)
    # the same einsum under the same number in the report's contraction table
    assert re.search(rf"^\s*%{returned}\s+abc,dc->adb", str(exp), re.M)


def test_a_renaming_vmap_keeps_its_rename_lines() -> None:
    graph = ax.explain(ax.vmap(lambda x: x * 2), S((4, 3), np.float64)).graph
    assert "rename(%0)" in graph and "# x.0->a" in graph


def test_the_picture_uses_the_same_numbers() -> None:
    exp = ax.explain(pairwise, S((3, 2, 3), np.float64), S((4, 3), np.float64))
    dot = exp.to_dot()
    nodes = set(re.findall(r"^\s*(n\d+) \[label", dot, re.M))
    for src, dst in re.findall(r"^\s*(n\d+) -> (n\d+|out\d+)", dot, re.M):
        assert src in nodes and (dst in nodes or dst.startswith("out"))
    (number,) = re.findall(r"# %(\d+): contraction", exp.source)
    assert re.search(rf'n{number} \[label="%{number} einsum\\nabc,dc->adb', dot)


def test_constants_are_drawn_by_their_values() -> None:
    def f(x):
        small = np.arange(3.0) * 2
        return anp.exp(x * 0.5) + small * anp.float32(2) + np.ones((4, 3)) + 2

    dot = ax.explain(ax.jit(f), S((3,), np.float32)).to_dot()
    labels = re.findall(r'\[label="([^"]*)", shape=plaintext\]', dot)
    assert "0.5" in labels and "2" in labels  # Python scalars: just the value
    assert "[0. 4. 8.]\\nfloat64[3]" in labels  # a small array: values and type
    assert "all 1.0\\nfloat64[4,3]" in labels  # a large one: its one value and type
    assert not any("array(" in lab for lab in labels)


def test_the_report_lists_the_constants_the_code_reads() -> None:
    def f(x):
        return anp.exp(x * 0.5) + np.arange(3.0) + np.ones((4, 3))

    exp = ax.explain(ax.jit(f), S((3,), np.float32))
    constants = exp.constants
    assert constants and set(constants) <= set(re.findall(r"\b(c\d+|dt_\w+)\b", exp.source))
    # the Python number is a literal in the code (exact in float32), not a constant
    assert sorted(constants.values()) == sorted(["[0. 1. 2.]  float64[3]", "all 1.0  float64[4,3]"])
    assert "0.5" in exp.source
    report = str(exp)
    section = report.split("constants the code reads:\n", 1)[1].split("\n\n", 1)[0]
    assert section.splitlines() == [f"  {k} = {v}" for k, v in constants.items()]
    # a program without constants has no such section
    assert "constants" not in str(ax.explain(ax.jit(lambda x: x + x), S((3,), np.float64)))


def edges(dot: str) -> list[tuple[str, str]]:
    return re.findall(r"^\s*(n\d+|out\d+) -> (n\d+|out\d+) \[", dot, re.M)


def test_the_picture_draws_one_edge_per_use() -> None:
    def numbered(dot: str, op: str) -> str:
        (node,) = re.findall(rf'^\s*(n\d+) \[label="%\d+ {op}', dot, re.M)
        return node

    # x * x: one node reads x twice, a multi-edge; through two vmaps' identity chains
    dot = ax.explain(ax.vmap(ax.vmap(lambda x: x * x)), S((4, 3), np.float64)).to_dot()
    square = numbered(dot, "einsum")
    assert edges(dot) == [("n0", square), ("n0", square), (square, "out0")]
    # x read by two nodes, and by one of them twice: three edges leave x
    dot = ax.explain(ax.vmap(lambda x: (x * x, anp.sin(x))), S((4, 3), np.float64)).to_dot()
    square, sine = numbered(dot, "einsum"), numbered(dot, "sin")
    assert sorted(e for e in edges(dot) if e[0] == "n0") == sorted(
        [("n0", square), ("n0", square), ("n0", sine)]
    )
    assert (square, "out0") in edges(dot) and (sine, "out1") in edges(dot)


def test_a_large_constant_is_drawn_by_its_range() -> None:
    dot = ax.explain(ax.jit(lambda x: x + np.arange(12.0)), S((12,), np.float64)).to_dot()
    assert '[label="float64[12] array\\nfrom 0 to 11", shape=plaintext]' in dot
