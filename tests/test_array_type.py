"""The concrete array type (``ArrayImpl``): what axcomp.numpy, compiled functions and
axcomp.random return, with JAX's array surface, compared with NumPy references and with
the same operations traced under ``jit``."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import numpy as np
import pytest

import axcomp as jax
import axcomp.numpy as jnp
import axcomp.random as jr
from axcomp import AxcompError
from axcomp.core.array_impl import ArrayImpl

ARR = np.arange(10.0) * 1.5  # a NumPy reference input
IDX = np.array([1, 3, 3, 8])  # a repeated index: accumulating updates add twice


# NumPy's unbuffered in-place ufuncs: repeated indices apply once per occurrence
NUMPY_AT = {
    "add": np.add,
    "subtract": np.subtract,
    "multiply": np.multiply,
    "divide": np.divide,
    "power": np.power,
    "min": np.minimum,
    "max": np.maximum,
}


def _reference(how: str, x: np.ndarray, idx: Any, v: Any) -> np.ndarray:
    out = x.copy()
    if how == "set":
        out[idx] = v
    else:
        NUMPY_AT[how].at(out, idx, v)
    return out


@pytest.mark.parametrize(
    "how", ["set", "add", "subtract", "multiply", "divide", "power", "min", "max"]
)
@pytest.mark.parametrize("index", [3, slice(2, 7, 2), IDX[[0, 1, 3]], IDX], ids=str)
def test_at_updates_eager_and_traced_match_numpy(how: str, index: Any) -> None:
    if how == "set" and isinstance(index, np.ndarray) and len(np.unique(index)) < len(index):
        pytest.skip("set with repeated indices: which write wins is unspecified")
    v = 2.0
    ref = _reference(how, ARR, index, v)
    x = jnp.asarray(ARR)
    eager = getattr(x.at[index], how)(v)
    traced = jax.jit(lambda a: getattr(a.at[index], how)(v))(x)
    assert type(eager) is ArrayImpl and type(traced) is ArrayImpl
    np.testing.assert_allclose(eager, ref)
    np.testing.assert_allclose(traced, ref)
    np.testing.assert_array_equal(x, ARR)  # the original is unchanged


def test_at_on_a_2d_array_with_a_mask_and_a_tuple_index() -> None:
    ref = np.arange(12.0).reshape(3, 4)
    x = jnp.arange(12.0).reshape(3, 4)
    mask = ref > 6
    want = ref.copy()
    want[mask] = -1.0
    np.testing.assert_array_equal(x.at[mask].set(-1.0), want)
    want = ref.copy()
    want[1, 1:3] += 5.0
    np.testing.assert_array_equal(x.at[1, 1:3].add(5.0), want)
    np.testing.assert_array_equal(x.at[:, 2].get(), ref[:, 2])


def test_at_apply_and_get() -> None:
    x = jnp.asarray(ARR)
    want = ARR.copy()
    want[[2, 5]] = np.sin(want[[2, 5]])
    np.testing.assert_allclose(x.at[np.array([2, 5])].apply(jnp.sin), want)
    np.testing.assert_array_equal(x.at[np.array([4, 0])].get(), ARR[[4, 0]])


def test_at_out_of_bounds_modes() -> None:
    x = jnp.asarray(ARR)
    oob = np.array([2, 12])
    # scatters: drop (the default and "fill") skip the out-of-bounds write, clip clamps it
    dropped = ARR.copy()
    dropped[2] = 0.0
    for mode in (None, "drop", "fill"):
        np.testing.assert_array_equal(x.at[oob].set(0.0, mode=mode), dropped)
    clipped = dropped.copy()
    clipped[9] = 0.0
    np.testing.assert_array_equal(x.at[oob].set(0.0, mode="clip"), clipped)
    np.testing.assert_array_equal(jax.jit(lambda a: a.at[oob].set(0.0, mode="clip"))(x), clipped)
    np.testing.assert_array_equal(x.at[-1].set(0.0, mode="clip")[-1], 0.0)
    # in-bounds indices promised in bounds: the plain update
    np.testing.assert_array_equal(
        x.at[np.array([1])].add(1.0, mode="promise_in_bounds"), ARR + (np.arange(10) == 1)
    )
    # gathers: clip clamps, fill fills
    np.testing.assert_array_equal(x.at[oob].get(mode="clip"), ARR[[2, 9]])
    np.testing.assert_array_equal(x.at[oob].get(mode="fill", fill_value=-7.0), [ARR[2], -7.0])
    np.testing.assert_array_equal(
        jax.jit(lambda a: a.at[oob].get(mode="fill", fill_value=-7.0))(x), [ARR[2], -7.0]
    )
    assert np.isnan(x.at[oob].get(mode="fill")[1])


def test_at_accepts_jax_keywords() -> None:
    x = jnp.zeros(4)
    y = x.at[np.array([0, 2])].add(1.0, indices_are_sorted=True, unique_indices=True)
    np.testing.assert_array_equal(y, [1.0, 0.0, 1.0, 0.0])


def test_item_assignment_raises_jax_type_error() -> None:
    x = jnp.zeros(3)
    with pytest.raises(TypeError, match=r"does not support item assignment\. JAX arrays"):
        x[0] = 1.0
    with pytest.raises(AxcompError, match=r"x = x\.at\[idx\]\.set\(y\)"):
        x[0] = 1.0
    np.testing.assert_array_equal(x, 0.0)


def test_iterating_a_0d_array_raises_jax_type_error() -> None:
    x = jax.jit(lambda a: a.sum())(np.arange(3.0))
    assert x.ndim == 0
    with pytest.raises(TypeError, match="iteration over a 0-d array") as info:
        iter(x)
    assert isinstance(info.value, AxcompError)
    assert [float(v) for v in jax.jit(lambda a: a * 2)(np.arange(3.0))] == [0.0, 2.0, 4.0]


def test_numpy_out_arguments_cannot_write_into_it() -> None:
    x = jnp.ones(3)
    with pytest.raises(TypeError, match="immutable"):
        np.add(x, 1.0, out=x)
    np.testing.assert_array_equal(x, 1.0)
    # (np.asarray(x) is a plain writable view: the flag would cost a compiled call more
    # than the view does; see core/array_impl.py)
    assert np.asarray(x).flags.writeable and type(np.asarray(x)) is np.ndarray


def test_in_place_operators_rebind() -> None:
    x = jnp.ones(3)
    y = x
    y += 2.0
    y *= 3.0
    y -= 1.0
    y /= 2.0
    np.testing.assert_array_equal(x, 1.0)
    np.testing.assert_array_equal(y, 4.0)
    assert type(y) is ArrayImpl


# dtypes of the methods on concrete arrays, recorded from JAX 0.10 with x64 enabled
JAX_METHOD_DTYPES = [
    ("mean", np.array([True, False, True]), "float32"),
    ("var", np.array([True, False, True]), "float32"),
    ("std", np.array([True, False, True]), "float32"),
    ("sum", np.array([True, False, True]), "int64"),
    ("prod", np.array([True, False, True]), "int64"),
    ("max", np.array([True, False, True]), "bool"),
    ("mean", np.arange(4), "float64"),
    ("var", np.arange(4), "float64"),
    ("mean", np.ones(3, np.float32), "float32"),
    ("sum", np.ones(3, np.float32), "float32"),
    ("cumsum", np.array([True, False, True]), "int64"),
    ("argmax", np.arange(4), "int64"),
]


@pytest.mark.parametrize(("method", "value", "dtype"), JAX_METHOD_DTYPES)
def test_method_dtypes_follow_jax(method: str, value: np.ndarray, dtype: str) -> None:
    out = getattr(jnp.asarray(value), method)()
    assert out.dtype == np.dtype(dtype)
    assert type(out) is ArrayImpl
    np.testing.assert_allclose(out, getattr(value, method)(), rtol=1e-6)


def test_operators_and_methods_return_the_array_type() -> None:
    x = jnp.arange(6.0)
    for value in (
        x + 1,
        1 - x,
        x * x,
        x / 2,
        -x,
        x > 2,
        x.reshape(2, 3),
        x.reshape((3, 2)).T,
        x.reshape(2, 3).transpose(1, 0),
        x.astype(np.float32),
        x[1:3],
        x[0],
        x.copy(),
    ):
        assert type(value) is ArrayImpl, value
    np.testing.assert_array_equal(x.reshape(2, 3).sum(axis=0), [3.0, 5.0, 7.0])
    assert x[2].shape == () and float(x[2]) == 2.0
    assert (x + 1).dtype == np.float64 and (x.astype(np.float32) + 1).dtype == np.float32


def test_jax_array_surface() -> None:
    x = jnp.arange(3.0)
    assert x.block_until_ready() is x
    assert x.device.platform == "cpu" and x.devices() == {x.device}
    assert x.tolist() == [0.0, 1.0, 2.0] and x[1].item() == 1.0
    assert isinstance(x, jax.Array) and isinstance(x, np.ndarray)
    assert isinstance(x.tolist()[0], float)


def test_pickle_and_copies_keep_the_type() -> None:
    x = jnp.arange(4.0)
    for y in (pickle.loads(pickle.dumps(x)), copy.copy(x), copy.deepcopy(x), x.copy()):
        assert type(y) is ArrayImpl
        np.testing.assert_array_equal(y, x)
        with pytest.raises(TypeError):
            y[0] = 1.0


def test_numpy_functions_accept_it_without_a_copy() -> None:
    x = jnp.arange(6.0)
    assert np.shares_memory(np.asarray(x), x)
    np.testing.assert_allclose(np.sin(x), np.sin(np.arange(6.0)))
    assert np.dot(x, x) == 55.0
    # NumPy's own functions give NumPy arrays, which NumPy code may write into
    out = np.empty_like(x)
    out[...] = 1.0
    assert type(out) is np.ndarray and type(np.sin(x)) is np.ndarray


def test_results_of_transforms_and_random_are_the_type() -> None:
    x = jnp.arange(3.0)

    def f(a: Any) -> Any:
        return (a**2).sum()

    for value in (
        jax.jit(lambda a: a * 2)(x),
        jax.jit(lambda a: (a, a + 1))(x)[1],
        jax.jit(lambda a: {"y": a})(x)["y"],
        jax.vmap(lambda a: a + 1)(x),
        jax.grad(f)(x),
        jr.normal(jr.PRNGKey(0), (3,)),
        jr.uniform(jr.PRNGKey(1)),
        jnp.zeros(3),
        jnp.linalg.norm(x),
        jnp.fft.fft(x),
        jax.lax.exp(x),
        jnp.sum(x),
    ):
        assert type(value) is ArrayImpl, type(value)
    np.testing.assert_array_equal(jax.jit(lambda a: a * 2)(x), [0.0, 2.0, 4.0])


def test_jit_outputs_feed_back_into_jit() -> None:
    f = jax.jit(lambda a: a * 2 + 1)
    x = f(jnp.ones(3))
    np.testing.assert_array_equal(f(f(x)), [15.0, 15.0, 15.0])


def test_constants_indexed_by_traced_integers() -> None:
    table = jnp.arange(5.0) * 10
    np.testing.assert_array_equal(jax.jit(lambda i: table[i])(np.int64(3)), 30.0)


@pytest.mark.parametrize(
    ("fn", "a", "b"),
    [
        (jnp.dot, (3,), (4,)),
        (jnp.matmul, (2, 3), (4, 2)),
        (lambda a, b: jnp.einsum("ij,jk->ik", a, b), (2, 3), (4, 2)),
    ],
)
def test_eager_shape_mismatch_in_products_is_type_error(fn: Any, a: Any, b: Any) -> None:
    with pytest.raises(TypeError):
        fn(jnp.ones(a), jnp.ones(b))
    with pytest.raises(TypeError):
        jax.jit(fn)(jnp.ones(a), jnp.ones(b))


@pytest.mark.parametrize("n_inputs", [1, 3, 40])  # 40: past the generated entries (32)
def test_cached_calls_take_and_give_array_impl_whatever_the_arity(n_inputs):
    f = jax.jit(lambda *xs: sum(xs[1:], xs[0] * 2.0))
    xs = [jnp.arange(3.0) + k for k in range(n_inputs)]  # ArrayImpl arguments
    want = 2.0 * np.arange(3.0) + sum(np.arange(3.0) + k for k in range(1, n_inputs))
    for _ in range(2):  # the first call compiles, the second takes the cached entry
        out = f(*xs)
        assert type(out) is ArrayImpl
        np.testing.assert_array_equal(out, want)
    scalar = jax.jit(lambda x: x.sum())(xs[0])
    assert type(scalar) is ArrayImpl and scalar.shape == () and float(scalar) == 3.0
