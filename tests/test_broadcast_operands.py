"""An einsum reads a broadcast operand's source when another operand carries the broadcast
axes (``compiler/broadcast_operands.py``): checked against NumPy, and by the plan's FLOPs
where the broadcast would have multiplied the work."""

from __future__ import annotations

import numpy as np

import axcomp as ax
import axcomp.numpy as anp

RNG = np.random.default_rng(3)


def _flops(f, *args):
    return sum(c.flops for c in ax.explain(f, *args).contractions)


def test_a_weight_broadcast_over_the_batch_is_one_product():
    W, X = RNG.standard_normal((30, 20)), RNG.standard_normal((50, 20))

    def f(W, X):
        return anp.einsum("nij,nj->ni", anp.broadcast_to(W, (50, 30, 20)), X)

    np.testing.assert_allclose(ax.jit(f)(W, X), X @ W.T, rtol=1e-12)
    assert ax.explain(f, W, X).equations == ["ab,cb->ca"]


def test_per_example_outer_products_of_broadcast_activations():
    A1, A2 = RNG.standard_normal((8, 16)), RNG.standard_normal((6, 16))
    G1, G2 = RNG.standard_normal((8, 3, 16)), RNG.standard_normal((6, 3, 16))

    def f(A1, A2, G1, G2):
        a1 = anp.broadcast_to(A1[:, None, :], (8, 3, 16))
        a2 = anp.broadcast_to(A2[:, None, :], (6, 3, 16))
        return anp.einsum("nah,mbh,nai,mbi->nmab", G1, G2, a1, a2)

    want = np.einsum("nah,mbh->nmab", G1, G2) * (A1 @ A2.T)[:, :, None, None]
    np.testing.assert_allclose(ax.jit(f)(A1, A2, G1, G2), want, rtol=1e-12)
    # read whole, the activations' product alone is (8*3) x (6*3) x 16
    assert _flops(f, A1, A2, G1, G2) < 2 * 8 * 6 * 3 * 3 * 16 * 2


def test_labels_no_other_operand_carries_keep_the_broadcast():
    v, x = RNG.standard_normal(5), RNG.standard_normal((4, 5))

    def kept_in_output(v):
        return anp.einsum("ni->ni", anp.broadcast_to(v, (4, 5)))

    def summed(v, x):  # n only in the broadcast: the sum counts each copy
        return anp.einsum("ni,i->", anp.broadcast_to(v, (4, 5)), x[0])

    def stretched(a, x):  # a size-1 axis stretched in place to n, which x carries
        return anp.einsum("ni,ni->n", anp.broadcast_to(a, (4, 5)), x)

    a = RNG.standard_normal((1, 5))
    np.testing.assert_allclose(ax.jit(kept_in_output)(v), np.broadcast_to(v, (4, 5)))
    np.testing.assert_allclose(ax.jit(summed)(v, x), 4 * (v @ x[0]), rtol=1e-12)
    np.testing.assert_allclose(ax.jit(stretched)(a, x), x @ a[0], rtol=1e-12)
