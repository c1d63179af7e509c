"""Tests for axcomp.contraction: generated NumPy code must equal np.einsum, and be fast-shaped."""

from __future__ import annotations

import io
import itertools
import re
import tokenize
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from axcomp.backends.numpy_backend import expr_text, statement_text
from axcomp.compiler import contraction as _contraction


@dataclass(frozen=True)
class ContractionCode:
    """The plan of one contraction as the NumPy backend prints it."""

    lines: tuple[str, ...]
    result: str
    equation: str
    path: tuple[tuple[int, ...], ...]
    path_info: object | None
    flops: int
    largest_intermediate: int


def lower_contraction(*args: Any, **kwargs: Any) -> ContractionCode:
    code = _contraction.lower_contraction(*args, **kwargs)
    f = code.facts
    return ContractionCode(
        tuple(statement_text(st) for st in code.statements),
        expr_text(code.result),
        f.equation,
        f.path,
        f.path_info,
        f.flops,
        f.largest_intermediate,
    )


# Every attribute / keyword-argument name the generated code may use besides variables.
_ALLOWED_ATTRS = {"transpose", "reshape", "sum", "matmul", "einsum", "result_type", "dtype", "axis"}


def _fresh_counter() -> tuple[list[str], Callable[[], str]]:
    made: list[str] = []
    counter = itertools.count()

    def fresh() -> str:
        made.append(f"_t{next(counter)}")
        return made[-1]

    return made, fresh


def lower(
    subscripts: Sequence[Sequence[str]],
    out: Sequence[str],
    sizes: Mapping[str, int],
    names: Sequence[str] | None = None,
) -> tuple[ContractionCode, list[str]]:
    names = list(names) if names is not None else [f"x{n}" for n in range(len(subscripts))]
    made, fresh = _fresh_counter()
    code = lower_contraction(names, [tuple(s) for s in subscripts], tuple(out), sizes, fresh)
    return code, made


def check_code_text(code: ContractionCode, operands: Sequence[str], made: Sequence[str]) -> None:
    """Generated lines use only our names, ints, tuples and letter-only einsum strings."""
    allowed = set(operands) | set(made) | {"_np"} | _ALLOWED_ATTRS
    for line in code.lines:
        target, _, _ = line.partition(" = ")
        assert target in made, line
        for tok in tokenize.generate_tokens(io.StringIO(line).readline):
            if tok.type == tokenize.NAME:
                assert tok.string in allowed, (tok.string, line)
            elif tok.type == tokenize.STRING:
                assert re.fullmatch(r"'[a-zA-Z,]*->[a-zA-Z]*'", tok.string), line
            elif tok.type == tokenize.NUMBER:
                assert tok.string.isdigit(), line
        # No no-op transposes.
        for perm in re.findall(r"\.transpose\(([\d, ]*)\)", line):
            axes = [int(p) for p in perm.split(",") if p.strip()]
            assert axes != list(range(len(axes))), line
    targets = [line.partition(" = ")[0] for line in code.lines]
    assert len(set(targets)) == len(targets), "each line must assign a fresh variable"
    assert code.result in set(made) | set(operands)


def execute(code: ContractionCode, names: Sequence[str], arrays: Sequence[np.ndarray]) -> Any:
    ns: dict[str, object] = {"_np": np, **dict(zip(names, arrays))}
    for line in code.lines:
        exec(line, ns)  # running generated code is the point of the test
    return eval(code.result, ns)


def run_eq(
    eq: str,
    sizes: Mapping[str, int],
    dtype: Any = np.float64,
    rng: np.random.Generator | None = None,
) -> tuple[ContractionCode, Any, np.ndarray]:
    """Lower a letter equation, run it, compare with np.einsum; return (code, ours, ref)."""
    rng = rng or np.random.default_rng(0)
    ins, out = eq.split("->")
    subs = [tuple(s) for s in ins.split(",")]
    names = [f"x{n}" for n in range(len(subs))]
    arrays = [_random(rng, [sizes[lab] for lab in s], dtype) for s in subs]
    code, made = lower(subs, out, sizes, names)
    check_code_text(code, names, made)
    got = execute(code, names, arrays)
    ref = np.einsum(eq, *arrays)
    assert_same(got, ref, arrays)
    return code, got, ref


