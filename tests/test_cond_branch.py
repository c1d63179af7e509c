"""``lax.cond``/``lax.switch`` on an unbatched traced predicate: one ``if`` of generated code
(the ``cond`` primitive, ``core.plan.If``), so only the taken branch runs; a batched
predicate still evaluates every branch and selects. Values against plain NumPy."""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest
from gradcheck import numeric_grad
from oracle import loop_vmap

import axcomp as ax
import axcomp.lax as alax
import axcomp.numpy as anp
from axcomp.core import float_errors
from axcomp.errors import AxcompError
from axcomp.primitives.control import cond_p

RNG = np.random.default_rng(12)


def _rand(*shape):
    return RNG.standard_normal(shape)


def cond_kernel(x, p):
    return alax.cond(p > 0, lambda a: anp.sin(a) * a, lambda a: a**3 - 1, x)


def np_cond(x, p):
    return np.sin(x) * x if p > 0 else x**3 - 1


BRANCHES = [lambda a: a + 1, lambda a: anp.cos(a) * 2, lambda a: a.sum() - a]
NP_BRANCHES = [lambda a: a + 1, lambda a: np.cos(a) * 2, lambda a: a.sum() - a]


def switch_kernel(x, i):
    return alax.switch(i, BRANCHES, x)


def np_switch(x, i):
    return NP_BRANCHES[int(np.clip(i, 0, 2))](x)


def _cond_nodes(compiled):
    return [n for n in compiled.graph.nodes() if n.op is cond_p]


# --- (1) the generated code branches ------------------------------------------------------


def test_source_has_an_if_and_no_where():
    x = _rand(4)
    src = ax.explain(ax.jit(cond_kernel), x, np.asarray(1.0)).source
    assert "if _bool(" in src and "else:" in src
    assert "where" not in src
    assert src.count("_np.sin(") == 1  # each branch is printed once, inside its arm
    src = ax.explain(ax.jit(switch_kernel), x, np.asarray(1)).source
    assert "if t" in src and "elif t" in src and "else:" in src
    assert "where" not in src and "equal" not in src


def test_unmapped_predicate_under_vmap_branches():
    x = _rand(5, 3)
    f = ax.vmap(cond_kernel, in_axes=(0, None))
    src = ax.explain(f, x, np.asarray(1.0)).source
    assert "if _bool(" in src and "where" not in src


# --- (2) only the taken branch runs -------------------------------------------------------


def _log_kernel(x, p):
    # log of a negative number warns (RuntimeWarning: invalid value): only if it runs
    return alax.cond(p > 0, lambda a: anp.log(a), lambda a: a * 2, x)


@pytest.fixture
def numpy_warnings(monkeypatch):
    """Programs warn as NumPy does (the state each call switches to is the caller's own, not
    the silent one JAX's semantics ask for), so a warning shows that a log ran."""
    monkeypatch.setattr(float_errors, "_MAKE", lambda **_: float_errors._STATE.get())
    float_errors._QUIET.clear()
    yield
    float_errors._QUIET.clear()


@pytest.mark.usefixtures("numpy_warnings")
def test_untaken_branch_does_not_run():
    x = -np.abs(_rand(6)) - 1
    f = ax.jit(_log_kernel)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        out = f(x, np.asarray(-1.0))
        np.testing.assert_array_equal(out, x * 2)
        # under vmap with the predicate unmapped, and with the log in a closure
        g = ax.vmap(
            lambda r, p: alax.cond(p > 0, lambda: anp.log(r), lambda: r * 2), in_axes=(0, None)
        )
        np.testing.assert_array_equal(g(x.reshape(3, 2), np.asarray(-1.0)), x.reshape(3, 2) * 2)
        s = ax.jit(lambda r, i: alax.switch(i, [lambda a: a * 2, anp.log, anp.sqrt], r))
        np.testing.assert_array_equal(s(x, np.asarray(-4)), x * 2)


@pytest.mark.usefixtures("numpy_warnings")
def test_the_same_check_catches_a_select():
    # the check above is honest: a batched predicate runs both branches, and the log warns
    x = -np.abs(_rand(3, 2)) - 1
    f = ax.vmap(lambda r: alax.cond(r[0] > 0, lambda a: anp.log(a), lambda a: a * 2, r))
    with pytest.warns(RuntimeWarning):
        out = f(x)
    np.testing.assert_array_equal(out, x * 2)


# --- (3) values ----------------------------------------------------------------------------


