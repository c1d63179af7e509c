"""Values that repeat along an axis are computed once (``compiler/broadcasts.py``).

A Jacobian broadcasts the point it linearises at along the basis axis; the primal computed
from it (``A x``, a softmax, an MLP's activations) repeats along that axis. The pass
computes it at length 1 and reads it through a broadcast view, so ``jacfwd(jacrev(f))``
and ``jacrev`` evaluate the primal once. Every case is checked against the plain path
(the pass switched off), closed forms or finite differences."""

from __future__ import annotations

import math
import re
import sys

import numpy as np
import pytest
from gradcheck import numeric_jacobian
from hypothesis import given, settings
from hypothesis import strategies as st

import axcomp as ax
import axcomp.numpy as anp
from axcomp.compiler.broadcasts import shrink_repeated
from axcomp.scipy.special import logsumexp

RNG = np.random.default_rng(31)
simplify_module = sys.modules["axcomp.compiler.simplify"]  # the package exports the function
A = RNG.standard_normal((20, 6)) / 3


def _plain(monkeypatch, run):
    """``run()`` compiled without the pass (fresh functions: nothing cached)."""
    with monkeypatch.context() as m:
        passes = tuple(p for p in simplify_module.PASSES if p is not shrink_repeated)
        m.setattr(simplify_module, "PASSES", passes)
        return run()


def lse_regression(x):
    return logsumexp(A @ x) + 0.1 * anp.sum(anp.tanh(x) ** 2)


def _hessian_by_hand(x):
    z = A @ x
    p = np.exp(z - z.max())
    p /= p.sum()
    t = np.tanh(x)
    d2 = 0.2 * ((1 - t**2) ** 2 - 2 * t**2 * (1 - t**2))
    return A.T @ (np.diag(p) - np.outer(p, p)) @ A + np.diag(d2)


