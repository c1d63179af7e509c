"""Triangular solves and the Cholesky reverse rule as structured linear algebra: the blocked
triangular solve against NumPy, its own derivative rule against finite differences (both
sweeps, above the block size so the recursion runs), the Cholesky reverse rule's product
that drops masks above the triangle (checked against the rule with the plain product and
against the hand-written GP gradient), the symmetric rule a kernel matrix takes (one
Cholesky inverse instead of two solves, against the general rule and the textbook
gradient; the Hessian test runs it to second order), and slogdet's gradient under jit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from gradcheck import numeric_jvp

import axcomp as ax
import axcomp.numpy as anp
import axcomp.primitives.linalg as plinalg
import axcomp.scipy.linalg as sl
from axcomp.primitives.linalg import TRIANGULAR_BLOCK


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def spd(n: int, seed: int) -> np.ndarray:
    a = rng(seed).normal(size=(n, n))
    return a @ a.T / n + np.eye(n)


def nll(ls, noise, x, y):
    n = x.shape[0]
    z = x / ls
    sq = anp.sum(z * z, axis=1)
    k = anp.exp(-0.5 * (sq[:, None] + sq[None, :] - 2.0 * (z @ z.T))) + noise * anp.eye(n)
    c = sl.cholesky(k, lower=True)
    alpha = sl.cho_solve((c, True), y)
    return 0.5 * (y @ alpha) + anp.sum(anp.log(anp.diag(c))) + 0.5 * n * math.log(2 * math.pi)


def hand_gradient(ls, noise, x, y):
    """The textbook GP gradient: dnll/dK = (K^-1 - a a^T) / 2, K^-1 by NumPy."""
    d2 = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    rbf = np.exp(-0.5 * d2 / ls**2)
    k_inv = np.linalg.inv(rbf + noise * np.eye(len(y)))
    alpha = k_inv @ y
    w = 0.5 * (k_inv - np.outer(alpha, alpha))
    return np.sum(w * rbf * d2) / ls**3, np.trace(w)


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("trans", [0, 1])
def test_blocked_triangular_solve_gradient_matches_finite_differences(lower, trans):
    n = 2 * TRIANGULAR_BLOCK + 9  # the recursion splits twice, unevenly
    a = rng(1).normal(size=(n, n)) / np.sqrt(n) + 2 * np.eye(n)
    b = rng(2).normal(size=(n, 2))
    w = rng(3).normal(size=(n, 2))

    def f(m, rhs):
        return (sl.solve_triangular(m, rhs, lower=lower, trans=trans) * w).sum()

    tri = np.tril(a) if lower else np.triu(a)
    want = np.linalg.solve(tri.T if trans else tri, b)
    np.testing.assert_allclose(
        sl.solve_triangular(a, b, lower=lower, trans=trans), want, rtol=1e-10, atol=1e-10
    )
    ga, gb = (np.asarray(g) for g in ax.grad(f, argnums=(0, 1))(a, b))
    # only the triangle that is read gets a gradient
    other = np.triu(np.ones((n, n)), 1) if lower else np.tril(np.ones((n, n)), -1)
    assert np.all(ga[other.astype(bool)] == 0)
    da, db = rng(4).normal(size=(n, n)), rng(5).normal(size=(n, 2))
    fd = numeric_jvp(ax.jit(f), [a, b], [da, db])
    np.testing.assert_allclose(np.sum(ga * da) + np.sum(gb * db), fd, rtol=1e-6)
    tangent = ax.jit(lambda *p: ax.jvp(f, p[:2], p[2:])[1])(a, b, da, db)
    np.testing.assert_allclose(tangent, fd, rtol=1e-6)


@pytest.mark.parametrize("lower", [True, False])
def test_blocked_triangular_solve_with_many_right_hand_sides_matches_numpy(lower):
    # as many right-hand sides as rows: the diagonal blocks are inverted and multiplied
    n = 2 * TRIANGULAR_BLOCK + 9
    a = rng(17).normal(size=(n, n)) / np.sqrt(n) + np.diag(np.linspace(0.05, 3.0, n))
    b = rng(18).normal(size=(n, n + 3))
    tri = np.tril(a) if lower else np.triu(a)
    got = ax.jit(lambda m, r: sl.solve_triangular(m, r, lower=lower))(a, b)
    want = np.linalg.solve(tri, b)
    assert np.linalg.norm(got - want) <= 1e-11 * np.linalg.norm(want)
    # the residual is as small as LAPACK's
    assert np.linalg.norm(tri @ got - b) <= 10 * np.linalg.norm(tri @ want - b) + 1e-12


@pytest.mark.slow
def test_gp_gradient_through_cholesky_matches_the_hand_formula_and_differences():
    n = TRIANGULAR_BLOCK + 20
    x = rng(6).normal(size=(n, 3))
    y = rng(7).normal(size=n)
    value, (g_ls, g_noise) = ax.jit(ax.value_and_grad(nll, argnums=(0, 1)))(1.3, 0.1, x, y)
    k = np.asarray(np.exp(-0.5 * ((x[:, None] - x[None]) ** 2).sum(-1) / 1.3**2) + 0.1 * np.eye(n))
    logdet = np.linalg.slogdet(k)[1]
    want = 0.5 * y @ np.linalg.solve(k, y) + 0.5 * logdet + 0.5 * n * math.log(2 * math.pi)
    np.testing.assert_allclose(value, want, rtol=1e-10)
    h_ls, h_noise = hand_gradient(1.3, 0.1, x, y)
    np.testing.assert_allclose([g_ls, g_noise], [h_ls, h_noise], rtol=1e-8)
    fd = numeric_jvp(ax.jit(lambda a, b: nll(a, b, x, y)), [1.3, 0.1], [1.0, 0.0])
    np.testing.assert_allclose(g_ls, fd, rtol=1e-6)
    # forward mode agrees with reverse mode
    t = ax.jit(lambda a, b: ax.jvp(lambda p, q: nll(p, q, x, y), (a, b), (0.0, 1.0))[1])(1.3, 0.1)
    np.testing.assert_allclose(t, g_noise, rtol=1e-8)


def test_gp_gradient_under_vmap_matches_each_example():
    n = 40
    x = rng(8).normal(size=(n, 2))
    y = rng(9).normal(size=n)
    lengths = np.array([0.7, 1.3, 2.0])
    grads = ax.vmap(ax.grad(nll), in_axes=(0, None, None, None))(lengths, 0.2, x, y)
    for ls, g in zip(lengths, np.asarray(grads)):
        np.testing.assert_allclose(g, hand_gradient(ls, 0.2, x, y)[0], rtol=1e-8)


@pytest.mark.slow
def test_cholesky_reverse_rule_skips_the_product_with_masked_cotangents(monkeypatch):
    n = 300
    x = rng(10).normal(size=(n, 4))
    y = rng(11).normal(size=n)
    args = (1.3, 0.1, x, y)
    vg = ax.value_and_grad(nll, argnums=(0, 1))
    structured = ax.explain(vg, *args).flops
    fast = ax.jit(vg)(*args)
    # the plain rule: L^T times the whole cotangent, one n^3 product more
    monkeypatch.setattr(plinalg, "_terms", lambda node, lower: [plinalg._Term(False, node)])
    plain_vg = ax.value_and_grad(nll, argnums=(0, 1))
    plain = ax.explain(plain_vg, *args).flops
    slow = ax.jit(plain_vg)(*args)
    assert plain - structured > 1.5 * n**3  # the product L^T G: 2 n^3 flops
    np.testing.assert_allclose(fast[0], slow[0], rtol=1e-12)
    np.testing.assert_allclose(fast[1], slow[1], rtol=1e-9)


def test_cholesky_gradient_with_an_upper_factor_and_weights_on_both_triangles():
    # cho_factor(lower=False) reads and solves with the upper triangle; a dense weight on
    # the factor puts cotangents everywhere: both must match finite differences
    n = TRIANGULAR_BLOCK + 20
    a = spd(n, 12)
    b = rng(13).normal(size=(n, 2))
    w = rng(14).normal(size=(n, n))

    def f(m):
        c, low = sl.cho_factor(m, lower=False)
        return (sl.cho_solve((c, low), b) ** 2).sum() + (c * w).sum() + anp.log(anp.diag(c)).sum()

    g = np.asarray(ax.grad(f)(a))
    d = rng(15).normal(size=(n, n))
    d = d + d.T
    fd = numeric_jvp(ax.jit(f), [a], [d])
    np.testing.assert_allclose(np.sum(g * d), fd, rtol=1e-6)
    np.testing.assert_allclose(ax.jit(lambda m, t: ax.jvp(f, (m,), (t,))[1])(a, d), fd, rtol=1e-6)


def test_half_slogdet_value_and_grad_under_jit():
    # the reverse pass scales by a constant: it once crashed reshaping a Python float
    a = rng(16).normal(size=(5, 5)) + 4 * np.eye(5)
    value, g = ax.jit(ax.value_and_grad(lambda m: 0.5 * anp.linalg.slogdet(m)[1]))(a)
    np.testing.assert_allclose(value, 0.5 * np.linalg.slogdet(a)[1], rtol=1e-12)
    np.testing.assert_allclose(g, 0.5 * np.linalg.inv(a).T, rtol=1e-10)
    batch = np.stack([a, a.T + np.eye(5)])
    g2 = ax.jit(ax.grad(lambda m: 0.5 * anp.linalg.slogdet(m)[1].sum()))(batch)
    np.testing.assert_allclose(g2, 0.5 * np.linalg.inv(batch).transpose(0, 2, 1), rtol=1e-10)


@pytest.mark.slow
def test_gp_hessian_through_the_solves_matches_differences_of_the_gradient(monkeypatch):
    # the triangular solves' rules are built of triangular solves: they differentiate again
    # (small blocks, so a small system takes the recursive path)
    monkeypatch.setattr(plinalg, "TRIANGULAR_BLOCK", 8)
    n = 30
    x = rng(19).normal(size=(n, 3))
    y = rng(20).normal(size=n)

    def f(p):
        return nll(p[0], p[1], x, y)

    p = np.array([1.3, 0.1])
    g = ax.jit(ax.grad(f))
    fd = np.stack([(g(p + 1e-5 * e) - g(p - 1e-5 * e)) / 2e-5 for e in np.eye(2)])
    for h in (ax.jit(ax.hessian(f))(p), ax.jit(ax.jacrev(ax.grad(f)))(p)):
        np.testing.assert_allclose(h, fd, rtol=1e-6, atol=1e-7 * np.abs(fd).max())


def gp_args(n=60):
    return 1.3, 0.1, rng(8).normal(size=(n, 3)), rng(9).normal(size=n)


def test_gp_gradient_takes_the_cholesky_inverse_and_matches_the_general_rule(monkeypatch):
    args = gp_args()
    vg = ax.value_and_grad(nll, argnums=(0, 1))
    explained = ax.explain(vg, *args)
    assert "_cholesky_inverse(" in explained.source
    assert "_np.linalg.solve" not in explained.source.split("_cholesky_inverse(")[1]
    fast = ax.jit(vg)(*args)
    monkeypatch.setattr(plinalg, "_symmetric", lambda node: False)
    plain = ax.value_and_grad(nll, argnums=(0, 1))
    general = ax.jit(plain)(*args)
    assert "_cholesky_inverse(" not in ax.explain(plain, *args).source
    np.testing.assert_allclose(fast[0], general[0], rtol=1e-12)
    np.testing.assert_allclose(fast[1], general[1], rtol=1e-9)
    np.testing.assert_allclose(fast[1], hand_gradient(*args), rtol=1e-8)
