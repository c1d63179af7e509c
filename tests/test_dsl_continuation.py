"""One continuation rule for the language everywhere: a statement goes on to the next line
while a bracket is open or its line ends in an operator, in modules (``axcomp.compile``,
.ax files), configs and the REPL alike."""

from __future__ import annotations

import io

import numpy as np
import pytest

import axcomp
from axcomp.cli.repl import is_complete, run_repl
from axcomp.dsl.errors import DslSyntaxError
from axcomp.dsl.parser import CONTINUING_OPERATORS, ends_in_operator

# a statement broken after each operator the rule names, and what it computes on x = 2
BROKEN_AFTER = {
    "=": ("kernel f(a[i]) -> [i] =\n  a[i]", 2.0),
    "->": ("kernel f(a[i]) ->\n  [i] = a[i]", 2.0),
    "+": ("kernel f(a[i]) -> [i] = a[i] +\n  1", 3.0),
    "-": ("kernel f(a[i]) -> [i] = a[i] -\n  1", 1.0),
    "*": ("kernel f(a[i]) -> [i] = a[i] *\n  3", 6.0),
    "/": ("kernel f(a[i]) -> [i] = a[i] /\n  4", 0.5),
    "**": ("kernel f(a[i]) -> [i] = a[i] **\n  3", 8.0),
    ",": ("kernel f(a[i]) -> [i] = maximum(a[i],\n  1)", 2.0),  # (inside brackets anyway)
    "<": ("kernel f(a[i]) -> [i] = where(a[i] <\n  3, a[i], 0)", 2.0),
    ">": ("kernel f(a[i]) -> [i] = where(a[i] >\n  3, a[i], 0)", 0.0),
    "<=": ("kernel f(a[i]) -> [i] = where(a[i] <=\n  2, a[i], 0)", 2.0),
    ">=": ("kernel f(a[i]) -> [i] = where(a[i] >=\n  3, a[i], 0)", 0.0),
    "==": ("kernel f(a[i]) -> [i] = where(a[i] ==\n  2, a[i], 0)", 2.0),
    "!=": ("kernel f(a[i]) -> [i] = where(a[i] !=\n  2, a[i], 0)", 0.0),
}


def test_every_continuing_operator_is_tested() -> None:
    assert set(BROKEN_AFTER) == set(CONTINUING_OPERATORS)


@pytest.mark.parametrize("op", sorted(BROKEN_AFTER))
def test_a_line_ending_in_an_operator_continues_in_a_module(op: str) -> None:
    text, expected = BROKEN_AFTER[op]
    mod = axcomp.compile(text)
    np.testing.assert_allclose(mod[list(mod)[-1]](np.full(3, 2.0)), np.full(3, expected))


@pytest.mark.parametrize("op", sorted(BROKEN_AFTER))
def test_the_repl_continues_where_the_parser_does(op: str) -> None:
    text, _ = BROKEN_AFTER[op]
    lines = text.splitlines()
    assert ends_in_operator(lines[-2])
    assert not is_complete("\n".join(lines[:-1]))
    assert is_complete(text)
    out = io.StringIO()
    assert run_repl(stdin=io.StringIO(text + "\n"), stdout=out) == 0, out.getvalue()


def test_an_ax_file_and_a_yaml_config_accept_the_same_text(tmp_path) -> None:
    text = "kernel sq(a[d], b[d]) =\n    sum[d]((a[d] - b[d]) ** 2)  # comment after\n"
    text += "pair = vmap(vmap(sq, in_axes=(None, 0)),\n           in_axes=(0, None))\n"
    (tmp_path / "m.ax").write_text(text)
    (tmp_path / "m.yaml").write_text(
        "source: |\n" + "".join("  " + ln + "\n" for ln in text.splitlines())
    )
    a, b = np.random.rand(3, 2), np.random.rand(4, 2)
    expected = ((a[:, None] - b[None]) ** 2).sum(-1)
    for path in (tmp_path / "m.ax", tmp_path / "m.yaml"):
        np.testing.assert_allclose(axcomp.load(path).pair(a, b), expected)


def test_a_line_without_an_operator_still_ends_the_statement() -> None:
    # "= a[i]" on its own line is a new statement, in a module and in the REPL alike
    with pytest.raises(DslSyntaxError) as info:
        axcomp.compile("kernel f(a[i]) -> [i]\n  = a[i]")
    assert "line 1" in str(info.value)
    assert is_complete("kernel f(a[i]) -> [i]")
