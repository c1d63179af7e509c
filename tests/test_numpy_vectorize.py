"""``axcomp.numpy.vectorize``'s parity with ``jax.numpy.vectorize``: ``excluded=``, the
output checks and the refusals, each an ``AxcompError`` of the built-in type JAX raises."""

from __future__ import annotations

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.errors import AxcompError

RNG = np.random.default_rng(0)


def test_vectorize_excluded():
    f = anp.vectorize(
        lambda x, p, scale=1.0: anp.sum(x * p) * scale, excluded={1, "scale"}, signature="(n)->()"
    )
    x, p = RNG.normal(size=(4, 3)), np.arange(3.0)
    np.testing.assert_allclose(f(x, p, scale=2.0), (x * p).sum(-1) * 2)
    # inside a kernel too
    got = ax.vmap(lambda a: f(a, p, scale=3.0))(RNG.normal(size=(2, 4, 3)))
    assert got.shape == (2, 4)
    h = anp.vectorize(lambda a, b: a + (0 if b is None else b))
    np.testing.assert_allclose(h(np.arange(3.0), None), np.arange(3.0))


@pytest.mark.parametrize(
    "fn,sig,exc,match",
    [
        (lambda x: (x, x), "(n)->()", TypeError, "wrong number of output arguments"),
        (lambda x: x, "(n)->(),()", TypeError, "output must be a tuple"),
        (lambda x: x, "(n)->(m,k)", ValueError, "does not match core dimensions"),
        (lambda x: x[:2], "(n)->(n)", ValueError, "inconsistent size for core dimension 'n'"),
    ],
)
def test_vectorize_output_checks(fn, sig, exc, match):
    with pytest.raises(exc, match=match) as err:
        anp.vectorize(fn, signature=sig)(np.ones((4, 3)))
    assert isinstance(err.value, AxcompError)


def test_vectorize_bad_excluded_and_arity():
    with pytest.raises(ValueError, match="negative"):
        anp.vectorize(lambda x: x, excluded={-1})
    with pytest.raises(TypeError, match="integer or string"):
        anp.vectorize(lambda x: x, excluded={1.5})
    with pytest.raises(TypeError, match="wrong number of positional arguments"):
        anp.vectorize(lambda x: x, signature="(n)->(n)")(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="enough dimensions"):
        anp.vectorize(lambda x: x, signature="(n,m)->()")(np.ones(3))