@pytest.mark.parametrize("p", [1.0, -1.0])
def test_cond_values_jit_and_vmap(p):
    x = _rand(4, 3)
    pa = np.asarray(p)
    np.testing.assert_allclose(ax.jit(cond_kernel)(x[0], pa), np_cond(x[0], p), rtol=1e-13)
    got = ax.vmap(cond_kernel, in_axes=(0, None))(x, pa)
    np.testing.assert_allclose(got, loop_vmap(np_cond, in_axes=(0, None))(x, p), rtol=1e-13)
    got = ax.jit(ax.vmap(ax.vmap(cond_kernel, in_axes=(0, None)), in_axes=(1, None)))(x, pa)
    want = np.stack([np_cond(x[:, j], p) for j in range(3)])
    np.testing.assert_allclose(got, want, rtol=1e-13)
    # the predicate computed from unmapped values inside the vmapped function
    q = _rand(3) + p * 10
    got = ax.vmap(lambda r, q: cond_kernel(r, anp.sum(q)), in_axes=(0, None))(x, q)
    np.testing.assert_allclose(got, np_cond(x, q.sum()), rtol=1e-13)


@pytest.mark.parametrize("i", [-5, 0, 1, 2, 7])
def test_switch_values_clamped(i):
    x = _rand(4, 3)
    ia = np.asarray(i, dtype=np.int32)
    np.testing.assert_allclose(ax.jit(switch_kernel)(x[0], ia), np_switch(x[0], i), rtol=1e-13)
    got = ax.vmap(switch_kernel, in_axes=(0, None))(x, ia)
    np.testing.assert_allclose(got, loop_vmap(np_switch, in_axes=(0, None))(x, i), rtol=1e-13)
    assert alax.switch(ia, BRANCHES, x[0]).shape == (3,)  # eager: through jit


@pytest.mark.parametrize("p", [1.0, -1.0])
def test_pytrees_static_operands_and_levels_one_branch_adds(p):
    x = _rand(5, 3)
    w = _rand(3)

    def k(r, p):
        # the true branch reads the mapped row, the false one only unmapped values: both
        # results carry the vmap level in the generated code
        return alax.cond(
            p > 0,
            lambda a, n: {"v": a * n, "s": anp.sum(a)},
            lambda a, n: {"v": w * n, "s": anp.sum(w) + 0 * n},
            r,
            2,
        )

    got = ax.vmap(k, in_axes=(0, None))(x, np.asarray(p))
    if p > 0:
        np.testing.assert_allclose(got["v"], x * 2)
        np.testing.assert_allclose(got["s"], x.sum(1))
    else:
        np.testing.assert_allclose(got["v"], np.broadcast_to(w * 2, x.shape))
        np.testing.assert_allclose(got["s"], np.full(5, w.sum()))
    assert got["v"].flags.writeable


def test_nested_and_inside_a_loop():
    x = _rand(4)

    def nested(x, p, q):
        inner = lambda a: alax.cond(q > 0, lambda b: b * 2, lambda b: b * 3, a)  # noqa: E731
        return alax.cond(p > 0, inner, lambda a: -a, x)

    for p in (1.0, -1.0):
        for q in (1.0, -1.0):
            want = (x * 2 if q > 0 else x * 3) if p > 0 else -x
            np.testing.assert_allclose(ax.jit(nested)(x, np.asarray(p), np.asarray(q)), want)
    xs = _rand(100, 4)  # longer than MAX_UNROLL: the If sits in a Loop's body

    def scan_k(c, xs, p):
        step = lambda c, x: (alax.cond(p > 0, lambda c: c * 0.5 + x, lambda c: c - x, c), c[0])  # noqa: E731
        return alax.scan(step, c, xs)

    for p in (1.0, -1.0):
        c, ys = ax.jit(scan_k)(x, xs, np.asarray(p))
        cw, yw = x.copy(), []
        for r in xs:
            yw.append(cw[0])
            cw = cw * 0.5 + r if p > 0 else cw - r
        np.testing.assert_allclose(c, cw, rtol=1e-12)
        np.testing.assert_allclose(ys, yw, rtol=1e-12)


def test_branch_graphs_verify_and_errors():
    x = _rand(3)
    compiled = ax.jit(switch_kernel).lower(x, np.asarray(1))
    (node,) = _cond_nodes(compiled)
    for g in node.params.branches:
        g.verify()
    with pytest.raises(AxcompError, match="branch outputs differ"):
        ax.jit(lambda r, p: alax.cond(p > 0, lambda a: a, lambda a: a[:2], r))(x, np.asarray(1.0))
    with pytest.raises(AxcompError, match="different structures"):
        ax.jit(lambda r, p: alax.cond(p > 0, lambda a: (a, a), lambda a: a, r))(x, np.asarray(1.0))


