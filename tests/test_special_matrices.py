"""axcomp.scipy.linalg's structured matrices against JAX's values recorded by
tests/special_matrices_record.py (special_matrices_reference.npz; SciPy's exact
``invhilbert``), batched, under jit and vmap, and their identities."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import axcomp as ax
import axcomp.scipy.linalg as sl

REF = np.load(Path(__file__).parent / "special_matrices_reference.npz")
C = np.array([1.0, 2.0, -3.0])
R = np.array([4.0, 5.0, 6.0, 7.0])
POLY = np.array([2.0, -1.0, 3.0, 0.5, 4.0])
BATCH = np.arange(12.0).reshape(3, 4) - 5.0

CASES = {
    "toeplitz": lambda: sl.toeplitz(C, R),
    "toeplitz_c": lambda: sl.toeplitz(C + 1j),
    "toeplitz_batch": lambda: sl.toeplitz(BATCH, BATCH[:, :3]),
    "hankel": lambda: sl.hankel(C, R),
    "hankel_c": lambda: sl.hankel(C),
    "circulant": lambda: sl.circulant(R),
    "circulant_batch": lambda: sl.circulant(BATCH),
    "companion": lambda: sl.companion(POLY),
    "companion_batch": lambda: sl.companion(BATCH + 10),
    "leslie": lambda: sl.leslie(R, C),
    "fiedler": lambda: sl.fiedler(R),
    "fiedler_companion": lambda: sl.fiedler_companion(np.arange(1.0, 7.0)),
    "fiedler_companion_small": lambda: sl.fiedler_companion(np.array([2.0, 4.0, 1.0])),
    "hilbert": lambda: sl.hilbert(5),
    "invhilbert": lambda: sl.invhilbert(6),
    "helmert": lambda: sl.helmert(5),
    "helmert_full": lambda: sl.helmert(5, full=True),
    "hadamard": lambda: sl.hadamard(8),
    "dft": lambda: sl.dft(5),
    "dft_sqrtn": lambda: sl.dft(4, "sqrtn"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_jax(name: str) -> None:
    got = np.asarray(CASES[name]())
    assert got.shape == REF[name].shape
    assert got.dtype.kind == REF[name].dtype.kind
    np.testing.assert_allclose(got, REF[name], rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_convolution_matrix_convolves(mode: str) -> None:
    for n in (2, 5):
        a = sl.convolution_matrix(R, n, mode)
        np.testing.assert_allclose(a, REF[f"convolution_matrix/{mode}/{n}"], rtol=1e-14)
        v = np.arange(1.0, n + 1)
        np.testing.assert_allclose(np.asarray(a) @ v, np.convolve(R, v, mode), rtol=1e-13)


def test_under_jit_vmap_and_grad() -> None:
    mapped = ax.vmap(sl.circulant)(BATCH)
    np.testing.assert_allclose(mapped, REF["circulant_batch"])
    jitted = ax.jit(lambda c, r: sl.toeplitz(c, r))(C, R)
    np.testing.assert_allclose(jitted, REF["toeplitz"])
    g = ax.grad(lambda c: sl.toeplitz(c, R).sum())(C)
    np.testing.assert_allclose(g, [3.0, 2.0, 1.0])  # c[i] fills diagonal -i (3 - i entries)
    np.testing.assert_allclose(np.asarray(sl.hilbert(6)) @ sl.invhilbert(6), np.eye(6), atol=1e-6)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="power of 2"):
        sl.hadamard(6)
    with pytest.raises(ValueError, match="mode"):
        sl.convolution_matrix(R, 3, "wide")
    with pytest.raises(ValueError, match="at least 2"):
        sl.companion(np.ones(1))
    with pytest.raises(ValueError, match="scale"):
        sl.dft(3, "half")
    with pytest.raises(ValueError, match="length 3"):
        sl.leslie(R, R)
