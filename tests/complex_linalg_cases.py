"""Real-valued functions of complex matrices through each factorisation, written once
against a namespace pair ``(xp, linalg)`` (``jax.numpy`` in ``complex_linalg_record.py``,
``axcomp.numpy`` in ``test_complex_linalg_derivatives.py``), with their inputs and a
tangent. Functions of eigenvectors and singular vectors are invariant under the phase
each vector is free to take (projectors, moduli, ``U S V^H``), so LAPACK's choice of phase
cannot change them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

_RNG = np.random.default_rng(5)


def _complex(m: int, n: int) -> np.ndarray:
    return _RNG.normal(size=(m, n)) + 1j * _RNG.normal(size=(m, n))


SQUARE = _complex(3, 3)
HERMITIAN = SQUARE @ SQUARE.conj().T + 3 * np.eye(3)
TALL = _complex(4, 3)
WIDE = _complex(3, 4)
W = _complex(3, 3)
W_TALL = _complex(4, 3)
ORDER = np.arange(1.0, 4.0)
# LAPACK pivots on |Re| + |Im|: row 1 of the first column (4 > 3.2), where |x| picks row 0
PIVOTED = np.array([[3.2, 1.0, 0.5j], [2 + 2j, -1.0, 1.0], [0.1, 2j, 1.5]])

Case = tuple[Callable[[Any, Any], Callable[[Any], Any]], np.ndarray]


def _projector(xp: Any, v: Any) -> Any:
    return v @ xp.conj(v).T


CASES: dict[str, Case] = {
    "cholesky": (lambda xp, la: lambda a: xp.sum(xp.abs(la.cholesky(a) * W) ** 2), HERMITIAN),
    "cholesky_real_part": (lambda xp, la: lambda a: xp.sum(xp.real(la.cholesky(a) * W)), HERMITIAN),
    "slogdet": (
        lambda xp, la: lambda a: la.slogdet(a)[1] + xp.real(la.slogdet(a)[0] * (1 + 2j)),
        SQUARE,
    ),
    "det_modulus": (lambda xp, la: lambda a: xp.abs(la.det(a)) ** 2, SQUARE),
    "eigh_values": (lambda xp, la: lambda a: xp.sum(la.eigh(a)[0] * ORDER), HERMITIAN),
    "eigh_projector": (
        lambda xp, la: lambda a: xp.sum(xp.abs(_projector(xp, la.eigh(a)[1][:, :2]) * W) ** 2),
        HERMITIAN,
    ),
    "eigh_vector_moduli": (
        lambda xp, la: lambda a: xp.sum(xp.abs(la.eigh(a)[1]) ** 2 * xp.real(W)),
        HERMITIAN,
    ),
    "svdvals": (lambda xp, la: lambda a: xp.sum(la.svd(a, compute_uv=False) * ORDER), TALL),
    "svd_values": (
        lambda xp, la: lambda a: xp.sum(la.svd(a, full_matrices=False)[1] ** 2),
        TALL,
    ),
    "svd_product": (
        lambda xp, la: (
            lambda a: xp.sum(
                xp.abs((lambda u, s, vh: (u * s) @ vh)(*la.svd(a, full_matrices=False)) * W_TALL)
            )
        ),
        TALL,
    ),
    "svd_left_projector_tall": (
        lambda xp, la: (
            lambda a: xp.sum(
                xp.real(_projector(xp, la.svd(a, full_matrices=False)[0]) * (W_TALL @ W_TALL.T))
            )
        ),
        TALL,
    ),
    "svd_right_projector_wide": (
        lambda xp, la: (
            lambda a: xp.sum(
                xp.real(
                    _projector(xp, xp.conj(la.svd(a, full_matrices=False)[2]).T) * (WIDE.T @ WIDE)
                )
            )
        ),
        WIDE,
    ),
    "qr_tall": (
        lambda xp, la: (
            lambda a: xp.sum(xp.abs(la.qr(a)[0] * W_TALL) ** 2) + xp.sum(xp.real(la.qr(a)[1] * W))
        ),
        TALL,
    ),
    "qr_square": (
        lambda xp, la: (
            lambda a: xp.sum(xp.real(la.qr(a)[0] * W)) + xp.sum(xp.imag(la.qr(a)[1] * W))
        ),
        SQUARE,
    ),
    "inv_and_solve": (
        lambda xp, la: lambda a: xp.sum(xp.abs(la.inv(a) @ la.solve(a, W)) ** 2),
        SQUARE,
    ),
}


#: through ``scipy.linalg`` (built from ``(xp, scipy_linalg)``): the triangular solves
SCIPY_CASES: dict[str, Case] = {
    "cho_solve": (
        lambda xp, sl: lambda a: xp.sum(xp.abs(sl.cho_solve(sl.cho_factor(a, lower=True), W)) ** 2),
        HERMITIAN,
    ),
    "cho_solve_upper": (
        lambda xp, sl: lambda a: xp.sum(xp.real(sl.cho_solve(sl.cho_factor(a), W) * W)),
        HERMITIAN,
    ),
    "solve_triangular_conjugate": (
        lambda xp, sl: (
            lambda a: xp.sum(
                xp.abs(sl.solve_triangular(a + 3 * np.eye(3), W, trans=2, lower=True)) ** 2
            )
        ),
        SQUARE,
    ),
    "solve_triangular_upper": (
        lambda xp, sl: lambda a: xp.sum(xp.imag(sl.solve_triangular(a + 3 * np.eye(3), W) * W)),
        SQUARE,
    ),
    "lu_factor_solve": (
        lambda xp, sl: lambda a: xp.sum(xp.abs(sl.lu_solve(sl.lu_factor(a), W)) ** 2),
        SQUARE,
    ),
    "lu_factors": (
        lambda xp, sl: (
            lambda a: xp.sum(
                (lambda p, lo, up: xp.real(lo * W) + xp.imag(up * W) + xp.real(p))(*sl.lu(a))
            )
        ),
        SQUARE,
    ),
    "lu_pivot_choice": (
        lambda xp, sl: lambda a: xp.sum(xp.real(sl.lu_factor(a)[0] * W)),
        PIVOTED,
    ),
}


def tangent(a: np.ndarray) -> np.ndarray:
    """A fixed complex direction for the forward-mode rows (Hermitian for Hermitian ``a``)."""
    t = np.linspace(-1.0, 1.0, a.size).reshape(a.shape) * (0.5 - 0.25j)
    return (t + t.conj().T) / 2 if a is HERMITIAN else t
