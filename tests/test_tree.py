"""``axcomp.tree`` / ``axcomp.tree_util`` / ``axcomp.flatten_util`` against what JAX 0.10.2
prints for the same calls (the expected values below were read off JAX once)."""

from __future__ import annotations

import collections
import dataclasses
from typing import Any

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp import tree_util as tu
from axcomp.flatten_util import ravel_pytree

P = collections.namedtuple("P", "x y")
TREE: dict[str, Any] = {"b": [1, (2, 3)], "a": None, "c": P(4, 5)}


def test_flatten_order_structure_text_and_counts():
    leaves, treedef = tu.tree_flatten(TREE)
    assert leaves == [1, 2, 3, 4, 5]
    assert repr(treedef) == (
        "PyTreeDef({'a': None, 'b': [*, (*, *)], 'c': CustomNode(namedtuple[P], [*, *])})"
    )
    assert (treedef.num_leaves, treedef.num_nodes) == (5, 10)
    assert repr(tu.tree_structure(collections.OrderedDict(b=1, a=2))) == (
        "PyTreeDef(CustomNode(OrderedDict[('b', 'a')], [*, *]))"
    )
    assert [repr(t) for t in (tu.tree_structure([]), tu.tree_structure(()))] == [
        "PyTreeDef([])",
        "PyTreeDef(())",
    ]
    assert tu.treedef_is_leaf(tu.tree_structure(1))
    assert tu.treedef_children(tu.tree_structure([1, (2,)])) == [
        tu.tree_structure(0),
        tu.tree_structure((0,)),
    ]


def test_key_paths_and_keystr():
    pairs = tu.tree_leaves_with_path(TREE)
    assert [tu.keystr(p) for p, _ in pairs] == [
        "['b'][0]",
        "['b'][1][0]",
        "['b'][1][1]",
        "['c'].x",
        "['c'].y",
    ]
    assert tu.keystr(pairs[0][0], simple=True, separator="/") == "b/0"
    path = (tu.DictKey("a"), tu.SequenceKey(0), tu.GetAttrKey("x"), tu.FlattenedIndexKey(2))
    assert tu.keystr(path) == "['a'][0].x[<flat index 2>]"
    assert tu.keystr(path, simple=True, separator=".") == "a.0.x.2"
    doubled = ax.tree.map_with_path(lambda p, v: (tu.keystr(p), v * 2), {"a": 1, "b": [2]})
    assert doubled == {"a": ("['a']", 2), "b": [("['b'][0]", 4)]}


def test_is_leaf_stops_flattening():
    assert ax.tree.leaves([1, [None, 2]], is_leaf=lambda x: x is None) == [1, None, 2]
    assert ax.tree.leaves([1, [None, 2]]) == [1, 2]
    assert ax.tree.map(lambda x: x, [1, None]) == [1, None]
    pairs = ax.tree.leaves([(1, 2), (3, 4)], is_leaf=lambda x: isinstance(x, tuple))
    assert pairs == [(1, 2), (3, 4)]


def test_map_takes_deeper_trees_after_the_first_and_names_a_mismatch():
    assert ax.tree.map(lambda a, b: (a, b), [1, 2], [[1, 2], 3]) == [(1, [1, 2]), (2, 3)]
    with pytest.raises(ValueError, match="pytree structure error"):
        ax.tree.map(lambda a, b: a, [1, 2], [1])


def test_transpose_reduce_all_broadcast():
    outer, inner = tu.tree_structure([0, 0]), tu.tree_structure((0, 0, 0))
    assert ax.tree.transpose(outer, inner, [(1, 2, 3), (4, 5, 6)]) == ([1, 4], [2, 5], [3, 6])
    assert ax.tree.reduce(lambda a, b: a + b, [1, 2, 3], 10) == 16
    with pytest.raises(TypeError):
        ax.tree.reduce(lambda a, b: a + b, [])
    assert ax.tree.reduce_associative(lambda a, b: a + b, [1, 2, 3]) == 6
    assert ax.tree.all([1, 0]) is False and ax.tree.all([1, 2]) is True
    assert ax.tree.broadcast(1, [1, 2]) == [1, 1]
    assert ax.tree.broadcast([1, 2], [(0, 0), 0]) == [(1, 1), 2]
    assert tu.all_leaves([1, 2]) and not tu.all_leaves([[1]])


