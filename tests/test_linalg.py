"""Differential tests for ``axcomp.numpy.linalg`` (axcomp/numpy/linalg.py) and the
``axcomp.lax.linalg_*`` solvers, on the primitives of axcomp/primitives/linalg.py.

References: NumPy itself, the loop oracle (``tests/oracle.py``), finite differences
(``tests/gradcheck.py``) and, on the Array API backend, array_api_strict.
"""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import numeric_grad
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import loop_vmap

import axcomp as ax
import axcomp.lax as alax
import axcomp.numpy as anp

L = anp.linalg
RNG = np.random.default_rng(12)


def mat(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def spd(*batch, n=3, seed=0):
    a = mat(*batch, n, n, seed=seed)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def sym(x):
    return (x + np.swapaxes(x, -1, -2)) / 2


def close(a, b, tol=1e-9):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


def fix_sign(v, ref):
    """Eigen/singular vectors are defined up to sign: align columns of v with ref."""
    s = np.sign(np.sum(v * ref, axis=-2, keepdims=True))
    return v * np.where(s == 0, 1, s)


# ------------------------------------------------------------------ single-result functions

SINGLE = {
    "cholesky": (lambda a: L.cholesky(a), lambda a: np.linalg.cholesky(sym(a)), spd),
    "inv": (lambda a: L.inv(a), np.linalg.inv, lambda *b, n=3, seed=0: mat(*b, n, n, seed=seed)),
    "det": (lambda a: L.det(a), np.linalg.det, lambda *b, n=3, seed=0: mat(*b, n, n, seed=seed)),
    "slogdet": (
        lambda a: L.slogdet(a)[1] * L.slogdet(a)[0],
        lambda a: np.linalg.slogdet(a)[1] * np.linalg.slogdet(a)[0],
        lambda *b, n=3, seed=0: mat(*b, n, n, seed=seed),
    ),
    "eigvals": (lambda a: L.eigh(a)[0], lambda a: np.linalg.eigh(sym(a))[0], spd),
    "svdvals": (
        lambda a: L.svd(a, compute_uv=False),
        lambda a: np.linalg.svd(a, compute_uv=False),
        lambda *b, n=3, seed=0: mat(*b, n + 1, n, seed=seed),
    ),
    "pinv": (
        lambda a: L.pinv(a),
        np.linalg.pinv,
        lambda *b, n=3, seed=0: mat(*b, n, n + 2, seed=seed),
    ),
    "norm_fro": (lambda a: L.norm(a), np.linalg.norm, spd),
    "matrix_power3": (
        lambda a: L.matrix_power(a, 3),
        lambda a: np.linalg.matrix_power(a, 3),
        spd,
    ),
    "matrix_power-2": (
        lambda a: L.matrix_power(a, -2),
        lambda a: np.linalg.matrix_power(a, -2),
        spd,
    ),
}


@pytest.mark.parametrize("name", sorted(SINGLE))
def test_vmap_matches_loop_oracle(name):
    f, ref, make = SINGLE[name]
    x = make(4)
    got = ax.vmap(f)(x)
    close(got, loop_vmap(ref)(x))
    # nested vmap, mapping a middle axis on the inside
    y = np.moveaxis(make(2, 3), 1, 2)  # (2, n, 3, n)
    got = ax.vmap(ax.vmap(f, in_axes=1))(y)
    close(got, loop_vmap(loop_vmap(ref, in_axes=1))(y))
    # jit of the stacked call
    close(ax.jit(f)(make(2, 3)), ref(make(2, 3)))


def test_eager_calls_run_the_traced_program():
    # eagerly, each function gives exactly what it gives inside jit (and JAX's conventions:
    # eigh symmetrizes, lstsq's rank is an int64), and NumPy's values to rounding
    a, s = mat(3, 3), spd()
    for fn, args in ((L.inv, (a,)), (L.det, (a,)), (L.eigh, (s,)), (L.norm, (a, "nuc"))):
        eager = fn(*args)
        traced = ax.jit(fn)(*args)
        for e, t in zip(
            np.atleast_1d(eager) if not isinstance(eager, tuple) else eager,
            np.atleast_1d(traced) if not isinstance(traced, tuple) else traced,
        ):
            np.testing.assert_array_equal(e, t)
    close(L.inv(a), np.linalg.inv(a), 1e-12)
    close(L.det(a), np.linalg.det(a), 1e-12)
    close(L.eigh(s)[0], np.linalg.eigh(s)[0], 1e-12)
    x, _res, rank, _sv = L.lstsq(mat(5, 3), mat(5))
    ref = np.linalg.lstsq(mat(5, 3), mat(5))
    close(x, ref[0], 1e-12)
    assert rank == ref[2] and np.asarray(rank).dtype == np.int64
    lower = np.array([[4.0, 1.0], [0.0, 3.0]])  # not symmetric: JAX reads both triangles
    close(L.eigh(lower)[0], np.linalg.eigvalsh((lower + lower.T) / 2), 1e-12)
    assert L.__all__ == sorted(L.__all__)


# ------------------------------------------------------------------ multi-result functions


def test_eigh_svd_qr_slogdet_vmap():
    s = spd(4)
    w, v = ax.vmap(L.eigh)(s)
    w0, v0 = np.linalg.eigh(s)
    close(w, w0)
    close(fix_sign(v, v0), v0)
    a = mat(4, 5, 3)
    for full in (True, False):
        u, sv, vh = ax.vmap(lambda x, full=full: L.svd(x, full_matrices=full))(a)
        u0, s0, vh0 = np.linalg.svd(a, full_matrices=full)
        assert u.shape == u0.shape and vh.shape == vh0.shape
        close(sv, s0)
        close(u[..., :3] * sv[:, None, :] @ vh[..., :3, :], a)
    q, r = ax.vmap(L.qr)(a)
    q0, _r0 = np.linalg.qr(a)
    close(np.abs(q), np.abs(q0))
    close(q @ r, a)
    sign, logdet = ax.vmap(L.slogdet)(mat(4, 3, 3))
    s0, l0 = np.linalg.slogdet(mat(4, 3, 3))
    close(sign, s0)
    close(logdet, l0)


def test_jax_semantics_symmetrize_and_empty_batch():
    a = mat(3, 3, seed=30)  # not symmetric: JAX (and axcomp in traces) symmetrize it
    close(ax.jit(lambda x: L.eigh(x)[0])(a), np.linalg.eigh(sym(a))[0])
    s = spd(seed=31) + 0.1 * a
    close(ax.jit(L.cholesky)(s), np.linalg.cholesky(sym(s)))
    w, v = ax.vmap(L.eigh)(np.zeros((0, 3, 3)))
    assert w.shape == (0, 3) and v.shape == (0, 3, 3)
    u, sv, vh = ax.vmap(L.svd)(np.zeros((0, 4, 3)))
    assert u.shape == (0, 4, 4) and sv.shape == (0, 3) and vh.shape == (0, 3, 3)


def test_one_stacked_call_no_loop():
    e = ax.explain(ax.vmap(lambda a: L.eigh(a)[1] * L.eigh(a)[0][None, :]), spd(6))
    assert e.source.count("_np.linalg.eigh(") == 1  # repeated calls are merged
    e = ax.explain(ax.vmap(L.eigh), spd(6))
    assert e.source.count("_np.linalg.eigh(") == 1  # both results from one factorisation
    assert "packed" in str(e.graph)
    e = ax.explain(ax.vmap(ax.vmap(L.inv)), mat(2, 3, 4, 4))
    assert e.source.count("_np.linalg.inv(") == 1


# ------------------------------------------------------------------ solve and in_axes


@pytest.mark.parametrize("in_axes", [(0, 0), (None, 0), (0, None), (1, 0), (0, 1)])
@pytest.mark.parametrize("vector", [False, True])
def test_solve_in_axes(in_axes, vector):
    n, k, B = 3, 2, 4
    a = mat(B, n, n, seed=1) + 3 * np.eye(n) if in_axes[0] is not None else mat(n, n, seed=1)
    if in_axes[0] == 1:
        a = np.moveaxis(a, 0, 1)
    bshape = (n,) if vector else (n, k)
    b = mat(B, *bshape, seed=2) if in_axes[1] is not None else mat(*bshape, seed=2)
    if in_axes[1] == 1:
        b = np.moveaxis(b, 0, 1)
    got = ax.vmap(L.solve, in_axes=in_axes)(a, b)
    ref = loop_vmap(np.linalg.solve, in_axes=in_axes)(a, b)
    close(got, ref)


def test_solve_broadcasts_and_nested():
    a = mat(2, 3, 3, seed=3)
    b = mat(5, 3, seed=4)  # inner vmap over b's rows, outer over a's stack
    f = ax.vmap(ax.vmap(L.solve, in_axes=(None, 0)), in_axes=(0, None))
    ref = loop_vmap(loop_vmap(np.linalg.solve, in_axes=(None, 0)), in_axes=(0, None))
    close(f(a, b), ref(a, b))
    # logical batch dims broadcast against each other (NumPy 2 semantics)
    aa, bb = mat(4, 1, 3, 3, seed=5), mat(2, 3, 2, seed=6)
    close(ax.jit(L.solve)(aa, bb), np.linalg.solve(aa, bb))


# ------------------------------------------------------------------ norm


VECTOR_ORDS = [None, 1, 2, np.inf, -np.inf, 0, 3, 0.5]
MATRIX_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]


