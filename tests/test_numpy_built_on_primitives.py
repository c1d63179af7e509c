"""Differential tests for the ``axcomp.numpy`` functions built directly on primitives
(stacking, ``kron``/``cross``, ``diag``, ``meshgrid``, ``sinc``/``round``/``isclose``...,
``count_nonzero``/``ptp``/``average``, ``interp``, ``polyval``, ``convolve``/``correlate``,
``bincount``, ``select`` and the cheap array methods).

References: NumPy itself, the loop oracle (``tests/oracle.py``), finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import numeric_grad
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import loop_vmap

import axcomp as ax
import axcomp.numpy as anp
from axcomp.errors import ShapeError, UnsupportedError

RNG = np.random.default_rng(0)


def close(got, want):
    if isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            close(g, w)
        return
    want = np.asarray(want)
    got = np.asarray(got)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if want.dtype.kind in "fc":
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    else:
        np.testing.assert_array_equal(got, want)


def check(fn, np_fn, *args, in_axes=0):
    """vmap vs the per-example loop, jit vs NumPy on one example, eager vs NumPy."""
    close(ax.vmap(fn, in_axes=in_axes)(*args), loop_vmap(np_fn, in_axes=in_axes)(*args))
    spec = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
    one = [a if s is None else np.take(a, 0, axis=s) for a, s in zip(args, spec)]
    close(ax.jit(fn)(*one), np_fn(*one))
    close(fn(*one), np_fn(*one))


X = RNG.normal(size=(3, 4, 5))
V = RNG.normal(size=(3, 5))


# ------------------------------------------------------------------ unary-ish, one array


CASES = [
    ("atleast_1d", lambda a: anp.atleast_1d(a[0, 0]), lambda a: np.atleast_1d(a[0, 0])),
    ("atleast_2d", lambda a: anp.atleast_2d(a[0]), lambda a: np.atleast_2d(a[0])),
    ("atleast_3d", lambda a: anp.atleast_3d(a), lambda a: np.atleast_3d(a)),
    ("atleast_3d1", lambda a: anp.atleast_3d(a[1]), lambda a: np.atleast_3d(a[1])),
    ("hstack", lambda a: anp.hstack([a, a[:, :2]]), lambda a: np.hstack([a, a[:, :2]])),
    ("hstack1", lambda a: anp.hstack((a[0], a[1])), lambda a: np.hstack((a[0], a[1]))),
    ("vstack", lambda a: anp.vstack([a, a[0]]), lambda a: np.vstack([a, a[0]])),
    ("dstack", lambda a: anp.dstack([a, a]), lambda a: np.dstack([a, a])),
    (
        "column_stack",
        lambda a: anp.column_stack([a[:, 0], a]),
        lambda a: np.column_stack([a[:, 0], a]),
    ),
    ("kron", lambda a: anp.kron(a, a[:2, :3]), lambda a: np.kron(a, a[:2, :3])),
    ("kron1", lambda a: anp.kron(a[0], a), lambda a: np.kron(a[0], a)),
    ("diag_m", lambda a: anp.diag(a), lambda a: np.diag(a)),
    ("diag_m1", lambda a: anp.diag(a, 1), lambda a: np.diag(a, 1)),
    ("diag_m-2", lambda a: anp.diag(a, -2), lambda a: np.diag(a, -2)),
    ("diag_m9", lambda a: anp.diag(a, 9), lambda a: np.diag(a, 9)),
    ("diag_v", lambda a: anp.diag(a[0]), lambda a: np.diag(a[0])),
    ("diag_v2", lambda a: anp.diag(a[0], 2), lambda a: np.diag(a[0], 2)),
    ("diag_v-3", lambda a: anp.diag(a[0], -3), lambda a: np.diag(a[0], -3)),
    ("sinc", lambda a: anp.sinc(a), lambda a: np.sinc(a)),
    ("signbit", lambda a: anp.signbit(a), lambda a: np.signbit(a)),
    ("fix", lambda a: anp.fix(3 * a), lambda a: np.fix(3 * a)),
    ("float_power", lambda a: anp.float_power(abs(a), 1.5), lambda a: np.float_power(abs(a), 1.5)),
    ("round", lambda a: anp.round(a, 2), lambda a: np.round(a, 2)),
    ("round0", lambda a: anp.round(7 * a), lambda a: np.round(7 * a)),
    ("round-1", lambda a: anp.around(70 * a, -1), lambda a: np.around(70 * a, -1)),
    ("count_nonzero", lambda a: anp.count_nonzero(a > 0), lambda a: np.count_nonzero(a > 0)),
    (
        "count_nonzero_ax",
        lambda a: anp.count_nonzero(a > 0, axis=1),
        lambda a: np.count_nonzero(a > 0, axis=1),
    ),
    ("ptp", lambda a: anp.ptp(a, axis=0), lambda a: np.ptp(a, axis=0)),
    ("ptp_all", lambda a: anp.ptp(a), lambda a: np.ptp(a)),
    ("average", lambda a: anp.average(a, axis=1), lambda a: np.average(a, axis=1)),
    ("average_all", lambda a: anp.average(a), lambda a: np.average(a)),
    (
        "average_w",
        lambda a: anp.average(a, axis=1, weights=abs(a[0]) + 1),
        lambda a: np.average(a, axis=1, weights=abs(a[0]) + 1),
    ),
    (
        "average_ret",
        lambda a: anp.average(a, axis=0, weights=abs(a), returned=True),
        lambda a: np.average(a, axis=0, weights=abs(a), returned=True),
    ),
    ("polyval", lambda a: anp.polyval(a[0], a), lambda a: np.polyval(a[0], a)),
    (
        "select",
        lambda a: anp.select([a > 0.5, a < -0.5], [a, 2 * a], -1.0),
        lambda a: np.select([a > 0.5, a < -0.5], [a, 2 * a], -1.0),
    ),
    ("isclose", lambda a: anp.isclose(a, a + 1e-9), lambda a: np.isclose(a, a + 1e-9)),
    (
        "isclose2",
        lambda a: anp.isclose(a, np.round(a, 1), atol=0.03),
        lambda a: np.isclose(a, np.round(a, 1), atol=0.03),
    ),
    (
        "allclose",
        lambda a: anp.allclose(a, a * (1 + 1e-7)),
        lambda a: np.bool_(np.allclose(a, a * (1 + 1e-7))),
    ),
    (
        "cross",
        lambda a: anp.cross(a[:, :3], a[1:, 1:4][0]),
        lambda a: np.cross(a[:, :3], a[1:, 1:4][0]),
    ),
    (
        "cross_ax",
        lambda a: anp.cross(a[:3], a[1:], axisa=0, axisb=0, axisc=1),
        lambda a: np.cross(a[:3], a[1:], axisa=0, axisb=0, axisc=1),
    ),
    (
        "meshgrid",
        lambda a: anp.meshgrid(a[0], a[1, :3]),
        lambda a: list(np.meshgrid(a[0], a[1, :3])),
    ),
    (
        "meshgrid_ij",
        lambda a: anp.meshgrid(a[0], a[1, :3], a[2, :2], indexing="ij"),
        lambda a: list(np.meshgrid(a[0], a[1, :3], a[2, :2], indexing="ij")),
    ),
    (
        "meshgrid_sparse",
        lambda a: anp.meshgrid(a[0], a[1, :3], sparse=True),
        lambda a: list(np.meshgrid(a[0], a[1, :3], sparse=True)),
    ),
    (
        "interp",
        lambda a: anp.interp(3 * a, np.linspace(-2, 2, 7), np.arange(7.0) ** 2),
        lambda a: np.interp(3 * a, np.linspace(-2, 2, 7), np.arange(7.0) ** 2),
    ),
    (
        "interp_lr",
        lambda a: anp.interp(3 * a, np.linspace(-2, 2, 7), np.arange(7.0), left=-5, right=9.0),
        lambda a: np.interp(3 * a, np.linspace(-2, 2, 7), np.arange(7.0), left=-5, right=9.0),
    ),
    (
        "interp_traced",
        lambda a: anp.interp(a[0], anp.cumsum(abs(a[1]) + 0.1) - 1, a[2]),
        lambda a: np.interp(a[0], np.cumsum(abs(a[1]) + 0.1) - 1, a[2]),
    ),
    (
        "triu",
        lambda a: (
            a[anp.triu_indices(4, 1, 5)] if False else a[0] * 0 + anp.triu_indices(4, 1, 5)[0].sum()
        ),
        lambda a: a[0] * 0 + np.triu_indices(4, 1, 5)[0].sum(),
    ),
    ("clip_m", lambda a: a.clip(-0.5, 0.5), lambda a: a.clip(-0.5, 0.5)),
    ("clip_m1", lambda a: a.clip(max=0.1), lambda a: a.clip(max=0.1)),
    ("round_m", lambda a: a.round(1), lambda a: a.round(1)),
    ("any_m", lambda a: (a > 1).any(axis=0), lambda a: (a > 1).any(axis=0)),
    ("all_m", lambda a: (a > -2).all(), lambda a: (a > -2).all()),
    ("argmax_m", lambda a: a.argmax(axis=1), lambda a: a.argmax(axis=1)),
    ("argmin_m", lambda a: a.argmin(), lambda a: a.argmin()),
]


@pytest.mark.parametrize(
    "name,fn,np_fn,in_axes",
    [(*c, 2 if k % 2 else 0) for k, c in enumerate(CASES)],
    ids=[c[0] for c in CASES],
)
def test_one_array(name, fn, np_fn, in_axes):
    x = X
    if name.startswith("cross_ax") and in_axes == 2:
        x = RNG.normal(size=(4, 5, 3))
    check(fn, np_fn, x, in_axes=in_axes)


def test_nested_vmap_and_mixed_axes():
    def f(a, v):
        return anp.convolve(a, v, mode="same") + anp.interp(a, np.arange(-2.0, 3.0), v[:5])

    def ref(a, v):
        return np.convolve(a, v, mode="same") + np.interp(a, np.arange(-2.0, 3.0), v[:5])

    a = RNG.normal(size=(2, 3, 6))
    v = RNG.normal(size=(5, 2))
    got = ax.vmap(ax.vmap(f, in_axes=(0, None)), in_axes=(0, 1))(a, v)
    want = loop_vmap(loop_vmap(ref, in_axes=(0, None)), in_axes=(0, 1))(a, v)
    close(got, want)


def test_methods():
    close(ax.vmap(lambda a: a.ptp(axis=1))(X), np.ptp(X, axis=2))
    close(ax.vmap(lambda a: a.clip(min=0.0))(X), X.clip(min=0.0))


# ------------------------------------------------------------------ convolve / correlate


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 7),
    m=st.integers(1, 7),
    mode=st.sampled_from(["full", "same", "valid"]),
    which=st.sampled_from(["convolve", "correlate"]),
    axes=st.sampled_from([(0, 0), (0, None), (None, 1), (1, 0)]),
)
def test_convolve_correlate(n, m, mode, which, axes):
    rng = np.random.default_rng(n * 10 + m)
    a = rng.normal(size=(3, n) if axes[0] != 1 else (n, 3))
    v = rng.normal(size=(3, m) if axes[1] != 1 else (m, 3))
    if axes[0] is None:
        a = a[0]
    if axes[1] is None:
        v = v[0]
    fn = getattr(anp, which)
    ref = getattr(np, which)
    close(
        ax.vmap(lambda x, y: fn(x, y, mode=mode), in_axes=axes)(a, v),
        loop_vmap(lambda x, y: ref(x, y, mode=mode), in_axes=axes)(a, v),
    )


def test_correlate_complex():
    a = RNG.normal(size=(2, 5)) + 1j * RNG.normal(size=(2, 5))
    v = RNG.normal(size=(2, 3)) + 1j * RNG.normal(size=(2, 3))
    for mode in ("full", "same", "valid"):
        close(
            ax.vmap(lambda x, y, mode=mode: anp.correlate(x, y, mode))(a, v),
            loop_vmap(lambda x, y, mode=mode: np.correlate(x, y, mode))(a, v),
        )
        close(
            ax.vmap(lambda x, y, mode=mode: anp.correlate(y, x, mode))(a, v),
            loop_vmap(lambda x, y, mode=mode: np.correlate(y, x, mode))(a, v),
        )


# ------------------------------------------------------------------ bincount


def test_bincount():
    x = RNG.integers(0, 6, size=(4, 9))
    w = RNG.normal(size=(4, 9))
    got = ax.vmap(lambda i: anp.bincount(i, length=8))(x)
    close(got, np.stack([np.bincount(r, minlength=8) for r in x]))
    got = ax.vmap(lambda i, ww: anp.bincount(i, ww, length=5))(x, w)
    want = np.stack([np.bincount(r, q, minlength=8)[:5] for r, q in zip(x, w)])
    close(got, want)
    # eager: length= is JAX's keyword, values past it dropped
    close(anp.bincount(x[0], length=3), np.bincount(x[0], minlength=6)[:3])
    close(anp.bincount(x[0]), np.bincount(x[0]))
    with pytest.raises(TypeError, match="length"):
        ax.vmap(lambda i: anp.bincount(i))(x)


def test_triu_tril_static():
    for f in ("triu_indices", "tril_indices"):
        got = getattr(anp, f)(4, 1, 5)
        want = getattr(np, f)(4, 1, 5)
        assert all(isinstance(g, np.ndarray) for g in got)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_special_values():
    x = np.array([[0.0, -0.0, np.nan, -np.nan, np.inf, -np.inf, 1.5, -2.5]])
    close(ax.vmap(anp.signbit)(x), np.signbit(x))
    close(ax.vmap(anp.sinc)(x), np.sinc(x))
    close(ax.vmap(anp.fix)(x), np.fix(x))
    close(ax.vmap(lambda a: anp.isclose(a, a, equal_nan=True))(x), np.isclose(x, x, equal_nan=True))
    close(ax.vmap(lambda a: anp.isclose(a, a))(x), np.isclose(x, x))
    i = np.array([[-3, 0, 4]], np.int32)
    close(ax.vmap(anp.signbit)(i), np.signbit(i))
    close(ax.vmap(anp.fix)(i), np.fix(i))
    close(
        ax.vmap(lambda a: anp.round(a, -1))(np.array([[15, 25, -35]])),
        np.round(np.array([[15, 25, -35]]), -1),
    )
    # diag keeps NaN and inf in place
    close(ax.vmap(anp.diag)(x[:, :3]), np.stack([np.diag(x[0, :3])]))


def test_allclose_is_traced_bool():
    def f(a):
        ok = anp.allclose(a, a + 1e-12)
        assert ok.shape == () and ok.dtype == np.bool_
        return ok

    close(ax.vmap(f)(X), np.ones(3, bool))


def test_errors():
    with pytest.raises(ShapeError, match="3-vectors"):
        ax.vmap(lambda a: anp.cross(a, a))(X)
    with pytest.raises(ShapeError, match="mode"):
        ax.vmap(lambda a: anp.convolve(a, a, mode="bad"))(V)
    with pytest.raises(ShapeError, match="axis must be specified"):
        ax.vmap(lambda a: anp.average(a, weights=np.ones(5)))(X)
    with pytest.raises(UnsupportedError, match="period"):
        ax.vmap(lambda a: anp.interp(a, np.arange(3.0), np.arange(3.0), period=1.0))(V)


# ------------------------------------------------------------------ gradients


GRADS = [
    ("kron", lambda a: anp.sum(anp.kron(a, a[:2]) ** 2)),
    ("cross", lambda a: anp.sum(anp.cross(a[:, :3], a[:, 1:4]) ** 2)),
    ("diag", lambda a: anp.sum(anp.diag(a, 1) * anp.diag(a[0], 1)[:3, :4].sum())),
    ("stacks", lambda a: anp.sum(anp.hstack([a, a]) * anp.vstack([a, a]).sum(0)[:4, None])),
    ("sinc", lambda a: anp.sum(anp.sinc(a))),
    ("average", lambda a: anp.sum(anp.average(a, axis=0, weights=anp.exp(a)))),
    ("polyval", lambda a: anp.sum(anp.polyval(a[0], a))),
    ("convolve", lambda a: anp.sum(anp.convolve(a[0], a[1], "same") ** 2)),
    ("correlate", lambda a: anp.sum(anp.correlate(a[0], a[1, :3], "full") ** 2)),
    ("interp", lambda a: anp.sum(anp.interp(a, np.linspace(-3, 3, 9), np.sin(np.arange(9.0))))),
    ("interp_fp", lambda a: anp.sum(anp.interp(a[0], np.linspace(-3, 3, 5), a[1]) ** 2)),
    ("select", lambda a: anp.sum(anp.select([a > 0], [a**2], a))),
    ("float_power", lambda a: anp.sum(anp.float_power(anp.abs(a) + 1, 1.5))),
    ("bincount_w", lambda a: anp.sum(anp.bincount(np.array([0, 1, 1, 3, 4]), a[0], length=4) ** 2)),
]


@pytest.mark.parametrize("name,f", GRADS, ids=[g[0] for g in GRADS])
def test_grad(name, f):
    a = RNG.normal(size=(4, 5))
    g = ax.grad(f)(a)
    want = numeric_grad(lambda x: ax.jit(f)(x), [a])
    np.testing.assert_allclose(g, want, rtol=1e-5, atol=1e-6)
    if GRADS.index((name, f)) % 3:
        return
    # per example, under vmap
    b = RNG.normal(size=(2, 4, 5))
    gv = ax.vmap(ax.grad(f))(b)
    np.testing.assert_allclose(gv[1], ax.grad(f)(b[1]), rtol=1e-12, atol=1e-12)


def test_sinc_grad_at_zero():
    np.testing.assert_allclose(ax.grad(lambda a: anp.sum(anp.sinc(a)))(np.zeros(3)), np.zeros(3))


# ------------------------------------------------------------------ array API backend


def test_array_api_backend():
    xp = pytest.importorskip("array_api_strict")
    a = xp.asarray(X)
    f = ax.jit(
        lambda x: anp.kron(anp.diag(x[0], 1), x[1]).sum() + anp.convolve(x[0, 0], x[1, 1]).sum()
    )
    np.testing.assert_allclose(float(f(a)), float(f(X)))


def test_bincount_clips_like_jax():
    x = np.array([[0, 1, 7, -1]])
    close(ax.vmap(lambda i: anp.bincount(i, length=4))(x), np.array([[2, 1, 0, 0]]))
    close(anp.bincount(x[0], length=4), np.array([2, 1, 0, 0]))


def test_interp_dtypes_like_jax():
    # JAX's dtypes: float32 points and knots stay float32 (NumPy's interp is float64)
    x32 = np.array([[0.5, -1.5, 2.0]], np.float32)
    xp, fp = np.array([-1.0, 0, 1, 3]), np.array([1 + 2j, 3, 4j, 5])
    close(ax.vmap(lambda a: anp.interp(a, xp, fp))(x32), np.interp(x32[0], xp, fp)[None])
    k32 = np.array([-2.0, 0.0, 1.0], np.float32)
    want = np.interp(x32[0], np.cumsum(abs(x32[0])) - 2, x32[0])[None].astype(np.float32)
    close(ax.vmap(lambda a: anp.interp(a, anp.cumsum(abs(a)) - 2, a))(x32), want)
    want = np.interp(x32[0], k32, k32).astype(np.float32)
    close(ax.jit(lambda a: anp.interp(a, k32, k32))(x32[0]), want)
    close(anp.interp(x32[0], k32, k32), want)
