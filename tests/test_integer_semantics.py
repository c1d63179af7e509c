"""Integer and bool arithmetic follows JAX (0.10.2, x64 on), against its recorded results
(tests/integer_semantics_record.py writes integer_semantics_reference.npz), eagerly and
under ``jit``: bools compute in int32 in ``square``, ``//``, ``%``, ``**``, ``fmod`` and the
shifts (NumPy: int8); ``cumsum``/``cumprod`` keep an integer input's dtype (NumPy: int64)
and count bools in int64; an integer division by zero gives XLA's quotient (-2, -1 for
0 // 0, the maximum when unsigned; NumPy: 0); ``conj``/``positive`` of bools are the
bools."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from inexact_promotion_record import call
from integer_semantics_record import cases

import axcomp as ax
import axcomp.numpy as anp

REF = np.load(Path(__file__).parent / "integer_semantics_reference.npz")
CASES = cases(anp)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy warns of x // 0
@pytest.mark.parametrize("mode", ["eager", "jit"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_result_is_jaxs(name: str, mode: str) -> None:
    fn, specs = CASES[name]
    got = np.asarray(call(fn, specs, None if mode == "eager" else ax.jit))
    want = REF[f"{name}/{mode}"]
    assert (got.dtype, got.shape) == (want.dtype, want.shape)
    np.testing.assert_array_equal(got, want)  # (small integers: exact in float16 too)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_division_by_zero_under_vmap_and_with_constant_divisors() -> None:
    n = np.array([3, 0, -4, 5, -1], np.int32)
    z = np.array([0, 0, 0, 2, 3], np.int32)
    want = np.array([-2, -1, -2, 2, -1], np.int32)  # JAX's (the recorded case)
    np.testing.assert_array_equal(ax.vmap(anp.floor_divide)(n, z), want)
    np.testing.assert_array_equal(ax.jit(lambda a: a // z)(n), want)  # a constant divisor
    np.testing.assert_array_equal(ax.jit(lambda a: a // 2)(n), n // 2)  # (no zero: NumPy's)
    u = ax.jit(lambda a, b: a // b)(np.array([7], np.uint8), np.array([0], np.uint8))
    assert u.dtype == np.uint8 and u[0] == 255


def test_integers_to_negative_powers_raise_jaxs_type_error() -> None:
    x = np.array([3, 4], np.int32)
    calls = [
        lambda: anp.power(x, -2),
        lambda: ax.jit(lambda a: anp.power(a, -2))(x),
        lambda: ax.jit(lambda a: a**-1)(x),
        lambda: anp.asarray(x) ** -2,
        lambda: anp.power(x, np.array([1, -1])),
    ]
    for f in calls:
        with pytest.raises(TypeError, match="negative powers: power\\(int32") as info:
            f()
        assert isinstance(info.value, ax.AxcompError)
    np.testing.assert_array_equal(anp.power(x, 2), [9, 16])
    np.testing.assert_array_equal(ax.jit(lambda a: a**3)(x), [27, 64])
    np.testing.assert_allclose(anp.power(x.astype(np.float32), -2), [1 / 9, 1 / 16], rtol=1e-7)