@pytest.mark.parametrize("ord", VECTOR_ORDS)
def test_vector_norms(ord):
    x = mat(4, 5)
    x[0, 1] = 0.0
    got = ax.vmap(lambda v: L.norm(v, ord))(x)
    close(got, loop_vmap(lambda v: np.linalg.norm(v, ord))(x))
    close(
        ax.jit(lambda v: L.norm(v, ord, axis=0, keepdims=True))(x), np.linalg.norm(x, ord, 0, True)
    )


@pytest.mark.parametrize("ord", MATRIX_ORDS)
def test_matrix_norms(ord):
    x = mat(3, 4, 5)
    got = ax.vmap(lambda m: L.norm(m, ord))(x)
    close(got, loop_vmap(lambda m: np.linalg.norm(m, ord))(x))
    y = mat(4, 3, 5)
    for axis in [(0, 2), (2, 0)]:
        for keepdims in (False, True):
            close(
                ax.jit(lambda m, a=axis, k=keepdims: L.norm(m, ord, a, k))(y),
                np.linalg.norm(y, ord, axis, keepdims),
            )


@settings(max_examples=15, deadline=None)
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
    keepdims=st.booleans(),
    seed=st.integers(0, 100),
)
def test_norm_default_any_shape(shape, keepdims, seed):
    x = mat(*shape, seed=seed)
    close(ax.jit(lambda v: L.norm(v, keepdims=keepdims))(x), np.linalg.norm(x, keepdims=keepdims))
    close(ax.vmap(lambda v: L.norm(v))(x), loop_vmap(np.linalg.norm)(x))


