"""Gradients of DSL functions agree with the same functions written in Python."""

from __future__ import annotations

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp

SOURCE = """
kernel sqdist(a[d], b[d]) = sum[d]((a[d] - b[d]) ** 2)
pairwise_dist = jit(vmap(vmap(sqdist, in_axes=(None, 0)), in_axes=(0, None)))
kernel total(pa[i, d], pb[j, d]) = sum[i, j](pairwise_dist(pa, pb)[i, j])
grad_total = grad(total, argnums=0)
both_total = value_and_grad(total, argnums=(0, 1))

kernel softmax(x[n]) -> [n] = exp(x[n] - max[n](x[n])) / sum[n](exp(x[n] - max[n](x[n])))
kernel xent(x[n], y[n]) = -sum[n](y[n] * log(softmax(x)[n]))
grad_xent = grad(xent)
per_example = vmap(grad(xent), in_axes=(0, 0))

kernel mlp(W[h, d], x[d]) = sum[h, d](tanh(W[h, d] * x[d]) * sigmoid(W[h, d] * x[d]))
grad_mlp = grad(mlp)
grad_mlp_x = grad(mlp, argnums=1)

kernel act(x[n]) = sum[n](relu(x[n]) + abs(x[n]) + sqrt(x[n] * x[n] + 1)) + logsumexp[n](x[n])
grad_act = grad(act)

kernel peaks(x[i, j]) = sum[i](max[j](x[i, j])) + prod[i](min[j](x[i, j]))
grad_peaks = grad(peaks)

kernel smooth_scalar(t) = exp(t) * sin(t)
second = grad(grad(smooth_scalar))
"""

RNG = np.random.default_rng(3)


@pytest.fixture(scope="module")
def mod():
    return ax.compile(SOURCE)


def euclidean_distance_sq(a, b):
    return anp.sum((a - b) ** 2)


def total_py(pa, pb):
    pairwise = ax.vmap(ax.vmap(euclidean_distance_sq, in_axes=(None, 0)), in_axes=(0, None))
    return anp.sum(pairwise(pa, pb))


def softmax_py(x):
    e = anp.exp(x - anp.max(x))
    return e / anp.sum(e)


def xent_py(x, y):
    return -anp.sum(y * anp.log(softmax_py(x)))


def mlp_py(w, x):
    z = w * x
    return anp.sum(anp.tanh(z) * (anp.tanh(z * 0.5) + 1) * 0.5)


def act_py(x):
    m = anp.max(x)
    lse = anp.log(anp.sum(anp.exp(x - m))) + m
    return anp.sum(anp.where(x > 0, x, 0.0) + anp.abs(x) + anp.sqrt(x * x + 1)) + lse


def peaks_py(x):
    return anp.sum(anp.max(x, axis=1)) + anp.prod(anp.min(x, axis=1))


def test_seed_total_gradient_in_the_dsl(mod):
    a = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    b = np.array([[2.0, 2.0], [-2.0, 2.0], [2.0, -2.0], [-2.0, -2.0]])
    np.testing.assert_array_equal(mod.grad_total(a, b), [[8, 0], [0, 8], [-8, 0]])
    value, (ga, gb) = mod.both_total(a, b)
    want_v, (want_a, want_b) = ax.value_and_grad(total_py, argnums=(0, 1))(a, b)
    np.testing.assert_allclose(value, want_v)
    np.testing.assert_allclose(ga, want_a)
    np.testing.assert_allclose(gb, want_b)


def test_softmax_cross_entropy(mod):
    x, y = RNG.normal(size=(5,)), RNG.dirichlet(np.ones(5))
    np.testing.assert_allclose(mod.grad_xent(x, y), ax.grad(xent_py)(x, y), rtol=1e-12)
    np.testing.assert_allclose(mod.grad_xent(x, y), np.exp(x) / np.exp(x).sum() - y, rtol=1e-10)
    xs, ys = RNG.normal(size=(4, 5)), RNG.dirichlet(np.ones(5), size=4)
    per = mod.per_example(xs, ys)
    for i in range(4):
        np.testing.assert_allclose(per[i], ax.grad(xent_py)(xs[i], ys[i]), rtol=1e-12)


def test_mlp_like_kernel(mod):
    w, x = RNG.normal(size=(3, 4)), RNG.normal(size=(4,))
    np.testing.assert_allclose(mod.grad_mlp(w, x), ax.grad(mlp_py)(w, x), rtol=1e-12)
    np.testing.assert_allclose(mod.grad_mlp_x(w, x), ax.grad(mlp_py, argnums=1)(w, x), rtol=1e-12)


def test_activations_and_relu_convention(mod):
    x = RNG.normal(size=(6,))
    np.testing.assert_allclose(mod.grad_act(x), ax.grad(act_py)(x), rtol=1e-12)
    # jax.nn.relu'(0) = 0; jnp.abs'(0) = 1
    g0 = mod.grad_act(np.array([0.0, 5.0]))
    lse = np.exp([0.0, 5.0]) / np.exp([0.0, 5.0]).sum()
    np.testing.assert_allclose(g0, np.array([0.0 + 1.0 + 0.0, 1.0 + 1.0 + 5 / np.sqrt(26)]) + lse)


def test_reductions(mod):
    x = RNG.normal(size=(3, 4))
    np.testing.assert_allclose(mod.grad_peaks(x), ax.grad(peaks_py)(x), rtol=1e-12)


def test_second_derivative_of_a_dsl_kernel(mod):
    t = np.float64(0.3)
    # (e^t sin t)'' = 2 e^t cos t
    np.testing.assert_allclose(mod.second(t), 2 * np.exp(t) * np.cos(t), rtol=1e-12)
