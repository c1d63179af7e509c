"""Outside ``jit``, the differentiation transforms see concrete values, as JAX's do.

``if x > 0:`` and ``while err > tol:`` work in ``grad``/``jvp``/``vjp``/``jacfwd``/...,
and raise JAX's errors where JAX raises them (inside ``jit``, ``vmap`` over differing
values, ``cond`` branches, loop bodies, ``float()`` of a differentiated value). Expected
values are closed forms; the error types and the ``int``/``item``/index results were
recorded once from JAX 0.10.2 (x64).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as jnp
from axcomp import errors, lax


def abs_val(x: object) -> object:  # the Autodiff Cookbook's example
    if x > 0:  # type: ignore[operator]
        return x
    return -x  # type: ignore[operator]


def newton_sqrt(a: object) -> object:
    x = a
    while abs(x * x - a) > 1e-12:  # type: ignore[operator]
        x = x - (x * x - a) / (2 * x)  # type: ignore[operator]
    return x


def fixed_point(a: object) -> object:
    # x = a cos(x), iterated to convergence
    x = 0.0
    nx = a * jnp.cos(x)  # type: ignore[operator]
    while abs(nx - x) > 1e-13:
        x = nx
        nx = a * jnp.cos(x)  # type: ignore[operator]
    return nx


def test_abs_val_under_grad_and_one_trace_per_path() -> None:
    g = ax.grad(abs_val)
    for x in (3.0, -2.0, 5.0, -7.0, 0.5):
        assert float(g(x)) == math.copysign(1.0, x)
    info = g.paths_info()
    assert info.traces == 2  # one per branch taken, whatever the value
    assert info.hits == 3


def test_newton_iteration_under_grad() -> None:
    g = ax.grad(newton_sqrt)
    for a in (2.0, 9.0, 0.3, 2.0, 2.0):
        assert float(g(a)) == pytest.approx(0.5 / math.sqrt(a), rel=1e-8)
    assert g.paths_info().traces <= 3  # the same a repeats its path: no new trace


def test_fixed_point_under_grad_matches_implicit_differentiation() -> None:
    a = 0.5
    x = a
    for _ in range(200):
        x = a * math.cos(x)
    expected = math.cos(x) / (1 + a * math.sin(x))  # d/da of x = a cos x
    assert float(ax.grad(fixed_point)(a)) == pytest.approx(expected, rel=1e-8)


def test_array_while_loop_under_grad() -> None:
    def sqrt_all(a: object) -> object:
        x = a
        while jnp.max(jnp.abs(x * x - a)) > 1e-12:  # type: ignore[operator]
            x = 0.5 * (x + a / x)  # type: ignore[operator]
        return jnp.sum(x)

    a = np.array([0.5, 2.0, 7.0])
    np.testing.assert_allclose(ax.grad(sqrt_all)(a), 0.5 / np.sqrt(a), rtol=1e-8)


def piecewise(x: object) -> object:
    return x**2 if x > 1 else 3 * x  # type: ignore[operator]


def test_forward_and_reverse_transforms_follow_the_value() -> None:
    for x, slope in ((2.0, 4.0), (0.0, 3.0)):
        out, tangent = ax.jvp(piecewise, (x,), (1.0,))
        assert float(tangent) == slope
        assert float(out) == (x**2 if x > 1 else 3 * x)
        _, pullback = ax.vjp(piecewise, x)
        assert float(pullback(1.0)[0]) == slope
        _, f_jvp = ax.linearize(piecewise, x)
        assert float(f_jvp(1.0)) == slope
        value, grad = ax.value_and_grad(piecewise)(x)
        assert (float(value), float(grad)) == ((x**2 if x > 1 else 3 * x), slope)


def test_jacobians_and_hessian_follow_the_value() -> None:
    def f(x: object) -> object:
        return x * 2 if x.sum() > 0 else x * 3  # type: ignore[attr-defined,operator]

    for x, k in ((np.array([1.0, -0.5]), 2.0), (np.array([-1.0, 0.5]), 3.0)):
        np.testing.assert_allclose(ax.jacfwd(f)(x), k * np.eye(2))
        np.testing.assert_allclose(ax.jacrev(f)(x), k * np.eye(2))

    def h(x: object) -> object:
        return x**3 if x > 0 else -(x**2)  # type: ignore[operator]

    assert float(ax.hessian(h)(2.0)) == pytest.approx(12.0)
    assert float(ax.hessian(h)(-2.0)) == pytest.approx(-2.0)


def test_int_item_and_index_read_the_value() -> None:
    # JAX: 3.0, 3.0, 4.0
    assert float(ax.grad(lambda x: x * int(x))(3.5)) == 3.0
    assert float(ax.grad(lambda x: x * x.item())(3.0)) == 3.0
    table = [1.0, 2.0, 3.0, 4.0]
    assert float(ax.grad(lambda x: x * table[x.astype(int)])(3.0)) == 4.0


def test_non_differentiated_arguments_stay_concrete() -> None:
    def f(x: object, n: int) -> object:
        total = x
        for _ in range(n):
            total = total * x  # type: ignore[operator]
        return total

    g = ax.grad(f)
    assert float(g(2.0, 2)) == pytest.approx(3 * 2.0**2)  # d/dx x**3
    assert float(g(2.0, 3)) == pytest.approx(4 * 2.0**3)


def test_differentiated_python_floats_share_a_compilation() -> None:
    g = ax.grad(lambda x: jnp.sin(x) * x)
    for x in (0.1, 0.2, 0.3):
        assert float(g(x)) == pytest.approx(math.cos(x) * x + math.sin(x))
    assert g.cache_info().misses == 1


def _inner_jit(x: object) -> object:
    return ax.jit(abs_val)(x)


def _inner_vmap(x: object) -> object:
    return ax.vmap(abs_val)(x).sum()


def _in_cond_branch(x: object) -> object:
    return lax.cond(True, abs_val, lambda y: y, x)


def _in_loop_body(x: object) -> object:
    return lax.fori_loop(0, 3, lambda i, c: abs_val(c), x)


@pytest.mark.parametrize(
    ("fun", "arg", "error"),
    [
        (lambda x: x * float(x), 3.0, errors.ConcretizationTypeError),
        (lambda x: x * np.asarray(x), 3.0, errors.TracerArrayConversionError),
        (_inner_jit, 2.0, errors.TracerBoolConversionError),
        (_inner_vmap, np.array([1.0, -2.0]), errors.TracerBoolConversionError),
        (_in_cond_branch, 2.0, errors.TracerBoolConversionError),
        (_in_loop_body, 2.0, errors.TracerBoolConversionError),
    ],
)
def test_raises_where_jax_raises(fun: object, arg: object, error: type) -> None:
    with pytest.raises(error):
        ax.grad(fun)(arg)  # type: ignore[arg-type]


def test_jit_of_grad_stays_abstract() -> None:
    with pytest.raises(errors.TracerBoolConversionError, match="abs_val"):
        ax.jit(ax.grad(abs_val))(2.0)


def test_many_paths_stay_correct_and_bounded() -> None:
    from axcomp.transforms.eager import PATHS_PER_SIGNATURE

    g = ax.grad(newton_sqrt)
    values = np.linspace(0.01, 400.0, 3 * PATHS_PER_SIGNATURE).tolist()
    for a in values:
        assert float(g(a)) == pytest.approx(0.5 / math.sqrt(a), rel=1e-7)
    assert g.paths_info().currsize <= PATHS_PER_SIGNATURE


def test_a_long_python_loop_reads_each_value_once() -> None:
    # 100 guards, each computed from the values known before it: d/da of a * 0.99**k
    def decay(a: object) -> object:
        x = a
        steps = 0
        while x > 0.5:  # type: ignore[operator]
            x = x * 0.99  # type: ignore[operator]
            steps += 1
        return x * steps

    a = 1.5
    k = math.ceil(math.log(0.5 / a) / math.log(0.99))
    assert float(ax.grad(decay)(a)) == pytest.approx(0.99**k * k, rel=1e-12)
