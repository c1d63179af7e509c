"""NumPy's meaning at the edges, under vmap: boolean scalar indices, Python scalars where
NumPy takes arrays, linspace with traced bounds. Each compared with the per-example loop."""

from __future__ import annotations

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp

X = np.arange(24.0).reshape(2, 3, 4)

BOOL_INDICES = [
    (True,),
    (False,),
    (0, False),
    (0, True),
    (slice(None), True),
    (True, 0),
    (0, slice(None), True),
    (Ellipsis, True),
    (None, True, 1),
    (True, False),
]


def loop(f, x):
    return np.stack([f(row) for row in x])


@pytest.mark.parametrize("index", BOOL_INDICES, ids=repr)
def test_boolean_scalar_index_adds_an_axis_of_size_one_or_zero(index):
    def f(v):
        return v[index]

    got, want = ax.vmap(f)(X), loop(f, X)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_python_scalars_where_numpy_takes_them():
    got = ax.vmap(lambda v: anp.outer(v, 2.0))(X[:, 0])
    np.testing.assert_array_equal(got, loop(lambda v: np.outer(v, 2.0), X[:, 0]))
    s = np.arange(3.0)
    got = ax.vmap(lambda v: anp.stack([v, 1.0]))(s)
    np.testing.assert_array_equal(got, np.stack([np.stack([v, 1.0]) for v in s]))
    got = ax.jit(lambda v: anp.reshape(2.0, (1, 1)) + v)(np.ones(2))
    np.testing.assert_array_equal(got, np.full((1, 2), 3.0))


@pytest.mark.parametrize(
    "kw",
    [
        dict(num=5),
        dict(num=4, endpoint=False),
        dict(num=1),
        dict(num=0),
        dict(num=3, dtype="float32"),
    ],
    ids=repr,
)
def test_linspace_with_a_traced_bound(kw):
    stops = np.array([1.0, 2.0, 5.0])
    got = ax.vmap(lambda v: anp.linspace(-1.0, v, **kw))(stops)
    want = loop(lambda v: np.linspace(-1.0, v, **kw), stops)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_linspace_traced_array_bounds_axis_and_retstep():
    starts = np.array([0.0, 1.0])

    def f(v):
        return anp.linspace(v, v + 2 * np.ones(2), 3, axis=1, retstep=True)

    (got, step) = ax.vmap(f)(starts)
    want = [np.linspace(v, v + 2 * np.ones(2), 3, axis=1, retstep=True) for v in starts]
    np.testing.assert_allclose(got, np.stack([w[0] for w in want]))
    np.testing.assert_allclose(step, np.stack([w[1] for w in want]))


def test_linspace_with_a_traced_count_is_a_clear_error():
    with pytest.raises(ax.AxcompError, match="num must be a static int"):
        ax.vmap(lambda v: anp.linspace(0.0, 1.0, v))(np.arange(3))


def test_complex_variance_is_real_and_matches_numpy() -> None:
    z = np.array([[1 + 2j, 3 - 1j, 0.5j], [2, -1j, 1 + 1j]])
    mask = np.array([[True, False, True], [True, True, False]])
    cases = [
        (lambda m, x: m.var(x), {}),
        (lambda m, x: m.std(x, axis=1, ddof=1), {}),
        (lambda m, x: m.var(x, axis=0, where=mask), {}),
        (lambda m, x: m.var(x, axis=1, keepdims=True), {}),
    ]
    for f, _ in cases:
        want = f(np, z)
        for got in (f(anp, z), ax.jit(lambda x, f=f: f(anp, x))(z)):
            assert np.asarray(got).dtype == np.float64
            np.testing.assert_allclose(got, want, rtol=1e-13)