# --- grad ------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [1.0, -1.0])
def test_grad_through_the_branch(p):
    x = _rand(4)
    pa = np.asarray(p)

    def loss(r, p):
        return anp.sum(cond_kernel(r, p) ** 2)

    g = ax.grad(loss)(x, pa)
    n = numeric_grad(lambda r: np.sum(np_cond(r, p) ** 2), [x])
    np.testing.assert_allclose(g, n, rtol=1e-6, atol=1e-7)
    compiled = ax.grad(loss).lower(x, pa)
    assert len(_cond_nodes(compiled)) == 2  # the forward value and the backward sweep
    assert compiled.source.count("if _bool(") == 2
    # grad of grad: the backward cond has the same rule
    want2 = (2 * np.cos(x) - x * np.sin(x)) if p > 0 else 6 * x
    gg = ax.grad(lambda r, p: anp.sum(ax.grad(lambda r, p: anp.sum(cond_kernel(r, p)))(r, p)))
    np.testing.assert_allclose(gg(x, pa), want2, rtol=1e-10)
    # per-example gradients with the predicate unmapped
    xs = _rand(3, 4)
    got = ax.vmap(ax.grad(loss), in_axes=(0, None))(xs, pa)
    for row, gr in zip(xs, got, strict=True):
        n = numeric_grad(lambda r: np.sum(np_cond(r, p) ** 2), [row])
        np.testing.assert_allclose(gr, n, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("i", [-1, 1, 9])
def test_grad_switch_and_closed_over_values(i):
    x, w = _rand(3), _rand(3)

    def loss(r, w, i):
        return anp.sum(
            alax.switch(i, [lambda a: a * w, lambda a: anp.exp(a) + w**2, lambda a: a], r)
        )

    k = int(np.clip(i, 0, 2))
    ia = np.asarray(i)
    gx, gw = ax.grad(loss, argnums=(0, 1))(x, w, ia)
    want_x = [w, np.exp(x), np.ones(3)][k]
    want_w = [x, 2 * w, np.zeros(3)][k]
    np.testing.assert_allclose(gx, want_x, rtol=1e-12)
    np.testing.assert_allclose(gw, want_w, rtol=1e-12)
    jac = ax.jacrev(lambda r: alax.switch(ia, BRANCHES, r))(x)
    want = [np.eye(3), np.diag(-2 * np.sin(x)), np.ones((3, 3)) - np.eye(3)][k]
    np.testing.assert_allclose(jac, want, rtol=1e-12, atol=1e-15)


# --- (4) the Array API backend ------------------------------------------------------------


def test_array_api_backend_prints_and_runs_the_branch():
    xp = pytest.importorskip("array_api_strict")
    x = _rand(5, 3)
    f = ax.vmap(switch_kernel, in_axes=(0, None))
    for i in (-2, 1, 4):
        got = f(xp.asarray(x), xp.asarray(i))
        assert isinstance(got, type(xp.asarray(0.0)))
        np.testing.assert_allclose(np.asarray(got), f(x, np.asarray(i)), rtol=1e-13)
    compiled = f.lower(xp.asarray(x), xp.asarray(1))
    assert compiled.backend == "array_api"
    assert "elif" in compiled.source and "where" not in compiled.source
    g = ax.jit(cond_kernel)
    for p in (1.0, -1.0):
        got = g(xp.asarray(x[0]), xp.asarray(p))
        np.testing.assert_allclose(np.asarray(got), np_cond(x[0], p), rtol=1e-13)
    assert "if _bool(" in g.lower(xp.asarray(x[0]), xp.asarray(1.0)).source


# --- (5) a batched predicate still selects -------------------------------------------------


def test_batched_predicate_selects():
    x = _rand(6, 3)
    f = ax.vmap(lambda r: alax.cond(r[0] > 0, lambda a: a * 2, lambda a: a - 1, r))
    compiled = f.lower(x)
    assert "where" in compiled.source and "if " not in compiled.source
    assert not _cond_nodes(compiled)
    np.testing.assert_allclose(f(x), np.where(x[:, :1] > 0, x * 2, x - 1))
    s = ax.vmap(lambda r, i: switch_kernel(r, i))
    idx = np.array([-1, 0, 1, 2, 3, 9])
    np.testing.assert_allclose(s(x, idx), np.stack([np_switch(r, i) for r, i in zip(x, idx)]))
    assert "if " not in s.lower(x, idx).source


# --- memory: the prediction covers the branch that runs ------------------------------------


def _measured(fun, args):
    fun(*args)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = fun(*args)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    del result
    return peak


def test_predicted_peak_is_the_costlier_branch():
    x = _rand(256, 512)  # 1 MiB per array
    f = ax.jit(lambda a, p: alax.cond(p > 0, lambda a: anp.exp(a) + anp.sin(a), lambda a: a * 3, a))
    predicted = ax.explain(f, x, np.asarray(1.0)).peak_bytes
    heavy = _measured(f, (x, np.asarray(1.0)))
    light = _measured(f, (x, np.asarray(-1.0)))
    assert 0.85 * heavy <= predicted <= 1.15 * heavy, (predicted, heavy)
    assert light < heavy
