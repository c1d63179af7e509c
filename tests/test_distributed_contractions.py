"""An einsum over a sum becomes the sum of its einsums over the terms, and an einsum two
einsums read is contracted inside each of them, when the cost model says it pays
(``compiler/distribute_sums.py``, ``compiler/shared_products.py``): equal to the path
without the passes and to NumPy, declined where it would cost more or change the sum."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.compiler.distribute_sums import distribute_contractions
from axcomp.compiler.shared_products import inline_shared_products
from axcomp.core.graph import Graph
from axcomp.primitives.contraction import einsum_p, is_permutation
from axcomp.primitives.elementwise import elementwise_p
from axcomp.scipy.special import logsumexp

RNG = np.random.default_rng(23)
simplify_module = sys.modules["axcomp.compiler.simplify"]  # the package exports the function
REWRITES = (distribute_contractions, inline_shared_products)


def _einsums_of_sums(graph: Graph) -> int:
    """How many einsums (other than transposes) read an add or subtract."""
    return sum(
        node.op is einsum_p
        and not is_permutation(node)
        and any(i.op is elementwise_p and i.params.fn in ("add", "subtract") for i in node.inputs)
        for node in graph.nodes()
    )


def _check(without_passes, fn, args, reference, distributed, rtol=1e-12):
    got = ax.jit(fn)(*args)
    graph = ax.jit(fn).lower(*args).graph
    assert (_einsums_of_sums(graph) == 0) is distributed, str(graph)
    # a fixed point: no pass (``common_factors``, this rewrite's inverse, included) undoes it
    assert not any(p(graph)[1] for p in simplify_module.PASSES), str(graph)
    plain = np.asarray(without_passes(lambda: ax.jit(fn)(*args), *REWRITES))
    assert got.dtype == plain.dtype == np.asarray(reference).dtype
    np.testing.assert_allclose(np.asarray(got), plain, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(np.asarray(got), reference, rtol=rtol, atol=rtol)


def _hessians(X, A):
    """The closed form: softmax p of ``A @ x`` per row, ``Aᵀ diag(p) A - (Aᵀp)(Aᵀp)ᵀ``."""
    z = X @ A.T
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    q = p @ A
    return np.einsum("nk,ki,kj->nij", p, A, A) - q[:, :, None] * q[:, None, :]


def test_hessian_of_logsumexp_regression_distributes_and_matches_the_closed_form(without_passes):
    A = RNG.standard_normal((40, 12)) / math.sqrt(12)
    X = RNG.standard_normal((24, 12))
    fn = ax.vmap(ax.hessian(lambda x, A: logsumexp(A @ x)), in_axes=(0, None))
    _check(without_passes, fn, (X, A), _hessians(X, A), distributed=True)


def test_nested_vmap_of_hessian_matches_the_closed_form(without_passes):
    A = RNG.standard_normal((30, 6))
    X = RNG.standard_normal((3, 5, 6))
    fn = ax.vmap(ax.vmap(ax.hessian(lambda x, A: logsumexp(A @ x)), (0, None)), (0, None))
    want = _hessians(X.reshape(15, 6), A).reshape(3, 5, 6, 6)
    got = np.asarray(ax.jit(fn)(X, A))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    plain = np.asarray(without_passes(lambda: ax.jit(fn)(X, A), *REWRITES))
    np.testing.assert_allclose(got, plain, rtol=1e-12, atol=1e-12)


def test_outer_product_terms_are_contracted_on_their_own():
    x, y = RNG.standard_normal((256, 128)), RNG.standard_normal((256, 128))
    u, v, W = RNG.standard_normal(256), RNG.standard_normal(128), RNG.standard_normal((128, 8))

    def three_terms(x, y, u, v, W):
        return (x + u[:, None] * v[None, :] - y) @ W

    want = (x + np.outer(u, v) - y) @ W
    graph = ax.jit(three_terms).lower(x, y, u, v, W).graph
    assert _einsums_of_sums(graph) == 1  # x - y stays one sum: its GEMM is not duplicated
    np.testing.assert_allclose(ax.jit(three_terms)(x, y, u, v, W), want, rtol=1e-12)


@pytest.mark.parametrize("fn_name", ["add", "subtract"])
def test_sum_and_difference_with_an_outer_product(without_passes, fn_name):
    x, u, v = RNG.standard_normal((256, 128)), RNG.standard_normal(256), RNG.standard_normal(128)
    W = RNG.standard_normal((128, 8))
    op = getattr(anp, fn_name)

    def fn(x, u, v, W):
        return op(x, u[:, None] * v[None, :]) @ W

    want = getattr(np, fn_name)(x, np.outer(u, v)) @ W
    _check(without_passes, fn, (x, u, v, W), want, distributed=True)


def test_float32_and_integer_terms_keep_their_dtype(without_passes):
    x, u, v = RNG.standard_normal((256, 128)), RNG.standard_normal(256), RNG.standard_normal(128)
    W = RNG.standard_normal((128, 8))

    def fn(x, u, v, W):
        return (x + u[:, None] * v[None, :]) @ W

    args32 = tuple(a.astype(np.float32) for a in (x, u, v, W))
    want32 = ((args32[0] + np.outer(args32[1], args32[2])) @ args32[3]).astype(np.float32)
    _check(without_passes, fn, args32, want32, distributed=True, rtol=2e-4)
    ints = tuple(RNG.integers(-50, 50, a.shape) for a in (x, u, v, W))
    want = (ints[0] + np.outer(ints[1], ints[2])) @ ints[3]
    _check(without_passes, fn, ints, want, distributed=True, rtol=0)
    got = ax.jit(fn)(*ints)
    assert np.array_equal(np.asarray(got), want)


def test_a_term_broadcast_along_a_label_another_operand_carries(without_passes):
    x, Y, b = (
        RNG.standard_normal((256, 128)),
        RNG.standard_normal((256, 128)),
        RNG.standard_normal(128),
    )

    def rowdot(x, b, Y):  # b is broadcast along the rows, which Y carries
        return anp.einsum("ij,ij->i", x + b, Y)

    _check(without_passes, rowdot, (x, b, Y), np.einsum("ij,ij->i", x + b, Y), distributed=True)


def test_a_term_broadcast_along_a_label_only_the_sum_carries_is_not_distributed(without_passes):
    x, b = RNG.standard_normal((256, 128)), RNG.standard_normal((1, 128))

    def total(x, b):  # b summed alone would count once, not 256 times
        return anp.einsum("ij->j", x * 2.0 + b)

    _check(without_passes, total, (x, b), (x * 2.0 + b).sum(0), distributed=False)


def test_two_full_rank_terms_are_not_distributed(without_passes):
    x, y, W = (
        RNG.standard_normal((256, 128)),
        RNG.standard_normal((256, 128)),
        RNG.standard_normal((128, 64)),
    )

    def fn(x, y, W):  # distributing would run the GEMM twice to save one add
        return (x + y) @ W

    _check(without_passes, fn, (x, y, W), (x + y) @ W, distributed=False)


def test_a_sum_with_another_reader(without_passes):
    x, u, v = RNG.standard_normal((256, 128)), RNG.standard_normal(256), RNG.standard_normal(128)
    W = RNG.standard_normal((128, 8))

    def fn(x, u, v, W):
        s = x + u[:, None] * v[None, :]
        return s @ W, anp.tanh(s)

    s = x + np.outer(u, v)
    got = ax.jit(fn)(x, u, v, W)
    plain = without_passes(lambda: ax.jit(fn)(x, u, v, W), *REWRITES)
    for g, p, w in zip(got, plain, (s @ W, np.tanh(s))):
        np.testing.assert_allclose(np.asarray(g), np.asarray(p), rtol=1e-12)
        np.testing.assert_allclose(np.asarray(g), w, rtol=1e-12)


def test_a_product_two_einsums_read_is_contracted_inside_both(without_passes):
    p, A = RNG.standard_normal((64, 100)), RNG.standard_normal((100, 40))

    def fn(p, A):
        pa = p[:, None, :] * A.T[None]  # (64, 40, 100), read twice
        return pa.sum(2), anp.einsum("njk,kl->njl", pa, A)

    graph = ax.jit(fn).lower(p, A).graph
    assert not any(n.op is einsum_p and n.shape == (64, 40, 100) for n in graph.nodes())
    got = ax.jit(fn)(p, A)
    plain = without_passes(lambda: ax.jit(fn)(p, A), *REWRITES)
    want = (p @ A, np.einsum("nk,kj,kl->njl", p, A, A))
    for g, q, w in zip(got, plain, want):
        np.testing.assert_allclose(np.asarray(g), np.asarray(q), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(np.asarray(g), w, rtol=1e-12, atol=1e-12)


def test_an_expensive_product_two_einsums_read_is_written_once():
    X, W = RNG.standard_normal((128, 64)), RNG.standard_normal((64, 96))

    def fn(X, W):
        h = X @ W  # a GEMM: read by two einsums, inlined it would run twice
        return h.sum(0), anp.einsum("ij,ij->i", h, X @ W[:, :96])

    graph = ax.jit(fn).lower(X, W).graph
    assert any(
        n.op is einsum_p and n.shape == (128, 96) and len(n.inputs) == 2 for n in graph.nodes()
    )
    got = ax.jit(fn)(X, W)
    h = X @ W
    np.testing.assert_allclose(np.asarray(got[0]), h.sum(0), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(got[1]), (h * h).sum(1), rtol=1e-12)


def test_products_whose_inlined_paths_write_large_intermediates_are_written_once():
    W, K = RNG.standard_normal((10, 128)), RNG.standard_normal((64, 64))
    s1, s2 = RNG.standard_normal((64, 128)), RNG.standard_normal((64, 128))

    def ntk_like(W, s1, s2, K):  # inlined, opt_einsum's cheapest-FLOP path writes 5M entries
        G1, G2 = W[None] * s1[:, None, :], W[None] * s2[:, None, :]
        return anp.einsum("nah,mbh->nmab", G1, G2) + anp.einsum("nah,mbh,nm->nmab", G1, G2, K)

    graph = ax.jit(ntk_like).lower(W, s1, s2, K).graph
    assert sum(n.op is einsum_p and n.shape == (64, 10, 128) for n in graph.nodes()) == 2
    G1, G2 = W[None] * s1[:, None, :], W[None] * s2[:, None, :]
    plain = np.einsum("nah,mbh->nmab", G1, G2)
    want = plain + plain * K[:, :, None, None]
    got = np.asarray(ax.jit(ntk_like)(W, s1, s2, K))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