def test_norm_errors():
    with pytest.raises(ValueError, match="dimensions"):
        ax.jit(lambda v: L.norm(v, 2))(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="order"):
        ax.jit(lambda v: L.norm(v, "fro"))(np.ones(3))
    with pytest.raises(ax.AxcompError, match="axis 3"):
        ax.jit(lambda v: L.norm(v, axis=3))(np.ones((2, 2)))


# ------------------------------------------------------------------ lstsq, pinv, power


@pytest.mark.parametrize("shape", [(6, 3), (3, 5)])
@pytest.mark.parametrize("vector", [False, True])
def test_lstsq_jax_tuple(shape, vector):
    a = mat(4, *shape, seed=7)
    b = mat(4, shape[0], seed=8) if vector else mat(4, shape[0], 2, seed=8)
    x, resid, rank, s = ax.vmap(L.lstsq)(a, b)
    for i in range(4):
        x0, _, r0, s0 = np.linalg.lstsq(a[i], b[i])
        close(x[i], x0)
        assert rank[i] == r0
        close(s[i], s0)
        r = b[i] - a[i] @ x0
        close(resid[i], (r * r).sum(0))  # JAX returns residuals always
    assert rank.dtype.kind == "i"


def test_lstsq_residuals_of_a_vector_b_have_shape_one():
    # NumPy (full-rank, overdetermined) and JAX (always) give residuals of shape (1,)
    a = mat(6, 3, seed=9)
    b = mat(6, seed=10)
    want = np.linalg.lstsq(a, b, rcond=None)[1]
    for fn in (L.lstsq, ax.jit(L.lstsq)):
        resid = fn(a, b)[1]
        assert np.shape(resid) == want.shape == (1,)
        close(resid, want)
    assert np.shape(ax.vmap(L.lstsq)(mat(4, 6, 3), mat(4, 6))[1]) == (4, 1)
    x = np.linspace(0.0, 1.0, 6)
    fit = anp.polyfit(x, np.sin(x), 2, full=True)[1]
    close(fit, np.polyfit(x, np.sin(x), 2, full=True)[1])
    assert np.shape(fit) == (1,)


