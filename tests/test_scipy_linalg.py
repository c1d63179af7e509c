"""``axcomp.scipy.linalg``, ``axcomp.lax.linalg`` and the ``jnp.linalg`` extras against JAX's
recorded values (``tests/linalg_jax.npz``, written by ``tests/linalg_record.py`` from the
cases of ``tests/linalg_cases.py``): eagerly, under ``jit``, under ``vmap`` (two examples
batched) and under ``grad`` (also checked by central differences along a direction, a
symmetric one for square matrices, where JAX's one-triangle conventions agree with the
function's true derivative)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from gradcheck import numeric_grad, numeric_jvp
from linalg_cases import CASES, loss, rng, second, spd

import axcomp as ax
import axcomp.lax as alax
import axcomp.numpy as anp
import axcomp.scipy.linalg as sl
import axcomp.scipy.sparse.linalg as sparse_linalg
from axcomp.errors import MissingFunctionError

NS = SimpleNamespace(
    sl=sl,
    la=anp.linalg,
    lx=alax.linalg,
    np=anp,
    sp=sparse_linalg,
    lax=alax,
    linear_transpose=ax.linear_transpose,
)
RECORDED = np.load(Path(__file__).parent / "linalg_jax.npz")


def expected(name: str, k: int) -> list[np.ndarray]:
    out, i = [], 0
    while f"{name}/value{k}/{i}" in RECORDED:
        out.append(RECORDED[f"{name}/value{k}/{i}"])
        i += 1
    return out


def leaves(out):
    return list(out) if isinstance(out, tuple) else [out]


def close(got, want, tol=1e-8):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), w, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", sorted(CASES))
def test_eager_and_jit_match_jax(name):
    case = CASES[name]
    f = case.build(NS)
    close(leaves(f(*case.args)), expected(name, 0))
    close(leaves(ax.jit(f)(*case.args)), expected(name, 0))


@pytest.mark.parametrize("name", sorted(CASES))
def test_vmap_matches_jax_per_example(name):
    case = CASES[name]
    f = case.build(NS)
    stacked = np.stack([case.args[0], second(case.args)[0]])
    in_axes = (0,) + (None,) * (len(case.args) - 1)
    got = leaves(ax.vmap(f, in_axes=in_axes)(stacked, *case.args[1:]))
    want = [np.stack(pair) for pair in zip(expected(name, 0), expected(name, 1))]
    close(got, want)


GRADS = sorted(n for n, c in CASES.items() if c.grad)


@pytest.mark.parametrize("name", GRADS)
def test_grad_matches_jax_and_finite_differences(name):
    case = CASES[name]
    f = loss(case.build(NS))
    g = np.asarray(ax.grad(f)(*case.args))
    np.testing.assert_allclose(g, RECORDED[f"{name}/grad"], rtol=1e-7, atol=1e-8)
    if not case.true_derivative:
        return
    x = case.args[0]
    d = rng(77).normal(size=x.shape)
    if x.ndim == 2 and x.shape[0] == x.shape[1]:
        d = d + d.T
    fd = numeric_jvp(lambda x0: f(x0, *case.args[1:]), [x], [d])
    np.testing.assert_allclose(np.sum(g * d), fd, rtol=1e-5, atol=1e-6)


def test_jacfwd_of_cholesky_agrees_with_grad():
    a = spd(4, 3)
    jf = np.asarray(ax.jacfwd(lambda m: sl.cholesky(m, lower=True))(a))
    jr = np.asarray(ax.jacrev(lambda m: sl.cholesky(m, lower=True))(a))
    np.testing.assert_allclose(jf, jr, rtol=1e-9, atol=1e-10)


def test_cho_factor_returns_the_flag_and_zeroes_the_other_triangle():
    a = spd(4, 4)
    c, lower = sl.cho_factor(a)
    assert lower is False
    np.testing.assert_allclose(c, np.linalg.cholesky(a).T, atol=1e-12)
    c, lower = sl.cho_factor(a, lower=True)
    assert lower is True and np.all(np.triu(c, 1) == 0)


def test_errors_name_the_argument_and_missing_functions():
    with pytest.raises(ValueError, match="solve_triangular: b has shape"):
        sl.solve_triangular(np.eye(3), np.ones(4))
    with pytest.raises(ValueError, match="trans must be"):
        sl.solve_triangular(np.eye(3), np.ones(3), trans=3)
    with pytest.raises(ValueError, match="assume_a"):
        sl.solve(np.eye(3), np.ones(3), assume_a="banded")
    with pytest.raises(ValueError, match="at most 2 dimensions"):
        sl.block_diag(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="cho_solve: c_and_lower"):
        sl.cho_solve(np.eye(3), np.ones(3))
    with pytest.raises(MissingFunctionError, match=r"jax\.scipy\.linalg\.invpascal"):
        _ = sl.invpascal
    with pytest.raises(MissingFunctionError, match=r"jax\.lax\.linalg\.hessenberg"):
        _ = alax.linalg.hessenberg
    import axcomp.scipy

    assert axcomp.scipy.linalg is sl


def test_gp_value_and_grad_match_dense_reference_at_moderate_n():
    n = 60
    x = np.sort(rng(5).uniform(0, 10, size=n))
    y = np.sin(x) + 0.1 * rng(6).normal(size=n)

    def nll_dense(log_ell):
        k = np.exp(-0.5 * (x[:, None] - x[None, :]) ** 2 / np.exp(2 * log_ell)) + 0.1 * np.eye(n)
        return (
            0.5 * y @ np.linalg.solve(k, y)
            + 0.5 * np.linalg.slogdet(k)[1]
            + 0.5 * n * np.log(2 * np.pi)
        )

    from linalg_cases import gp_nll

    f = ax.jit(ax.value_and_grad(gp_nll(NS)))
    v, g = f(np.array(0.2), x, y)
    assert abs(float(v) - nll_dense(0.2)) < 1e-8
    fd = (nll_dense(0.2 + 1e-6) - nll_dense(0.2 - 1e-6)) / 2e-6
    assert abs(float(g) - fd) < 1e-5 * max(1, abs(fd))


def test_sparse_solvers_refuse_bad_shapes_and_name_missing_functions():
    with pytest.raises(ValueError, match="cg: A of shape"):
        sparse_linalg.cg(np.eye(3), np.ones(4))
    with pytest.raises(ValueError, match="x0 of shape"):
        sparse_linalg.bicgstab(np.eye(3), np.ones(3), x0=np.ones(2))
    with pytest.raises(ValueError, match="solve_method"):
        sparse_linalg.gmres(np.eye(3), np.ones(3), solve_method="qr")
    with pytest.raises(MissingFunctionError, match=r"'minres' is not in jax\.scipy\.sparse"):
        _ = sparse_linalg.minres
    from axcomp.scipy import sparse

    assert sparse.linalg is sparse_linalg


def test_custom_linear_solve_needs_transpose_solve_for_reverse_mode_only():
    a = spd(4, 9) + np.triu(np.ones((4, 4)))  # not symmetric
    b = rng(3).normal(size=4)

    def f(m):
        x = alax.custom_linear_solve(lambda v: m @ v, b, lambda mv, r: anp.linalg.solve(m, r))
        return x.sum()

    tangent = ax.jvp(f, (a,), (np.eye(4),))[1]  # forward mode needs only solve
    x = np.linalg.solve(a, b)
    np.testing.assert_allclose(tangent, -np.ones(4) @ np.linalg.solve(a, x), rtol=1e-10)
    with pytest.raises(TypeError, match="transpose_solve is required"):
        ax.grad(f)(a)


def test_cg_under_vmap_runs_each_example_to_its_own_tolerance():
    a = np.stack([spd(5, 1), 30 * spd(5, 2)])
    b = rng(4).normal(size=(2, 5))
    x = ax.vmap(lambda m, v: sparse_linalg.cg(m, v, tol=1e-12)[0])(a, b)
    np.testing.assert_allclose(x, np.linalg.solve(a, b[..., None])[..., 0], rtol=1e-9, atol=1e-12)


def test_expm_is_nan_past_max_squarings_and_exact_on_diagonals():
    # as JAX: more squarings than max_squarings asks for give NaN
    assert np.isnan(sl.expm(100 * np.eye(2), max_squarings=2)).all()
    d = np.diag([-3.0, 0.5, 12.0])
    np.testing.assert_allclose(sl.expm(d), np.diag(np.exp([-3.0, 0.5, 12.0])), rtol=1e-13)


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("trans", [0, 1])
def test_large_triangular_solves_by_blocks_match_numpy(lower, trans):
    from axcomp.primitives.linalg import TRIANGULAR_BLOCK

    n = 2 * TRIANGULAR_BLOCK + 17  # three blocks, the last one short
    a = rng(11).normal(size=(n, n)) / np.sqrt(n) + 2 * np.eye(n)
    b = rng(12).normal(size=(n, 3))
    tri = np.tril(a) if lower else np.triu(a)
    want = np.linalg.solve(tri.T if trans else tri, b)
    got = sl.solve_triangular(a, b, lower=lower, trans=trans)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
    right = alax.linalg.triangular_solve(a, b.T, left_side=False, lower=lower)
    np.testing.assert_allclose(right, np.linalg.solve(tri.T, b).T, rtol=1e-10, atol=1e-10)


def test_large_cholesky_gradient_by_blocks_matches_finite_differences():
    from axcomp.primitives.linalg import TRIANGULAR_BLOCK

    n = TRIANGULAR_BLOCK + 40
    a = spd(n, 13)
    w = rng(14).normal(size=(n, n))

    def f(m):
        return (sl.cholesky(m, lower=True) * w).sum()

    g = np.asarray(ax.grad(f)(a))
    d = rng(15).normal(size=(n, n))
    d = d + d.T
    fd = numeric_jvp(f, [a], [d])
    np.testing.assert_allclose(np.sum(g * d), fd, rtol=1e-6)
    t = ax.jvp(f, (a,), (d,))[1]
    np.testing.assert_allclose(t, fd, rtol=1e-6)


def test_eigh_tridiagonal_gradient_matches_finite_differences_and_refuses_select_v():
    d, e = rng(16).normal(size=5), rng(17).normal(size=4)
    w = rng(18).normal(size=5)

    def f(dd, ee):
        return (sl.eigh_tridiagonal(dd, ee, eigvals_only=True) * w).sum()

    gd, ge = (np.asarray(g) for g in ax.grad(f, argnums=(0, 1))(d, e))
    np.testing.assert_allclose(gd, numeric_grad(f, [d, e], 0), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ge, numeric_grad(f, [d, e], 1), rtol=1e-6, atol=1e-8)
    with pytest.raises(NotImplementedError, match="select='v'"):
        sl.eigh_tridiagonal(d, e, select="v", select_range=(0.0, 1.0))
