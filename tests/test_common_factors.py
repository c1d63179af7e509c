"""Sums of contractions that share operands become one contraction of the shared operands
with the sum of the rest (``compiler/common_factors.py``): equal to the path without the
pass and to NumPy, fewer FLOPs where it applies, and left alone where it would not pay."""

from __future__ import annotations

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.compiler.common_factors import factor_common_operands

RNG = np.random.default_rng(23)


def _flops(f, *args):
    return sum(c.flops for c in ax.explain(f, *args).contractions)


def _weight_and_bias(G1, A1, G2, A2):
    """A layer's NTK terms: the weight's Jacobian is ``G ⊗ a``, the bias's ``G``."""
    f = G1.shape[2] * A1.shape[1]
    w1 = anp.reshape(anp.einsum("nah,nd->nahd", G1, A1), (G1.shape[0], G1.shape[1], f))
    w2 = anp.reshape(anp.einsum("mbh,md->mbhd", G2, A2), (G2.shape[0], G2.shape[1], f))
    return anp.einsum("naf,mbf->nmab", w1, w2) + anp.einsum("nah,mbh->nmab", G1, G2)


def _weight_and_bias_reference(G1, A1, G2, A2):
    out = np.zeros((G1.shape[0], G2.shape[0], G1.shape[1], G2.shape[1]))
    for n in range(G1.shape[0]):
        for m in range(G2.shape[0]):
            j1 = np.concatenate([np.outer(G1[n, a], A1[n]).ravel() for a in range(G1.shape[1])])
            j2 = np.concatenate([np.outer(G2[m, b], A2[m]).ravel() for b in range(G2.shape[1])])
            j1 = j1.reshape(G1.shape[1], -1)
            j2 = j2.reshape(G2.shape[1], -1)
            out[n, m] = j1 @ j2.T + G1[n] @ G2[m].T
    return out


def test_weight_and_bias_terms_share_one_product(without_passes):
    G1, G2 = RNG.standard_normal((6, 3, 40)), RNG.standard_normal((5, 3, 40))
    A1, A2 = RNG.standard_normal((6, 7)), RNG.standard_normal((5, 7))
    args = (G1, A1, G2, A2)
    got = ax.jit(_weight_and_bias)(*args)
    np.testing.assert_allclose(got, _weight_and_bias_reference(*args), rtol=1e-12, atol=1e-12)
    plain = without_passes(lambda: ax.jit(_weight_and_bias)(*args), factor_common_operands)
    np.testing.assert_allclose(got, plain, rtol=1e-12, atol=1e-12)
    factored = _flops(_weight_and_bias, *args)
    unfactored = without_passes(lambda: _flops(_weight_and_bias, *args), factor_common_operands)
    assert factored < 0.7 * unfactored, (factored, unfactored)


def _mlp(params, x):
    W1, b1, W2, b2 = params
    return W2 @ anp.tanh(W1 @ x + b1) + b2


def _flat(j):
    return anp.reshape(j, (j.shape[0], j.shape[1], -1))


def _ntk(X1, X2, *params):
    """The empirical NTK as a user writes it: one product of Jacobians per parameter."""
    J1, J2 = (ax.vmap(ax.jacrev(_mlp), in_axes=(None, 0))(params, X) for X in (X1, X2))
    return sum(anp.einsum("naf,mbf->nmab", _flat(a), _flat(b)) for a, b in zip(J1, J2))


