"""``jnp.var``/``jnp.std`` with ``mean=`` (a precomputed mean, shaped as with keepdims=True):
traced as NumPy 2 and JAX 0.10 compute it, against NumPy's own ``mean=``."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import numeric_grad

import axcomp as ax
import axcomp.numpy as anp
from axcomp.errors import IncompatibleShapesError

X = np.arange(12.0).reshape(3, 4) ** 1.5


@pytest.mark.parametrize("fn", ["var", "std"])
@pytest.mark.parametrize("ddof", [0, 1])
def test_given_mean_matches_numpy(fn, ddof):
    m = X.mean(axis=1, keepdims=True) + 0.25  # not the mean: the given one is used
    want = getattr(np, fn)(X, axis=1, mean=m, ddof=ddof)
    f = ax.jit(lambda x, m: getattr(anp, fn)(x, axis=1, mean=m, ddof=ddof))
    np.testing.assert_allclose(f(X, m), want, rtol=1e-12)
    np.testing.assert_allclose(getattr(anp, fn)(X, axis=1, mean=m, ddof=ddof), want, rtol=1e-12)
    per_row = ax.vmap(lambda x, m: getattr(anp, fn)(x, mean=m, ddof=ddof))(X, m)
    np.testing.assert_allclose(per_row, want, rtol=1e-12)


def test_given_mean_with_where_and_its_gradient():
    w = np.array([[1, 0, 1, 1], [1, 1, 0, 0], [0, 1, 1, 1]], bool)
    m = X.mean(axis=0, keepdims=True)
    got = ax.jit(lambda x, m: anp.var(x, axis=0, mean=m, where=w))(X, m)
    np.testing.assert_allclose(got, np.var(X, axis=0, mean=m, where=w), rtol=1e-12)
    g = ax.grad(lambda m: anp.var(X, axis=0, mean=m).sum())(m)
    want = numeric_grad(lambda m: np.var(X, axis=0, mean=m).sum(), [m])
    np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-8)


def test_a_mean_of_the_wrong_shape_raises():
    with pytest.raises(IncompatibleShapesError, match="keepdims"):
        ax.jit(lambda x: anp.var(x, axis=1, mean=anp.zeros(4)))(X)  # rank 1: JAX's TypeError
    with pytest.raises(TypeError):
        ax.jit(lambda x: anp.std(x, axis=1, mean=anp.zeros((2, 1))))(X)
