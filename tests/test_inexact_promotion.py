"""The compositions that promote to an inexact type follow JAX (0.10.2, x64 on), against
its recorded results (tests/inexact_promotion_record.py writes
inexact_promotion_reference.npz): ``average`` with weights, ``interp``, ``polymul``,
``polydiv``, ``polyfit``, ``isclose``, ``select``, ``float_power``, list operands and
elementwise functions of integers (``sin(int32)``, ``int32 / int32``), eagerly and under
``jit``. NumPy gives float64 for most of these; JAX keeps float32 and
makes integers of up to 32 bits float32."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from inexact_promotion_record import call, cases

import axcomp as ax
import axcomp.numpy as anp
from axcomp.core import dtype_promotion

REF = np.load(Path(__file__).parent / "inexact_promotion_reference.npz")
CASES = cases(anp)


def _run(name: str, mode: str) -> Any:
    fn, specs = CASES[name]
    return call(fn, specs, None if mode == "eager" else ax.jit)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # 0 / 0 and 1 / 0 cases, as JAX
@pytest.mark.parametrize("mode", ["eager", "jit"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_result_dtype_and_values_are_jaxs(name: str, mode: str) -> None:
    want = REF[f"{name}/{mode}"]
    got = np.asarray(_run(name, mode))
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape
    if want.dtype.kind in "fc":  # NumPy's and XLA's libm and sums: within a few ulps
        tol = 64 if name.startswith("polyfit") else 8
        np.testing.assert_allclose(got, want, rtol=tol * np.finfo(want.dtype).eps, atol=1e-6)
    else:
        np.testing.assert_array_equal(got, want)


def test_to_inexact_is_jaxs_table() -> None:
    small = ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32"]
    assert {dtype_promotion.to_inexact(t) for t in small} == {np.dtype(np.float32)}
    for t in ("int64", "uint64", "float64"):
        assert dtype_promotion.to_inexact(t) == np.float64
    for t in ("float16", "float32", "complex64", "complex128"):
        assert dtype_promotion.to_inexact(t) == np.dtype(t)
    assert dtype_promotion.inexact_result(np.float32(1), 2) == np.float32  # weak scalar
