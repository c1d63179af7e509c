"""Reverse mode through long static loops: ``fori_loop``/``scan`` past ``MAX_UNROLL``
steps differentiate through one forward loop that stacks each step's residuals and one
reverse loop of generated code, never unrolled; contractions that read no carry are
hoisted out of both. Grad of grad through them is not supported yet."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import numeric_grad

import axcomp as ax
import axcomp.lax as alax
import axcomp.numpy as anp
from axcomp.errors import GradError
from axcomp.primitives.control import MAX_UNROLL

RNG = np.random.default_rng(12)


def _rand(*shape):
    return RNG.standard_normal(shape)


def fori(r, w):
    body = lambda i, c: c * 0.99 + anp.sin(c) * w * 0.01 + i * 1e-4  # noqa: E731
    return anp.sum(anp.tanh(alax.fori_loop(3, 203, body, r)))


def fori_pair(r, w):
    def body(i, c):
        a, b = c
        return a * 0.98 + anp.cos(b) * 0.02, b * 0.99 + anp.sin(a) * w * 0.01

    a, b = alax.fori_loop(0, 200, body, (r, r * 0.5))
    return anp.sum(a * b)


def scan_sum(c, xs, w, reverse=False):
    def f(carry, x):
        new = carry * 0.98 + anp.tanh(x * w) * 0.05
        return new, anp.sin(new) * x

    carry, ys = alax.scan(f, c, xs, reverse=reverse)
    return anp.sum(carry**2) + anp.sum(ys * anp.arange(ys.shape[0])[:, None] * 1e-2)


def _agrees_with_differences(f, args, argnum, got, rtol=1e-5, atol=1e-7):
    """Small arguments: every partial by central differences. Large ones (a 300-step xs):
    the derivative along three random directions, which is as strict and 300x cheaper."""
    x = np.asarray(args[argnum], float)
    if x.size <= 12:
        want = numeric_grad(f, args, argnum)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
        return
    h = 1e-6
    for _ in range(3):
        v = RNG.standard_normal(x.shape)
        plus, minus = list(args), list(args)
        plus[argnum], minus[argnum] = x + h * v, x - h * v
        want = (f(*plus) - f(*minus)) / (2 * h)
        np.testing.assert_allclose(np.sum(got * v), want, rtol=rtol, atol=atol)


def _check(f, args, argnum, rtol=1e-5, atol=1e-7):
    got = ax.grad(f, argnums=argnum)(*args)
    _agrees_with_differences(ax.jit(f), args, argnum, got, rtol, atol)


@pytest.mark.parametrize("argnum", [0, 1])
def test_fori_loop_grad(argnum):
    _check(fori, [_rand(3), _rand(3)], argnum)
    _check(fori_pair, [_rand(2), _rand(2)], argnum)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("argnum", [0, 1, 2])
def test_scan_grad(argnum, reverse):
    args = [_rand(3), _rand(300, 3) * 0.5, _rand(3)]
    _check(lambda c, xs, w: scan_sum(c, xs, w, reverse), args, argnum)


def test_matches_unrolled_loop():
    # 2 chunks of 40 unrolled steps == one 80-step loop
    c, xs, w = _rand(3), _rand(80, 3), _rand(3)

    def chunked(c, xs, w):
        def f(carry, x):
            new = carry * 0.98 + anp.tanh(x * w) * 0.05
            return new, anp.sin(new) * x

        total = 0.0
        for k in range(2):
            assert 40 <= MAX_UNROLL < 80
            c, ys = alax.scan(f, c, xs[40 * k : 40 * (k + 1)])
            total = total + anp.sum(ys * anp.arange(40 * k, 40 * (k + 1))[:, None] * 1e-2)
        return anp.sum(c**2) + total

    for argnum in range(3):
        got = ax.grad(scan_sum, argnums=argnum)(c, xs, w)
        want = ax.grad(chunked, argnums=argnum)(c, xs, w)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_vmap_of_grad():
    r, w = _rand(4, 3), _rand(3)
    got = ax.vmap(ax.grad(fori, argnums=(0, 1)), in_axes=(0, None))(r, w)
    for b in range(4):
        for g, argnum in zip(got, (0, 1), strict=True):
            _agrees_with_differences(ax.jit(fori), [r[b], w], argnum, g[b])
    c, xs, w = _rand(5, 3), _rand(300, 3) * 0.5, _rand(3)
    f = ax.vmap(ax.grad(scan_sum, argnums=(0, 1, 2)), in_axes=(0, None, None))
    got = f(c, xs, w)
    for b in range(5):
        for g, argnum in zip(got, (0, 1, 2), strict=True):
            if b > 1:
                continue  # two examples are enough for the differences
            _agrees_with_differences(ax.jit(scan_sum), [c[b], xs, w], argnum, g[b])
    # xs batched too (scanned along axis 1 of the batch)
    xb = _rand(2, 300, 3)[:1] * 0.5
    got = ax.vmap(ax.grad(scan_sum, argnums=1), in_axes=(None, 0, None))(c[0], xb, w)
    _agrees_with_differences(ax.jit(scan_sum), [c[0], xb[0], w], 1, got[0])


def test_source_has_loops_not_unrolled_code():
    src = ax.explain(ax.grad(fori, argnums=(0, 1)), _rand(3), _rand(3)).source
    assert src.count("for ") >= 2 and "range(200 - 1, -1, -1)" in src
    assert len(src) < 6000, len(src)
    src = ax.explain(ax.grad(scan_sum, argnums=1), _rand(3), _rand(300, 3), _rand(3)).source
    assert src.count("for ") >= 2 and len(src) < 8000, len(src)


def test_while_loop_grad_refused():
    def k(r):
        v = alax.while_loop(lambda v: anp.sum(v) < 10, lambda v: v * 2, r)
        return anp.sum(v)

    with pytest.raises(GradError):
        ax.grad(k)(np.abs(_rand(3)) + 0.1)


# --- reverse mode from one forward pass: residuals, hoisted contractions --------------------


def rnn(params, h0, xs):
    """An Elman RNN: ``x_t @ U.T`` reads no carry (hoisted before the loop), the loss reads
    both the final carry and every step's y."""
    W, U, b = params

    def step(h, x):
        h = anp.tanh(h @ W.T + x @ U.T + b)
        return h, h * 0.5

    hT, hs = alax.scan(step, h0, xs)
    return anp.sum(hT**2) + 0.1 * anp.sum(hs * anp.cos(hs))