def _random(rng: np.random.Generator, shape: Sequence[int], dtype: Any) -> np.ndarray:
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return rng.random(shape) < 0.5
    if dt.kind in "iu":
        return rng.integers(-3, 4, size=shape).astype(dt)
    if dt.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dt)
    return rng.standard_normal(shape).astype(dt)


def assert_same(got: object, ref: object, inputs: Sequence[np.ndarray] = ()) -> None:
    """Same shape and dtype; values equal (ints/bools) or close for the least precise input."""
    got_a, ref_a = np.asarray(got), np.asarray(ref)
    assert got_a.shape == ref_a.shape
    assert got_a.dtype == ref_a.dtype, (got_a.dtype, ref_a.dtype)
    if ref_a.dtype.kind in "biu":
        np.testing.assert_array_equal(got_a, ref_a)
    else:
        # Pairwise lowering multiplies same-dtype operands before promotion, so a float32
        # input limits the precision even when the result is float64.
        kinds = {np.dtype(d) for d in [ref_a.dtype, *(a.dtype for a in inputs)]}
        if np.dtype(np.float16) in kinds:
            tol = 2e-2
        elif kinds & {np.dtype(np.float32), np.dtype(np.complex64)}:
            tol = 1e-4
        else:
            tol = 1e-10
        np.testing.assert_allclose(got_a, ref_a, rtol=tol, atol=tol)


SIZES = dict(zip("abcdefijklmnpqrs", [3, 4, 5, 6, 2, 3, 4, 5, 6, 7, 2, 3, 4, 5, 6, 7]))


# --- the benchmark layout ------------------------------------------------------------------


def test_batched_matvec_benchmark_layout() -> None:
    sizes = {"a": 6, "b": 5, "m": 4, "n": 3}
    code, made = lower([("a", "m", "n"), ("b", "n")], ("a", "b", "m"), sizes, ["M", "v"])
    check_code_text(code, ["M", "v"], made)
    assert len(code.lines) == 1
    assert "matmul" in code.lines[0]
    assert "einsum" not in code.lines[0]
    assert "M.transpose(0, 2, 1)" in code.lines[0]
    rng = np.random.default_rng(1)
    m, v = rng.standard_normal((6, 4, 3)), rng.standard_normal((5, 3))
    got = execute(code, ["M", "v"], [m, v])
    np.testing.assert_allclose(got, np.matmul(v, m.transpose(0, 2, 1)), rtol=1e-12)
    assert got.shape == (6, 5, 4)
    assert got.flags["C_CONTIGUOUS"]


def test_benchmark_sizes_use_one_matmul() -> None:
    sizes = {"a": 256, "b": 256, "m": 128, "n": 128}
    code, _ = lower([("a", "m", "n"), ("b", "n")], ("a", "b", "m"), sizes, ["M", "v"])
    assert code.lines == (f"{code.result} = _np.matmul(v, M.transpose(0, 2, 1))",)
    assert isinstance(code.flops, int) and code.flops > 0
    assert code.largest_intermediate == 256 * 256 * 128


# --- table of common shapes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("eq", "must_have"),
    [
        ("mn,n->m", "matmul"),
        ("n,n->", "matmul"),
        ("i,j->ij", "*"),
        ("bij,bjk->bik", "matmul"),
        ("ab,ab->ab", "*"),
        ("abk,abk->ab", "matmul"),
        ("ij,jk,kl->il", "matmul"),
        ("ij,jk,kl->li", "matmul"),
        ("ik,jk->ij", "matmul"),
        ("ij,ij->", "matmul"),
        ("aibj,ak->kbij", "matmul"),
        ("ijab,jakb->iabk", "matmul"),
        ("ij,k->k", "sum"),
        ("ij,jk,k->", "matmul"),
        ("ab,bc,cd,de->ae", "matmul"),
    ],
)
def test_table(eq: str, must_have: str) -> None:
    code, _, _ = run_eq(eq, SIZES)
    assert must_have in "\n".join(code.lines)
    assert "einsum" not in "\n".join(code.lines)


