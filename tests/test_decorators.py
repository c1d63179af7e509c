"""User pytrees (axcomp.tree_util), decorator forms, specs as text (axcomp.spec,
Module.spec from a config), and Python kernels with declared shapes (axcomp.kernel)."""

from __future__ import annotations

import dataclasses
import functools
import inspect
from typing import Any

import numpy as np
import pytest
from gradcheck import numeric_grad

import axcomp as ax
import axcomp.numpy as anp

RNG = np.random.default_rng(3)


@ax.tree_util.register_dataclass
@dataclasses.dataclass
class Params:
    w: Any
    b: Any


@ax.tree_util.register_pytree_node_class
class Pair:
    def __init__(self, left: Any, right: Any, tag: str = "p") -> None:
        self.left, self.right, self.tag = left, right, tag

    def tree_flatten(self) -> tuple[tuple[Any, Any], str]:
        return (self.left, self.right), self.tag

    @classmethod
    def tree_unflatten(cls, aux: str, children: Any) -> Pair:
        return cls(*children, tag=aux)


def loss(p: Params, x: Any) -> Any:
    return anp.sum(anp.tanh(x @ p.w + p.b))


def test_registered_dataclasses_as_arguments_outputs_and_prefixes():
    p = Params(RNG.normal(size=(3, 2)), RNG.normal(size=2))
    X = RNG.normal(size=(5, 3))
    got = ax.vmap(loss, in_axes=(None, 0))(p, X)
    np.testing.assert_allclose(got, [np.tanh(x @ p.w + p.b).sum() for x in X])
    g = ax.vmap(ax.grad(loss), in_axes=(None, 0))(p, X)  # a Params of per-example grads
    assert isinstance(g, Params) and g.w.shape == (5, 3, 2) and g.b.shape == (5, 2)
    flat_w = numeric_grad(lambda w: loss(Params(w, p.b), X[0]), [p.w])
    np.testing.assert_allclose(g.w[0], flat_w, rtol=1e-5, atol=1e-7)
    pb = Params(p.w, RNG.normal(size=(5, 2)))  # a prefix: w shared, b mapped
    got = ax.vmap(loss, in_axes=(Params(w=None, b=0), 0))(pb, X)
    want = [np.tanh(x @ p.w + b).sum() for x, b in zip(X, pb.b)]
    np.testing.assert_allclose(got, want)
    out = ax.jit(lambda q: Params(q.w * 2, q.b + 1))(p)
    assert isinstance(out, Params)
    np.testing.assert_allclose(out.b, p.b + 1)


def test_tree_util_round_trips_and_maps():
    pair = Pair(np.ones(2), Params(np.zeros(3), 1.0), tag="t")
    leaves, tree = ax.tree_util.tree_flatten(pair)
    assert len(leaves) == 3 and tree.num_leaves == 3
    back = ax.tree_util.tree_unflatten(tree, leaves)
    assert isinstance(back, Pair) and back.tag == "t" and isinstance(back.right, Params)
    doubled = ax.tree_util.tree_map(lambda a, b: a + b, pair, pair)
    np.testing.assert_array_equal(doubled.left, 2 * np.ones(2))
    assert ax.tree_util.tree_structure(doubled) == tree
    with pytest.raises(ValueError, match="structure"):
        ax.tree_util.tree_map(lambda a, b: a, pair, (1, 2, 3))
    with pytest.raises(ValueError, match="already"):
        ax.tree_util.register_pytree_node(Pair, lambda x: ((), None), lambda a, k: Pair(0, 0))
    spec = (Pair(0, Params(None, 0)),)  # a prefix of a user node: w unmapped
    f = ax.vmap(lambda q: q.left * q.right.b + q.right.w, in_axes=spec)
    got = f(Pair(np.arange(4.0), Params(1.0, np.ones(4))))
    np.testing.assert_array_equal(got, np.arange(4.0) + 1.0)