def test_lstsq_rank_deficient():
    a = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    b = np.array([1.0, 2.0, 2.0])
    x, _resid, rank, _s = ax.jit(L.lstsq)(a, b)
    close(x, np.linalg.lstsq(a, b)[0])
    assert rank == 1


def test_pinv_rank_deficient_and_matrix_power_zero():
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    close(ax.jit(L.pinv)(a), np.linalg.pinv(a))
    close(
        ax.vmap(lambda m: L.matrix_power(m, 0))(mat(3, 2, 2)), np.broadcast_to(np.eye(2), (3, 2, 2))
    )
    close(ax.vmap(lambda m: L.matrix_power(m, 1))(mat(3, 2, 2)), mat(3, 2, 2))


# ------------------------------------------------------------------ lax solvers


@pytest.mark.parametrize("left_side", [True, False])
@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("transpose_a", [True, False])
@pytest.mark.parametrize("unit_diagonal", [True, False])
def test_triangular_solve(left_side, lower, transpose_a, unit_diagonal):
    n = 3
    a = mat(4, n, n, seed=9) + 4 * np.eye(n)
    b = mat(4, n, 2, seed=10) if left_side else mat(4, 2, n, seed=10)

    def ref(a, b):
        t = np.tril(a) if lower else np.triu(a)
        if unit_diagonal:
            t = t - np.diag(np.diag(t)) + np.eye(n)
        if transpose_a:
            t = t.T
        return np.linalg.solve(t, b) if left_side else np.linalg.solve(t.T, b.T).T

    kw = dict(
        left_side=left_side, lower=lower, transpose_a=transpose_a, unit_diagonal=unit_diagonal
    )
    got = ax.vmap(lambda x, y: alax.linalg_triangular_solve(x, y, **kw))(a, b)
    close(got, loop_vmap(ref)(a, b))


def test_tridiagonal_solve_and_lax_cholesky():
    m = 5
    dl, d, du = mat(3, m, seed=11), mat(3, m, seed=12) + 4, mat(3, m, seed=13)
    dl[:, 0] = 0
    du[:, -1] = 0
    b = mat(3, m, 2, seed=14)

    def ref(dl, d, du, b):
        full = np.diag(d) + np.diag(dl[1:], -1) + np.diag(du[:-1], 1)
        return np.linalg.solve(full, b)

    close(ax.vmap(alax.linalg_tridiagonal_solve)(dl, d, du, b), loop_vmap(ref)(dl, d, du, b))
    close(alax.linalg_tridiagonal_solve(dl[0], d[0], du[0], b[0]), ref(dl[0], d[0], du[0], b[0]))
    s = spd(3)
    close(alax.linalg_cholesky(s), np.linalg.cholesky(s))
    close(
        ax.vmap(lambda x: alax.linalg_cholesky(x, symmetrize_input=False))(np.tril(s)),
        np.linalg.cholesky(np.tril(s)),
    )


# ------------------------------------------------------------------ gradients

C3 = mat(3, 3, seed=20)
W43 = mat(4, 3, seed=21)
B32 = mat(3, 2, seed=22)