def test_exact_code_of_simple_cases() -> None:
    code, _, _ = run_eq("mn,n->m", SIZES)
    assert code.lines == ("_t0 = _np.matmul(x0, x1)",)
    code, _, _ = run_eq("bij,bjk->bik", SIZES)
    assert code.lines == ("_t0 = _np.matmul(x0, x1)",)
    code, _, _ = run_eq("ab,ab->ab", SIZES)
    assert code.lines == ("_t0 = x0 * x1",)
    code, _, _ = run_eq("i,j->ij", SIZES)
    assert code.lines == ("_t0 = x0.reshape((4, 1)) * x1",)


@pytest.mark.parametrize(
    "eq",
    ["ij->ij", "ij->ji", "ijk->ki", "ij->", "ii->i", "iij->ji", "ii->", "->", "i->i"],
)
def test_single_operand(eq: str) -> None:
    code, _, _ = run_eq(eq, SIZES)
    assert code.path == () and code.path_info is None
    if eq.split("->")[0] == eq.split("->")[1]:
        assert code.lines == () and code.result == "x0"
    else:
        assert len(code.lines) == 1


@pytest.mark.parametrize(
    "eq", [",->", ",,->", ",ij->ij", "ij,->ji", ",ij,,jk->ki", "i,->", ",i,i->"]
)
def test_scalar_operands(eq: str) -> None:
    code, _, _ = run_eq(eq, SIZES)
    text = "\n".join(code.lines)
    assert "einsum" not in text


def test_scalar_folds_into_smallest_array() -> None:
    # The (3,) vector is smaller than the (3, 7, 6) operand and the (7, 6) result.
    code, _, _ = run_eq(",ijk,i->jk", {"i": 3, "j": 7, "k": 6})
    assert any(line.endswith("= x2 * x0") for line in code.lines), code.lines


@pytest.mark.parametrize("eq", ["iij,jk->ik", "ij,jj->i", "iji,jk,kk->ik", "ii,i->"])
def test_repeated_labels(eq: str) -> None:
    run_eq(eq, SIZES)


@pytest.mark.parametrize(
    ("eq", "sizes"),
    [
        ("ij,jk->ik", {"i": 2, "j": 0, "k": 3}),
        ("ij,jk->ik", {"i": 0, "j": 2, "k": 3}),
        ("ij,jk,kl->il", {"i": 2, "j": 0, "k": 3, "l": 1}),
        ("amn,bn->abm", {"a": 0, "b": 3, "m": 2, "n": 0}),
        ("ij,jk->ki", {"i": 1, "j": 1, "k": 1}),
        ("i,i->", {"i": 0}),
    ],
)
def test_size_zero_and_one(eq: str, sizes: dict[str, int]) -> None:
    code, _, _ = run_eq(eq, sizes)
    assert isinstance(code.flops, int)


@pytest.mark.parametrize(
    ("eq", "dtype"),
    [
        ("ij,j->i", np.bool_),
        ("ij->i", np.bool_),
        ("ij,jk->ik", np.int8),
        ("ijk,k->", np.int32),
        ("ij,jk->ik", np.float16),
        ("ij,jk->ki", np.complex64),
        ("ij,jk,k->i", np.uint8),
    ],
)
def test_dtypes(eq: str, dtype: Any) -> None:
    run_eq(eq, SIZES, dtype)


def test_mixed_dtypes_sum_in_promoted_type() -> None:
    # einsum sums the int8 operand in float64; a naive int8 .sum would overflow.
    sizes = {"i": 4, "j": 4, "k": 3}
    code, _ = lower(["ij", "k"], "k", sizes)
    a = np.full((4, 4), 100, dtype=np.int8)
    b = np.arange(3, dtype=np.float64)
    got = execute(code, ["x0", "x1"], [a, b])
    assert_same(got, np.einsum("ij,k->k", a, b))


# --- determinism / lettering ------------------------------------------------------------------


def test_equation_lettered_by_first_appearance() -> None:
    sizes = {"b0": 2, "m": 3, "z": 4, "q": 5}
    subs = [("b0", "m"), ("m", "z", "q")]
    code1, _ = lower(subs, ("q", "b0"), sizes)
    code2, _ = lower(subs, ("q", "b0"), sizes)
    assert code1.equation == "ab,bcd->da"
    assert (code1.lines, code1.result, code1.path) == (code2.lines, code2.result, code2.path)
    code3, _ = lower([("z",), ("z", "m")], ("m",), sizes)
    assert code3.equation == "a,ab->b"


