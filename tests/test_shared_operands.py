"""Products of one large operand with several small ones become one product of the small
ones concatenated (``compiler/shared_operands.py``): equal to the path without the pass,
and only where no product reads another's result."""

from __future__ import annotations

import numpy as np

import axcomp as ax
import axcomp.numpy as anp
from axcomp.compiler.shared_operands import merge_shared_products

RNG = np.random.default_rng(17)
X = RNG.standard_normal((512, 300))


def _reads_of_x(f, *args):
    """How many contractions read the 512 x 300 operand."""
    return sum(
        "512" in c.axes_text() and "300" in c.axes_text() for c in ax.explain(f, *args).contractions
    )


def test_two_products_read_the_large_operand_once(without_passes):
    W, V = RNG.standard_normal((300, 4)), RNG.standard_normal((300, 6))

    def f(X, W, V):
        return anp.tanh(X @ W).sum(1) + anp.sin(X @ V).sum(1)

    got = ax.jit(f)(X, W, V)
    want = np.tanh(X @ W).sum(1) + np.sin(X @ V).sum(1)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(
        got, without_passes(lambda: ax.jit(f)(X, W, V), merge_shared_products), rtol=1e-13
    )
    src = ax.explain(f, X, W, V).source
    assert src.count("_np.concatenate(") == 1, src
    assert (
        without_passes(lambda: ax.explain(f, X, W, V).source, merge_shared_products).count(
            "concatenate"
        )
        == 0
    )


def test_hvp_matches_the_plain_path(without_passes):
    W, V = 0.1 * RNG.standard_normal((300, 5)), RNG.standard_normal((300, 5))

    def loss(W):
        z = X @ W
        return anp.mean(anp.log(anp.sum(anp.exp(z), axis=1)))

    hvp = lambda W, V: ax.jvp(ax.grad(loss), (W,), (V,))[1]  # noqa: E731
    got = ax.jit(hvp)(W, V)
    np.testing.assert_allclose(
        got, without_passes(lambda: ax.jit(hvp)(W, V), merge_shared_products), rtol=1e-12
    )
    eps = 1e-6
    fd = (ax.grad(loss)(W + eps * V) - ax.grad(loss)(W - eps * V)) / (2 * eps)
    np.testing.assert_allclose(got, fd, rtol=1e-5, atol=1e-8)


def test_a_product_reading_another_or_small_operands_stay_apart():
    W = RNG.standard_normal((300, 300)) / 20

    def chained(X, W):  # the second product reads the first's result: no merge
        h = anp.tanh(X @ W)
        return h @ W.T

    want = np.tanh(X @ W) @ W.T
    np.testing.assert_allclose(ax.jit(chained)(X, W), want, rtol=1e-12)
    assert "concatenate" not in ax.explain(chained, X, W).source

    V = RNG.standard_normal((300, 6))

    def summed(X, W, V):  # (X @ V).sum(1) is X @ V.sum(1) in its region: kept apart
        return anp.tanh(X @ W[:, :4]).sum(1) + (X @ V).sum(1)

    want = np.tanh(X @ W[:, :4]).sum(1) + (X @ V).sum(1)
    np.testing.assert_allclose(ax.jit(summed)(X, W, V), want, rtol=1e-10, atol=1e-10)
    assert "concatenate" not in ax.explain(summed, X, W, V).source

    A, u, v = RNG.standard_normal((30, 20)), RNG.standard_normal(20), RNG.standard_normal(20)

    def small(A, u, v):  # A is read from cache: nothing to save
        return A @ u + A @ v

    np.testing.assert_allclose(ax.jit(small)(A, u, v), A @ u + A @ v, rtol=1e-12)
    assert "concatenate" not in ax.explain(small, A, u, v).source
