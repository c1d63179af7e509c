"""Calls with containers of arrays (a model's parameters as a tuple, list or dict) take a
fast path keyed by one walk of the arguments; it must give what the general path gives,
compile once per structure, and leave every other argument to the general path."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.transforms import chunking, staging


def loss(params, x):
    W, b = params["W"], params["b"]
    h = anp.tanh(W[0] @ x + b[0])
    return ((W[1] @ h + b[1]) ** 2).sum()


def _params(rng, n=4):
    return {
        "W": [rng.standard_normal((n, 3)), rng.standard_normal((2, n))],
        "b": (rng.standard_normal(n), rng.standard_normal(2)),
    }


def _general(f, *args):
    """``f``'s result by the general path (the key walk refused)."""
    real = staging._tree_key

    def refuse(x, leaves):
        raise staging._NoTreeKey

    staging._tree_key = refuse
    try:
        return f(*args)
    finally:
        staging._tree_key = real


def test_nested_containers_give_the_general_paths_result():
    rng = np.random.default_rng(0)
    params, X = _params(rng), rng.standard_normal((5, 3))
    f = ax.jit(ax.vmap(ax.grad(loss), in_axes=(None, 0)))
    fast = f(params, X)
    slow = _general(ax.jit(ax.vmap(ax.grad(loss), in_axes=(None, 0))), params, X)
    assert ax.tree_util.tree_structure(fast) == ax.tree_util.tree_structure(slow)
    for a, b in zip(ax.tree_util.tree_leaves(fast), ax.tree_util.tree_leaves(slow)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    # the reference: one example at a time, by finite differences of the NumPy loss
    W0 = params["W"][0]
    eps = 1e-6

    def np_loss(W0_, x):
        h = np.tanh(W0_ @ x + params["b"][0])
        return ((params["W"][1] @ h + params["b"][1]) ** 2).sum()

    bump = np.zeros_like(W0)
    bump[1, 2] = eps
    fd = [(np_loss(W0 + bump, x) - np_loss(W0 - bump, x)) / (2 * eps) for x in X]
    np.testing.assert_allclose(np.asarray(fast["W"][0])[:, 1, 2], fd, rtol=1e-6)


def test_one_compile_per_structure_and_a_new_one_for_each_change():
    rng = np.random.default_rng(1)
    f = ax.jit(lambda p, x: p["a"] * x + p["b"][0] - p["b"][1])
    p = {"a": np.ones(3), "b": [np.ones(3), np.zeros(3)]}
    for _ in range(3):
        out = f(p, rng.standard_normal(3))
    assert f.cache_info().misses == 1 and f.cache_info().hits == 0  # later calls skip it
    x = np.arange(3.0)
    np.testing.assert_array_equal(np.asarray(f(p, x)), x + 1.0)
    # each of these is another program, never the cached one
    changes = [
        ({"a": np.ones(4), "b": [np.ones(4), np.zeros(4)]}, np.ones(4)),  # a shape
        ({"a": np.ones(3, np.float32), "b": [np.ones(3), np.zeros(3)]}, x),  # a dtype
        ({"a": np.ones(3), "b": (np.ones(3), np.zeros(3))}, x),  # a list became a tuple
    ]
    for i, (q, y) in enumerate(changes):
        out = f(q, y)
        want = np.asarray(q["a"]) * y + q["b"][0] - q["b"][1]
        np.testing.assert_allclose(np.asarray(out), want, rtol=1e-6)
        assert np.asarray(out).dtype == want.dtype
        assert f.cache_info().misses == 2 + i


def test_dict_keys_are_part_of_the_key():
    f = ax.jit(lambda p: p["a"] - p["b"])
    one, two = np.ones(2), 2 * np.ones(2)
    np.testing.assert_array_equal(np.asarray(f({"a": one, "b": two})), -one)
    np.testing.assert_array_equal(np.asarray(f({"b": one, "a": two})), one)  # same keys
    with pytest.raises(KeyError):  # another key set: traced again, and the trace fails
        f({"a": one, "c": two})


def test_axcomp_arrays_inside_containers():
    f = ax.jit(lambda p: p[0] @ p[1])
    a = anp.asarray(np.arange(6.0).reshape(2, 3))
    b = np.arange(3.0)
    out = f((a, b))
    np.testing.assert_array_equal(np.asarray(out), np.arange(6.0).reshape(2, 3) @ b)


@pytest.mark.parametrize(
    "args",
    [
        (collections.namedtuple("P", "w b")(np.ones(2), np.zeros(2)), 2.0),
        ([np.ones(2), None], 2.0),
        ((np.ones(2), 3.0), 2.0),  # a scalar inside: the general path decides it
    ],
    ids=["namedtuple", "none", "scalar-leaf"],
)
def test_other_leaves_take_the_general_path(args):
    f = ax.jit(lambda p, s: p[0] * s)
    np.testing.assert_array_equal(np.asarray(f(*args)), 2.0 * np.ones(2))
    np.testing.assert_array_equal(np.asarray(f(*args)), 2.0 * np.ones(2))


def test_eager_gradient_of_python_control_flow_on_a_container():
    def piecewise(p):
        return (p[0] ** 2).sum() if p[1].sum() > 0 else (p[0] ** 3).sum()

    g = ax.grad(piecewise)
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(np.asarray(g((x, np.ones(1)))[0]), 2 * x)
    np.testing.assert_allclose(np.asarray(g((x, -np.ones(1)))[0]), 3 * x**2)


def test_the_outputs_fit_check_runs_once_per_program(monkeypatch):
    reads = []
    real = chunking.available_memory
    monkeypatch.setattr(chunking, "available_memory", lambda: reads.append(1) or real())
    f = ax.jit(lambda p, x: p[0] * x)
    for _ in range(5):
        f((np.ones(3),), np.ones(3))  # the container path
    g = ax.jit(lambda x, k: x * k, static_argnums=1)
    for _ in range(5):
        g(np.ones(3), k=2)  # a keyword: the general path
    assert len(reads) == 2