def test_labels_never_reach_generated_code() -> None:
    sizes = {"x'); import os; ('": 3, "y": 4}
    code, made = lower([("x'); import os; ('", "y"), ("y",)], ("x'); import os; ('",), sizes)
    check_code_text(code, ["x0", "x1"], made)
    assert "import" not in "\n".join(code.lines)


def test_path_fields() -> None:
    code, _, _ = run_eq("ij,jk,kl->il", SIZES)
    assert len(code.path) == 2 and all(isinstance(s, tuple) for s in code.path)
    assert code.path_info is not None
    assert isinstance(code.flops, int) and isinstance(code.largest_intermediate, int)


def test_tiny_gemms_use_tensordot_layout() -> None:
    # Exact (i, a, j, b) layout would be 64 GEMMs of 8x8x8; one 64x8x64 GEMM + view wins.
    code, _, _ = run_eq("ijk,abk->iajb", dict.fromkeys("ijkab", 8))
    assert sum("matmul" in line for line in code.lines) == 1
    assert code.lines[-1].endswith(".transpose(0, 2, 1, 3)")


def test_numpy_int_sizes() -> None:
    _, fresh = _fresh_counter()
    sizes = {"i": np.int64(3), "j": np.int32(4)}
    code = lower_contraction(["A", "B"], [("i", "j"), ("j",)], ("i",), sizes, fresh)
    assert code.lines == ("_t0 = _np.matmul(A, B)",)


def test_too_many_labels() -> None:
    labels = tuple(f"l{n}" for n in range(53))
    with pytest.raises(NotImplementedError):
        lower(
            [labels[:30], labels[30:]],
            (),
            dict.fromkeys(labels, 1),
        )


# --- errors -------------------------------------------------------------------------------------


def test_errors() -> None:
    _, fresh = _fresh_counter()
    with pytest.raises(ValueError):
        lower_contraction(["a"], [("i",)], ("j",), {"i": 2, "j": 2}, fresh)
    with pytest.raises(ValueError):
        lower_contraction(["a"], [("i",)], ("i", "i"), {"i": 2}, fresh)
    with pytest.raises(ValueError):
        lower_contraction(["a b"], [("i",)], ("i",), {"i": 2}, fresh)
    with pytest.raises(ValueError):
        lower_contraction(["a", "b"], [("i",)], ("i",), {"i": 2}, fresh)
    with pytest.raises(ValueError):
        lower_contraction(["a"], [("i",)], ("i",), {}, fresh)


# --- differential test against np.einsum ------------------------------------------------------

_POOL = "abcdef"
_DTYPES = [np.float64, np.float32, np.int64, np.complex128]


@st.composite
def _problems(draw: st.DrawFn) -> tuple[str, dict[str, int], list[Any], int]:
    n_ops = draw(st.integers(1, 4))
    subs = []
    for _ in range(n_ops):
        k = draw(st.integers(0, 4))
        labels = draw(st.lists(st.sampled_from(_POOL), min_size=k, max_size=k))
        subs.append("".join(labels))
    used = sorted(set("".join(subs)))
    out = draw(st.permutations(used))
    out = out[: draw(st.integers(0, len(out)))]
    sizes = {lab: draw(st.integers(0, 4)) for lab in used}
    dtypes = [draw(st.sampled_from(_DTYPES)) for _ in subs]
    seed = draw(st.integers(0, 2**32 - 1))
    return ",".join(subs) + "->" + "".join(out), sizes, dtypes, seed


@settings(deadline=None, max_examples=300)
@given(_problems())
def test_differential_against_einsum(
    problem: tuple[str, dict[str, int], list[Any], int],
) -> None:
    eq, sizes, dtypes, seed = problem
    rng = np.random.default_rng(seed)
    ins, out = eq.split("->")
    subs = [tuple(s) for s in ins.split(",")]
    names = [f"x{n}" for n in range(len(subs))]
    arrays = [_random(rng, [sizes[lab] for lab in s], dt) for s, dt in zip(subs, dtypes)]
    code, made = lower(subs, out, sizes, names)
    check_code_text(code, names, made)
    got = execute(code, names, arrays)
    assert_same(got, np.einsum(eq, *arrays), arrays)


