"""Every DSL error shows line, column, the offending line with a caret, and a hint."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import axcomp as ax
from axcomp.dsl import (
    MAX_NESTING,
    ConfigError,
    DslAxisSpecError,
    DslCallError,
    DslError,
    DslIndexError,
    DslNameError,
    DslNestingError,
    DslShapeError,
    DslSyntaxError,
)
from axcomp.errors import AxcompError, SpecSyntaxError

MATVEC = "kernel matvec(M[m, n], v[n]) -> [m] = sum[n](M[m, n] * v[n])\n"


def assert_caret(exc: DslError, line: int, column: int, token: str) -> None:
    """Line/column attributes, and a rendered excerpt with the caret under ``token``."""
    assert (exc.line, exc.column) == (line, column), str(exc)
    text = str(exc)
    assert f"line {line}, column {column}" in text
    rendered = text.splitlines()
    caret_row = next(i for i, row in enumerate(rendered) if row.strip().startswith("^"))
    src_row, carets = rendered[caret_row - 1], rendered[caret_row]
    start = carets.index("^")
    assert src_row[start : start + len(token)] == token, text
    assert rendered[-1].startswith("hint: ") and len(rendered[-1]) > 10
    assert isinstance(exc, SpecSyntaxError) and isinstance(exc, AxcompError)
    assert isinstance(exc, ValueError)


# (id, text, error class, line, column, token under the caret, words in the message/hint)
STATIC_CASES = [
    ("unbalanced-open", "kernel f(x[n] = x[n]", DslSyntaxError, 1, 9, "(", "never closed"),
    (
        "unbalanced-close",
        "kernel f(x[n]) -> [n] = x[n]]",
        DslSyntaxError,
        1,
        29,
        "]",
        "no matching",
    ),
    (
        "unbalanced-mismatch",
        "f = vmap(g, in_axes=(0, 1])",
        DslSyntaxError,
        1,
        26,
        "]",
        "does not match",
    ),
    ("missing-equal", "kernel f(x[n]) -> [n] x[n]", DslSyntaxError, 1, 23, "x", "expected '='"),
    (
        "missing-equal-binding",
        MATVEC + "g vmap(matvec)",
        DslSyntaxError,
        2,
        3,
        "vmap",
        "expected '='",
    ),
    (
        "unknown-name",
        MATVEC + "p = vmap(matvc, in_axes=(None, 0))",
        DslNameError,
        2,
        10,
        "matvc",
        "did you mean 'matvec'",
    ),
    (
        "unknown-call",
        MATVEC + "kernel g(x[i, j], y[j]) -> [i] = matvex(x, y)[i]",
        DslNameError,
        2,
        34,
        "matvex",
        "did you mean 'matvec'",
    ),
    (
        "unknown-param",
        "kernel f(xs[n]) -> [n] = x[n]",
        DslNameError,
        1,
        26,
        "x",
        "did you mean 'xs'",
    ),
    (
        "output-index-in-no-parameter",
        "kernel f(x[n]) -> [m] = x[n]",
        DslIndexError,
        1,
        20,
        "m",
        "appears in no parameter",
    ),
    ("unbound-index", "kernel f(x[n]) = exp(x[n])", DslIndexError, 1, 24, "n", "sum[n]("),
    (
        "unbound-index-sum",
        "kernel f(a[i], b[j]) -> [i] = a[i] + b[j]",
        DslIndexError,
        1,
        40,
        "j",
        "sum[j](",
    ),
    (
        "bad-in-axes-float",
        MATVEC + "f = vmap(matvec, in_axes=(0, 1.5))",
        DslAxisSpecError,
        2,
        30,
        "1.5",
        "int, None",
    ),
    (
        "bad-in-axes-string",
        MATVEC + "f = vmap(matvec, in_axes=(0, 'a'))",
        DslAxisSpecError,
        2,
        30,
        "'a'",
        "int, None",
    ),
    (
        "bad-in-axes-name",
        MATVEC + "f = vmap(matvec, in_axes=matvec)",
        DslCallError,
        2,
        26,
        "matvec",
        "literal",
    ),
    (
        "bad-dict-key",
        MATVEC + "f = vmap(matvec, in_axes=({0: 0}, 0))",
        DslAxisSpecError,
        2,
        28,
        "0",
        "keys must be strings",
    ),
    (
        "in-axes-length",
        MATVEC + "f = vmap(matvec, in_axes=(0, 0, 0))",
        DslAxisSpecError,
        2,
        26,
        "(",
        "takes 2 arguments",
    ),
    (
        "wrong-arg-count",
        MATVEC + "kernel g(A[i, j]) -> [i] = matvec(A)[i]",
        DslCallError,
        2,
        28,
        "matvec",
        "takes 2 arguments",
    ),
    (
        "builtin-arg-count",
        "kernel f(x[n]) -> [n] = maximum(x[n])",
        DslCallError,
        1,
        25,
        "maximum",
        "takes 2 arguments",
    ),
    (
        "declared-rank",
        "kernel f(x[m, n]) -> [m] = sum[n](x[n])",
        DslIndexError,
        1,
        35,
        "x",
        "declared with 2 axes",
    ),
    ("bound-twice", MATVEC + "matvec = vmap(matvec)", DslNameError, 2, 1, "matvec", "bound twice"),
    ("reserved-name", "exp = vmap(f)", DslNameError, 1, 1, "exp", "built-in"),
    (
        "bad-keyword",
        MATVEC + "f = vmap(matvec, in_axis=0)",
        DslAxisSpecError,
        2,
        18,
        "in_axis",
        "did you mean 'in_axes'",
    ),
    (
        "trailing-operator",
        "kernel f(x[n]) -> [n] = x[n] *\nkernel g(y) = y",
        DslSyntaxError,
        1,
        30,
        "*",
        "ends with",
    ),
    (
        "trailing-operator-eof",
        "kernel f(x[n]) -> [n] = x[n] -",
        DslSyntaxError,
        1,
        30,
        "-",
        "ends with",
    ),
    ("cycle", "kernel f(x) = g(x)\nkernel g(x) = f(x)", DslNameError, 2, 15, "f", "cycle"),
    ("self-cycle", "h = jit(h)", DslNameError, 1, 9, "h", "cycle"),
    (
        "reduce-missing-index",
        "kernel f(x[n]) = sum[m](x[n])",
        DslIndexError,
        1,
        22,
        "m",
        "not an index of its argument",
    ),
    (
        "not-a-transform",
        MATVEC + "f = matvec(matvec)",
        DslNameError,
        2,
        5,
        "matvec",
        "can only apply",
    ),
    ("juxtaposed", "kernel f(x, y) = x y", DslSyntaxError, 1, 20, "y", "side by side"),
    ("bad-char", "kernel f(x) = x ; 1", DslSyntaxError, 1, 17, ";", "unexpected character"),
    ("unindexed-array", "kernel f(x[n]) = sum[n](x)", DslIndexError, 1, 25, "x", "must be indexed"),
    (
        "whole-array-args",
        MATVEC + "kernel g(A[i, j], v[j]) -> [i] = matvec(A, v[j])[i]",
        DslCallError,
        2,
        44,
        "v",
        "whole arrays",
    ),
    (
        "axis-size",
        MATVEC + "f = vmap(matvec, axis_size=-1)",
        DslAxisSpecError,
        2,
        28,
        "-1",
        "non-negative",
    ),
    (
        "positional-after-keyword",
        MATVEC + "f = vmap(matvec, in_axes=0, 1)",
        DslCallError,
        2,
        29,
        "1",
        "positional argument after",
    ),
]


@pytest.mark.parametrize(
    ("text", "cls", "line", "column", "token", "words"),
    [case[1:] for case in STATIC_CASES],
    ids=[case[0] for case in STATIC_CASES],
)
def test_static_errors(
    text: str, cls: type[DslError], line: int, column: int, token: str, words: str
) -> None:
    with pytest.raises(cls) as info:
        ax.compile(text)
    assert words in str(info.value)
    assert_caret(info.value, line, column, token)


@pytest.fixture(scope="module")
def matvec() -> object:
    return ax.compile(MATVEC).matvec


def test_call_time_size_mismatch_names_both_parameters_and_sizes(matvec: object) -> None:
    with pytest.raises(DslShapeError) as info:
        matvec(np.ones((2, 3)), np.ones(4))  # type: ignore[operator]
    msg = str(info.value)
    assert "size 3 in parameter M" in msg and "size 4 in parameter v" in msg
    assert_caret(info.value, 1, 26, "n")
    assert isinstance(info.value, ax.ShapeError)


def test_call_time_size_mismatch_under_vmap(matvec: object) -> None:
    f = ax.vmap(matvec, in_axes=(None, 0))  # type: ignore[arg-type]
    with pytest.raises(DslShapeError, match="size 3 in parameter M"):
        f(np.ones((2, 3)), np.ones((5, 4)))


def test_call_time_rank_mismatch(matvec: object) -> None:
    with pytest.raises(DslShapeError) as info:
        matvec(np.ones(3), np.ones(3))  # type: ignore[operator]
    assert "expects rank 2" in str(info.value) and "(3,)" in str(info.value)
    assert_caret(info.value, 1, 15, "M")


def test_call_time_wrong_number_of_arguments(matvec: object) -> None:
    with pytest.raises(DslCallError) as info:
        matvec(np.ones((2, 3)))  # type: ignore[operator]
    assert "called with 1 argument" in str(info.value)
    assert_caret(info.value, 1, 8, "matvec")


def test_body_size_mismatch_points_at_the_operator() -> None:
    k = ax.kernel("(a[i], b[j]) -> [i] = a[i] - b[i]", name="f")
    with pytest.raises(DslShapeError) as info:
        k(np.ones(3), np.ones(4))
    assert_caret(info.value, 1, 28, "-")


def test_call_result_rank_mismatch() -> None:
    mod = ax.compile(MATVEC + "kernel g(A[i, j], v[j]) -> [i, k] = matvec(A, v)[i, k]")
    with pytest.raises(DslShapeError) as info:
        mod.g(np.ones((2, 3)), np.ones(3))
    assert "rank 1" in str(info.value)
    assert_caret(info.value, 2, 37, "matvec")


@pytest.mark.parametrize(
    "text",
    [
        "kernel f(x) = " + "-" * (MAX_NESTING + 50) + "x",
        "kernel f(x) = " + "exp(" * (MAX_NESTING + 50) + "x" + ")" * (MAX_NESTING + 50),
        "kernel f(x) = x" + " ** x" * (MAX_NESTING + 50),
        "f = vmap(g, in_axes=" + "(" * (MAX_NESTING + 50) + "0" + ",)" * (MAX_NESTING + 50) + ")",
        "kernel f(x) = " + "-" * 20000 + "x",
        "f = " + "jit(" * 5000 + "g" + ")" * 5000,
    ],
    ids=["unary", "calls", "power-chain", "tuples", "huge-unary", "huge-jit"],
)
def test_too_deep_nesting_is_refused_not_a_recursion_error(text: str) -> None:
    with pytest.raises(DslNestingError) as info:
        ax.compile(text)
    assert f"more than {MAX_NESTING} levels" in str(info.value)
    assert info.value.line == 1 and "^" in str(info.value)


def test_nesting_below_the_limit_is_fine() -> None:
    depth = MAX_NESTING // 2 - 5
    k = ax.kernel("(x) = " + "-" * depth + "x")
    assert k(np.float64(2.0)) == (-2.0 if depth % 2 else 2.0)


@pytest.mark.parametrize(
    ("suffix", "text", "key", "file_line", "line", "column"),
    [
        (".toml", '[kernels]\nf = "(x[n]) -> [n] = x[m]"\n', "kernels.f", 2, 1, 12),
        (".yaml", 'kernels:\n  f: "(x[n]) -> [n] = x[m]"\n', "kernels.f", 2, 1, 12),
        (".toml", '[functions]\ng = "vmap(h)"\n', "functions.g", 2, 1, 6),
        (".yaml", "functions:\n  g: |\n    jit(\n      h)\n", "functions.g", 4, 2, 3),
    ],
)
def test_config_errors_name_file_and_key(
    tmp_path: Path, suffix: str, text: str, key: str, file_line: int, line: int, column: int
) -> None:
    path = tmp_path / f"bad{suffix}"
    path.write_text(text)
    with pytest.raises(DslError) as info:
        ax.load(path)
    msg = str(info.value)
    assert str(path) in msg and repr(key) in msg and f"file line {file_line}" in msg
    assert (info.value.line, info.value.column) == (line, column)
    assert "^" in msg and "hint:" in msg


@pytest.mark.parametrize(
    ("suffix", "text", "words"),
    [
        (".toml", "kernel = 3\n", "did you mean 'kernels'"),
        (".yaml", "kernels:\n  f: 3\n", "must be a string"),
        (".yaml", "kernels: [1, 2]\n", "must be a table"),
        (".yaml", "kernels:\n  f: '(x) = x'\n  f: '(y) = y'\n", "appears twice"),
        (".yaml", "- a\n", "mapping at the top"),
        (".yaml", "kernels: {f: '(x) = x'\n", "invalid YAML"),
        (".toml", "[kernels\n", "invalid TOML"),
        (".json", "{}", "unknown file type"),
        (".toml", '[kernels]\n"bad name" = "(x) = x"\n', "not a usable name"),
        (".yaml", "functions:\n  f: !!python/name:os.system ''\n", "must be a string"),
    ],
)
def test_config_layout_errors(tmp_path: Path, suffix: str, text: str, words: str) -> None:
    path = tmp_path / f"cfg{suffix}"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        ax.load(path)
    assert words in str(info.value) and str(path) in str(info.value)


def test_config_never_imports_or_evaluates(tmp_path: Path) -> None:
    path = tmp_path / "evil.toml"
    path.write_text('[functions]\nf = "vmap(os)"\ng = "__import__(\'os\')"\n')
    with pytest.raises(DslNameError, match="unknown name 'os'"):
        ax.load(path)
    path.write_text("[functions]\ng = \"__import__('os')\"\n")
    with pytest.raises(DslNameError, match="not a transform"):
        ax.load(path)


def test_a_function_name_inside_in_axes_is_a_positioned_error() -> None:
    # found by benchmarks/fuzz.py: it used to reach an assert in the bindings
    text = MATVEC + "h = vmap(matvec, in_axes=(k, None))\nk = vmap(matvec)\n"
    with pytest.raises(ax.AxcompError) as info:
        ax.compile(text)
    assert "must be a literal" in str(info.value) and "^" in str(info.value)