def test_vmap_hessian_computes_the_primal_once(monkeypatch):
    X = RNG.standard_normal((7, 6))
    f = lambda: ax.vmap(ax.hessian(lse_regression))  # noqa: E731
    got = f()(X)
    for e in range(7):
        np.testing.assert_allclose(got[e], _hessian_by_hand(X[e]), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(got, _plain(monkeypatch, lambda: f()(X)), rtol=1e-12, atol=1e-14)
    once = ax.explain(f(), X).flops
    per_direction = _plain(monkeypatch, lambda: ax.explain(f(), X).flops)
    # A x per example, not per example and direction: the 6 directions' copies are gone
    assert once < 0.6 * per_direction, (once, per_direction)


def test_the_max_shift_behind_stop_gradient_is_computed_once(monkeypatch):
    # logsumexp shifts by stop_gradient(max): the shift, and so the exp, repeat along the
    # basis axis like the rest of the primal, and are computed once per example
    X = RNG.standard_normal((7, 6))
    f = lambda: ax.vmap(ax.hessian(lambda x: logsumexp(A @ x)))  # noqa: E731
    got = f()(X)
    np.testing.assert_allclose(got, _plain(monkeypatch, lambda: f()(X)), rtol=1e-12, atol=1e-14)
    text = str(ax.explain(f(), X))
    exp_shapes = re.findall(r"%\d+ exp\[([0-9, ]+)\]", text)
    assert exp_shapes, text
    for shape in exp_shapes:
        assert math.prod(int(n) for n in shape.split(",")) == 7 * 20, text


def mlp(params, x):
    W1, b1, W2, b2 = params
    return W2 @ anp.tanh(W1 @ x + b1) + b2


def test_per_example_jacrev_runs_the_forward_once(monkeypatch):
    params = (
        RNG.standard_normal((16, 5)),
        RNG.standard_normal(16),
        RNG.standard_normal((4, 16)),
        RNG.standard_normal(4),
    )
    X = RNG.standard_normal((9, 5))
    f = lambda: ax.vmap(ax.jacrev(mlp), in_axes=(None, 0))  # noqa: E731
    got = f()(params, X)
    plain = _plain(monkeypatch, lambda: f()(params, X))
    for a, b in zip(got, plain, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    want = numeric_jacobian(lambda W1: mlp((W1, *params[1:]), X[3]), [params[0]])
    np.testing.assert_allclose(got[0][3], want, rtol=1e-6, atol=1e-8)
    ex = ax.explain(f(), params, X)
    # the hidden layer W1 x + b1 is computed per example, not per example and output unit
    assert not [c for c in ex.contractions if c.flops >= 9 * 4 * 16 * 5 * 2], ex
    assert ex.flops < _plain(monkeypatch, lambda: ax.explain(f(), params, X).flops)


def chain(x, w):
    """Reshape, reductions, casts and where along a broadcast value."""
    z = anp.reshape(anp.outer(w, x), (6, 1, 4))
    m = anp.max(z, axis=2, keepdims=True)
    s = anp.where(z > m - 0.5, anp.exp(z - m), 0.0) * (z > m - 1.0).astype(np.float64)
    return anp.sum(s, axis=(1, 2)) * anp.cos(anp.sum(x))


def test_jacfwd_through_reshapes_reductions_and_casts(monkeypatch):
    x, w = RNG.standard_normal(4), RNG.standard_normal(6)
    f = lambda: ax.vmap(ax.jacfwd(chain), in_axes=(0, None))  # noqa: E731
    xs = np.stack([x, x * 0.5, -x])
    got = f()(xs, w)
    np.testing.assert_allclose(got, _plain(monkeypatch, lambda: f()(xs, w)), rtol=1e-12)
    for e in range(3):
        want = numeric_jacobian(lambda v: np.asarray(ax.jit(chain)(v, w)), [xs[e]])
        np.testing.assert_allclose(got[e], want, rtol=1e-4, atol=1e-6)


@settings(max_examples=15, deadline=None)
@given(
    batch=st.integers(1, 4),
    n=st.integers(1, 5),
    fn=st.sampled_from(["tanh", "sin", "exp"]),
    unbatched=st.booleans(),
)
def test_vmap_with_a_shared_operand_matches_the_plain_path(batch, n, fn, unbatched):
    """vmap with an unbatched operand: the work on it alone repeats along the batch."""
    rng = np.random.default_rng(batch * 100 + n)
    W, xs = rng.standard_normal((n, n)), rng.standard_normal((batch, n))

    def f(W, x):
        h = getattr(anp, fn)(W * 0.3) @ x
        return anp.sum(getattr(anp, fn)(W * 0.2), axis=0) * h + anp.sum(h)

    in_axes = (None, 0) if unbatched else (0, 0)
    Ws = W if unbatched else np.stack([W] * batch)
    got = ax.vmap(ax.jacrev(f), in_axes=in_axes)(Ws, xs)
    passes = simplify_module.PASSES
    simplify_module.PASSES = tuple(p for p in passes if p is not shrink_repeated)
    try:
        plain = ax.vmap(ax.jacrev(lambda W, x: f(W, x)), in_axes=in_axes)(Ws, xs)
    finally:
        simplify_module.PASSES = passes
    np.testing.assert_allclose(got, plain, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("fn", [anp.tanh, anp.sin])
def test_jvp_of_grad_under_vmap_of_tangents(fn, monkeypatch):
    """Forward over reverse with a batch of tangents: the gradient's primal once."""
    x = RNG.standard_normal(6)
    V = RNG.standard_normal((5, 6))
    g = lambda v: ax.jvp(ax.grad(lambda y: anp.sum(fn(A @ y))), (x,), (v,))[1]  # noqa: E731
    got = ax.vmap(g)(V)
    np.testing.assert_allclose(got, _plain(monkeypatch, lambda: ax.vmap(lambda v: g(v))(V)))
    h = ax.hessian(lambda y: anp.sum(fn(A @ y)))(x)
    np.testing.assert_allclose(got, V @ np.asarray(h).T, rtol=1e-10, atol=1e-12)
