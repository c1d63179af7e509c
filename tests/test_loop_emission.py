"""How loops (past ``MAX_UNROLL`` steps) are printed for NumPy: stacks preallocated
before the loop (each step's value written into its slot, by the op's ``out=`` where it
can), and body temporaries reused in place (``compiler/loop_inplace.py``). Each program
is compared bit for bit with the plain path (lists joined by ``stack``, a fresh array per
op) and with a NumPy loop by hand."""

from __future__ import annotations

import numpy as np
import pytest

import axcomp as ax
import axcomp.lax as alax
import axcomp.numpy as anp
from axcomp.backends import numpy_backend
from axcomp.compiler import inplace

RNG = np.random.default_rng(5)


def _plain(monkeypatch, f, *args):
    with monkeypatch.context() as m:
        m.setattr(numpy_backend, "PREALLOCATE_STACKS", False)
        m.setattr(inplace, "ENABLED", False)
        return ax.jit(f)(*args), ax.explain(f, *args).source


def _check(monkeypatch, f, args, want):
    got = ax.jit(f)(*args)
    plain, plain_src = _plain(monkeypatch, f, *args)
    assert "out=" not in plain_src and ".append(" in plain_src, plain_src
    for g, p, w in zip(
        ax.tree_util.tree_leaves(got),
        ax.tree_util.tree_leaves(plain),
        ax.tree_util.tree_leaves(want),
        strict=True,
    ):
        np.testing.assert_array_equal(g, p)
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
    return ax.explain(f, *args).source


def _rnn_step(h, x, W):
    return np.tanh(h @ W + x * 0.5 + 0.1)


def test_stacked_carry_is_written_in_place_and_not_aliased(monkeypatch):
    # the carry is also the stacked y: its op writes into the stack's slot, and the final
    # carry is copied out, so the in-place scaling after the loop leaves the stack alone
    h0, xs, W = (
        RNG.standard_normal((64, 32)),
        RNG.standard_normal((70, 64, 32)),
        RNG.standard_normal((32, 32)) / 6,
    )

    def f(h0, xs, W):
        def step(h, x):
            h = anp.tanh(h @ W + x * 0.5 + 0.1)
            return h, h

        h, ys = alax.scan(step, h0, xs)
        return h * 3.0, ys

    h, hs = h0, []
    for x in xs:
        h = _rnn_step(h, x, W)
        hs.append(h)
    src = _check(monkeypatch, f, (h0, xs, W), (h * 3.0, np.stack(hs)))
    assert "_np.empty((70, 64, 32)" in src and ".append(" not in src, src
    assert "_np.tanh(" in src and "out=" in src and ".copy()" in src, src


def test_reverse_scan_with_two_stacks_and_a_copied_one(monkeypatch):
    h0, xs = RNG.standard_normal((8, 5)), RNG.standard_normal((80, 8, 5))

    def f(h0, xs):
        def step(h, x):
            t = anp.sin(h) + x
            return t * 0.9, (anp.cos(t) * t, x, h)  # a product, a slice, the carry read

        return alax.scan(step, h0, xs, reverse=True)

    h, ys, xs_out, hs = h0, [], [], []
    for x in xs[::-1]:
        t = np.sin(h) + x
        ys.append(np.cos(t) * t)
        xs_out.append(x)
        hs.append(h)
        h = t * 0.9
    want = (h, (np.stack(ys[::-1]), np.stack(xs_out[::-1]), np.stack(hs[::-1])))
    src = _check(monkeypatch, f, (h0, xs), want)
    assert src.count("_np.empty(") == 3, src


def test_views_of_a_temporary_keep_it_alive(monkeypatch):
    # t's transpose is read after sin(t): sin must not write into t
    h0, xs = RNG.standard_normal((6, 6)), RNG.standard_normal((70, 6, 6))

    def f(h0, xs):
        def step(h, x):
            t = h * 0.5 + x
            v = t.T
            u = anp.sin(t)
            return u * 0.5 + v * 0.25, u

        return alax.scan(step, h0, xs)

    h, ys = h0, []
    for x in xs:
        t = h * 0.5 + x
        u = np.sin(t)
        ys.append(u)
        h = u * 0.5 + t.T * 0.25
    _check(monkeypatch, f, (h0, xs), (h, np.stack(ys)))


def test_vmapped_scan_stacks_along_a_later_axis(monkeypatch):
    h0, xs = RNG.standard_normal((3, 7)), RNG.standard_normal((3, 70, 7))

    def one(h, xs):
        return alax.scan(lambda c, x: (anp.tanh(c + x), anp.exp(-c * c)), h, xs)

    f = ax.vmap(one)
    want_h, want_ys = [], []
    for e in range(3):
        c, ys = h0[e], []
        for x in xs[e]:
            ys.append(np.exp(-c * c))
            c = np.tanh(c + x)
        want_h.append(c)
        want_ys.append(np.stack(ys))
    _check(monkeypatch, f, (h0, xs), (np.stack(want_h), np.stack(want_ys)))


@pytest.mark.parametrize("reverse", [False, True])
def test_rnn_gradients_match_the_plain_path(monkeypatch, reverse):
    W, xs, h0 = (
        RNG.standard_normal((16, 16)) / 4,
        RNG.standard_normal((80, 32, 16)),
        RNG.standard_normal((32, 16)),
    )

    def loss(W, xs, h0):
        h, ys = alax.scan(lambda h, x: (anp.tanh(h @ W + x), h), h0, xs, reverse=reverse)
        return anp.sum(h * h) + anp.sum(ys * 0.1)

    g = ax.grad(loss, argnums=(0, 2))
    got = g(W, xs, h0)
    plain, _ = _plain(monkeypatch, g, W, xs, h0)
    for a, b in zip(got, plain, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-13)
    eps, k = 1e-6, (3, 5)
    Wp, Wm = W.copy(), W.copy()
    Wp[k] += eps
    Wm[k] -= eps
    fd = (ax.jit(loss)(Wp, xs, h0) - ax.jit(loss)(Wm, xs, h0)) / (2 * eps)
    np.testing.assert_allclose(got[0][k], fd, rtol=1e-6)
