"""The DSL's size limits: flat chains are not nesting, deep text is refused with a
positioned DslError (never RecursionError or a Lark VisitError), huge integer literals are
refused, long chains of jit bindings work, and a UTF-8 byte-order mark is accepted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import axcomp as ax
from axcomp.dsl import MAX_DEPTH, MAX_NESTING, DslNestingError, DslSyntaxError


def caret_column(exc: Exception) -> int:
    rows = str(exc).splitlines()
    return next(row for row in rows if row.strip().startswith("^")).index("^") - 4 + 1


@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
def test_a_flat_chain_of_more_terms_than_the_nesting_limit_compiles(op: str) -> None:
    terms = MAX_NESTING + 50
    k = ax.kernel("(x, y) = x " + f" {op} y" * (terms - 1))
    x, y = 3.0, 1.25
    expected = x
    for _ in range(terms - 1):  # left to right, as Python and NumPy read it
        expected = {"+": expected + y, "-": expected - y, "*": expected * y, "/": expected / y}[op]
    assert k(np.float64(x), np.float64(y)) == pytest.approx(expected, rel=1e-12)


def test_parentheses_that_only_regroup_a_chain_are_not_nesting() -> None:
    text = "(x) = " + "(" * 120 + "x" + " + x)" * 120
    assert ax.kernel(text)(np.float64(2.0)) == 2.0 * 121


def test_a_chain_longer_than_the_depth_limit_is_refused_with_a_caret() -> None:
    text = "kernel f(x) = " + " + ".join(["x"] * (MAX_DEPTH + 100))
    with pytest.raises(DslNestingError) as info:
        ax.compile(text)
    exc = info.value
    assert f"more than {MAX_DEPTH} operations deep" in str(exc)
    assert exc.line == 1 and caret_column(exc) == exc.column
    assert text[exc.column - 1] == "x"
    assert "hint:" in str(exc)


def test_nesting_counts_real_levels_only() -> None:
    # 100 nested calls are fine, 101 are not: a call's argument list is not a level
    ok = "kernel f(x) = " + "sin(" * MAX_NESTING + "x" + ")" * MAX_NESTING
    value = 0.5
    for _ in range(MAX_NESTING):
        value = float(np.sin(value))
    assert ax.compile(ok).f(np.float64(0.5)) == pytest.approx(value, rel=1e-12)
    deep = MAX_NESTING + 1
    with pytest.raises(DslNestingError, match=f"more than {MAX_NESTING} levels"):
        ax.compile("kernel f(x) = " + "sin(" * deep + "x" + ")" * deep)


def test_jit_nested_below_the_limit_works_and_far_above_is_refused() -> None:
    body = "jit(" * (MAX_NESTING - 1) + "g" + ")" * (MAX_NESTING - 1)
    mod = ax.compile("kernel g(x[n]) -> [n] = 2 * x[n]\nf = " + body)
    v = np.arange(4.0)
    np.testing.assert_array_equal(mod.f(v), 2 * v)
    with pytest.raises(DslNestingError) as info:
        ax.compile("kernel g(x) = x\nf = " + "jit(" * 500 + "g" + ")" * 500)
    assert info.value.line == 2 and "^" in str(info.value)


def test_hundreds_of_chained_jit_bindings_compile_and_run() -> None:
    n = 400
    lines = ["kernel g(x[n]) -> [n] = x[n] * x[n]", "f0 = jit(g)"]
    lines += [f"f{i} = jit(f{i - 1})" for i in range(1, n)]
    mod = ax.compile("\n".join(lines))
    v = np.linspace(-1.0, 2.0, 5)
    np.testing.assert_allclose(mod[f"f{n - 1}"](v), v * v)


@pytest.mark.parametrize("digits", [400, 4301, 50_000])
def test_integer_literals_larger_than_any_float_are_a_dsl_error(digits: int) -> None:
    big = "7" * digits
    for text, line in [
        (f"kernel f(x) = x * {big}", 1),
        (f"kernel g(x[n]) -> [n] = x[n]\nf = vmap(g, in_axes={big})", 2),
        (f"kernel g(x[n]) -> [n] = x[n]\nf = vmap(g, in_axes=-{big})", 2),
    ]:
        with pytest.raises(DslSyntaxError, match="larger than any float64") as info:
            ax.compile(text)
        assert info.value.line == line and "^" in str(info.value)


def test_the_largest_integer_a_float_holds_is_accepted() -> None:
    largest = int(np.finfo(np.float64).max)
    k = ax.kernel(f"(x) = x * {largest} / {largest}")
    assert k(np.float64(0.5)) == 0.5
    with pytest.raises(DslSyntaxError):
        ax.kernel(f"(x) = x * {largest * 2}")


def test_leading_zeros_do_not_count_as_digits() -> None:
    assert ax.kernel("(x) = x * " + "0" * 5000 + "3")(np.float64(2.0)) == 6.0


def test_a_byte_order_mark_starts_an_ax_file(tmp_path: Path) -> None:
    path = tmp_path / "bom.ax"
    path.write_bytes("\ufeffkernel f(x) = 2 * x\n".encode())
    assert ax.load(path).f(np.float64(1.5)) == 3.0


def test_a_byte_order_mark_starts_a_config_file(tmp_path: Path) -> None:
    toml = tmp_path / "bom.toml"
    toml.write_bytes('\ufeff[kernels]\nf = "(x) = x + 1"\n'.encode())
    yaml = tmp_path / "bom.yaml"
    yaml.write_bytes("\ufeffkernels:\n  f: '(x) = x + 1'\n".encode())
    for path in (toml, yaml):
        assert ax.load(path).f(np.float64(1.0)) == 2.0


def test_a_byte_order_mark_in_text_keeps_error_columns_true() -> None:
    text = "kernel f(x) = x $ 1"
    with pytest.raises(DslSyntaxError) as info:
        ax.compile("\ufeff" + text)
    assert (info.value.line, info.value.column) == (1, text.index("$") + 1)


def test_kernels_calling_kernels_hundreds_deep_are_a_dsl_error_not_a_recursion_error() -> None:
    n = 400
    text = "kernel k0(x) = x\n" + "\n".join(
        f"kernel k{i}(x) = k{i - 1}(x) + 1" for i in range(1, n)
    )
    mod = ax.compile(text)
    with pytest.raises(DslNestingError, match="nest too deeply") as info:
        mod[f"k{n - 1}"](np.float64(0.0))
    exc = info.value
    assert text.splitlines()[exc.line - 1].startswith(f"kernel k{exc.line - 1}(")
    assert "^" in str(exc)
    # the module still works where the chain is short enough
    assert mod["k30"](np.float64(0.5)) == 30.5
