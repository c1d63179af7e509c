"""JAX's type promotion (x64 on) against JAX 0.10.2's recorded results
(tests/promotion_record.py writes promotion_reference.npz): ``promote_types`` on every pair
of dtypes, and the integer x inexact mixes where NumPy promotes wider (float32 with int32
is float32 in JAX, float64 in NumPy), eagerly, under ``jit`` and under ``vmap``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from promotion_record import DTYPES, MORE_PAIRS, cases, differing, more_cases, operands

import axcomp as ax
import axcomp.numpy as anp
from axcomp.core import dtype_promotion

REF = np.load(Path(__file__).parent / "promotion_reference.npz")
PAIRS = differing()
CASES = cases(anp)
EXACT = {"mul", "add", "where", "concatenate"}  # one rounding per element: equal bits


def test_promote_types_table_is_jaxs() -> None:
    got = [[str(anp.promote_types(a, b)) for b in DTYPES] for a in DTYPES]
    assert got == REF["table"].tolist()
    got = [[str(anp.result_type(np.dtype(a), np.dtype(b))) for b in DTYPES] for a in DTYPES]
    assert got == REF["table"].tolist()


def test_the_pairs_that_differ_from_numpy_are_the_fourteen() -> None:
    table = REF["table"]
    differ = {
        frozenset((a, b))
        for r, a in enumerate(DTYPES)
        for c, b in enumerate(DTYPES)
        if table[r, c] != str(np.promote_types(a, b))
    }
    assert differ == {frozenset(p) for p in PAIRS} and len(differ) == 14


def test_weak_python_scalars() -> None:
    # JAX: a Python scalar sits below every dtype of its kind; a weak result is 64-bit
    assert anp.result_type(np.float16, 1.0) == np.float16
    assert anp.result_type(np.int32, 1.0) == np.float64
    assert anp.result_type(np.uint8, 1) == np.uint8
    assert anp.result_type(np.float32, 1j) == np.complex64
    assert anp.result_type(1, 1.0) == np.float64
    assert anp.result_type(True, 1) == np.int64
    assert anp.result_type(np.ones(2, np.int32), np.ones(2, np.float32), 2.0) == np.float32
    assert anp.promote_types(int, np.float16) == np.float16
    assert anp.promote_types(float, np.int8) == np.float64
    with pytest.raises(ValueError):
        anp.result_type()


def _check(got: Any, want: np.ndarray, op: str) -> None:
    got = np.asarray(got)
    assert got.dtype == want.dtype
    assert got.shape == want.shape
    if op in EXACT:
        np.testing.assert_array_equal(got, want)
    else:  # a sum of products: the order of the additions may differ
        np.testing.assert_allclose(got, want, rtol=8 * np.finfo(want.dtype).eps)


@pytest.mark.parametrize("op", sorted(CASES))
@pytest.mark.parametrize(("fdt", "idt"), PAIRS, ids=[f"{f}-{i}" for f, i in PAIRS])
def test_mixed_operations_follow_jax(fdt: str, idt: str, op: str) -> None:
    whole, row = CASES[op]
    x, i, c = (anp.asarray(a) for a in operands(fdt, idt))
    key = f"{fdt}_{idt}/{op}"
    _check(whole(x, i, c), REF[f"{key}/eager"], op)
    _check(ax.jit(whole)(x, i, c), REF[f"{key}/jit"], op)
    _check(ax.vmap(row)(x, i, c), REF[f"{key}/vmap"], op)


MORE = more_cases(anp)
EXACT_MORE = {"divide", "maximum", "clip", "greater", "fmod", "nextafter", "kron", "hstack"}
EXACT_MORE |= {"vstack", "column_stack", "stack", "outer"}


@pytest.mark.parametrize("op", sorted(MORE))
@pytest.mark.parametrize(("fdt", "idt"), MORE_PAIRS, ids=[f"{f}-{i}" for f, i in MORE_PAIRS])
def test_more_mixed_functions_follow_jax(fdt: str, idt: str, op: str) -> None:
    x, i, _ = (anp.asarray(a) for a in operands(fdt, idt))
    key = f"{fdt}_{idt}/{op}"
    for got, mode in ((MORE[op](x, i), "eager"), (ax.jit(MORE[op])(x, i), "jit")):
        want = REF[f"{key}/{mode}"]
        assert np.asarray(got).dtype == want.dtype, mode
        if op in EXACT_MORE:
            np.testing.assert_array_equal(got, want)
        else:  # libm functions and sums of products: within a few ulps
            np.testing.assert_allclose(got, want, rtol=8 * np.finfo(want.dtype).eps)


@pytest.mark.parametrize(
    ("fdt", "idt"),
    [p for p in PAIRS if not p[0].startswith("complex")],
    ids=[f"{f}-{i}" for f, i in PAIRS if not f.startswith("complex")],
)
def test_grad_through_a_mixed_product(fdt: str, idt: str) -> None:
    x, i, _ = operands(fdt, idt)
    g = ax.grad(lambda x, n: anp.sum(anp.sin(x * n)))(x, i)
    want = REF[f"{fdt}_{idt}/grad"]
    assert g.dtype == want.dtype == np.dtype(fdt)
    tol = 1e-2 if fdt == "float16" else 1e-4  # sin of products near 1e8 in float32
    np.testing.assert_allclose(g, want, rtol=tol, atol=tol * np.abs(want).max())


def test_comparisons_compare_in_jaxs_dtype() -> None:
    # JAX compares float32 with int32 in float32: 2**24 + 1 rounds to 2**24
    x = np.array([16777216.0], np.float32)
    i = np.array([16777217], np.int32)
    assert bool((anp.asarray(x) == anp.asarray(i))[0])
    assert bool(ax.jit(lambda a, b: a == b)(x, i)[0])


def test_same_dtypes_and_numpy_agreeing_mixes_are_untouched() -> None:
    assert dtype_promotion.narrowed((np.dtype("f4"), np.dtype("f4"))) is None
    assert dtype_promotion.narrowed((np.dtype("f4"), np.dtype("i2"))) is None
    assert dtype_promotion.narrowed((np.dtype("f8"), np.dtype("i8"))) is None
    assert dtype_promotion.narrowed((np.dtype("u8"), np.dtype("i8"), np.dtype("f4"))) == "f4"
    f = ax.jit(lambda x, i: x * i)
    assert f(np.ones(2, np.float32), np.ones(2, np.int16)).dtype == np.float32
    assert f(np.ones(2, np.float64), np.ones(2, np.int64)).dtype == np.float64
    # a weak Python scalar keeps the array's dtype, as before
    assert ax.jit(lambda x: x * 2)(np.ones(2, np.float32)).dtype == np.float32
    assert ax.jit(lambda i: i * 2.5)(np.ones(2, np.int32)).dtype == np.float64
