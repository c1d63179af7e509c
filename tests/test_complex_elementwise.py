"""Complex operands of ``deg2rad``, ``rad2deg``, ``arctan2``, ``logaddexp``, ``logaddexp2``
and ``nan_to_num`` (numpy/complex_elementwise.py) give JAX's values and dtypes, eagerly and
under ``jit``: against JAX's outputs recorded once (tests/complex_elementwise_record.py),
and against the formulas evaluated by NumPy."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from complex_elementwise_record import cases, operands

import axcomp as ax
import axcomp.numpy as anp

REFERENCE = np.load(Path(__file__).parent / "complex_elementwise_reference.npz")
CASES = cases(anp)
TOLERANCE = {"complex128": (1e-13, 1e-15), "complex64": (2e-6, 2e-7)}


@pytest.mark.parametrize("dtype", ["complex128", "complex64"])
@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("how", ["eager", "jit"])
def test_complex_operands_give_jaxs_values(name: str, dtype: str, how: str) -> None:
    fn = CASES[name]
    ops = operands(dtype)
    got = np.asarray(fn(ops) if how == "eager" else ax.jit(fn)(ops))
    want = REFERENCE[f"{name}:{dtype}/{how}"]
    assert got.dtype == want.dtype and got.shape == want.shape
    rtol, atol = TOLERANCE[dtype]
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def test_the_formulas_evaluated_by_numpy() -> None:
    ops = operands("complex128")
    a, b = ops["z1"][:12], ops["z2"][:12]  # finite values
    want = -1j * np.log((b + 1j * a) / np.sqrt(a * a + b * b))
    np.testing.assert_allclose(anp.arctan2(a, b), want)
    m = np.maximum(a, b)  # NumPy's order of complex values: lexicographic
    out = m + np.log1p(np.exp(a + b - 2 * m))
    wrapped = np.fmod(out.imag + math.pi, 2 * math.pi)
    wrapped = np.where(wrapped < 0, wrapped + 2 * math.pi, wrapped) - math.pi
    np.testing.assert_allclose(anp.logaddexp(a, b), out.real + 1j * wrapped, rtol=1e-13)
    # the complex logaddexp is a logarithm of exp(a) + exp(b) (in [-pi, pi))
    np.testing.assert_allclose(np.exp(anp.logaddexp(a, b)), np.exp(a) + np.exp(b), rtol=1e-12)
    np.testing.assert_allclose(2 ** anp.logaddexp2(a, b), 2**a + 2**b, rtol=1e-12)
    assert np.all(np.abs(anp.logaddexp(a, b).imag) <= math.pi)


def test_real_operands_keep_numpys_functions() -> None:
    x = np.array([0.5, -1.0, 30.0])
    assert np.array_equal(anp.deg2rad(x), np.deg2rad(x))
    assert np.array_equal(anp.arctan2(x, 2.0), np.arctan2(x, 2.0))
    assert np.array_equal(anp.logaddexp(x, x[::-1]), np.logaddexp(x, x[::-1]))
    assert anp.logaddexp(-np.inf, -np.inf) == -np.inf  # the real rule, not the complex one


def test_gradients_through_the_complex_forms_match_finite_differences() -> None:
    def f(x: float) -> object:
        z = x * (1 + 1j)
        return (
            anp.real(anp.logaddexp(z, 2.0 + 0.5j))
            + anp.imag(anp.arctan2(x * (1 + 2j), 1.0 + 0j))
            + anp.real(anp.deg2rad(z))
            + anp.imag(anp.logaddexp2(z, -1.0 + 0j))
        )

    h = 1e-6
    for x in (0.3, -1.2):
        want = (float(f(x + h)) - float(f(x - h))) / (2 * h)
        np.testing.assert_allclose(float(ax.grad(f)(x)), want, rtol=1e-7)
