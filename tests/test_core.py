"""The core: the verifier catches malformed graphs, primitives carry their rules, node
numbering is local to a graph, and generated sources stay inspectable but bounded."""

from __future__ import annotations

import gc
import inspect
import linecache

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.backends import live_sources, source
from axcomp.core import Graph, GraphError, Node, registered
from axcomp.core.leaves import InputParams, input_p
from axcomp.primitives import EinsumParams, ReshapeParams, einsum_p, reshape_p
from axcomp.transforms import compile as compile_module


def _input(shape: tuple[int, ...], k: int = 0) -> Node:
    axes = tuple(f"x{k}.{i}" for i in range(len(shape)))
    return Node(input_p, (), InputParams(k, f"x{k}"), shape, np.dtype("float64"), axes)


def test_suite_runs_with_the_verifier_on() -> None:
    assert compile_module.VERIFY


def test_verify_accepts_a_traced_graph() -> None:
    f = ax.vmap(lambda a, b: anp.sum((a - b) ** 2), in_axes=(0, None))
    compiled = f.lower(np.ones((3, 4)), np.ones(4))
    assert compiled.graph.verify() is compiled.graph


def test_verify_rejects_a_wrong_shape() -> None:
    x = _input((2, 3))
    bad = Node(einsum_p, (x,), EinsumParams((("i", "j"),), ("j", "i")), (2, 3), x.dtype, ("a", "b"))
    with pytest.raises(GraphError, match=r"gives shape \(3, 2\)"):
        Graph((x,), (bad,)).verify()


def test_verify_rejects_wrong_arity_params_and_undefined_inputs() -> None:
    x, y = _input((6,)), _input((6,), 1)
    two = Node(reshape_p, (x, x), ReshapeParams((2, 3)), (2, 3), x.dtype, ("a", "b"))
    with pytest.raises(GraphError, match="takes 1 inputs"):
        Graph((x,), (two,)).verify()
    wrong = Node(reshape_p, (x,), EinsumParams((), ()), (2, 3), x.dtype, ("a", "b"))
    with pytest.raises(GraphError, match="not ReshapeParams"):
        Graph((x,), (wrong,)).verify()
    stray = Node(reshape_p, (y,), ReshapeParams((2, 3)), (2, 3), y.dtype, ("a", "b"))
    with pytest.raises(GraphError, match="not defined"):
        Graph((x,), (stray,)).verify()
    size = Node(reshape_p, (x,), ReshapeParams((4, 2)), (4, 2), x.dtype, ("a", "b"))
    with pytest.raises(GraphError, match="gives shape"):
        Graph((x,), (size,)).verify()


def test_every_primitive_has_its_rules() -> None:
    prims = registered()
    assert {"einsum", "elementwise", "reduce", "reshape", "cumsum", "cumprod"} <= set(prims)
    for p in prims.values():
        if p.name not in ("input", "const"):
            assert p.vjp is not None, f"{p.name} has no reverse rule"
        if not p.multilinear and p.name not in ("input", "const"):
            assert p.lower is not None, f"{p.name} has no lowering rule"
        assert p.params_type is not None


def test_node_numbers_are_local_to_each_graph() -> None:
    def kernel(x):
        return anp.sum(x * 2.0)

    first = ax.explain(ax.jit(kernel), np.ones(3))
    ax.explain(ax.jit(lambda x: anp.exp(x) + 1), np.ones((5, 5)))  # more nodes in between
    again = ax.explain(ax.jit(kernel), np.ones(3))
    assert first.graph == again.graph and first.source == again.source
    assert "%0 = input x" in first.graph


def test_generated_source_is_inspectable() -> None:
    f = ax.jit(lambda x: anp.exp(x) * 2.0)
    fn = f.lower(np.ones(3)).function
    assert "_np.exp(x)" in inspect.getsource(fn)


def test_generated_sources_leave_linecache_when_evicted(monkeypatch: pytest.MonkeyPatch) -> None:
    f = ax.jit(lambda x: x + 1.0)
    gc.collect()
    before = live_sources()
    for n in range(1, 1501):  # 1,500 distinct signatures through one cache of 256
        f(np.ones(n))
    gc.collect()
    registered_now = sum(1 for k in linecache.cache if str(k).startswith("<axcomp-generated"))
    assert live_sources() - before <= 300
    assert registered_now <= source.MAX_SOURCES + 300
    f.clear_cache()
    gc.collect()
    assert live_sources() <= before + 5


def test_public_surface() -> None:
    import importlib.resources

    assert set(ax.__all__) <= set(dir(ax))
    assert set(dir(ax)) == set(ax.__all__)
    for name in ax.__all__:
        assert getattr(ax, name) is not None
    assert importlib.resources.files("axcomp").joinpath("py.typed").is_file()
    assert issubclass(ax.ShapeError, ax.AxcompError) and issubclass(ax.ShapeError, ValueError)
    assert callable(ax.numpy.cumsum) and callable(ax.lax.cumsum)


def test_equal_small_constants_are_merged_by_value_bit_for_bit() -> None:
    import axcomp as ax

    def f(x):
        # two arrays of equal values (distinct objects, as literals in two modules would be)
        a, b = np.array([1.0, float("2.5")]), np.array([1.0, float("2.5")])
        return x * a + x * b * np.array([0.0, -0.0]) + x * np.array([0.0, 0.0])

    plan = ax.jit(f).lower(np.ones(2)).plan
    values = [v for _, v in plan.constants]
    assert sum(np.array_equal(v, [1.0, 2.5]) for v in values) <= 1
    # 0.0 and -0.0 differ bit for bit: never merged into one
    signs = {tuple(np.signbit(v)) for v in values if np.array_equal(v, [0.0, 0.0])}
    assert len(signs) == len([v for v in values if np.array_equal(v, [0.0, 0.0])])
    np.testing.assert_array_equal(ax.jit(f)(np.full(2, 3.0)), f(np.full(2, 3.0)))
