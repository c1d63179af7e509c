"""``axcomp.pure_callback`` (``jax.pure_callback``): eager and traced calls, results checked
against their declared shapes and dtypes, the three ``vmap_method``s JAX names, one call
per run for several results, no derivative (JAX's error), dropped when unused."""

from __future__ import annotations

import numpy as np
import pytest

import axcomp as ax
import axcomp.lax as lax
import axcomp.numpy as anp
from axcomp.core.array_impl import ArrayImpl

S = ax.ShapeDtypeStruct


def test_eager_and_jit_calls_pass_arrays_and_keywords() -> None:
    seen: list[type] = []

    def host(x, scale=1.0):
        seen.append(type(x))
        return np.sin(np.asarray(x)) * scale

    x = np.arange(3.0)
    spec = S((3,), np.float64)
    eager = ax.pure_callback(host, spec, x, scale=2.0)
    jitted = ax.jit(lambda v: ax.pure_callback(host, spec, v, scale=2.0) + 1)(x)
    assert isinstance(eager, ArrayImpl) and seen == [ArrayImpl, ArrayImpl]
    np.testing.assert_allclose(eager, 2 * np.sin(x))
    np.testing.assert_allclose(jitted, 2 * np.sin(x) + 1)


def test_results_must_match_their_declaration() -> None:
    x = np.ones(3)
    with pytest.raises(ValueError, match=r"returned float64\[4\].*declares float64\[3\]"):
        ax.pure_callback(lambda v: np.ones(4), S((3,), np.float64), x)
    with pytest.raises(ValueError, match=r"returned float32\[3\]"):
        ax.jit(
            lambda v: ax.pure_callback(lambda a: np.ones(3, np.float32), S((3,), np.float64), v)
        )(x)
    with pytest.raises(ValueError, match="returned 1 results"):
        ax.pure_callback(lambda v: np.ones(3), (S((3,), np.float64), S((), np.float64)), x)
    with pytest.raises(TypeError, match="shape and dtype"):
        ax.pure_callback(lambda v: v, (3,), x)


def test_vmap_methods_give_what_jax_gives() -> None:
    shapes: list[tuple[tuple[int, ...], tuple[int, ...]]] = []

    def host(a, b):
        shapes.append((np.shape(a), np.shape(b)))
        return np.asarray(a) + np.asarray(b)

    rows, shared = np.arange(6.0).reshape(2, 3), np.array([10.0, 20.0, 30.0])
    for method, calls in (
        ("sequential", [((3,), (3,)), ((3,), (3,))]),
        ("expand_dims", [((2, 3), (1, 3))]),
        ("broadcast_all", [((2, 3), (2, 3))]),
    ):
        shapes.clear()
        f = ax.vmap(
            lambda r, s, m=method: ax.pure_callback(host, S((3,), np.float64), r, s, vmap_method=m),
            in_axes=(0, None),
        )
        np.testing.assert_array_equal(f(rows, shared), rows + shared)
        assert shapes == calls, method
    with pytest.raises(NotImplementedError, match="vmap_method=None"):
        ax.vmap(lambda r: ax.pure_callback(np.sin, S((3,), np.float64), r))(rows)
    with pytest.raises(ValueError, match="vmap_method must be one of"):
        ax.pure_callback(np.sin, S((3,), np.float64), rows[0], vmap_method="loop")


def test_several_results_take_one_call_per_run() -> None:
    calls: list[int] = []

    def host(a):
        calls.append(1)
        a = np.asarray(a)
        return a * 2, a.sum()

    spec = (S((3,), np.float64), S((), np.float64))
    f = ax.jit(lambda v: ax.pure_callback(host, spec, v))
    x = np.arange(3.0)
    doubled, total = f(x)
    np.testing.assert_array_equal(doubled, [0.0, 2.0, 4.0])
    assert total == 3.0 and len(calls) == 1
    x[:] = 1.0  # the same array with new contents: the next run calls again
    doubled, total = f(x)
    np.testing.assert_array_equal(doubled, [2.0, 2.0, 2.0])
    assert total == 3.0 and len(calls) == 2


def test_no_derivative_and_unused_results_are_dropped() -> None:
    spec = S((), np.float64)
    with pytest.raises(ValueError, match="Pure callbacks do not support JVP"):
        ax.grad(lambda x: ax.pure_callback(np.cos, spec, x))(1.0)
    # a callback on values not differentiated needs no derivative
    g = ax.grad(lambda x, c: x * ax.pure_callback(np.cos, spec, c), argnums=0)(2.0, 0.5)
    np.testing.assert_allclose(g, np.cos(0.5))
    calls: list[int] = []

    def counted(v):
        calls.append(1)
        return np.asarray(v)

    ax.jit(lambda x: (ax.pure_callback(counted, S((3,), np.float64), x), x + 1)[1])(np.ones(3))
    assert calls == []  # pure: its unused result is not computed


def test_in_loop_bodies() -> None:
    def body(c, x):
        y = ax.pure_callback(np.cos, S((), np.float64), x)
        return c + y, y

    xs = np.arange(5.0)
    total, ys = ax.jit(lambda v: lax.scan(body, 0.0, v))(xs)
    np.testing.assert_allclose(ys, np.cos(xs))
    np.testing.assert_allclose(total, np.cos(xs).sum())
    doubled = ax.jit(
        lambda v: lax.fori_loop(
            0,
            3,
            lambda i, a: ax.pure_callback(lambda b: np.asarray(b) * 2, S((2,), np.float64), a),
            v,
        )
    )(np.ones(2))
    np.testing.assert_array_equal(doubled, [8.0, 8.0])
    assert anp.asarray(doubled).shape == (2,)
