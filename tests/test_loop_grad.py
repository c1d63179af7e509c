"""Reverse mode through long static loops (issue 12): ``fori_loop``/``scan`` past
``MAX_UNROLL`` steps differentiate through a recomputing forward loop and a reverse loop
of generated code, never unrolled. Grad of grad through them is not supported yet."""

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
