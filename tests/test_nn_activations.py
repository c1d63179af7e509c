"""The rest of jax.nn's activations and scipy.special's expit/logit/ndtr: values against
NumPy closed forms, derivatives against finite differences, JAX's conventions at kinks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from gradcheck import numeric_grad

import axcomp as ax
import axcomp.nn as an
import axcomp.scipy.special as ass

X = np.array([-8.0, -2.5, -1.3, -0.3, 0.4, 0.9, 1.7, 5.0, 6.5, 30.0])
ALPHA, SCALE = 1.6732632423543772, 1.0507009873554805
_erf = np.vectorize(math.erf)

REFERENCES = {
    "elu": (an.elu, lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0)))),
    "celu": (an.celu, lambda x: np.maximum(x, 0) + np.expm1(np.minimum(x, 0))),
    "selu": (an.selu, lambda x: SCALE * np.where(x > 0, x, ALPHA * np.expm1(np.minimum(x, 0)))),
    "leaky_relu": (an.leaky_relu, lambda x: np.where(x >= 0, x, 0.01 * x)),
    "relu6": (an.relu6, lambda x: np.clip(x, 0, 6)),
    "hard_sigmoid": (an.hard_sigmoid, lambda x: np.clip(x + 3, 0, 6) / 6),
    "hard_silu": (an.hard_silu, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    "hard_swish": (an.hard_swish, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    "hard_tanh": (an.hard_tanh, lambda x: np.clip(x, -1, 1)),
    "mish": (an.mish, lambda x: x * np.tanh(np.logaddexp(x, 0))),
    "soft_sign": (an.soft_sign, lambda x: x / (np.abs(x) + 1)),
    "squareplus": (an.squareplus, lambda x: (x + np.sqrt(x * x + 4)) / 2),
    "sparse_plus": (
        an.sparse_plus,
        lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
    ),
    "sparse_sigmoid": (an.sparse_sigmoid, lambda x: np.clip(x + 1, 0, 2) / 2),
    "identity": (an.identity, lambda x: x),
    "tanh": (an.tanh, np.tanh),
    "expit": (ass.expit, lambda x: 1 / (1 + np.exp(-x))),
    "ndtr": (ass.ndtr, lambda x: 0.5 * (1 + _erf(x / math.sqrt(2)))),
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_values_under_vmap_and_derivatives_by_differences(name):
    fn, ref = REFERENCES[name]
    np.testing.assert_allclose(ax.vmap(fn)(X), ref(X), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ax.jit(fn)(X), ref(X), rtol=1e-12, atol=1e-15)
    grads = ax.vmap(ax.grad(fn))(X)
    want = [numeric_grad(fn, [x], 0) for x in X]
    np.testing.assert_allclose(grads, want, rtol=1e-5, atol=1e-7)


def test_log1mexp_logit_glu_logmeanexp():
    pos = np.array([1e-6, 0.1, 0.69, 0.7, 3.0, 40.0])
    np.testing.assert_allclose(
        ax.vmap(an.log1mexp)(pos), np.log(-np.expm1(-pos)), rtol=1e-12, atol=1e-15
    )
    p = np.linspace(0.01, 0.99, 9)
    np.testing.assert_allclose(ax.vmap(ass.logit)(p), np.log(p / (1 - p)), rtol=1e-12)
    np.testing.assert_allclose(ax.vmap(ax.grad(ass.logit))(p), 1 / (p * (1 - p)), rtol=1e-10)
    m = np.random.default_rng(0).normal(size=(3, 4, 6))
    a, b = m[..., :3], m[..., 3:]
    np.testing.assert_allclose(ax.vmap(an.glu)(m), a / (1 + np.exp(-b)), rtol=1e-12)
    want = np.log(np.mean(np.exp(m), axis=1))
    np.testing.assert_allclose(ax.vmap(lambda v: an.logmeanexp(v, axis=0))(m), want, rtol=1e-12)


def test_derivatives_at_the_kinks_follow_jax():
    # relu6 and hard_tanh have zero slope at their corners; leaky_relu takes the x >= 0
    # side at 0; sparse_sigmoid (jnp.clip) splits ties; elu takes the x <= 0 side at 0.
    g = lambda f, x: float(ax.grad(f)(x))  # noqa: E731
    assert (g(an.relu6, 0.0), g(an.relu6, 6.0)) == (0.0, 0.0)
    assert (g(an.hard_tanh, 1.0), g(an.hard_tanh, -1.0)) == (1.0, 1.0)
    assert g(an.leaky_relu, 0.0) == 1.0
    assert g(an.sparse_sigmoid, -1.0) == 0.25
    assert g(an.elu, 0.0) == 1.0


def _masked_softmax_reference(x: np.ndarray, mask: np.ndarray, axis: int) -> np.ndarray:
    m = np.max(np.where(mask, x, -np.inf), axis=axis, keepdims=True)
    e = np.where(mask, np.exp(x - np.where(np.isfinite(m), m, 0)), 0.0)
    total = e.sum(axis=axis, keepdims=True)
    return np.where(mask, e / np.where(total == 0, 1, total), 0.0)


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_and_log_softmax_with_where(axis: int) -> None:
    x = np.array([[1.0, 2.0, 3.0, 0.5], [0.2, -1.0, 4.0, 2.0]])
    mask = np.array([[True, False, True, True], [False, False, True, True]])
    want = _masked_softmax_reference(x, mask, axis)
    with np.errstate(divide="ignore"):
        want_log = np.where(mask, np.log(np.where(mask, want, 1.0)), -np.inf)
    np.testing.assert_allclose(ax.nn.softmax(x, axis, mask), want, rtol=1e-14)
    np.testing.assert_allclose(ax.nn.softmax(x, axis=axis, where=mask), want, rtol=1e-14)
    np.testing.assert_allclose(ax.nn.log_softmax(x, axis, mask), want_log, rtol=1e-14)
    # gradients through the selected entries only (JAX's values, by the closed form
    # d/dx sum_i w_i log_softmax_i = w - softmax * sum(w) over the selected entries)
    w = np.where(mask, x, 0.0)
    jnp = ax.numpy
    g = ax.grad(lambda v: jnp.sum(jnp.where(mask, ax.nn.log_softmax(v, axis, mask), 0.0) * w))(x)
    closed = np.where(mask, w - want * w.sum(axis=axis, keepdims=True), 0.0)
    np.testing.assert_allclose(g, closed, atol=1e-12)
