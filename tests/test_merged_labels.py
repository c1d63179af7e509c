"""An einsum over reshapes that merge summed axes reads the reshapes' sources instead
(``compiler/merged_labels.py``), so the planner sees the factors: checked against
``np.einsum`` of the flattened operands, and against the plan's FLOPs."""

from __future__ import annotations

import numpy as np

import axcomp as ax
import axcomp.numpy as anp

RNG = np.random.default_rng(7)


def _flops(f, *args):
    return sum(c.flops for c in ax.explain(f, *args).contractions)


def test_flattened_outer_products_factorise():
    # an NTK-like contraction: each operand is an outer product flattened over (h, i)
    G1, X1 = RNG.standard_normal((6, 3, 20)), RNG.standard_normal((6, 15))
    G2, X2 = RNG.standard_normal((5, 3, 20)), RNG.standard_normal((5, 15))

    def f(G1, X1, G2, X2):
        a = anp.einsum("nah,ni->nahi", G1, X1).reshape(6, 3, -1)
        b = anp.einsum("mbh,mi->mbhi", G2, X2).reshape(5, 3, -1)
        return anp.einsum("naf,mbf->nmab", a, b)

    a = np.einsum("nah,ni->nahi", G1, X1).reshape(6, 3, -1)
    b = np.einsum("mbh,mi->mbhi", G2, X2).reshape(5, 3, -1)
    want = np.einsum("naf,mbf->nmab", a, b)
    np.testing.assert_allclose(ax.jit(f)(G1, X1, G2, X2), want, rtol=1e-12, atol=1e-12)
    # unfactored the last contraction alone costs 2 n m a b h i
    assert _flops(f, G1, X1, G2, X2) < 6 * 5 * 3 * 3 * 20 * 15, ax.explain(f, G1, X1, G2, X2)


def test_merges_that_differ_or_reach_the_output_are_kept():
    x, y = RNG.standard_normal((4, 6, 5)), RNG.standard_normal((6, 4, 5))

    def different_sizes(x, y):  # (4, 6) and (6, 4) both flatten to 24: not the same split
        return anp.einsum("fk,fk->k", x.reshape(24, 5), y.reshape(24, 5))

    def merged_output(x):  # the merged axis is kept: it stays one axis
        return anp.einsum("fk->f", x.reshape(24, 5))

    def one_side_merged(x, z):  # z carries f unmerged
        return anp.einsum("fk,f->k", x.reshape(24, 5), z)

    z = RNG.standard_normal(24)
    np.testing.assert_allclose(
        ax.jit(different_sizes)(x, y), (x.reshape(24, 5) * y.reshape(24, 5)).sum(0), rtol=1e-12
    )
    np.testing.assert_allclose(ax.jit(merged_output)(x), x.reshape(24, 5).sum(1), rtol=1e-12)
    np.testing.assert_allclose(ax.jit(one_side_merged)(x, z), z @ x.reshape(24, 5), rtol=1e-12)


def test_split_labels_read_the_sources_in_the_flattened_order():
    x, y = RNG.standard_normal((3, 4, 5, 2)), RNG.standard_normal((4, 5, 3, 2))

    def f(x, y):  # two merged groups on each side, one summed pair kept as the output
        return anp.einsum("af,fb->ab", x.reshape(3, 20, 2)[:, :, 0], y.reshape(20, 6))

    want = x.reshape(3, 20, 2)[:, :, 0] @ y.reshape(20, 6)
    np.testing.assert_allclose(ax.jit(f)(x, y), want, rtol=1e-12)

    def g(x, y):
        return anp.einsum("af,fb->ab", x.reshape(3, 40), y.transpose(0, 1, 3, 2).reshape(40, 3))

    want = x.reshape(3, 40) @ y.transpose(0, 1, 3, 2).reshape(40, 3)
    np.testing.assert_allclose(ax.jit(g)(x, y), want, rtol=1e-12)
    # the einsum reads x and y's transpose, f split into the three axes it merged
    assert ax.explain(g, x, y).equations == ["abcd,bced->ae"]