# --- GEMM orientation: (Bᵀ @ Aᵀ)ᵀ where BLAS runs it faster ---------------------------------


@pytest.mark.parametrize(
    ("m", "k", "n", "a_transposed", "dtype", "expected"),
    [
        (784, 2048, 10, True, "float64", True),  # a gradient's Xᵀ @ r
        (2048, 784, 20, False, "float64", True),  # X @ [V W] in an HVP
        (256, 256, 128, True, "float64", True),
        (10, 2048, 784, False, "float64", False),  # wide result: already the fast way
        (2048, 784, 2, False, "float64", False),  # a 2-column panel: transposing loses
        (784, 2048, 10, False, "float64", False),  # C-contiguous A needs more rows
        (2048, 64, 10, True, "float64", False),  # short K
        (2048, 784, 256, True, "float64", False),  # wide enough on both sides
        (784, 2048, 10, True, "float32", False),  # sgemm: no region wins
        (784, 2048, 10, True, "complex128", False),  # not measured
    ],
)
def test_gemm_orientation_rule(
    m: int, k: int, n: int, a_transposed: bool, dtype: str, expected: bool
) -> None:
    from axcomp.compiler.gemm_orientation import transposed_is_faster

    assert transposed_is_faster(m, k, n, a_transposed, np.dtype(dtype)) is expected


def _lower_typed(eq: str, sizes: Mapping[str, int], dtype: Any) -> ContractionCode:
    ins, out = eq.split("->")
    names = [f"x{n}" for n in range(len(ins.split(",")))]
    subs = [tuple(s) for s in ins.split(",")]
    _, fresh = _fresh_counter()
    return lower_contraction(names, subs, tuple(out), sizes, fresh, dtype=np.dtype(dtype))


def test_gemm_orientation_is_emitted_for_a_gradient_product() -> None:
    sizes = {"a": 300, "c": 280, "b": 10}  # Xᵀ @ r: X (a, c), r (a, b)
    code = _lower_typed("ac,ab->cb", sizes, np.float64)
    assert code.lines == ("_t0 = _np.matmul(x1.transpose(1, 0), x0).transpose(1, 0)",)
    rng = np.random.default_rng(3)
    x, r = rng.standard_normal((300, 280)), rng.standard_normal((300, 10))
    np.testing.assert_allclose(execute(code, ["x0", "x1"], [x, r]), x.T @ r, rtol=1e-12)
    code32 = _lower_typed("ac,ab->cb", sizes, np.float32)  # float32 keeps A @ B
    assert code32.lines == ("_t0 = _np.matmul(x0.transpose(1, 0), x1)",)


