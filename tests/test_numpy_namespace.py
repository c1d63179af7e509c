"""Every axcomp.numpy function: eager it is NumPy; traced under vmap it matches a loop."""

import numpy as np
import pytest

import axcomp as ax
import axcomp.lax as alax
import axcomp.numpy as anp
from axcomp.errors import AxcompError, UnsupportedError

rng = np.random.default_rng(0)
X = rng.random((4, 3, 2)) + 0.5  # batch 4 of (3, 2), positive for log/sqrt
Y = rng.random((4, 3, 2)) + 0.5
M = rng.random((4, 2, 3))
V = rng.random((4, 3))

UNARY = [
    "negative",
    "square",
    "sqrt",
    "exp",
    "log",
    "log1p",
    "expm1",
    "abs",
    "sign",
    "tanh",
    "sin",
    "cos",
    "absolute",
    "floor",
    "ceil",
    "reciprocal",
    "conj",
    "real",
    "imag",
]
BINARY = [
    "add",
    "subtract",
    "multiply",
    "divide",
    "power",
    "maximum",
    "minimum",
    "greater",
    "less_equal",
    "equal",
    "arctan2",
    "hypot",
]


def loop(fn, *args):
    return np.stack([fn(*[a[i] for a in args]) for i in range(args[0].shape[0])])


def check(fn, *args):
    got = ax.vmap(fn)(*args)
    want = loop(fn, *args)  # fn run eagerly on NumPy slices: the NumPy semantics
    assert got.shape == want.shape
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", UNARY)
def test_unary(name):
    check(getattr(anp, name), X)


@pytest.mark.parametrize("name", BINARY)
def test_binary(name):
    check(getattr(anp, name), X, Y)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x, y: anp.where(x > y, x, y),
        lambda x, y: x + y * 2.0 - 1 / (x**2) @ anp.ones((2, 2)),
        lambda x, y: -x * (x >= y),
        lambda x, y: anp.dot(x, y.T),
        lambda x, y: anp.matmul(x.T, y),
        lambda x, y: anp.inner(x, y),
        lambda x, y: anp.outer(x, y),
        lambda x, y: anp.vdot(x, y),
        lambda x, y: anp.tensordot(x, y, axes=([0], [0])),
        lambda x, y: anp.tensordot(x, y, axes=2),
        lambda x, y: anp.einsum("ij,kj->ik", x, y),
        lambda x, y: anp.einsum("ij,ij", x, y),
        lambda x, y: anp.einsum("...j,...j->...", x, y),
        lambda x, y: anp.clip(x - y, -0.1, 0.1),
        lambda x, y: anp.concatenate([x, y], axis=1),
        lambda x, y: anp.stack([x, y], axis=-1),
        lambda x, y: anp.array([x, y]),
    ],
)
def test_binary_compositions(fn):
    check(fn, X, Y)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: anp.sum(x),
        lambda x: anp.sum(x, axis=0),
        lambda x: anp.sum(x, axis=-1, keepdims=True),
        lambda x: anp.mean(x, axis=(0, 1)),
        lambda x: anp.max(x, axis=1),
        lambda x: anp.min(x, keepdims=True),
        lambda x: anp.prod(x, axis=0),
        lambda x: x.sum(),
        lambda x: x.mean(0),
        lambda x: x.max(),
        lambda x: anp.argmax(x, axis=1),
        lambda x: anp.reshape(x, (2, 3)),
        lambda x: x.reshape(-1),
        lambda x: x.reshape(6, 1),
        lambda x: anp.transpose(x),
        lambda x: x.transpose(1, 0),
        lambda x: x.T,
        lambda x: anp.swapaxes(x, 0, 1),
        lambda x: anp.moveaxis(x, 0, -1),
        lambda x: anp.expand_dims(x, 0),
        lambda x: anp.squeeze(x[None]),
        lambda x: anp.broadcast_to(x, (5, 3, 2)),
        lambda x: x[1],
        lambda x: x[-1, ::-1],
        lambda x: x[None, ..., 0],
        lambda x: x[1:3, None],
        lambda x: x[..., ::2],
        lambda x: x.astype(np.float32),
        lambda x: anp.zeros_like(x) + x,
        lambda x: anp.ones_like(x) * x,
        lambda x: anp.full_like(x, 2.0) - x,
        lambda x: x + anp.arange(2.0) + anp.zeros(2) + anp.ones((3, 2)) + anp.full((2,), 3.0),
        lambda x: x @ anp.eye(2) + anp.linspace(0, 1, 2),
        lambda x: anp.asarray(x) ** 3,
        lambda x: x.shape[0] * x,
        lambda x: x.ndim + x,
    ],
)
def test_unary_compositions(fn):
    check(fn, X)


def test_matvec_shapes():
    check(lambda m, v: anp.dot(m, v), M, V)
    check(lambda m, v: m @ v, M, V)


def test_attributes_on_traced_values():
    seen = {}

    def kernel(x):
        seen.update(shape=x.shape, ndim=x.ndim, dtype=x.dtype)
        return x

    ax.vmap(kernel)(X.astype(np.float32))
    assert seen == {"shape": (3, 2), "ndim": 2, "dtype": np.float32}


def test_vectorize_signature():
    f = anp.vectorize(lambda m, v: m @ v, signature="(m,n),(n)->(m)")
    a, b = rng.random((7, 1, 2, 3)), rng.random((4, 3))
    out = f(a, b)
    assert out.shape == (7, 4, 2)
    np.testing.assert_allclose(out, np.matmul(a, b[:, :, None])[..., 0])


def test_vectorize_scalar_function_broadcasts():
    f = anp.vectorize(lambda x, y: anp.maximum(x, y) * 2.0)
    a, b = rng.random((2, 3)), rng.random(3)
    np.testing.assert_allclose(f(a, b), np.maximum(a, b) * 2)


def test_vectorize_core_size_mismatch():
    f = anp.vectorize(lambda a, b: a @ b, signature="(n),(n)->()")
    with pytest.raises(ValueError, match="inconsistent size for core dimension 'n'"):
        f(np.zeros(3), np.zeros(4))


# ------------------------------------------------------------------ missing names


def test_missing_names():
    with pytest.raises(UnsupportedError, match=r"axcomp.numpy.hstak.*nearest supported: hstack"):
        anp.hstak  # noqa: B018
    with pytest.raises(AttributeError):
        anp.definitely_not_a_function  # noqa: B018
    assert not hasattr(anp, "nonexistent_fn")
    assert getattr(anp, "nonexistent_fn", 7) == 7
    with pytest.raises(UnsupportedError, match=r"axcomp.lax.cumsun.*cumsum"):
        alax.cumsun  # noqa: B018
    with pytest.raises(AttributeError, match="__foo__"):
        anp.__foo__  # noqa: B018
    with pytest.raises(AxcompError, match="frompyfunc"):
        anp.frompyfunc  # noqa: B018
