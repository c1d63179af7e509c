"""The dtype a contraction's sums accumulate in is computed when the program is compiled
(NumPy promotes arrays by dtype alone), so generated code makes no ``result_type`` call per
run; results equal NumPy's einsum in value, in JAX's dtype (NumPy's, but for an integer
with a smaller inexact type: int32 with float32 is float32, tests/test_dtype_promotion.py).
A Python-number constant promotes weakly (by its value), as the call it replaces would have
promoted it."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp

DTYPES = [np.bool_, np.int8, np.int32, np.float32, np.float64, np.complex64]


@pytest.mark.parametrize(("da", "db"), list(itertools.combinations_with_replacement(DTYPES, 2)))
def test_summing_contractions_match_numpy_without_a_result_type_call(da: type, db: type) -> None:
    rng = np.random.default_rng(0)
    x = (rng.random((3, 4)) * 3).astype(da)
    y = (rng.random((4, 5)) * 3).astype(db)
    f = ax.jit(lambda x, y: anp.einsum("ij,jk->i", x, y))
    source = ax.explain(f, x, y).source
    assert "result_type" not in source, source
    assert ".sum(" in source  # the summing step reads the compile-time dtype
    got, want = f(x, y), np.einsum("ij,jk->i", x, y)
    assert got.dtype == anp.result_type(x.dtype, y.dtype)
    np.testing.assert_allclose(got, want, rtol=1e-5)


@pytest.mark.parametrize(
    ("dtype", "scalar"),
    [(np.float32, 0.5), (np.int8, 3), (np.int32, 2.5), (np.float32, 1j), (np.bool_, 2)],
)
def test_a_python_number_promotes_weakly_as_numpy_does(dtype: type, scalar: complex) -> None:
    x = np.arange(6).reshape(2, 3).astype(dtype)
    f = ax.jit(lambda x: anp.einsum("ij,->j", x, scalar))
    assert "result_type" not in ax.explain(f, x).source
    got = f(x)
    # NEP 50: the number is weak (float32 * 0.5 stays float32), as JAX's weak types are
    assert got.dtype == np.result_type(x.dtype, scalar)
    np.testing.assert_allclose(got, (x.astype(got.dtype) * scalar).sum(axis=0))


def test_python_numbers_in_a_product_are_written_as_literals() -> None:
    # 2.0 * (x * 4.0) * -1.0: the numbers' product is exact in Python, written as -8.0
    f = ax.jit(lambda x: 2.0 * anp.sum(x * 4.0, axis=0) * -1.0)
    x = np.arange(6.0).reshape(2, 3)
    report = ax.explain(f, x)
    assert "-8.0" in report.source and "result_type" not in report.source, report.source
    assert not [k for k in report.constants if k.startswith("c")], report.constants
    np.testing.assert_array_equal(f(x), 2.0 * (x * 4.0).sum(0) * -1.0)


def test_a_product_of_numbers_that_overflows_stays_a_runtime_product() -> None:
    f = ax.jit(lambda x: anp.sum(x * 1e200, axis=0) * 1e200)  # inf is no literal
    x = np.ones((2, 3))
    np.testing.assert_array_equal(f(x), np.full(3, np.inf))
