"""``axcomp.numpy``'s index conversions, array editing and updates, partition/lexsort,
set operations and the ``unique_*`` family against JAX's outputs (recorded once by
tests/numpy_names_record.py): eagerly, under ``jit`` (JAX's static ``size=`` where the
shape depends on the data), and the errors JAX raises."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy_names_record import array_calls, flat_results

import axcomp
import axcomp.numpy as jnp
from axcomp.core.array_impl import ArrayImpl
from axcomp.errors import AxcompError

REF = np.load(Path(__file__).parent / "numpy_names_reference.npz")
CALLS = array_calls(jnp)


def _check(got: Any, name: str) -> None:
    leaves = flat_results(got)
    want = [REF[f"{name}/out{i}"] for i in range(len(leaves))]
    assert f"{name}/out{len(leaves)}" not in REF
    for g, w in zip(leaves, want):
        assert np.asarray(g).dtype == w.dtype, (name, np.asarray(g).dtype, w.dtype)
        if w.dtype.kind in "fc":  # float results: to rounding, as computed differently
            np.testing.assert_allclose(np.asarray(g), w, rtol=1e-10, atol=1e-12)
        else:
            np.testing.assert_array_equal(np.asarray(g), w)


# recorded without size=: data-dependent shapes, eager only (under jit: an error, tested below)
UNSIZED = {"unique_counts", "unique_inverse", "unique_values"}


@pytest.mark.parametrize("name", sorted(set(CALLS) - UNSIZED))
def test_matches_jax_under_jit(name: str) -> None:
    fn, args = CALLS[name]
    _check(axcomp.jit(fn)(*args), name)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_matches_jax_eagerly(name: str) -> None:
    fn, args = CALLS[name]
    _check(fn(*args), name)


def test_gradients_flow_through_the_updates() -> None:
    x = np.arange(6.0).reshape(2, 3)
    g = axcomp.grad(
        lambda a: jnp.sum(jnp.put_along_axis(a, np.array([[1], [2]]), 0.0, axis=1, inplace=False))
    )(x)
    np.testing.assert_array_equal(g, [[1, 0, 1], [1, 1, 0]])
    g = axcomp.grad(lambda a: jnp.sum(jnp.partition(a, 1, axis=1) * np.arange(3.0)))(x[:, ::-1])
    np.testing.assert_array_equal(g, [[2, 1, 0], [2, 1, 0]])
    g = axcomp.grad(lambda a: jnp.sum(jnp.insert(a, 1, a[0] * 2.0)))(x[0])
    np.testing.assert_array_equal(g, [3, 1, 1])


def test_vmap_matches_each_slice() -> None:
    x = np.random.default_rng(0).normal(size=(4, 6))
    got = axcomp.vmap(lambda r: jnp.delete(jnp.resize(r, (8,)), np.array([0, 7])))(x)
    want = [np.delete(np.resize(r, (8,)), [0, 7]) for r in x]
    np.testing.assert_allclose(got, want)


@pytest.mark.parametrize(
    ("call", "kind", "message"),
    [
        (lambda: jnp.put(np.zeros(3), 0, 1.0), ValueError, "inplace=False"),
        (
            lambda: jnp.fill_diagonal(np.zeros((2, 2)), 1.0, wrap=True, inplace=False),
            NotImplementedError,
            "wrap=True",
        ),
        (
            lambda: jnp.ravel_multi_index((np.array([5]), np.array([0])), (3, 4)),
            ValueError,
            "invalid entry",
        ),
        (
            lambda: axcomp.jit(lambda i: jnp.ravel_multi_index((i, i), (3, 4)))(np.array([1])),
            TypeError,
            "mode='raise'",
        ),
        (lambda: jnp.choose(np.array([3]), [np.zeros(1)]), ValueError, "invalid entry"),
        (lambda: axcomp.jit(lambda i: jnp.delete(np.arange(4), i))(1), TypeError, "concrete"),
        (lambda: axcomp.jit(lambda a: jnp.trim_zeros(a))(np.ones(3)), TypeError, "concrete"),
        (lambda: axcomp.jit(lambda a: jnp.union1d(a, a))(np.ones(3)), TypeError, "size="),
        (lambda: jnp.broadcast_shapes((2,), (3,)), ValueError, "Incompatible shapes"),
        (lambda: jnp.partition(np.ones(3), 3), ValueError, "out of bounds"),
    ],
)
def test_errors_are_jax_types(call: Any, kind: type, message: str) -> None:
    with pytest.raises(kind, match=message) as info:
        call()
    assert isinstance(info.value, AxcompError)


def test_broadcast_shapes_and_euler_gamma() -> None:
    assert jnp.broadcast_shapes((2, 1), (3,), ()) == (2, 3)
    assert jnp.euler_gamma == pytest.approx(0.5772156649015329, rel=1e-16)


def test_external_arrays_and_einsum_path() -> None:
    import io

    buf = io.BytesIO()
    np.save(buf, np.arange(4.0))
    buf.seek(0)
    loaded = jnp.load(buf)
    assert isinstance(loaded, ArrayImpl)  # the library's array type, as JAX's
    np.testing.assert_array_equal(loaded, np.arange(4.0))
    np.testing.assert_array_equal(jnp.frombuffer(b"\x01\x02", np.uint8), [1, 2])
    np.testing.assert_array_equal(jnp.fromstring("1 2 3", sep=" "), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(jnp.from_dlpack(np.arange(3)), [0, 1, 2])
    with pytest.raises(NotImplementedError, match="non-pure"):
        jnp.fromiter(iter([1, 2]))
    ops = [np.ones((2, 30)), np.ones((30, 4)), np.ones((4, 5))]
    path, info = jnp.einsum_path("ij,jk,kl->il", *ops)
    assert path == [(0, 1), (0, 1)]  # JAX 0.10.2's path for these operands
    assert "Optimized scaling" in str(info)
