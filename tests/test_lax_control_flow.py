"""``axcomp.lax`` control flow (axcomp/lax/control_flow.py on the loop and cond primitives of
primitives/control.py): select, cond, switch,
fori_loop, scan, while_loop, map — against NumPy, the loop oracle, finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import numeric_grad
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import loop_vmap

import axcomp as ax
import axcomp.lax as alax
import axcomp.numpy as anp
from axcomp.errors import AxcompError
from axcomp.primitives.control import MAX_UNROLL

RNG = np.random.default_rng(0)


def _rand(*shape):
    return RNG.standard_normal(shape)


# --- reference kernels on NumPy values ----------------------------------------------------


def np_cond(r):
    return r * 2 if r.sum() > 0 else r - 1


def ax_cond(r):
    return alax.cond(anp.sum(r) > 0, lambda a: a * 2, lambda a: a - 1, r)


def np_switch(r):
    k = int(np.clip(np.sum(r > 0) - 1, 0, 2))
    return [r, -r, r * 10][k]


def ax_switch(r):
    return alax.switch(anp.sum(r > 0) - 1, [lambda a: a, lambda a: -a, lambda a: a * 10], r)


def np_fori(r):
    c = r
    for i in range(4):
        c = np.sin(c) * 0.9 + i
    return c


def ax_fori(r):
    return alax.fori_loop(0, 4, lambda i, c: anp.sin(c) * 0.9 + i, r)


def np_scan(c, xs):
    ys = []
    for x in xs:
        c = np.tanh(c * 0.5 + x)
        ys.append(c.sum())
    return c, np.stack(ys)


def ax_step(c, x):
    c = anp.tanh(c * 0.5 + x)
    return c, anp.sum(c)


def ax_scan(c, xs):
    return alax.scan(ax_step, c, xs)


@pytest.mark.parametrize(
    ("axf", "npf"), [(ax_cond, np_cond), (ax_switch, np_switch), (ax_fori, np_fori)]
)
@pytest.mark.parametrize("in_axes", [0, 1])
def test_vmap_unary(axf, npf, in_axes):
    x = _rand(5, 3) if in_axes == 0 else _rand(3, 5)
    got = ax.vmap(axf, in_axes=in_axes)(x)
    want = loop_vmap(npf, in_axes, 0)(x)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(ax.jit(ax.vmap(axf, in_axes=in_axes))(x), want, rtol=1e-12)


@pytest.mark.parametrize("in_axes", [(0, None), (None, 0), (0, 1), (1, 0)])
def test_scan_vmap(in_axes):
    c = _rand(4, 3) if in_axes[0] == 0 else _rand(3, 4) if in_axes[0] == 1 else _rand(3)
    xs = _rand(4, 6, 3) if in_axes[1] == 0 else _rand(6, 4, 3) if in_axes[1] == 1 else _rand(6, 3)
    got = ax.vmap(ax_scan, in_axes=in_axes)(c, xs)
    want = loop_vmap(np_scan, in_axes, 0)(c, xs)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_nested_vmap_cond_and_scan():
    x = _rand(2, 3, 4)
    got = ax.vmap(ax.vmap(ax_cond))(x)
    want = loop_vmap(loop_vmap(np_cond))(x)
    np.testing.assert_allclose(got, want)
    xs = _rand(2, 3, 5, 4)
    got = ax.vmap(ax.vmap(ax_scan, in_axes=(0, 0)), in_axes=(None, 0))(x[0], xs)
    want = loop_vmap(loop_vmap(np_scan, in_axes=(0, 0)), in_axes=(None, 0))(x[0], xs)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_select_outside_and_inside():
    p = _rand(4, 3) > 0
    a, b = _rand(4, 3), _rand(4, 3)
    np.testing.assert_array_equal(alax.select(p, a, b), np.where(p, a, b))
    got = ax.vmap(alax.select, in_axes=(0, 1, None))(p, a.T.copy(), b[0])
    np.testing.assert_array_equal(got, np.where(p, a, b[0]))
    with pytest.raises(AxcompError, match="same shape and dtype"):
        alax.select(p, a, b[0])
    with pytest.raises(TypeError):
        alax.select(a, a, b)


def test_static_predicates_run_one_branch():
    calls = []

    def t(a):
        calls.append("t")
        return a + 1

    def f(a):
        calls.append("f")
        return a - 1

    out = ax.vmap(lambda r: alax.cond(True, t, f, r))(np.ones((3, 2)))
    np.testing.assert_array_equal(out, 2 * np.ones((3, 2)))
    assert calls == ["t"]
    out = ax.vmap(lambda r: alax.switch(7, [f, t], r))(np.ones((3, 2)))  # clamped to 1
    np.testing.assert_array_equal(out, 2 * np.ones((3, 2)))


def test_cond_pytree_and_mismatch():
    x = _rand(4, 3)

    def k(r):
        return alax.cond(r[0] > 0, lambda a: (a, {"s": a.sum()}), lambda a: (-a, {"s": a[0]}), r)

    got = ax.vmap(k)(x)
    pos = x[:, 0] > 0
    np.testing.assert_allclose(got[0], np.where(pos[:, None], x, -x))
    np.testing.assert_allclose(got[1]["s"], np.where(pos, x.sum(1), x[:, 0]))
    with pytest.raises(AxcompError, match="branch outputs differ"):
        ax.vmap(lambda r: alax.cond(r[0] > 0, lambda a: a, lambda a: a[:2], r))(x)


def test_grads():
    x = _rand(3)
    xs = _rand(5, 3)
    for axf, npf in [(ax_cond, np_cond), (ax_fori, np_fori)]:
        g = ax.grad(lambda r, f=axf: anp.sum(f(r) ** 2))(x)
        n = numeric_grad(lambda r, f=npf: np.sum(f(r) ** 2), [x])
        np.testing.assert_allclose(g, n, rtol=1e-6, atol=1e-7)

    def loss(c, xs):
        c, ys = ax_scan(c, xs)
        return anp.sum(c) + anp.sum(ys**2)

    def np_loss(c, xs):
        c, ys = np_scan(c, xs)
        return np.sum(c) + np.sum(ys**2)

    for argnum in (0, 1):
        g = ax.grad(loss, argnums=argnum)(x, xs)
        n = numeric_grad(np_loss, [x, xs], argnum=argnum)
        np.testing.assert_allclose(g, n, rtol=1e-6, atol=1e-7)
    # per-example gradients under vmap
    gv = ax.vmap(ax.grad(loss), in_axes=(0, None))(_rand(2, 3), xs)
    assert gv.shape == (2, 3)


def test_scan_reverse_length_and_errors():
    c, xs = _rand(3), _rand(4, 3)
    got_c, got_y = alax.scan(ax_step, c, xs, reverse=True)
    want_c, want_y = np_scan(c, xs[::-1])
    np.testing.assert_allclose(got_c, want_c)
    np.testing.assert_allclose(got_y, want_y[::-1])
    cc, ys = ax.jit(lambda c: alax.scan(lambda c, _: (c * 2, c), c, None, length=3))(c)
    np.testing.assert_allclose(cc, c * 8)
    np.testing.assert_allclose(ys, np.stack([c, 2 * c, 4 * c]))
    with pytest.raises(AxcompError, match="disagree on the length"):
        alax.scan(ax_step, c, xs, length=5)
    with pytest.raises(AxcompError, match="changed a carry's shape"):
        alax.scan(lambda c, x: (c[:2], x), c, xs)


@settings(max_examples=8, deadline=None)
@given(n=st.integers(1, 9), b=st.one_of(st.none(), st.integers(1, 10)), k=st.integers(1, 3))
def test_map(n, b, k):
    x = RNG.standard_normal((n, k))
    got = alax.map(lambda r: (anp.sin(r) * r.sum(), r[0]), x, batch_size=b)
    np.testing.assert_allclose(got[0], np.sin(x) * x.sum(1, keepdims=True))
    np.testing.assert_allclose(got[1], x[:, 0])
    inner = ax.vmap(lambda r: alax.map(lambda e: e * 2 + 1, r, batch_size=b))(x.T.copy())
    np.testing.assert_allclose(inner, x.T * 2 + 1)


@settings(max_examples=8, deadline=None)
@given(batch=st.integers(1, 4), steps=st.integers(1, 6), d=st.integers(1, 3))
def test_scan_hypothesis(batch, steps, d):
    c = RNG.standard_normal((batch, d))
    xs = RNG.standard_normal((steps, batch, d))
    got = ax.vmap(ax_scan, in_axes=(0, 1))(c, xs)
    want = loop_vmap(np_scan, in_axes=(0, 1))(c, xs)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12)


# --- loops longer than MAX_UNROLL: one loop of generated code ------------------------------

LONG = MAX_UNROLL + 36


def test_long_scan_is_one_loop():
    c, xs = _rand(5, 3), _rand(LONG, 5, 3)
    f = ax.vmap(ax_scan, in_axes=(0, 1))
    got = f(c, xs)
    want = loop_vmap(np_scan, in_axes=(0, 1))(c, xs)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12)
    src = ax.explain(f, c, xs).source
    assert src.count("for ") == 1 and "range(100)" in src
    assert src.count("tanh") == 1  # the body is traced and printed once


@pytest.mark.parametrize("in_axes", [(0, None), (None, 0), (1, 2)])
def test_long_scan_vmap_mixes_and_reverse(in_axes):
    c = {0: _rand(4, 3), None: _rand(3), 1: _rand(3, 4)}[in_axes[0]]
    xs = {0: _rand(4, LONG, 3), None: _rand(LONG, 3), 2: _rand(LONG, 3, 4).transpose(0, 2, 1)}[
        in_axes[1]
    ]
    if in_axes[1] == 2:
        xs = np.ascontiguousarray(xs.transpose(0, 2, 1))
    got = ax.jit(ax.vmap(ax_scan, in_axes=in_axes))(c, xs)
    want = loop_vmap(np_scan, in_axes=in_axes)(c, xs)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12)
    rev = ax.vmap(lambda c, xs: alax.scan(ax_step, c, xs, reverse=True), in_axes=in_axes)(c, xs)
    want_r = loop_vmap(lambda c, xs: np_scan(c, xs[::-1]), in_axes=in_axes)(c, xs)
    np.testing.assert_allclose(rev[0], want_r[0], rtol=1e-12)
    np.testing.assert_allclose(rev[1], want_r[1][:, ::-1], rtol=1e-12)


def test_long_loops_nested_vmap_and_batched_closure():
    w = _rand(2, 3, 3) * 0.3  # batched weights closed over by an unbatched carry's body
    xs = _rand(LONG, 3)

    def k(w, c):
        return alax.scan(lambda c, x: (anp.tanh(c @ w + x), c[0]), c, xs)

    def np_k(w, c):
        ys = []
        for x in xs:
            ys.append(c[0])
            c = np.tanh(c @ w + x)
        return c, np.stack(ys)

    c = _rand(4, 3)
    got = ax.vmap(ax.vmap(k, in_axes=(None, 0)), in_axes=(0, None))(w, c)
    want = loop_vmap(loop_vmap(np_k, in_axes=(None, 0)), in_axes=(0, None))(w, c)
    for g, v in zip(got, want, strict=True):
        np.testing.assert_allclose(g, v, rtol=1e-12)
    # the carry starts unbatched and becomes batched through w
    got = ax.vmap(k, in_axes=(0, None))(w, c[0])
    want = loop_vmap(np_k, in_axes=(0, None))(w, c[0])
    for g, v in zip(got, want, strict=True):
        np.testing.assert_allclose(g, v, rtol=1e-12)


def test_long_fori_loop_and_grad_refusal():
    x = _rand(4, 3)

    def k(r):
        return alax.fori_loop(2, 2 + LONG, lambda i, c: c * 0.99 + i * 0.01, r)

    def np_k(r):
        for i in range(2, 2 + LONG):
            r = r * 0.99 + i * 0.01
        return r

    np.testing.assert_allclose(ax.vmap(k)(x), loop_vmap(np_k)(x), rtol=1e-12)
    # long static loops are differentiable (a reverse loop; tests/test_loop_grad.py)
    np.testing.assert_allclose(ax.grad(lambda r: anp.sum(k(r)))(x[0]), np.full(3, 0.99**LONG))


def np_while(r):
    n = 0
    while r.sum() < 10:
        r, n = r * 2, n + 1
    return r, n


def ax_while(r):
    return alax.while_loop(lambda v: anp.sum(v[0]) < 10, lambda v: (v[0] * 2, v[1] + 1), (r, 0))


def test_while_loop_batched_predicate():
    x = np.abs(_rand(6, 3)) + 0.1
    x[0] = 5  # already done: keeps its carry (and is not the caller's array)
    got = ax.vmap(ax_while)(x)
    want = loop_vmap(np_while)(x)
    np.testing.assert_allclose(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    got = ax.jit(ax.vmap(ax.vmap(ax_while)))(x.reshape(2, 3, 3))
    want = loop_vmap(loop_vmap(np_while))(x.reshape(2, 3, 3))
    np.testing.assert_allclose(got[0], want[0])
    # unbatched traced predicate, and all done at once: a fresh writable result
    out = ax.jit(ax_while)(np.full(3, 5.0))
    assert out[1] == 0 and out[0].flags.writeable
    # a static predicate runs at trace time
    out = ax.vmap(
        lambda r: alax.while_loop(lambda v: v[0] < 5, lambda v: (v[0] + 1, v[1] * 2), (0, r))[1]
    )(np.ones((2, 3)))
    np.testing.assert_array_equal(out, 32 * np.ones((2, 3)))


def test_loops_on_array_api_backend():
    xp = pytest.importorskip("array_api_strict")
    c, xs = _rand(5, 3), _rand(LONG, 5, 3)
    f = ax.vmap(ax_scan, in_axes=(0, 1))
    got = f(xp.asarray(c), xp.asarray(xs))
    want = f(c, xs)
    for g, w in zip(got, want, strict=True):
        assert isinstance(g, type(xp.asarray(0.0)))
        np.testing.assert_allclose(np.asarray(g), w, rtol=1e-12)
    x = np.abs(_rand(6, 3)) + 0.1
    got = ax.vmap(ax_while)(xp.asarray(x))
    np.testing.assert_allclose(np.asarray(got[0]), loop_vmap(np_while)(x)[0])


def test_map_many_chunks_and_flops():
    x = _rand(2 * LONG, 3)
    y = alax.map(lambda r: anp.sin(r) * r.sum(), x, batch_size=2)  # a loop over chunks
    np.testing.assert_allclose(y, np.sin(x) * x.sum(1, keepdims=True), rtol=1e-12)
    c, xs = _rand(5, 3), _rand(LONG, 5, 3)
    e = ax.explain(ax.vmap(ax_scan, in_axes=(0, 1)), c, xs)
    assert e.flops >= LONG * 5 * 3


def test_scan_of_length_zero_returns_the_init_carry_and_empty_ys():
    # JAX traces the body for the ys' shapes and dtypes, runs it no time, and returns the
    # initial carry with zero-length stacked ys
    c = _rand(3)
    xs = np.zeros((0, 3))
    got_c, got_y = alax.scan(ax_step, c, xs)
    np.testing.assert_array_equal(got_c, c)
    assert got_y.shape == (0,) and got_y.dtype == np.float64
    # jit, a pytree body, ``length=0`` with no xs, reverse
    carry, ys = ax.jit(
        lambda c, xs: alax.scan(lambda c, x: ((c[0] + x, c[1]), {"a": x * 2, "b": c[1]}), c, xs)
    )((c, np.int64(4)), xs)
    np.testing.assert_array_equal(carry[0], c)
    assert int(carry[1]) == 4
    assert ys["a"].shape == (0, 3) and ys["b"].shape == (0,) and ys["b"].dtype == np.int64
    c2, y2 = alax.scan(lambda c, _: (c * 2, c), c, None, length=0, reverse=True)
    np.testing.assert_array_equal(c2, c)
    assert y2.shape == (0, 3)
    # under vmap: the carry per example, ys (batch, 0)
    cb = _rand(5, 3)
    got_c, got_y = ax.vmap(ax_scan)(cb, np.zeros((5, 0, 3)))
    np.testing.assert_array_equal(got_c, cb)
    assert got_y.shape == (5, 0)


def test_grad_through_a_scan_of_length_zero_is_the_identity():
    # the final carry is the initial one: d carry / d init = 1, nothing flows to xs
    def f(c, xs):
        out, _ = alax.scan(lambda c, x: (anp.sin(c) * x, c), c, xs)
        return anp.sum(out * out)

    c = _rand(3)
    gc, gx = ax.grad(f, argnums=(0, 1))(c, np.zeros((0, 3)))
    np.testing.assert_allclose(gc, 2 * c)
    assert gx.shape == (0, 3)