def _ntk_by_differences(X1, X2, *params):
    """Each example's Jacobian by central differences, then their products."""

    def f(flat, x):
        sizes = np.cumsum([p.size for p in params])[:-1]
        W1, b1, W2, b2 = (c.reshape(p.shape) for c, p in zip(np.split(flat, sizes), params))
        return W2 @ np.tanh(W1 @ x + b1) + b2

    flat = np.concatenate([p.ravel() for p in params])
    eps = 1e-6

    def jac(x):
        cols = []
        for k in range(flat.size):
            d = np.zeros_like(flat)
            d[k] = eps
            cols.append((f(flat + d, x) - f(flat - d, x)) / (2 * eps))
        return np.stack(cols, axis=1)

    J1 = np.stack([jac(x) for x in X1])
    J2 = np.stack([jac(x) for x in X2])
    return np.einsum("naf,mbf->nmab", J1, J2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_ntk_of_an_mlp_matches_differences_and_the_plain_path(without_passes, dtype):
    rng = np.random.default_rng(5)
    params = tuple(
        p.astype(dtype)
        for p in (
            rng.standard_normal((6, 3)),
            rng.standard_normal(6),
            rng.standard_normal((2, 6)),
            rng.standard_normal(2),
        )
    )
    X1, X2 = rng.standard_normal((4, 3)).astype(dtype), rng.standard_normal((3, 3)).astype(dtype)
    X2 = np.asfortranarray(X2)  # a non-contiguous layout reads the same
    got = ax.jit(_ntk)(X1, X2, *params)
    assert got.dtype == dtype and got.shape == (4, 3, 2, 2)
    wide = tuple(p.astype(np.float64) for p in params)
    want = _ntk_by_differences(X1.astype(np.float64), X2.astype(np.float64), *wide)
    tol = 1e-7 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    plain = without_passes(lambda: ax.jit(_ntk)(X1, X2, *params), factor_common_operands)
    np.testing.assert_allclose(got, plain, rtol=tol, atol=tol)
    assert _flops(_ntk, X1, X2, *params) < without_passes(
        lambda: _flops(_ntk, X1, X2, *params), factor_common_operands
    )


@pytest.mark.parametrize("n", [0, 1])
def test_empty_and_single_example_batches(n):
    G1, G2 = RNG.standard_normal((n, 3, 8)), RNG.standard_normal((2, 3, 8))
    A1, A2 = RNG.standard_normal((n, 4)), RNG.standard_normal((2, 4))
    got = ax.jit(_weight_and_bias)(G1, A1, G2, A2)
    np.testing.assert_allclose(got, _weight_and_bias_reference(G1, A1, G2, A2), atol=1e-12)


def test_shared_matrix_times_a_sum_and_a_nan_reaches_its_rows(without_passes):
    A = RNG.standard_normal((50, 60))
    B, C = RNG.standard_normal((60, 30)), RNG.standard_normal((60, 30))
    A[3, 7] = np.nan

    def f(A, B, C):
        return A @ B + A @ C + 1.0  # a broadcast addend stays a term of the sum

    got = ax.jit(f)(A, B, C)
    want = A @ B + A @ C + 1.0
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    assert _flops(f, A, B, C) < without_passes(lambda: _flops(f, A, B, C), factor_common_operands)


def test_an_operand_read_another_way_is_not_shared(without_passes):
    A, B, C = (RNG.standard_normal((20, 20)) for _ in range(3))

    def f(A, B, C):
        return anp.einsum("ij,jk->ik", A, B) + anp.einsum("ji,jk->ik", A, C)

    got = ax.jit(f)(A, B, C)
    np.testing.assert_allclose(got, A @ B + A.T @ C, rtol=1e-12, atol=1e-12)


def test_a_factoring_that_costs_more_is_not_made(without_passes):
    A = RNG.standard_normal((30, 40))
    B, C = RNG.standard_normal((40, 30)), RNG.standard_normal((30, 30))

    def f(A, B, C):
        # shared A, but the rests carry different labels: their sum would be 30x30x40,
        # larger than the result and every operand
        return anp.einsum("ij,jk->ik", A, B) + anp.einsum("ij,ik->ik", A, C)

    got = ax.jit(f)(A, B, C)
    np.testing.assert_allclose(got, A @ B + A.sum(1)[:, None] * C, rtol=1e-12, atol=1e-12)
    assert _flops(f, A, B, C) == without_passes(lambda: _flops(f, A, B, C), factor_common_operands)


def test_a_term_read_elsewhere_stays(without_passes):
    A, B, C = (RNG.standard_normal((20, 20)) for _ in range(3))

    def f(A, B, C):
        ab = A @ B
        return ab + A @ C, anp.tanh(ab)

    got, th = ax.jit(f)(A, B, C)
    np.testing.assert_allclose(got, A @ B + A @ C, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(th, np.tanh(A @ B), rtol=1e-12)
    assert _flops(f, A, B, C) == without_passes(lambda: _flops(f, A, B, C), factor_common_operands)


def test_integer_sums_are_left_alone():
    A = RNG.integers(-5, 5, (10, 12))
    B, C = RNG.integers(-5, 5, (12, 7)), RNG.integers(-5, 5, (12, 7))

    def f(A, B, C):
        return A @ B + A @ C

    got = ax.jit(f)(A, B, C)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, A @ B + A @ C)


def test_a_float32_sum_inside_a_float64_one():
    A = RNG.standard_normal((20, 30)).astype(np.float32)
    B, C = (RNG.standard_normal((30, 10)).astype(np.float32) for _ in range(2))
    D = RNG.standard_normal((20, 10))

    def f(A, B, C, D):
        return A @ B + A @ C + D

    got = ax.jit(f)(A, B, C, D)
    assert got.dtype == np.float64
    want = (A.astype(np.float64) @ B + A.astype(np.float64) @ C) + D
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_a_sum_of_hundreds_of_products_compiles():
    # the factored sum is a chain hundreds of nodes deep: rebuilt without recursion
    A, Bs = RNG.standard_normal((3, 4)), RNG.standard_normal((400, 4, 2))

    def f(A, Bs):
        return sum(A @ Bs[i] for i in range(Bs.shape[0]))

    np.testing.assert_allclose(ax.jit(f)(A, Bs), A @ Bs.sum(0), rtol=1e-12, atol=1e-12)
