"""Derivatives of complex matrix functions through ``cholesky``, ``slogdet``, ``det``,
``eigh``, ``svd``, ``qr``, ``lu`` (and ``inv``/``solve``, ``cho_solve``, ``lu_solve``,
``solve_triangular``) with JAX's conventions: ``grad`` and ``jvp`` against JAX 0.10.2's
values recorded by ``complex_linalg_record.py``, ``grad`` against central differences in
the real and imaginary parts, under ``jit`` and ``vmap``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from complex_linalg_cases import CASES, HERMITIAN, SCIPY_CASES, tangent

import axcomp as ax
import axcomp.numpy as anp
import axcomp.scipy.linalg as asl

REF = np.load(Path(__file__).parent / "complex_linalg_jax.npz")


ALL = sorted([*CASES, *SCIPY_CASES])


def function(name: str):
    if name in SCIPY_CASES:
        build, a = SCIPY_CASES[name]
        return build(anp, asl), a
    build, a = CASES[name]
    return build(anp, anp.linalg), a


def central_gradient(f, a: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """conj(df/dx + i df/dy) of real ``f``, entry by entry: JAX's ``grad``."""
    g = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        for step, weight in ((1.0, 1.0), (1j, -1j)):
            e = np.zeros_like(a)
            e[idx] = step * eps
            g[idx] += weight * (float(f(a + e)) - float(f(a - e))) / (2 * eps)
    return g


@pytest.mark.parametrize("name", ALL)
def test_grad_and_jvp_match_jax(name):
    f, a = function(name)
    np.testing.assert_allclose(ax.jit(f)(a), REF[f"{name}/value"], rtol=1e-12)
    np.testing.assert_allclose(ax.grad(f)(a), REF[f"{name}/grad"], rtol=1e-9, atol=1e-12)
    t = ax.jit(lambda x, dx: ax.jvp(f, (x,), (dx,))[1])(a, tangent(a))
    np.testing.assert_allclose(t, REF[f"{name}/jvp"], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ALL)
def test_grad_matches_central_differences(name):
    f, a = function(name)
    g = ax.jit(ax.grad(f))(a)
    if name in SCIPY_CASES and a is HERMITIAN:
        # cho_factor reads one triangle, and JAX differentiates through the whole matrix:
        # the two agree along Hermitian directions, Re sum(g t)
        t = tangent(a)
        want = (float(ax.jit(f)(a + 1e-6 * t)) - float(ax.jit(f)(a - 1e-6 * t))) / 2e-6
        np.testing.assert_allclose(np.real(np.sum(g * t)), want, rtol=1e-6)
        return
    np.testing.assert_allclose(g, central_gradient(ax.jit(f), a), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ["cholesky", "eigh_projector", "svd_product", "qr_tall"])
def test_grad_under_vmap_matches_each_example(name):
    f, a = function(name)
    other = a * (1.0 - 0.2j) if a is not HERMITIAN else a + np.diag([0.5, 1.0, 1.5])
    grads = ax.vmap(ax.grad(f))(np.stack([a, other]))
    np.testing.assert_allclose(grads[0], REF[f"{name}/grad"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(grads[1], ax.grad(f)(other), rtol=1e-9, atol=1e-12)