def rnn_by_hand(params, h0, xs):
    """The same loss and its gradient in NumPy: forward once, then backwards."""
    W, U, b = params
    hs = [h0]
    for x in xs:
        hs.append(np.tanh(hs[-1] @ W.T + x @ U.T + b))
    ys = np.stack(hs[1:]) * 0.5
    value = np.sum(hs[-1] ** 2) + 0.1 * np.sum(ys * np.cos(ys))
    g_ys = 0.1 * (np.cos(ys) - ys * np.sin(ys)) * 0.5
    gh = 2 * hs[-1]
    gW, gU, gb = np.zeros_like(W), np.zeros_like(U), np.zeros_like(b)
    for t in reversed(range(len(xs))):
        g = (gh + g_ys[t]) * (1 - hs[t + 1] ** 2)
        gW += g.T @ hs[t]
        gU += g.T @ xs[t]
        gb += g.sum(0)
        gh = g @ W
    return value, ((gW, gU, gb), gh)


def _rnn_args(steps=90, batch=5, hidden=4, inputs=3):
    params = (_rand(hidden, hidden) * 0.4, _rand(hidden, inputs) * 0.4, _rand(hidden) * 0.1)
    return params, _rand(batch, hidden) * 0.3, _rand(steps, batch, inputs)


def test_rnn_gradient_matches_numpy_by_hand():
    params, h0, xs = _rnn_args()
    value, (g_params, g_h0) = ax.value_and_grad(rnn, argnums=(0, 1))(params, h0, xs)
    want_value, (want_params, want_h0) = rnn_by_hand(params, h0, xs)
    np.testing.assert_allclose(value, want_value, rtol=1e-12)
    for got, want in zip((*g_params, g_h0), (*want_params, want_h0), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    _agrees_with_differences(ax.jit(lambda h0: rnn(params, h0, xs)), [h0], 0, g_h0)


def test_rnn_reverse_mode_is_one_forward_and_one_reverse_loop():
    params, h0, xs = _rnn_args()
    src = ax.explain(ax.value_and_grad(rnn, argnums=(0, 1)), params, h0, xs).source
    assert src.count("for ") == 2, src  # the forward once (it stacks residuals), one reverse
    assert "range(90 - 1, -1, -1)" in src
    # x_t @ U.T for every step is one contraction before the loop, and the gradients of W,
    # U and b are contractions over the stacked steps after it
    assert "reshape((450, 3))" in src and "reshape((4, 450))" in src, src


def _without_residuals_or_hoisting(monkeypatch):
    from axcomp.primitives import control

    monkeypatch.setattr(control, "_residual_budget", lambda: -1)
    monkeypatch.setattr(control, "MAX_HOISTED_BYTES", -1)


def _plain_path(monkeypatch, f, *args, **kwargs):
    """``f`` differentiated the plain way: the reverse loop recomputes every step's values
    from the stacked carries, nothing is hoisted out of a loop, gradients accumulate."""
    with monkeypatch.context() as m:
        _without_residuals_or_hoisting(m)
        return f(*args, **kwargs)


def test_rnn_matches_the_recomputing_path(monkeypatch):
    params, h0, xs = _rnn_args()
    g = lambda *a: ax.grad(rnn, argnums=(0, 1))(*a)  # noqa: E731  (a fresh compile each)
    plain = _plain_path(monkeypatch, g, params, h0, xs)
    src = _plain_path(
        monkeypatch, lambda: ax.explain(ax.grad(rnn, argnums=(0, 1)), params, h0, xs).source
    )
    # one forward loop stacking the carries; the reverse loop recomputes tanh from them
    assert src.count("for ") == 2 and src.count("tanh") == 2, src
    src = ax.explain(ax.grad(rnn, argnums=(0, 1)), params, h0, xs).source
    assert src.count("tanh") == 1, src  # the reverse loop reads the stacked values
    got = g(params, h0, xs)
    for a, b in zip(ax.tree_util.tree_leaves(got), ax.tree_util.tree_leaves(plain), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_vmapped_rnn_gradients_match_each_example(monkeypatch):
    params, h0, xs = _rnn_args(steps=70, batch=2)
    xb = np.stack([xs, xs[::-1] * 0.5, xs * 0.3])
    f = ax.vmap(ax.grad(rnn, argnums=(0, 1)), in_axes=(None, None, 0))
    got = f(params, h0, xb)
    for e in range(3):
        _, (want_params, want_h0) = rnn_by_hand(params, h0, xb[e])
        for g, want in zip((*got[0], got[1]), (*want_params, want_h0), strict=True):
            np.testing.assert_allclose(g[e], want, rtol=1e-10, atol=1e-12)
    plain = _plain_path(monkeypatch, lambda: f(params, h0, xb))
    for a, b in zip(ax.tree_util.tree_leaves(got), ax.tree_util.tree_leaves(plain), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def _bodies():
    """Scan bodies that exercise each path of the loop's reverse rule."""

    def carry_as_y(c, xs, w):  # the y is the carry the step read: a stacked input carry
        def f(h, x):
            return anp.sin(h * w + x), h

        h, ys = alax.scan(f, c, xs)
        return anp.sum(h) + anp.sum(ys**2)

    def weight_used_twice(c, xs, w):  # w's per-step gradient is a sum: accumulated
        def f(h, x):
            return anp.tanh(h * w + x * w), anp.exp(-h * h)

        h, ys = alax.scan(f, c, xs, reverse=True)
        return anp.sum(h * h) + anp.sum(ys)

    def two_carries_with_index(c, xs, w):  # fori_loop: the index is read, two carries
        def f(i, hc):
            h, g = hc
            return anp.cos(g) * w + i * 1e-3, h * 0.9 + xs[0] * g

        h, g = alax.fori_loop(0, 100, f, (c, c * 0.5))
        return anp.sum(h * g)

    def hoisted_outer_product(c, xs, w):  # einsum of a slice and an invariant, hoisted
        def f(h, x):
            return anp.tanh(h + anp.outer(x, w).sum(1) * 0.1), anp.dot(h, w)

        h, ys = alax.scan(f, c, xs)
        return anp.sum(h) + anp.sum(ys * ys)

    return [carry_as_y, weight_used_twice, two_carries_with_index, hoisted_outer_product]


@pytest.mark.parametrize("body", _bodies(), ids=lambda f: f.__name__)
def test_loop_bodies_match_differences_and_the_plain_path(body, monkeypatch):
    args = [_rand(3) * 0.5, _rand(80, 3) * 0.5, _rand(3) * 0.5]
    got = ax.grad(body, argnums=(0, 1, 2))(*args)
    plain = _plain_path(monkeypatch, lambda: ax.grad(body, argnums=(0, 1, 2))(*args))
    for argnum in range(3):
        np.testing.assert_allclose(got[argnum], plain[argnum], rtol=1e-12, atol=1e-14)
        _agrees_with_differences(ax.jit(body), args, argnum, got[argnum])


def test_residual_stacks_over_the_memory_limit_are_recomputed_from_the_carries():
    # 400 steps of a 256-wide carry: the stacked residuals (sin's and cos's inputs, the
    # carries) take about 3.2 MB; under a 2.5 MiB memory_limit the reverse loop keeps only
    # the carries and recomputes sin and cos, and the gradient is the same (w's gradient
    # sums the steps' (400, 256) product: 0.8 MB more, counted since it is a product and a
    # sum). 3.25-3.75 MiB hold the stacks alone but not the whole program (3.9 MiB): those
    # budgets once raised though 3 MiB compiled; they checkpoint too
    def f(c, w):
        def step(h, x):
            return anp.sin(h * w + x) * anp.cos(h), None

        h, _ = alax.scan(step, c, anp.ones((400, c.shape[0])))
        return anp.sum(h)

    c, w = RNG.random(256), RNG.random(256)
    stacked = ax.jit(ax.grad(f, argnums=(0, 1)))
    want = stacked(c, w)
    # the reverse loop computes sin once more (cos's derivative is -sin in both)
    sins = stacked.lower(c, w).source.count("_np.sin(")
    for limit, more in (("2.5MiB", 1), ("3MiB", 1), ("3.5MiB", 1), ("3.75MiB", 1), ("4MiB", 0)):
        g = ax.jit(ax.grad(f, argnums=(0, 1)), memory_limit=limit)
        assert g.lower(c, w).source.count("_np.sin(") == sins + more, limit
        for got, ref in zip(g(c, w), want, strict=True):
            np.testing.assert_allclose(got, ref, rtol=1e-13, atol=1e-15)
    with pytest.raises(ax.MemoryBudgetError, match=r"memory_limit=100\.0 KiB"):
        ax.jit(ax.grad(f, argnums=(0, 1)), memory_limit="100KiB")(c, w)
