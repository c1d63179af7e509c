"""Python scalars under ``jit`` are traced, weakly typed 0-d inputs, as in JAX.

Expected dtypes and error types were recorded once from JAX 0.10.2 with x64 enabled
(``jax.jit(f)(...)`` on the same arguments); values are checked against NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as jnp
from axcomp import errors, lax


def test_two_floats_share_one_compilation() -> None:
    f = ax.jit(lambda x, a: x * a + 1.0)
    x = np.arange(4.0)
    for a in (0.1, 0.2, -3.5):
        np.testing.assert_allclose(f(x, a), x * a + 1.0)
    assert f.cache_info().misses == 1


def test_an_update_loop_compiles_once() -> None:
    # jit(update)(i, state): the step counter is a traced int, not a new constant
    update = ax.jit(lambda i, s: s * 0.5 + i)
    s = np.zeros(3)
    expected = np.zeros(3)
    for i in range(40):
        s = update(i, s)
        expected = expected * 0.5 + i
    np.testing.assert_allclose(s, expected)
    assert update.cache_info().misses == 1


def test_scalars_in_pytrees_and_keywords_are_traced() -> None:
    f = ax.jit(lambda d, *, scale: (d["a"] * d["b"]) * scale)
    assert float(f({"a": 2.0, "b": 3}, scale=0.5)) == 3.0
    assert float(f({"a": 4.0, "b": 5}, scale=2.0)) == 40.0
    assert f.cache_info().misses == 1


# (array dtype, scalar, JAX's result dtype of jit(lambda x, a: x * a)(array, scalar))
WEAK_CASES = [
    (np.float32, 2, np.float32),
    (np.float32, 2.0, np.float32),
    (np.float32, 2j, np.complex64),
    (np.int32, 2, np.int32),
    (np.int32, 2.0, np.float64),
    (np.uint8, 3, np.uint8),
    (np.int8, True, np.int8),
    (np.float16, 0.5, np.float16),
]


@pytest.mark.parametrize(("dtype", "scalar", "expected"), WEAK_CASES)
def test_weak_promotion_with_a_typed_array(dtype: type, scalar: object, expected: type) -> None:
    x = np.arange(1, 4).astype(dtype)
    for f in (ax.jit(lambda x, a: x * a), ax.jit(lambda x, a: a * x)):
        out = f(x, scalar)
        assert out.dtype == np.dtype(expected)
        np.testing.assert_allclose(out, x.astype(expected) * np.asarray(scalar).astype(expected))


def test_weakness_propagates_through_scalar_arithmetic() -> None:
    # JAX: sin(a) * 2.0 + a is still weak, so the float32 operand decides: float32
    x = np.ones(3, np.float32)
    out = ax.jit(lambda x, a: x * (jnp.sin(a) * 2.0 + a))(x, 0.5)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, np.float32(np.sin(0.5) * 2.0 + 0.5), rtol=1e-6)
    # ... and through where, matmul and sums
    assert ax.jit(lambda x, a: jnp.where(x > 0, a, x))(x, 2.0).dtype == np.float32
    assert ax.jit(lambda x, a: x @ (a * x))(x, 2.0).dtype == np.float32


# (f, JAX's result dtype of jit(f)(float32 [-1, 2, 3])): where's two Python-number branches
# make a weak result, whatever typed the condition
WHERE_CASES = [
    (lambda x: jnp.where(x > 0, 2.0, 3.0), np.float64),
    (lambda x: jnp.where(x > 0, 2.0, 3.0) * x, np.float32),
    (lambda x: jnp.where(x > 0, 2, 3) * x, np.float32),
    (lambda x: jnp.where(x > 0, 2, 3.0) * x, np.float32),
    (lambda x: jnp.where(x > 0, 2, 3) + np.int8(1), np.int8),
    (lambda x: ax.vmap(lambda v: jnp.where(v > 0, 2.0, 3.0) * v)(x), np.float32),
]


@pytest.mark.parametrize(("f", "expected"), WHERE_CASES)
def test_where_of_two_python_numbers_is_weak(f, expected: type) -> None:
    x = np.array([-1.0, 2.0, 3.0], np.float32)
    out = ax.jit(f)(x)
    assert out.dtype == np.dtype(expected)
    np.testing.assert_allclose(out, f(x.astype(np.float64)), rtol=1e-6)


def test_scalar_results_keep_jax_dtypes() -> None:
    # JAX: int64, float64, int64 (bool * 2), complex128
    assert ax.jit(lambda a: a * 2)(3).dtype == np.int64
    assert ax.jit(lambda a: a * 2)(3.0).dtype == np.float64
    assert ax.jit(lambda a: a * 2)(True).dtype == np.int64
    assert ax.jit(lambda a: a * 2)(1j).dtype == np.complex128
    assert int(ax.jit(lambda a: a * 2)(True)) == 2


def test_comparison_happens_in_the_typed_operand_dtype() -> None:
    # JAX compares float32(0.1) > 0.1 in float32: False (NumPy in float64 says True)
    assert not bool(ax.jit(lambda x, a: x > a)(np.float32(0.1), 0.1))
    assert bool(ax.jit(lambda x, a: x > a)(np.float64(0.2), 0.1))


@pytest.mark.parametrize(
    ("fun", "arg", "error"),
    [
        (lambda x: x if x > 0 else -x, 10, errors.TracerBoolConversionError),
        (lambda x: int(x), 10, errors.ConcretizationTypeError),
        (lambda x: float(x), 10.0, errors.ConcretizationTypeError),
        (lambda x: complex(x), 10.0, errors.ConcretizationTypeError),
        (lambda x: x.item(), 10.0, errors.ConcretizationTypeError),
        (lambda x: x.tolist(), 10.0, errors.ConcretizationTypeError),
        (lambda x: list(range(x)), 10, errors.TracerIntegerConversionError),
        (lambda x: np.asarray(x), 10.0, errors.TracerArrayConversionError),
    ],
)
def test_value_dependent_python_raises_jax_errors(fun: object, arg: object, error: type) -> None:
    def user_kernel(x: object) -> object:
        return fun(x)  # type: ignore[operator]

    with pytest.raises(error, match="user_kernel") as info:
        ax.jit(user_kernel)(arg)
    # JAX's are TypeErrors; axcomp's are also its own hierarchy
    assert isinstance(info.value, TypeError)
    assert isinstance(info.value, errors.TracingError)
    assert isinstance(info.value, ax.AxcompError)
    assert "static_argnums" in str(info.value)


def test_error_hierarchy_matches_jax() -> None:
    # jax.errors: TracerBoolConversionError < ConcretizationTypeError; the integer and
    # array conversion errors are not Concretization errors
    assert issubclass(errors.TracerBoolConversionError, errors.ConcretizationTypeError)
    assert not issubclass(errors.TracerIntegerConversionError, errors.ConcretizationTypeError)
    assert not issubclass(errors.TracerArrayConversionError, errors.ConcretizationTypeError)


def test_static_argnums_and_argnames_make_scalars_static() -> None:
    f = ax.jit(lambda x, n: jnp.zeros(n) + x, static_argnums=1)
    np.testing.assert_allclose(f(1.0, 3), np.ones(3))
    np.testing.assert_allclose(f(2.0, 3), np.full(3, 2.0))
    np.testing.assert_allclose(f(2.0, 2), np.full(2, 2.0))
    assert f.cache_info().misses == 2  # one per value of n, the floats traced
    g = ax.jit(lambda x, mode: x if mode > 0 else -x, static_argnames="mode")
    assert float(g(3.0, mode=1)) == 3.0
    assert float(g(3.0, mode=-1)) == -3.0
    assert g.cache_info().misses == 2


def test_a_static_tuple_keeps_its_floats_static() -> None:
    f = ax.jit(lambda x, coeffs: sum(c * x**k for k, c in enumerate(coeffs)), static_argnums=1)
    np.testing.assert_allclose(f(2.0, (1.0, 0.5)), 1.0 + 0.5 * 2.0)
    np.testing.assert_allclose(f(3.0, (1.0, 0.5)), 1.0 + 0.5 * 3.0)
    assert f.cache_info().misses == 1


def test_other_leaves_stay_static() -> None:
    f = ax.jit(lambda x, how: x * 2 if how == "double" else x if how is None else -x)
    assert float(f(1.5, "double")) == 3.0
    assert float(f(1.5, None)) == 1.5
    assert float(f(1.5, "neg")) == -1.5
    assert f.cache_info().misses == 3


def test_int_beyond_int64_stays_an_exact_constant() -> None:
    # JAX raises OverflowError; axcomp keeps it static, which cannot be wrong
    big = 2**70
    assert ax.jit(lambda x, n: n)(1.0, big) == big


def test_traced_int_bounds_make_fori_loop_a_while_loop() -> None:
    f = ax.jit(lambda n: lax.fori_loop(0, n, lambda i, c: c + i, 0))
    for n in (0, 5, 9):
        assert int(f(n)) == sum(range(n))
    assert f.cache_info().misses == 1


def test_library_functions_keep_int_arguments_static() -> None:
    x = np.arange(6.0).reshape(2, 3)
    e = np.exp(x - x.max(axis=0))
    np.testing.assert_allclose(ax.nn.softmax(x, axis=0), e / e.sum(axis=0))
    np.testing.assert_allclose(ax.scipy.special.logsumexp(x, axis=1), np.log(np.exp(x).sum(axis=1)))


def test_differentiation_and_vmap_keep_scalars_concrete() -> None:
    # as in JAX: a non-differentiated int may be a shape; vmap's unmapped int too
    g = ax.grad(lambda x, n: (jnp.zeros(n) + x).sum())
    assert float(g(1.0, 3)) == 3.0
    v = ax.vmap(lambda x, n: jnp.zeros(n) + x, in_axes=(0, None))(np.ones(2), 3)
    np.testing.assert_allclose(v, np.ones((2, 3)))


def test_jit_of_grad_on_a_traced_float() -> None:
    f = ax.jit(ax.grad(lambda x: x**3))
    assert float(f(2.0)) == pytest.approx(12.0)
    assert float(f(3.0)) == pytest.approx(27.0)
    assert f.cache_info().misses == 1


def test_new_float_each_call_hits_the_cache() -> None:
    f = ax.jit(lambda x, a: x * a)
    x = np.ones(2, np.float32)
    values = np.random.default_rng(0).random(50).tolist()
    for a in values:
        assert f(x, a).dtype == np.float32
    assert f.cache_info().misses == 1


def test_full_with_a_traced_fill_value() -> None:
    # JAX: jnp.full((3,), v) with a traced weak v is weak, so x32 + it stays float32
    f = ax.jit(lambda x, v: x + jnp.full((3,), v))
    x = np.ones(3, np.float32)
    out = f(x, 2.5)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.full(3, 3.5, np.float32))
    np.testing.assert_array_equal(f(x, 0.5), np.full(3, 1.5, np.float32))
    assert f.cache_info().misses == 1
    as_int = ax.jit(lambda v: jnp.full((2, 2), v, dtype=np.int32))(3.7)
    np.testing.assert_array_equal(as_int, np.full((2, 2), 3, np.int32))


def test_numpy_scalars_are_strongly_typed_arrays() -> None:
    # JAX: a np.float32 argument is a float32 array, not weak: f32 * f64 array is f64
    f = ax.jit(lambda s, x: s * x)
    assert f(np.float32(2), np.ones(2, np.float32)).dtype == np.float32
    assert f(np.float32(3), np.ones(2, np.float32)).dtype == np.float32
    assert f(np.float32(2), np.ones(2)).dtype == np.float64
    assert f.cache_info().misses == 2  # one per array dtype, not per value
