"""An identity-matrix einsum operand is folded into a relabel
(``compiler/identity_operands.py``): equal to the path without the pass and to NumPy, and
left alone where it is a diagonal embedding, a count, a diagonal read or a dtype change."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.compiler.identity_operands import fold_identity
from axcomp.core.graph import Node
from axcomp.core.leaves import ConstParams, InputParams, const_p, input_p
from axcomp.primitives.contraction import EinsumParams, einsum_p
from axcomp.primitives.shape import BroadcastParams, broadcast_p

RNG = np.random.default_rng(29)
simplify_module = sys.modules["axcomp.compiler.simplify"]  # the package exports the function


def _identity_consts(fn, *args) -> int:
    graph = ax.jit(fn).lower(*args).graph
    return sum(n.op is const_p and n.ndim == 2 and n.shape[0] > 1 for n in graph.nodes())


def _plain(monkeypatch, fn, *args):
    with monkeypatch.context() as m:
        passes = tuple(
            p for p in simplify_module.PASSES if p is not simplify_module.fold_identity_operands
        )
        m.setattr(simplify_module, "PASSES", passes)
        return np.asarray(ax.jit(fn)(*args))


def test_jacfwd_basis_is_a_relabel(monkeypatch):
    A = RNG.standard_normal((7, 5))

    def jac(x, A):
        return ax.jacfwd(lambda x: anp.tanh(A @ x))(x)

    x = RNG.standard_normal(5)
    assert _identity_consts(jac, x, A) == 0
    want = (1 - np.tanh(A @ x) ** 2)[:, None] * A
    got = np.asarray(ax.jit(jac)(x, A))
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(got, _plain(monkeypatch, jac, x, A), rtol=1e-12)


@pytest.mark.parametrize(
    ("equation", "folded"),
    [
        ("ab,bc->ac", True),  # a relabel of A's columns
        ("ab,ca->cb", True),  # transposed identity
        ("ab,bc->", True),  # both labels summed: the sum of A
        ("ab,cc->ab", False),  # a diagonal read of the identity: a count
    ],
)
def test_products_with_an_identity_constant(monkeypatch, equation, folded):
    eye = np.eye(4)
    A = RNG.standard_normal((4, 4))

    def fn(A):
        return anp.einsum(equation, A, eye)

    assert (_identity_consts(fn, A) == 0) is folded
    want = np.einsum(equation, A, eye)
    np.testing.assert_allclose(np.asarray(ax.jit(fn)(A)), want, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(ax.jit(fn)(A)), _plain(monkeypatch, fn, A), rtol=1e-12)


def test_an_identity_is_kept_where_folding_would_change_the_result(monkeypatch):
    v, X = RNG.standard_normal(4), RNG.standard_normal((4, 4))
    eye = np.eye(4)
    cases = [
        (lambda v: anp.einsum("ij,j->ij", eye, v), (v,), np.diag(v)),  # diagonal embedding
        (lambda X: anp.einsum("ij,ij->", eye, X), (X,), np.trace(X)),  # a diagonal read
        (lambda X: anp.einsum("ij,kl->kl", eye, X), (X,), 4 * X),  # a count
        (lambda X: anp.einsum("ij,jk->ik", np.eye(4) * 2, X), (X,), 2 * X),  # not an identity
    ]
    for fn, args, want in cases:
        assert _identity_consts(fn, *args) == 1
        np.testing.assert_allclose(np.asarray(ax.jit(fn)(*args)), want, rtol=1e-12)


def test_float32_operand_with_a_float64_identity_keeps_the_promoted_dtype(monkeypatch):
    A = RNG.standard_normal((4, 3)).astype(np.float32)

    def fn(A):
        return anp.einsum("ab,bc->ac", A, np.eye(3))

    got = ax.jit(fn)(A)
    assert got.dtype == np.float64
    assert _identity_consts(fn, A) == 1
    np.testing.assert_allclose(np.asarray(got), A.astype(np.float64), rtol=1e-7)

    def same(A):
        return anp.einsum("ab,bc->ac", A, np.eye(3, dtype=np.float32))

    assert _identity_consts(same, A) == 0
    assert ax.jit(same)(A).dtype == np.float32
    np.testing.assert_array_equal(np.asarray(ax.jit(same)(A)), A)


def _broadcast_identity(n: int, shape: tuple[int, ...], maps: tuple[int, ...]) -> Node:
    eye = np.eye(n)
    source = Node(const_p, (), ConstParams(eye, False), eye.shape, eye.dtype, ("i", "j"))
    names = tuple(f"b{k}" for k in range(len(shape)))
    return Node(broadcast_p, (source,), BroadcastParams(maps), shape, eye.dtype, names)


def _product(A: Node, other: Node, sub: tuple[str, ...], out: tuple[str, ...]) -> Node:
    params = EinsumParams((("a", "b"), sub), out)
    shape = tuple({"a": 3, "b": 4, "c": 4, "x": 1}[lab] for lab in out)
    return Node(einsum_p, (A, other), params, shape, A.dtype, tuple(out))


def test_a_broadcast_identity_is_folded_and_a_stretched_one_by_one_identity_is_not():
    A = Node(input_p, (), InputParams(0, "A"), (3, 4), np.dtype(np.float64), ("a", "b"))
    square = _broadcast_identity(4, (1, 4, 4), (1, 2))  # eye(4) under a size-1 axis
    node = _product(A, square, ("x", "b", "c"), ("x", "a", "c"))
    folded = fold_identity(node, node.inputs)
    assert square not in folded.inputs and A in folded.inputs
    assert folded.shape == node.shape and folded.dtype == node.dtype
    ones = _broadcast_identity(1, (4, 4), (0, 1))  # eye(1) stretched: all ones
    node = _product(A, ones, ("b", "c"), ("a", "c"))
    assert fold_identity(node, node.inputs) is node