def test_flatten_up_to_keeps_subtrees():
    s = tu.tree_structure({"a": 1, "b": (2, 3)})
    from axcomp import pytree

    assert pytree.flatten_up_to(s, {"a": [9], "b": (2, 3)}) == [[9], 2, 3]


def test_unhashable_aux_data_is_accepted_and_compared_by_value():
    class Box:
        def __init__(self, v: Any, meta: dict[str, int]) -> None:
            self.v, self.meta = v, meta

    tu.register_pytree_node(Box, lambda b: ((b.v,), b.meta), lambda m, k: Box(k[0], m))
    one, two = tu.tree_structure(Box(1, {"k": 1})), tu.tree_structure(Box(2, {"k": 1}))
    assert one == two and hash(one) == hash(two)
    assert one != tu.tree_structure(Box(1, {"k": 2}))
    f = ax.jit(lambda b: b.v * b.meta["k"])
    assert float(f(Box(np.float64(3.0), {"k": 2}))) == 6.0


def test_partial_is_a_pytree_that_crosses_jit():
    add = tu.Partial(lambda a, b: a + b, np.ones(2))
    leaves, _ = tu.tree_flatten(add)
    assert len(leaves) == 1 and np.array_equal(leaves[0], np.ones(2))
    out = ax.jit(lambda p, x: p(x))(add, np.arange(2.0))
    np.testing.assert_array_equal(out, [1.0, 2.0])


def test_register_static_and_with_keys():
    @tu.register_static
    @dataclasses.dataclass(frozen=True)
    class Config:
        scale: float

    assert tu.tree_leaves([Config(2.0), 1]) == [1]
    assert tu.tree_unflatten(tu.tree_structure([Config(2.0), 1]), [5]) == [Config(2.0), 5]

    class Pair:
        def __init__(self, a: Any, b: Any) -> None:
            self.a, self.b = a, b

    tu.register_pytree_with_keys(
        Pair,
        lambda p: (((tu.GetAttrKey("a"), p.a), (tu.GetAttrKey("b"), p.b)), None),
        lambda aux, kids: Pair(*kids),
    )
    assert tu.tree_leaves(Pair(1, [2])) == [1, 2]


def test_ravel_pytree_round_trips_and_checks_its_input():
    tree = {"w": np.ones((2, 2)), "b": np.arange(3, dtype=np.int32)}
    flat, unravel = ravel_pytree(tree)
    np.testing.assert_array_equal(flat, [0, 1, 2, 1, 1, 1, 1])  # dict keys sorted: b, w
    back = unravel(flat)
    assert back["b"].dtype == np.int32 and back["w"].shape == (2, 2)
    with pytest.raises(TypeError, match="expected dtype float64"):
        unravel(flat.astype(np.float32))
    with pytest.raises(ValueError, match="shape"):
        unravel(np.ones(5))
    empty, _ = ravel_pytree([])
    assert empty.shape == (0,) and empty.dtype == np.float32


def test_ravel_pytree_inside_grad_matches_the_tree_gradient():
    params = {"w": np.array([[1.0, 2.0], [3.0, 4.0]]), "b": np.array([0.5, -0.5])}
    flat, unravel = ravel_pytree(params)

    def loss(vector: Any) -> Any:
        p = unravel(vector)
        return anp.sum(anp.tanh(p["w"] @ p["b"]) ** 2)

    g = ax.grad(loss)(flat)
    tree_g = ax.grad(lambda p: anp.sum(anp.tanh(p["w"] @ p["b"]) ** 2))(params)
    np.testing.assert_allclose(g, ravel_pytree(tree_g)[0], rtol=1e-12)
