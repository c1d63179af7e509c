"""``scipy.sparse.linalg`` solvers on pytrees, as JAX's: ``b`` and ``x0`` pytrees, ``A`` and
``M`` functions of pytrees; the answer has ``b``'s structure, against NumPy's dense solves
(the operator is block diagonal), with implicit derivatives, eager and under ``jit``."""

from __future__ import annotations

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.errors import ArgumentTypeError, ArgumentValueError
from axcomp.scipy.sparse import linalg as sl

MA = np.array([[4.0, 1.0], [1.0, 3.0]])
MB = np.array([[2.0, 0.5, 0.0], [0.5, 3.0, 0.2], [0.0, 0.2, 1.5]])
B = {"a": np.array([1.0, 2.0]), "b": np.array([0.5, -1.0, 2.0])}
WANT = {"a": np.linalg.solve(MA, B["a"]), "b": np.linalg.solve(MB, B["b"])}


def _op(x):
    return {"a": anp.dot(MA, x["a"]), "b": anp.dot(MB, x["b"])}


def _close(got, want):
    assert set(got) == set(want)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("solver", [sl.cg, sl.bicgstab, sl.gmres])
def test_pytree_solves_match_dense_solves(solver):
    x, info = solver(_op, B, tol=1e-12)
    _close(x, WANT)
    assert info is None if solver is not sl.gmres else int(info) == 0  # JAX's gmres says 0
    jitted, _ = ax.jit(lambda b: solver(_op, b, tol=1e-12))(B)
    _close(jitted, WANT)
    start = {"a": np.ones(2), "b": np.ones(3)}
    _close(solver(_op, B, x0=start, tol=1e-12)[0], WANT)
    jacobi = {"a": 1 / np.diag(MA), "b": 1 / np.diag(MB)}
    pre = lambda r: {k: r[k] * jacobi[k] for k in r}  # noqa: E731
    _close(solver(_op, B, M=pre, tol=1e-12)[0], WANT)


def test_tuple_of_a_vector_and_a_scalar():
    x, _ = sl.cg(lambda x: (anp.dot(MA, x[0]), 2.0 * x[1]), (np.ones(2), np.float64(3.0)))
    np.testing.assert_allclose(x[0], np.linalg.solve(MA, np.ones(2)), rtol=1e-5)
    np.testing.assert_allclose(x[1], 1.5, rtol=1e-5)


def test_derivatives_through_a_pytree_solve():
    # d sum(x_b) / d b = MB^-T 1 (zero for the other block)
    g = ax.grad(lambda b: sl.cg(_op, b, tol=1e-12)[0]["b"].sum())(B)
    _close(g, {"a": np.zeros(2), "b": np.linalg.solve(MB.T, np.ones(3))})

    # x_a = (s MA)^-1 b_a: d sum(x_a) / ds = -sum(MA^-1 b_a) / s^2
    def scaled(s):
        op = lambda x: {"a": s * anp.dot(MA, x["a"]), "b": anp.dot(MB, x["b"])}  # noqa: E731
        return sl.bicgstab(op, B, tol=1e-12)[0]["a"].sum()

    np.testing.assert_allclose(ax.grad(scaled)(2.0), -WANT["a"].sum() / 4.0, rtol=1e-8)


def test_mismatched_structures_and_matrices_raise():
    with pytest.raises(ArgumentValueError, match="matching tree structure"):
        sl.cg(_op, B, x0={"a": np.ones(2)})
    with pytest.raises(ArgumentTypeError, match="must be a function"):
        sl.cg(np.eye(2), B)
    with pytest.raises(ValueError, match="shape"):
        sl.gmres(_op, B, x0={"a": np.ones(3), "b": np.ones(3)})
