"""The max shift of ``logsumexp``/``softmax``/``log_softmax`` (and the DSL's
``logsumexp[n]``) carries no gradient, JAX's convention: derivatives are the closed forms
(softmax, its Jacobian), ties in the maximum are not split, and the derivative programs
hold no comparison masks. References: the analytic formulas and JAX's values."""

from __future__ import annotations

import numpy as np
import pytest

import axcomp as ax
import axcomp.nn as nn
from axcomp.scipy.special import logsumexp


def softmax_ref(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


TIED = np.array([1.0, 1.0, 0.0, -np.inf])


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        # JAX 0.10.2 (x64): jax.grad of each at TIED
        (logsumexp, [0.4223188, 0.4223188, 0.1553624, 0.0]),
        (lambda x: nn.log_softmax(x)[0], [0.5776812, -0.4223188, -0.1553624, 0.0]),
        (lambda x: nn.softmax(x)[1], [-0.17835317, 0.24396563, -0.06561246, 0.0]),
    ],
)
def test_gradients_at_a_tied_maximum_match_jax(fn, expected) -> None:
    np.testing.assert_allclose(ax.grad(fn)(TIED), expected, rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize(
    "fn", [logsumexp, lambda x: nn.softmax(x)[1], lambda x: nn.log_softmax(x).sum()]
)
def test_the_derivative_program_does_not_differentiate_the_max(fn) -> None:
    source = ax.explain(ax.jit(ax.grad(fn)), TIED).source
    # differentiating max splits ties with ``equal`` masks; a stopped shift needs none
    assert "_np.equal(" not in source and "stop_gradient" in source


def test_hessian_of_logsumexp_regression_is_the_softmax_jacobian() -> None:
    rng = np.random.default_rng(0)
    A = rng.standard_normal((12, 5))
    X = rng.standard_normal((7, 5))
    X[0] = 0.0  # every entry of A @ x ties at 0
    hess = ax.jit(ax.vmap(ax.hessian(lambda x: logsumexp(A @ x))))(X)
    p = softmax_ref(X @ A.T)
    ref = np.einsum("nk,ki,kj->nij", p, A, A) - np.einsum("nk,ki,nl,lj->nij", p, A, p, A)
    np.testing.assert_allclose(hess, ref, rtol=1e-10, atol=1e-12)


def test_the_dsl_logsumexp_shift_carries_no_gradient() -> None:
    k = ax.kernel("(x[n]) = logsumexp[n](x[n])")
    x = np.array([2.0, 2.0, -1.0])
    np.testing.assert_allclose(ax.grad(k)(x), softmax_ref(x), rtol=1e-12)
    assert "_np.equal(" not in ax.explain(ax.jit(ax.grad(k)), x).source
