"""The Schur decomposition and the functions built on it (axcomp.scipy.linalg's
``schur``, ``hessenberg``, ``rsf2csf``, ``sqrtm``, ``funm``; axcomp.lax.linalg's
``schur``) against SciPy's and JAX's values recorded by tests/schur_record.py
(schur_reference.npz), the decomposition's identities on hard matrices, under jit and
vmap (against a loop over the batch), and JAX's refusal to differentiate them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import axcomp as ax
import axcomp.lax as alax
import axcomp.numpy as anp
import axcomp.scipy.linalg as sl
from tests.gradcheck import numeric_grad

REF = np.load(Path(__file__).parent / "schur_reference.npz")
NAMES = ("real", "spd", "complex", "negative")


def _check_schur(a: np.ndarray, t: np.ndarray, z: np.ndarray, real: bool) -> None:
    n = a.shape[-1]
    scale = max(1.0, np.abs(a).max())
    np.testing.assert_allclose(z @ t @ z.conj().T, a, atol=1e-12 * scale)
    np.testing.assert_allclose(z.conj().T @ z, np.eye(n), atol=1e-12)
    assert not np.any(np.tril(t, -2 if real else -1))
    if real:  # LAPACK's standard 2x2 blocks: isolated, equal diagonal, a complex pair
        blocks = np.flatnonzero(np.diag(t, -1))
        assert not np.any(np.diff(blocks) == 1)
        for k in blocks:
            assert t[k, k] == pytest.approx(t[k + 1, k + 1], abs=1e-12 * scale)
            assert t[k, k + 1] * t[k + 1, k] < 0


def _same_eigenvalues(got: np.ndarray, want: np.ndarray) -> None:
    for w in want:
        assert np.abs(got - w).min() < 1e-10 * max(1.0, abs(w))


@pytest.mark.parametrize("name", NAMES)
def test_hessenberg_is_scipys(name: str) -> None:
    a = REF[f"{name}/a"]
    h, q = sl.hessenberg(a, calc_q=True)
    np.testing.assert_allclose(h, REF[f"{name}/hessenberg_h"], atol=1e-13)
    np.testing.assert_allclose(q, REF[f"{name}/hessenberg_q"], atol=1e-13)
    np.testing.assert_allclose(sl.hessenberg(a), REF[f"{name}/hessenberg_h"], atol=1e-13)


@pytest.mark.parametrize("output", ["real", "complex"])
@pytest.mark.parametrize("name", NAMES)
def test_schur_identities_and_eigenvalues(name: str, output: str) -> None:
    a = REF[f"{name}/a"]
    t, z = (np.asarray(x) for x in sl.schur(a, output=output))
    real = output == "real" and np.isrealobj(a)
    assert t.dtype == (np.float64 if real else np.complex128)
    _check_schur(a, t, z, real)
    _same_eigenvalues(np.linalg.eigvals(t), REF[f"{name}/eigvals"])


HARD = {
    "cyclic permutation": np.roll(np.eye(5), 1, axis=0),  # plain QR stalls on it
    "zero": np.zeros((3, 3)),
    "triangular": np.triu(np.arange(16.0).reshape(4, 4)),
    "jordan block": 2 * np.eye(4) + np.eye(4, k=1),
    "1x1": np.array([[3.0]]),
    "rotation": np.array([[0.0, -1.0], [1.0, 0.0]]),
}


@pytest.mark.parametrize("name", sorted(HARD))
def test_schur_of_hard_matrices(name: str) -> None:
    a = HARD[name]
    for output in ("real", "complex"):
        t, z = (np.asarray(x) for x in sl.schur(a, output=output))
        _check_schur(a, t, z, output == "real")


def test_schur_batches_under_jit_and_vmap() -> None:
    rng = np.random.default_rng(5)
    batch = rng.normal(size=(3, 6, 6))
    t, z = (np.asarray(x) for x in sl.schur(batch))  # a stack, as (..., N, N)
    mapped = ax.jit(ax.vmap(lambda m: sl.schur(m)))(batch)
    for i, a in enumerate(batch):
        _check_schur(a, t[i], z[i], True)
        alone = [np.asarray(x) for x in sl.schur(a)]
        np.testing.assert_allclose(t[i], alone[0], atol=1e-12)
        np.testing.assert_allclose(np.asarray(mapped[0])[i], alone[0], atol=1e-12)
        np.testing.assert_allclose(np.asarray(mapped[1])[i], alone[1], atol=1e-12)
    lax_t, lax_z = alax.linalg.schur(batch)
    np.testing.assert_allclose(lax_t, t, atol=1e-12)
    np.testing.assert_allclose(lax_z, z, atol=1e-12)
    (only_t,) = alax.linalg.schur(batch[0], compute_schur_vectors=False)
    np.testing.assert_allclose(only_t, t[0], atol=1e-12)


@pytest.mark.parametrize("name", ["real", "spd", "negative"])
def test_rsf2csf_is_scipys(name: str) -> None:
    tc, zc = sl.rsf2csf(REF[f"{name}/schur_t"], REF[f"{name}/schur_z"])
    np.testing.assert_allclose(tc, REF[f"{name}/rsf2csf_t"], atol=1e-13)
    np.testing.assert_allclose(zc, REF[f"{name}/rsf2csf_z"], atol=1e-13)


@pytest.mark.parametrize("name", NAMES)
def test_sqrtm_and_funm_match_jax_and_scipy(name: str) -> None:
    a = REF[f"{name}/a"]
    root = sl.sqrtm(a)
    assert root.dtype == np.complex128
    np.testing.assert_allclose(root, REF[f"{name}/sqrtm_jax"], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(root, REF[f"{name}/sqrtm_scipy"], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(root @ root, a, atol=1e-12 * np.abs(a).max())
    e = sl.funm(a, anp.exp)
    np.testing.assert_allclose(e, REF[f"{name}/funm_exp_jax"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(e, REF[f"{name}/funm_exp_scipy"], rtol=1e-12, atol=1e-12)
    s, err = sl.funm(a, anp.sin, disp=False)
    np.testing.assert_allclose(s, REF[f"{name}/funm_sin_jax"], rtol=1e-12, atol=1e-13)
    assert float(err) == pytest.approx(float(REF[f"{name}/funm_sin_err_jax"]), rel=1e-6)


def test_sqrtm_and_funm_under_vmap_and_jit() -> None:
    batch = np.stack([REF["spd/a"], REF["spd/a"] + np.diag([1.0, 2.0, 0.0, 3.0])])
    roots = ax.vmap(sl.sqrtm)(batch)
    exps = ax.jit(ax.vmap(lambda m: sl.funm(m, anp.exp)))(batch)
    for i, a in enumerate(batch):
        np.testing.assert_allclose(roots[i], sl.sqrtm(a), rtol=1e-12)
        np.testing.assert_allclose(exps[i], sl.funm(a, anp.exp), rtol=1e-12)
    np.testing.assert_allclose(exps[0], REF["spd/funm_exp_scipy"], rtol=1e-12)


def test_derivatives_are_refused_as_in_jax() -> None:
    a = REF["negative/a"]
    for fn in (
        lambda m: sl.schur(m)[0].sum(),
        lambda m: sl.hessenberg(m).sum(),
        lambda m: anp.real(sl.sqrtm(m)).sum(),
        lambda m: anp.real(sl.funm(m, anp.exp)).sum(),
    ):
        with pytest.raises(NotImplementedError, match="Differentiation rule for"):
            ax.grad(fn)(a)
    # rsf2csf is a composition: differentiable, as JAX's
    t, z = REF["real/schur_t"], REF["real/schur_z"]

    def f(m):
        return anp.real(sl.rsf2csf(m, z)[0][0]).sum()  # the first row: rotated entries

    g = ax.grad(f)(t)
    # a nudge to an exact zero below the diagonal makes a new 2x2 block: not differentiable
    smooth = (t != 0) | np.triu(np.ones(t.shape, bool))
    np.testing.assert_allclose(g[smooth], numeric_grad(f, [t])[smooth], rtol=1e-6, atol=1e-8)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(TypeError, match="int64"):
        sl.schur(np.eye(3, dtype=np.int64))
    with pytest.raises(ValueError, match="'real' or 'complex'"):
        sl.schur(np.eye(3), output="quasi")
    with pytest.raises(ValueError, match="one square matrix"):
        sl.sqrtm(np.ones((2, 3, 3)))
    with pytest.raises(ValueError, match="square"):
        sl.funm(np.ones((2, 3)), anp.exp)
    with pytest.raises(NotImplementedError, match="sort"):
        alax.linalg.schur(np.eye(3), sort_eig_vals=True)
    with pytest.raises(NotImplementedError, match="blocked"):
        sl.sqrtm(np.eye(3), blocksize=2)
    with pytest.raises(ValueError, match="must match"):
        sl.rsf2csf(np.eye(3), np.eye(2))


def test_solve_sylvester_matches_jax() -> None:
    a, b, c = REF["sylvester/a"], REF["sylvester/b"], REF["sylvester/c"]
    x = sl.solve_sylvester(a, b, c)
    assert x.dtype == np.float64
    np.testing.assert_allclose(x, REF["sylvester/x"], rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(a @ x + x @ b, c, atol=1e-12)
    xc = sl.solve_sylvester(a, b, c + 1j)
    np.testing.assert_allclose(xc, REF["sylvester/x_complex"], rtol=1e-11, atol=1e-13)
    # a batch (vectorised as JAX's), and no unique solution: NaN, as JAX
    batch = sl.solve_sylvester(np.stack([a, 2 * a]), b, c)
    np.testing.assert_allclose(batch[0], REF["sylvester/x"], rtol=1e-11, atol=1e-13)
    assert np.all(np.isnan(sl.solve_sylvester(np.eye(2), -np.eye(2), np.ones((2, 2)))))
    with pytest.raises(ValueError, match="Incompatible shapes"):
        sl.solve_sylvester(a, b, c.T)


def test_polar_and_expm_frechet_match_jax() -> None:
    tall = REF["polar/a"]
    for side, m in (("right", tall), ("left", tall.T)):
        u, p = sl.polar(m, side=side)
        np.testing.assert_allclose(u, REF[f"polar/{side}/u"], rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(p, REF[f"polar/{side}/p"], rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(u @ p if side == "right" else p @ u, m, atol=1e-12)
    a, e = 0.5 * REF["sylvester/a"], REF["frechet/e"]
    x, frechet = sl.expm_frechet(a, e)
    np.testing.assert_allclose(x, REF["frechet/expm"], rtol=1e-12)
    np.testing.assert_allclose(frechet, REF["frechet/l"], rtol=1e-11, atol=1e-12)
    only = sl.expm_frechet(a, e, compute_expm=False)
    np.testing.assert_allclose(only, REF["frechet/l"], rtol=1e-11, atol=1e-12)
    # the derivative of expm along e, as jvp gives it
    _, tangent = ax.jvp(sl.expm, (a,), (e,))
    np.testing.assert_allclose(frechet, tangent, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", ["right", "left"])
def test_qr_multiply_matches_jax(mode: str) -> None:
    a = REF["qr_multiply/a"]
    for kind in ("matrix", "vector"):
        key = f"qr_multiply/{mode}/{kind}"
        got, r = sl.qr_multiply(a, REF[f"{key}/c"], mode=mode)
        np.testing.assert_allclose(got, REF[f"{key}/out"], rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(r, REF["qr_multiply/r"], rtol=1e-12, atol=1e-13)
    with pytest.raises(NotImplementedError, match="pivoting"):
        sl.qr_multiply(a, np.ones(5), pivoting=True)
    with pytest.raises(TypeError, match="qr_multiply: c of shape"):
        sl.qr_multiply(a, np.ones(4), mode="right")