_ORIENTATION_EQS = ["ik,kj->ij", "ki,kj->ij", "ik,jk->ij", "ki,jk->ij", "ik,kj->ji"]
_ORIENTATION_SIZES = [
    {"i": 5, "k": 4, "j": 3},
    {"i": 1, "k": 4, "j": 3},  # one row
    {"i": 5, "k": 4, "j": 1},  # one column
    {"i": 5, "k": 0, "j": 3},  # empty sum: zeros
    {"i": 0, "k": 4, "j": 3},
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
@pytest.mark.parametrize("layout", ["C", "F", "strided"])
def test_every_gemm_orientation_equals_the_plain_product(
    monkeypatch: pytest.MonkeyPatch, dtype: Any, layout: str
) -> None:
    # the transposed orientation forced on every 2-D GEMM, for every dtype and shape
    monkeypatch.setattr(_contraction, "transposed_is_faster", lambda *args: True)
    rng = np.random.default_rng(5)
    transposed = 0
    for eq, sizes in itertools.product(_ORIENTATION_EQS, _ORIENTATION_SIZES):
        ins = eq.split("->")[0].split(",")
        arrays = []
        for s in ins:
            shape = [sizes[lab] for lab in s]
            x = _random(rng, [2 * shape[0], shape[1]] if layout == "strided" else shape, dtype)
            arrays.append(
                x[::2] if layout == "strided" else np.asfortranarray(x) if layout == "F" else x
            )
        code = _lower_typed(eq, sizes, dtype)
        transposed += any(").transpose(1, 0)" in line for line in code.lines)
        got = execute(code, ["x0", "x1"], arrays)
        assert_same(got, np.einsum(eq, *arrays), arrays)
    assert transposed >= len(_ORIENTATION_EQS) * 3  # the forced orientation was emitted


@pytest.fixture
def one_blas_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Compile as where BLAS runs one thread (the orientation rule applies)."""
    from axcomp.backends import target

    monkeypatch.setattr(target, "blas_threads", lambda: 1)


def test_jit_runs_a_tall_skinny_gradient_product_transposed(one_blas_thread: None) -> None:
    import axcomp as ax

    rng = np.random.default_rng(4)
    x, r = rng.standard_normal((300, 280)), rng.standard_normal((300, 10))
    f = ax.jit(lambda x, r: x.T @ r)
    assert "_np.matmul(r.transpose(1, 0), x).transpose(1, 0)" in f.lower(x, r).source
    np.testing.assert_allclose(f(x, r), x.T @ r, rtol=1e-12)
    x32, r32 = x.astype(np.float32), r.astype(np.float32)
    assert "_np.matmul(x.transpose(1, 0), r)" in f.lower(x32, r32).source
    np.testing.assert_allclose(f(x32, r32), x32.T @ r32, rtol=1e-5)


def test_gemm_orientation_waits_for_one_blas_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    # with several BLAS threads the transposed orientation's threads wait for each other
    import axcomp as ax
    from axcomp.backends import target

    x, r = np.ones((300, 280)), np.ones((300, 10))
    monkeypatch.setattr(target, "blas_threads", lambda: 2)
    assert "_np.matmul(x.transpose(1, 0), r)" in ax.jit(lambda x, r: x.T @ r).lower(x, r).source


def test_blas_threads_are_asked_only_where_a_gemm_could_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # asking scans the loaded libraries once a process (milliseconds of a first compile):
    # a program whose GEMMs cannot qualify (a short contracted axis, float32) never asks
    import axcomp as ax
    from axcomp.backends import target

    asked: list[int] = []
    monkeypatch.setattr(target, "blas_threads", lambda: asked.append(1) or 1)
    f = ax.jit(lambda x, r: x.T @ r)
    short = f.lower(np.ones((200, 280)), np.ones((200, 10)))
    assert not asked and ").transpose(1, 0)" not in short.source
    f.lower(np.ones((300, 280), np.float32), np.ones((300, 10), np.float32))
    assert not asked
    tall = f.lower(np.ones((300, 280)), np.ones((300, 10)))
    assert asked and "_np.matmul(r.transpose(1, 0), x).transpose(1, 0)" in tall.source


def test_blas_threads_follows_threadpool_limits() -> None:
    from threadpoolctl import threadpool_limits

    from axcomp.backends.blas_threads import blas_threads

    with threadpool_limits(limits=1, user_api="blas"):
        assert blas_threads() == 1
    assert blas_threads() >= 1


def test_softmax_regression_hvp_with_both_gemms_transposed(one_blas_thread: None) -> None:
    # X @ [V W] (1100×300×20, X C-contiguous) and Xᵀ @ r (300×1100×10) both take the
    # transposed orientation; the HVP equals the hand-derived one
    import axcomp as ax
    import axcomp.numpy as anp
    from axcomp.scipy.special import logsumexp

    rng = np.random.default_rng(11)
    n, d, c = 1100, 300, 10
    x, y = rng.standard_normal((n, d)) / np.sqrt(d), np.eye(c)[rng.integers(0, c, n)]
    w, v = 0.1 * rng.standard_normal((d, c)), rng.standard_normal((d, c))

    def loss(w: Any) -> Any:
        z = x @ w
        return anp.mean(logsumexp(z, axis=1) - anp.sum(y * z, axis=1))

    hvp = ax.jit(lambda w, v: ax.jvp(ax.grad(loss), (w,), (v,))[1])
    assert hvp.lower(w, v).source.count(").transpose(1, 0)") == 2
    z = x @ w
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    r = p * (x @ v)
    r -= p * r.sum(1, keepdims=True)
    np.testing.assert_allclose(hvp(w, v), x.T @ r / n, rtol=1e-10, atol=1e-13)