GRADS = {
    "cholesky": (
        lambda a: (L.cholesky(a) * C3).sum(),
        lambda a: (np.linalg.cholesky(sym(a)) * C3).sum(),
        spd(),
    ),
    "inv": (lambda a: (L.inv(a) * C3).sum(), lambda a: (np.linalg.inv(a) * C3).sum(), mat(3, 3)),
    "det": (L.det, np.linalg.det, mat(3, 3)),
    "slogdet": (lambda a: L.slogdet(a)[1], lambda a: np.linalg.slogdet(a)[1], mat(3, 3)),
    "solve_a": (
        lambda a: (L.solve(a, B32) * B32).sum(),
        lambda a: (np.linalg.solve(a, B32) * B32).sum(),
        mat(3, 3),
    ),
    "eigh_w": (
        lambda a: (L.eigh(a)[0] * np.arange(3.0)).sum(),
        lambda a: (np.linalg.eigh(sym(a))[0] * np.arange(3.0)).sum(),
        spd(),
    ),
    "eigh_v": (
        lambda a: (L.eigh(a)[1] ** 2 * C3).sum(),
        lambda a: (np.linalg.eigh(sym(a))[1] ** 2 * C3).sum(),
        spd(),
    ),
    "svdvals": (
        lambda a: (L.svd(a, compute_uv=False) * np.arange(1, 4.0)).sum(),
        lambda a: (np.linalg.svd(a, compute_uv=False) * np.arange(1, 4.0)).sum(),
        mat(4, 3),
    ),
    "svd_u": (
        lambda a: (L.svd(a, full_matrices=False)[0] ** 2 * W43).sum(),
        lambda a: (np.linalg.svd(a, full_matrices=False)[0] ** 2 * W43).sum(),
        mat(4, 3),
    ),
    "svd_vh_wide": (
        lambda a: (L.svd(a, full_matrices=False)[2] ** 2 * W43.T).sum(),
        lambda a: (np.linalg.svd(a, full_matrices=False)[2] ** 2 * W43.T).sum(),
        mat(3, 4),
    ),
    "svd_square_full": (
        lambda a: (L.svd(a)[2] ** 2 * C3).sum() + L.svd(a)[1].sum(),
        lambda a: (np.linalg.svd(a)[2] ** 2 * C3).sum() + np.linalg.svd(a)[1].sum(),
        mat(3, 3),
    ),
    "pinv": (
        lambda a: (L.pinv(a) * W43.T).sum(),
        lambda a: (np.linalg.pinv(a) * W43.T).sum(),
        mat(4, 3),
    ),
    "norm2": (lambda a: L.norm(a, 2), lambda a: np.linalg.norm(a, 2), mat(4, 3)),
    "nuc": (lambda a: L.norm(a, "nuc"), lambda a: np.linalg.norm(a, "nuc"), mat(4, 3)),
    "lstsq": (
        lambda a: (L.lstsq(a, W43)[0] * C3).sum(),
        lambda a: (np.linalg.lstsq(a, W43)[0] * C3).sum(),
        mat(4, 3),
    ),
    "qr": (
        lambda a: (L.qr(a)[0] * W43).sum() + (L.qr(a)[1] * C3).sum(),
        lambda a: (np.linalg.qr(a)[0] * W43).sum() + (np.linalg.qr(a)[1] * C3).sum(),
        mat(4, 3),
    ),
    "qr_square": (
        lambda a: (L.qr(a)[0] ** 3).sum() + (L.qr(a)[1] * C3).sum(),
        lambda a: (np.linalg.qr(a)[0] ** 3).sum() + (np.linalg.qr(a)[1] * C3).sum(),
        mat(3, 3),
    ),
    "triangular": (
        lambda a: (alax.linalg_triangular_solve(a, B32, left_side=True, lower=True) * B32).sum(),
        lambda a: (np.linalg.solve(np.tril(a), B32) * B32).sum(),
        mat(3, 3) + 3 * np.eye(3),
    ),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_grad_finite_differences(name):
    f, ref, x = GRADS[name]
    close(ax.grad(f)(x), numeric_grad(ref, [x]), 1e-6)


def test_grad_under_vmap_per_example():
    xs = spd(3)
    f = lambda a: L.slogdet(a)[1] + (L.eigh(a)[0] ** 2).sum() + (L.inv(a) * C3).sum()  # noqa: E731
    ref = lambda a: (  # noqa: E731
        np.linalg.slogdet(a)[1]
        + (np.linalg.eigh(sym(a))[0] ** 2).sum()
        + (np.linalg.inv(a) * C3).sum()
    )
    got = ax.vmap(ax.grad(f))(xs)
    for i in range(3):
        close(got[i], numeric_grad(ref, [xs[i]]), 1e-6)
    # solve's gradient w.r.t. b with an unbatched a
    a = mat(3, 3) + 3 * np.eye(3)
    bs = mat(4, 3)
    g = ax.vmap(ax.grad(lambda b: (L.solve(a, b) ** 2).sum()))(bs)
    for i in range(4):
        close(g[i], numeric_grad(lambda b: (np.linalg.solve(a, b) ** 2).sum(), [bs[i]]), 1e-6)


def test_eigh_degenerate_values_gradient_is_finite():
    g = ax.grad(lambda a: L.eigh(a)[0].sum())(np.eye(3))
    close(g, np.eye(3))


def test_grad_refusals():
    with pytest.raises(ax.GradError, match="full_matrices"):
        ax.grad(lambda a: L.svd(a)[1].sum())(mat(4, 3))
    with pytest.raises(ax.GradError, match="qr"):
        ax.grad(lambda a: L.qr(a)[1].sum())(mat(3, 4))


# ------------------------------------------------------------------ errors


def test_errors():
    with pytest.raises(ValueError, match="square") as info:
        ax.vmap(L.inv)(np.ones((2, 3, 4)))
    assert isinstance(info.value, ax.AxcompError)
    with pytest.raises(ax.AxcompError, match="two-dimensional"):
        ax.vmap(L.det)(np.ones((2, 3)))
    with pytest.raises(TypeError, match="incompatible"):
        ax.vmap(L.solve)(np.ones((2, 3, 3)), np.ones((2, 4)))
    with pytest.raises(TypeError, match="integer"):
        ax.vmap(L.matrix_power, in_axes=(0, None))(np.ones((2, 3, 3)), 2.5)
    with pytest.raises(TypeError, match="float16"):
        ax.jit(L.inv)(np.ones((2, 2), np.float16))
    with pytest.raises(NotImplementedError, match="reduced"):
        ax.jit(lambda a: L.qr(a, mode="complete"))(np.ones((3, 2)))


def test_integer_input_promotes():
    a = np.array([[2, 1], [1, 3]])
    close(ax.jit(L.inv)(a), np.linalg.inv(a))
    assert ax.jit(L.det)(a).dtype == np.float64
    assert ax.jit(L.inv)(a.astype(np.float32)).dtype == np.float32


# ------------------------------------------------------------------ Array API backend

AA_CASES = {
    "cholesky": (L.cholesky, spd),
    "inv": (L.inv, lambda *b: mat(*b, 3, 3)),
    "det": (L.det, lambda *b: mat(*b, 3, 3)),
    "slogdet": (L.slogdet, lambda *b: mat(*b, 3, 3)),
    "eigvals": (lambda a: L.eigh(a)[0], spd),
    "svd": (lambda a: L.svd(a, full_matrices=False)[1], lambda *b: mat(*b, 4, 3)),
    "svdvals": (lambda a: L.norm(a, 2), lambda *b: mat(*b, 4, 3)),
    "qr_r_diag_abs": (lambda a: anp.abs(L.qr(a)[1]), lambda *b: mat(*b, 4, 3)),
    "solve": (lambda a: L.solve(a, a[0]), lambda *b: mat(*b, 3, 3) + 3 * np.eye(3)),
}


@pytest.mark.parametrize("name", sorted(AA_CASES))
def test_array_api_strict(name):
    xp = pytest.importorskip("array_api_strict")
    f, make = AA_CASES[name]
    x = make(4)
    want = ax.vmap(f)(x)
    got = ax.vmap(f)(xp.asarray(x))
    leaves = got if isinstance(got, tuple) else (got,)
    wants = want if isinstance(want, tuple) else (want,)
    for g, w in zip(leaves, wants):
        assert type(g) is type(xp.asarray(0.0))
        close(np.asarray(g), w)


def test_array_api_refuses_missing_linalg():
    import types

    from axcomp.backends import array_api
    from axcomp.core.plan import PlanError, Ref, call
    from axcomp.errors import UnsupportedError

    fake = types.ModuleType("fake_xp")
    fake.linalg = types.SimpleNamespace()  # an extension without inv
    em = array_api._Emitter.__new__(array_api._Emitter)
    em.xp, em.xp_name, em.cast_to, em.dtypes = fake, "fake_xp", None, {}
    with pytest.raises(UnsupportedError, match=r"linalg\.inv"):
        em.expr(
            call(
                "linalg",
                Ref("a"),
                fn="inv",
                keywords=(),
                pack=-1,
                sizes=(),
                shape=(),
                dtype="float64",
            )
        )
    # a name off the whitelist cannot even enter a plan (the emitters refuse it too)
    with pytest.raises(PlanError, match="'system' is not one of"):
        call("linalg", Ref("a"), fn="system", keywords=(), pack=-1, shape=(), dtype="float64")


def test_memory_prediction_matches_tracemalloc():
    from test_memory import measured_peak, predicted_peak

    x = spd(500, n=16)
    for f in (ax.jit(ax.vmap(L.inv)), ax.jit(ax.vmap(lambda a: L.eigh(a)[1]))):
        predicted, measured = predicted_peak(f, (x,)), measured_peak(f, (x,))
        assert abs(predicted - measured) <= 0.15 * measured


@settings(max_examples=12, deadline=None)
@given(
    m=st.integers(1, 4),
    n=st.integers(1, 4),
    batch=st.integers(1, 3),
    full=st.booleans(),
    seed=st.integers(0, 50),
)
def test_svd_qr_pinv_shapes_hypothesis(m, n, batch, full, seed):
    a = mat(batch, m, n, seed=seed)
    u, s, vh = ax.vmap(lambda x: L.svd(x, full_matrices=full))(a)
    u0, s0, vh0 = np.linalg.svd(a, full_matrices=full)
    assert u.shape == u0.shape and vh.shape == vh0.shape
    close(s, s0)
    k = min(m, n)
    close((u[..., :k] * s[:, None, :]) @ vh[..., :k, :], a)
    q, r = ax.vmap(L.qr)(a)
    close(q @ r, a)
    close(ax.vmap(L.pinv)(a), np.linalg.pinv(a), 1e-7)


def test_grad_in_axes_none_and_nested():
    a = mat(3, 3, seed=40) + 3 * np.eye(3)
    bs = mat(2, 4, 3, seed=41)

    def loss(a, b):
        return (L.solve(a, b) ** 2).sum() + L.slogdet(a)[1]

    def ref(a, b):
        return (np.linalg.solve(a, b) ** 2).sum() + np.linalg.slogdet(a)[1]

    g = ax.vmap(ax.vmap(ax.grad(loss), in_axes=(None, 0)), in_axes=(None, 0))(a, bs)
    for i in range(2):
        for j in range(4):
            close(g[i, j], numeric_grad(ref, [a, bs[i, j]]), 1e-6)
    gj = ax.jit(ax.vmap(ax.grad(loss, argnums=1), in_axes=(None, 0)))(a, bs[0])
    for j in range(4):
        close(gj[j], numeric_grad(ref, [a, bs[0, j]], argnum=1), 1e-6)


def test_complex_pinv_and_slogdet_match_numpy() -> None:
    m = np.array([[1 + 2j, 0.5, -1j], [0.3j, 2 - 1j, 0.25], [1.0, 1j, 3.0]])
    for a in (m, m[:, :2]):
        np.testing.assert_allclose(ax.jit(anp.linalg.pinv)(a), np.linalg.pinv(a), atol=1e-13)
    sign, logdet = ax.jit(anp.linalg.slogdet)(m)
    want_sign, want_logdet = np.linalg.slogdet(m)
    assert logdet.dtype == np.float64  # a real log, as NumPy and JAX give
    np.testing.assert_allclose(logdet, want_logdet, rtol=1e-13)
    np.testing.assert_allclose(sign, want_sign, rtol=1e-13)
