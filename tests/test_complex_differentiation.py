"""Differentiation of complex values with JAX's conventions: grad/vjp are transposes (no
conjugation added), grad of a real-valued function of z is conj(df/dx + i df/dy),
``holomorphic=True`` gives f'(z), jvp is the real directional derivative. Checked against
JAX's values recorded in ``complex_differentiation_reference.npz`` (by
``complex_differentiation_record.py``) and against finite differences along real and
imaginary directions, eager, under ``jit`` and under ``vmap``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import axcomp as ax
import axcomp.lax as alax
import axcomp.numpy as anp
from axcomp.errors import ArgumentValueError
from tests.complex_differentiation_cases import (
    HOLOMORPHIC,
    REAL_OF_COMPLEX,
    REAL_THROUGH_COMPLEX,
    VECTOR,
    Z_TANGENT,
    X,
    Z,
    complex_from_parts,
)

REF = np.load(Path(__file__).parent / "complex_differentiation_reference.npz")
H = 1e-6


def _central(f, z, direction):
    """(f(z + h d) - f(z - h d)) / 2h, componentwise in NumPy (complex128)."""
    return (np.asarray(f(z + H * direction)) - np.asarray(f(z - H * direction))) / (2 * H)


def _basis(n, k):
    e = np.zeros(n)
    e[k] = 1.0
    return e


def _cotangent(out):
    ct = np.linspace(0.5, 2.0, out.size).reshape(out.shape)
    return ct * (1 - 0.5j) if np.iscomplexobj(out) else ct


@pytest.mark.parametrize("name", sorted(REAL_OF_COMPLEX))
def test_grad_of_real_valued_function_of_complex_input(name):
    f = REAL_OF_COMPLEX[name](anp)
    g = ax.grad(f)(Z)
    assert g.dtype == np.complex128
    np.testing.assert_allclose(g, REF[f"grad/{name}"], rtol=1e-12, atol=1e-13)
    # JAX's convention: conj of the Wirtinger-style gradient df/dx + i df/dy
    fd = np.array(
        [_central(f, Z, _basis(4, k)) - 1j * _central(f, Z, 1j * _basis(4, k)) for k in range(4)]
    )
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ax.jit(ax.grad(f))(Z), g, rtol=1e-13)


@pytest.mark.parametrize("name", sorted(REAL_THROUGH_COMPLEX))
def test_grad_of_real_function_through_complex_values_is_real(name):
    f = REAL_THROUGH_COMPLEX[name](anp)
    g = ax.grad(f)(X)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, REF[f"rgrad/{name}"], rtol=1e-12)
    fd = np.array([_central(f, X, _basis(4, k)) for k in range(4)])
    np.testing.assert_allclose(g, fd, rtol=1e-6)


@pytest.mark.parametrize("name", sorted(HOLOMORPHIC))
def test_holomorphic_grad(name):
    f = HOLOMORPHIC[name](anp)
    g = ax.grad(f, holomorphic=True)(Z)
    np.testing.assert_allclose(g, REF[f"holo/{name}"], rtol=1e-12)
    # f'(z) from a real step and from an imaginary step agree for a holomorphic f
    along_real = np.array([_central(f, Z, _basis(4, k)) for k in range(4)])
    along_imag = np.array([_central(f, Z, 1j * _basis(4, k)) / 1j for k in range(4)])
    np.testing.assert_allclose(g, along_real, rtol=1e-6)
    np.testing.assert_allclose(g, along_imag, rtol=1e-6)
    value, g2 = ax.jit(ax.value_and_grad(f, holomorphic=True))(Z)
    np.testing.assert_allclose(value, f(Z), rtol=1e-13)
    np.testing.assert_allclose(g2, g, rtol=1e-13)


@pytest.mark.parametrize("name", sorted(VECTOR))
def test_jvp_with_complex_tangents(name):
    f = VECTOR[name](anp)
    out, tangent = ax.jvp(f, (Z,), (Z_TANGENT,))
    np.testing.assert_allclose(out, f(Z), rtol=1e-13)
    np.testing.assert_allclose(tangent, REF[f"jvp/{name}"], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(tangent, _central(f, Z, Z_TANGENT), rtol=1e-6, atol=1e-7)
    _, f_jvp = ax.linearize(f, Z)
    np.testing.assert_allclose(f_jvp(Z_TANGENT), tangent, rtol=1e-13)


@pytest.mark.parametrize("name", sorted(VECTOR))
def test_vjp_is_the_transpose_without_conjugation(name):
    f = VECTOR[name](anp)
    out, pullback = ax.vjp(f, Z)
    ct = _cotangent(np.asarray(out))
    (g,) = pullback(ct)
    np.testing.assert_allclose(g, REF[f"vjp/{name}"], rtol=1e-12, atol=1e-13)
    # <ct, J t> = <J^T ct, t> for the real pairing <a, b> = Re(sum(a * b))
    _, tangent = ax.jvp(f, (Z,), (Z_TANGENT,))
    lhs = np.real(np.sum(ct * np.asarray(tangent)))
    rhs = np.real(np.sum(np.asarray(g) * Z_TANGENT))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12)


def test_complex_from_real_parts_differentiates_both_ways():
    f = complex_from_parts(anp, alax)
    b = X[::-1].copy()
    ga, gb = ax.grad(f, argnums=(0, 1))(X, b)
    np.testing.assert_allclose(ga, REF["parts/a"], rtol=1e-12)
    np.testing.assert_allclose(gb, REF["parts/b"], rtol=1e-12)
    # forward: the tangent of complex(a, b) along (ta, tb) is ta + i tb
    ta, tb = np.linspace(-1, 1, 4), np.linspace(2, 0, 4)
    _, t = ax.jvp(lambda a, b: alax.complex(a, b) ** 2, (X, b), (ta, tb))
    np.testing.assert_allclose(t, 2 * (X + 1j * b) * (ta + 1j * tb), rtol=1e-13)
    per_example = ax.vmap(ax.grad(lambda a, b: f(a[None], b[None]), argnums=(0, 1)))(X, b)
    np.testing.assert_allclose(per_example[0], REF["parts/a"], rtol=1e-12)


def test_det_of_complex_matrices_is_holomorphic():
    # (the factorisations' complex rules: tests/test_complex_linalg_derivatives.py)
    m = np.eye(3) + 0.5j * np.ones((3, 3))
    g = ax.grad(lambda m: anp.linalg.det(m), holomorphic=True)(m)
    np.testing.assert_allclose(g, np.linalg.det(m) * np.linalg.inv(m).T, rtol=1e-12)


def test_holomorphic_jacobians_and_hessian():
    f = VECTOR["holomorphic"](anp)
    np.testing.assert_allclose(ax.jacfwd(f, holomorphic=True)(Z), REF["jacfwd"], rtol=1e-12)
    np.testing.assert_allclose(ax.jacrev(f, holomorphic=True)(Z), REF["jacrev"], rtol=1e-12)
    h = ax.hessian(lambda z: anp.sum(z**3 * anp.sin(z)), holomorphic=True)(Z)
    np.testing.assert_allclose(h, REF["hessian"], rtol=1e-12, atol=1e-13)


def test_per_example_complex_gradients_under_vmap_and_jit():
    # an elementwise f: the per-example gradients are the gradient of the sum
    holo = ax.vmap(ax.grad(lambda z: z**3 + 2 * z, holomorphic=True))
    np.testing.assert_allclose(holo(Z), REF["holo/polynomial"], rtol=1e-12)
    np.testing.assert_allclose(ax.jit(holo)(Z), REF["holo/polynomial"], rtol=1e-12)
    real = ax.jit(ax.vmap(ax.grad(lambda z: anp.abs(z) ** 2)))
    np.testing.assert_allclose(real(Z), REF["grad/abs_squared"], rtol=1e-12)
    # a complex vjp per example, the primal shared
    pulled = ax.vmap(lambda ct: ax.vjp(VECTOR["holomorphic"](anp), Z)[1](ct)[0])(
        np.stack([_cotangent(Z), 2 * _cotangent(Z)])
    )
    np.testing.assert_allclose(pulled[1], 2 * REF["vjp/holomorphic"], rtol=1e-12)


def test_holomorphic_requires_complex_inputs_and_outputs():
    with pytest.raises(ax.GradError, match="requires inputs with complex dtype") as info:
        ax.grad(lambda z: z**2, holomorphic=True)(1.0)
    assert isinstance(info.value, TypeError)
    with pytest.raises(TypeError, match="requires outputs with complex dtype, but got float64"):
        ax.grad(lambda z: anp.abs(z), holomorphic=True)(1.0 + 1j)
    with pytest.raises(TypeError, match="jacfwd with holomorphic=True requires inputs"):
        ax.jacfwd(lambda z: z**2, holomorphic=True)(np.ones(2))
    with pytest.raises(TypeError, match="jacrev with holomorphic=True requires outputs"):
        ax.jacrev(lambda z: anp.abs(z), holomorphic=True)(np.ones(2, complex))


def test_complex_primals_need_complex_tangents():
    with pytest.raises(TypeError, match="expected tangent dtype complex128, but got tangent"):
        ax.jvp(anp.sin, (Z,), (X,))
    _, f_jvp = ax.linearize(anp.sin, Z)
    with pytest.raises(ax.GradError, match="dtypes must be equal"):
        f_jvp(X)
    _, tangent = ax.jvp(anp.sin, (Z,), (X.astype(complex),))
    np.testing.assert_allclose(tangent, np.cos(Z) * X, rtol=1e-13)


def test_complex_outputs_need_holomorphic_and_complex_inputs_need_jvp_for_jacfwd():
    with pytest.raises(ax.GradError, match="pass holomorphic=True") as info:
        ax.grad(lambda z: z**2)(1.0 + 1j)
    assert isinstance(info.value, TypeError)
    with pytest.raises(TypeError, match="jacrev requires real-valued outputs"):
        ax.jacrev(lambda z: z**2)(np.ones(2, complex))
    with pytest.raises(TypeError, match="jacfwd requires real-valued inputs"):
        ax.jacfwd(lambda z: anp.abs(z))(np.ones(2, complex))
    # JAX's hessian is jacfwd(jacrev): complex inputs need holomorphic=True there too
    with pytest.raises(TypeError, match="jacfwd requires real-valued inputs"):
        ax.hessian(lambda z: anp.sum(anp.abs(z) ** 2))(np.ones(2, complex))


def test_vjp_refuses_a_cotangent_of_the_other_kind():
    # JAX 0.10: ValueError "unexpected JAX type ... got float64[], but expected complex128[]"
    _, pullback = ax.vjp(lambda x: anp.exp(1j * x), 1.0)
    for ct in (1.0, np.float64(1.0), np.float32(1.0)):
        with pytest.raises(ValueError, match=r"got float\d+\[\], but expected complex128\[\]"):
            pullback(ct)
    np.testing.assert_allclose(pullback(np.complex128(1.0))[0], -np.sin(1.0))
    _, real = ax.vjp(lambda x: 2 * x, 1.0)
    with pytest.raises(ValueError, match=r"expected float64\[\]"):
        real(np.complex128(1.0))
    with pytest.raises(ArgumentValueError):
        ax.jit(lambda x: ax.vjp(lambda x: anp.exp(1j * x), x)[1](1.0))(1.0)
    with pytest.raises(TypeError, match="holomorphic=True"):
        ax.grad(lambda x: anp.exp(1j * x))(1.0)