def test_decorator_factories_keep_the_function_metadata():
    @ax.vmap(in_axes=(None, 0))
    def f(w: Any, x: Any) -> Any:
        """doc of f"""
        return anp.dot(w, x)

    @functools.partial(ax.vmap, in_axes=(None, 0))
    def g(w: Any, x: Any) -> Any:
        return anp.dot(w, x)

    @ax.grad(argnums=1)
    def h(w: Any, x: Any) -> Any:
        return anp.sum(w * x**2)

    @ax.jit(static_argnums=())
    def k(x: Any) -> Any:
        return x + 1

    w, X = np.ones(3), RNG.normal(size=(4, 3))
    np.testing.assert_allclose(f(w, X), X @ w)
    np.testing.assert_allclose(g(w, X), X @ w)
    np.testing.assert_allclose(h(w, X[0]), 2 * X[0])
    np.testing.assert_allclose(k(w), w + 1)
    assert f.__name__ == "f" and f.__wrapped__.__name__ == "f"
    assert f.__doc__.startswith("Vectorized version of f.")  # jax.vmap's wording
    assert f.__doc__.endswith("Original documentation:\n\ndoc of f")
    assert h.__doc__ is None and g.__doc__.startswith("Vectorized version of g.")
    assert str(inspect.signature(f)) == str(inspect.signature(f.__wrapped__))


def sqdist(a: Any, b: Any) -> Any:
    return anp.sum((a - b) ** 2)


def test_spec_as_text():
    pairwise = ax.spec("vmap(vmap(_, in_axes=(None, 0)), in_axes=(0, None))")(sqdist)
    A, B = RNG.normal(size=(5, 3)), RNG.normal(size=(4, 3))
    np.testing.assert_allclose(pairwise(A, B), ((A[:, None] - B[None]) ** 2).sum(-1))
    assert ax.explain(pairwise, A, B).levels[0].in_axes == (0, None)
    with pytest.raises(ax.SpecSyntaxError) as info:
        ax.spec("vmap(_, in_axes=(0, None)")
    assert info.value.line == 1 and "^" in str(info.value)
    with pytest.raises(ax.SpecSyntaxError, match="did you mean 'in_axes'") as info:
        ax.spec("vmap(_, in_axis=0)")(sqdist)
    assert "^" in str(info.value)
    with pytest.raises(ax.SpecSyntaxError, match="must use _"):
        ax.spec("vmap(sqdist)")


def test_a_config_decides_how_a_kernel_is_mapped(tmp_path):
    cfg = tmp_path / "specs.toml"
    cfg.write_text(
        "[functions]\n"
        'pairwise = "vmap(vmap(_, in_axes=(None, 0)), in_axes=(0, None))"\n'
        'rows = "jit(vmap(norms))"\n'
        "[kernels]\n"
        'norms = "(x[n]) = sum[n](x[n] * x[n])"\n'
    )
    mod = ax.load(cfg)
    A, B = RNG.normal(size=(5, 3)), RNG.normal(size=(4, 3))
    np.testing.assert_allclose(
        mod.spec("pairwise")(sqdist)(A, B), ((A[:, None] - B[None]) ** 2).sum(-1)
    )
    # a binding without _: its innermost function is replaced by the decorated one
    np.testing.assert_allclose(mod.spec("rows")(lambda x: anp.max(x))(A), A.max(1))
    np.testing.assert_allclose(mod.rows(A), (A * A).sum(1))
    with pytest.raises(ax.AxcompError, match="no transform binding 'nope'"):
        mod.spec("nope")


@ax.kernel("(M[m, n], v[n]) -> [m]")
def matvec(M: Any, v: Any) -> Any:
    return anp.dot(M, v)


def test_python_kernel_with_declared_shapes():
    pairwise = ax.vmap(ax.vmap(matvec, in_axes=(None, 0)), in_axes=(0, None))
    mats, vecs = RNG.normal(size=(2, 3, 4)), RNG.normal(size=(5, 4))
    np.testing.assert_allclose(pairwise(mats, vecs), np.einsum("amn,bn->abm", mats, vecs))
    graph = ax.explain(pairwise, mats, vecs).graph
    assert "m=3,n=4" in graph  # the declared names, not anonymous axes
    with pytest.raises(ax.ShapeError, match="axis n has size 4 in M axis 1 but 3 in v") as info:
        pairwise(mats, np.ones((5, 3)))
    assert "^" in str(info.value)
    with pytest.raises(ax.ShapeError, match="declared with 2 axes"):
        ax.vmap(matvec, in_axes=(0, None))(np.ones((2, 3)), np.ones(3))
    bad = ax.kernel("(x[n]) -> [n]")(lambda x: anp.sum(x))
    with pytest.raises(ax.ShapeError, match="declared to return"):
        bad(np.ones(3))
    with pytest.raises(ax.AxcompError, match="takes 1 parameters"):
        ax.kernel("(a[n], b[n]) -> [n]")(lambda a: a)
    np.testing.assert_allclose(matvec(mats[0], vecs[0]), mats[0] @ vecs[0])
