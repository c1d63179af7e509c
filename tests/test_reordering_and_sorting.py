"""Differential tests for reordering and sorting (the sort/take-along primitives of
axcomp/primitives/order.py and the functions built on them): tile, repeat, flip, roll,
rot90, pad, lax.pad, sort, argsort, lax.sort, top_k, searchsorted, cummax/cummin, diff,
triu/tril, diagonal, trace, split.

References: NumPy, the loop oracle (tests/oracle.py), finite differences
(tests/gradcheck.py), and values computed with jax 0.10.2 (x64) written down here where
JAX's semantics differ from NumPy's (descending argsort, top_k, lax.sort, lax.pad,
searchsorted with NaN).
"""

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


def rnd(shape, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(-5, 6, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def same(actual, expected):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    if expected.dtype.kind in "fc":
        np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-12)
    else:
        np.testing.assert_array_equal(actual, expected)


def np_lax_pad(x, value, config):
    """jax.lax.pad in NumPy: interior first, then low/high (negative crops)."""
    for d, (lo, hi, interior) in enumerate(config):
        n = x.shape[d]
        if n:
            size = n + (n - 1) * interior
            shape = list(x.shape)
            shape[d] = size
            out = np.full(shape, value, x.dtype)
            idx = [slice(None)] * x.ndim
            idx[d] = slice(0, size, interior + 1)
            out[tuple(idx)] = x
            x = out
        idx = [slice(None)] * x.ndim
        idx[d] = slice(max(-lo, 0), x.shape[d] - max(-hi, 0))
        x = x[tuple(idx)]
        widths = [(0, 0)] * x.ndim
        widths[d] = (max(lo, 0), max(hi, 0))
        x = np.pad(x, widths, constant_values=value)
    return x


def np_cum(fn, x, axis, reverse):
    if reverse:
        return np.flip(fn.accumulate(np.flip(x, axis), axis=axis), axis)
    return fn.accumulate(x, axis=axis)


# (name, axcomp kernel, NumPy reference) on one example of shape (4, 5)
CASES = [
    ("tile", lambda a: anp.tile(a, (2, 1, 3)), lambda a: np.tile(a, (2, 1, 3))),
    ("tile_int", lambda a: anp.tile(a, 2), lambda a: np.tile(a, 2)),
    ("repeat_int", lambda a: anp.repeat(a, 3, axis=1), lambda a: np.repeat(a, 3, axis=1)),
    ("repeat_flat", lambda a: anp.repeat(a, 2), lambda a: np.repeat(a, 2)),
    (
        "repeat_each",
        lambda a: anp.repeat(a, [0, 2, 1, 3], axis=0),
        lambda a: np.repeat(a, [0, 2, 1, 3], axis=0),
    ),
    ("repeat_method", lambda a: a.repeat(2, axis=-1), lambda a: a.repeat(2, axis=-1)),
    ("flip", lambda a: anp.flip(a), lambda a: np.flip(a)),
    ("flip1", lambda a: anp.flip(a, 1), lambda a: np.flip(a, 1)),
    ("fliplr", anp.fliplr, np.fliplr),
    ("flipud", anp.flipud, np.flipud),
    ("roll_none", lambda a: anp.roll(a, 7), lambda a: np.roll(a, 7)),
    ("roll_int", lambda a: anp.roll(a, -2, axis=1), lambda a: np.roll(a, -2, axis=1)),
    (
        "roll_tuple",
        lambda a: anp.roll(a, (1, 3), axis=(0, 1)),
        lambda a: np.roll(a, (1, 3), axis=(0, 1)),
    ),
    ("roll_same", lambda a: anp.roll(a, (1, 2), axis=(1, 1)), lambda a: np.roll(a, (1, 2), (1, 1))),
    ("rot90", anp.rot90, np.rot90),
    ("rot90_k3", lambda a: anp.rot90(a, 3), lambda a: np.rot90(a, 3)),
    ("rot90_k2", lambda a: anp.rot90(a, -2, (1, 0)), lambda a: np.rot90(a, -2, (1, 0))),
    ("pad_const", lambda a: anp.pad(a, 2), lambda a: np.pad(a, 2)),
    (
        "pad_const_values",
        lambda a: anp.pad(a, ((1, 0), (2, 3)), constant_values=((1.5, 2), (3, 4))),
        lambda a: np.pad(a, ((1, 0), (2, 3)), constant_values=((1.5, 2), (3, 4))),
    ),
    ("pad_edge", lambda a: anp.pad(a, (2, 7), "edge"), lambda a: np.pad(a, (2, 7), "edge")),
    (
        "pad_reflect",
        lambda a: anp.pad(a, ((3, 9), (1, 2)), "reflect"),
        lambda a: np.pad(a, ((3, 9), (1, 2)), "reflect"),
    ),
    ("pad_symmetric", lambda a: anp.pad(a, 6, "symmetric"), lambda a: np.pad(a, 6, "symmetric")),
    (
        "pad_wrap",
        lambda a: anp.pad(a, ((6, 1), (0, 11)), "wrap"),
        lambda a: np.pad(a, ((6, 1), (0, 11)), "wrap"),
    ),
    (
        "lax_pad",
        lambda a: alax.pad(a, np.float64(-1.0), [(1, -1, 2), (-2, 3, 1)]),
        lambda a: np_lax_pad(a, -1.0, [(1, -1, 2), (-2, 3, 1)]),
    ),
    ("sort", anp.sort, np.sort),
    ("sort0", lambda a: anp.sort(a, axis=0), lambda a: np.sort(a, axis=0)),
    ("sort_none", lambda a: anp.sort(a, axis=None), lambda a: np.sort(a, axis=None)),
    ("sort_desc", lambda a: anp.sort(a, descending=True), lambda a: np.flip(np.sort(a), -1)),
    ("sort_method", lambda a: a.sort(axis=0), lambda a: np.sort(a, axis=0)),
    ("argsort", anp.argsort, lambda a: np.argsort(a, kind="stable")),
    ("argsort0", lambda a: a.argsort(axis=0), lambda a: np.argsort(a, axis=0, kind="stable")),
    (
        "argsort_desc",
        lambda a: anp.argsort(a, descending=True),
        lambda a: a.shape[-1] - 1 - np.flip(np.argsort(np.flip(a, -1), kind="stable"), -1),
    ),
    (
        "cummax",
        lambda a: alax.cummax(a, axis=1),
        lambda a: np_cum(np.maximum, a, 1, False),
    ),
    (
        "cummin_rev",
        lambda a: alax.cummin(a, axis=0, reverse=True),
        lambda a: np_cum(np.minimum, a, 0, True),
    ),
    ("diff", anp.diff, np.diff),
    ("diff2_0", lambda a: anp.diff(a, 2, axis=0), lambda a: np.diff(a, 2, axis=0)),
    (
        "diff_pre_app",
        lambda a: anp.diff(a, 1, 1, prepend=0.5, append=np.ones((4, 2))),
        lambda a: np.diff(a, 1, 1, prepend=0.5, append=np.ones((4, 2))),
    ),
    ("triu", anp.triu, np.triu),
    ("tril_k", lambda a: anp.tril(a, -1), lambda a: np.tril(a, -1)),
    ("triu_k", lambda a: anp.triu(a, 2), lambda a: np.triu(a, 2)),
    ("diagonal", anp.diagonal, np.diagonal),
    ("diagonal_off", lambda a: anp.diagonal(a, 2), lambda a: np.diagonal(a, 2)),
    ("diagonal_neg", lambda a: a.diagonal(-1, 1, 0), lambda a: a.diagonal(-1, 1, 0)),
    ("trace", anp.trace, np.trace),
    ("trace_off", lambda a: anp.trace(a, 1), lambda a: np.trace(a, 1)),
    (
        "split",
        lambda a: anp.stack(anp.split(a, 2, axis=0)),
        lambda a: np.stack(np.split(a, 2, axis=0)),
    ),
    (
        "array_split",
        lambda a: anp.concatenate([p * (k + 1) for k, p in enumerate(anp.array_split(a, 3, 1))], 1),
        lambda a: np.concatenate([p * (k + 1) for k, p in enumerate(np.array_split(a, 3, 1))], 1),
    ),
    (
        "split_at",
        lambda a: anp.split(a, [1, 3, 9], axis=1)[1] + 0,
        lambda a: np.split(a, [1, 3, 9], axis=1)[1] + 0,
    ),
    (
        "searchsorted",
        lambda a: anp.searchsorted(anp.sort(a[0]), a[1:]),
        lambda a: np.searchsorted(np.sort(a[0]), a[1:]),
    ),
    (
        "searchsorted_right",
        lambda a: anp.searchsorted(anp.sort(a[0]), a[1:], side="right"),
        lambda a: np.searchsorted(np.sort(a[0]), a[1:], side="right"),
    ),
    ("top_k_values", lambda a: alax.top_k(a, 3)[0], lambda a: -np.sort(-a, axis=-1)[..., :3]),
    (
        "top_k_indices",
        lambda a: alax.top_k(a, 3)[1],
        lambda a: np.argsort(-a, axis=-1, kind="stable")[..., :3].astype(np.int32),
    ),
]
IDS = [c[0] for c in CASES]


def ints_with_ties(shape, seed=0):
    return np.random.default_rng(seed).integers(0, 3, size=shape).astype(np.float64)


@pytest.mark.parametrize(("name", "kernel", "ref"), CASES, ids=IDS)
def test_vmap_matches_loop(name, kernel, ref):
    x = ints_with_ties((3, 4, 5)) if "sort" in name or "top_k" in name else rnd((3, 4, 5))
    same(ax.vmap(kernel)(x), loop_vmap(ref)(x))
    xt = np.ascontiguousarray(np.moveaxis(x, 0, 1))
    same(ax.jit(ax.vmap(kernel, in_axes=1))(xt), loop_vmap(ref, in_axes=1)(xt))
    nested = ax.vmap(ax.vmap(kernel, in_axes=1), in_axes=0)
    xx = np.stack([x, x[::-1] * 2])  # (2, 3, 4, 5) mapped on 0 then on 1 of the rest
    xx = np.moveaxis(xx, 1, 2)  # (2, 4, 3, 5)
    want = loop_vmap(loop_vmap(ref, in_axes=1), in_axes=0)(xx)
    same(nested(xx), want)


@pytest.mark.parametrize(
    "name",
    [
        "tile",
        "repeat_each",
        "flip",
        "roll_tuple",
        "rot90",
        "pad_reflect",
        "sort",
        "argsort",
        "diff_pre_app",
        "triu",
        "diagonal_off",
        "trace",
    ],
)
def test_eager_is_numpy(name):
    _, kernel, ref = CASES[IDS.index(name)]
    x = rnd((4, 5))
    got = kernel(x)
    assert isinstance(got, (np.ndarray, np.generic))
    same(got, ref(x))


def test_unbatched_mixed_in_axes():
    x, y = rnd((3, 4, 5)), rnd((4, 5), 1)

    def kernel(a, b):
        return anp.sort(a * b, axis=0) + anp.roll(b, 1) + anp.pad(a, 1, "edge")[1:-1, 1:-1]

    def ref(a, b):
        return np.sort(a * b, axis=0) + np.roll(b, 1) + np.pad(a, 1, "edge")[1:-1, 1:-1]

    same(ax.vmap(kernel, in_axes=(0, None))(x, y), loop_vmap(ref, in_axes=(0, None))(x, y))
    same(
        ax.vmap(kernel, in_axes=(2, None))(x.transpose(1, 2, 0), y),
        loop_vmap(ref, in_axes=(2, None))(x.transpose(1, 2, 0), y),
    )


# ------------------------------------------------------------------ JAX's semantics

NAN = np.nan
JX = np.array([[3.0, 1.0, 3.0, NAN, 2.0, 1.0], [0.0, -0.0, 5.0, 5.0, 1.0, 0.0]])


def test_argsort_descending_like_jax():
    want = np.array([[3, 0, 2, 4, 1, 5], [2, 3, 4, 0, 1, 5]])
    same(ax.vmap(lambda r: anp.argsort(r, descending=True))(JX), want)
    same(ax.vmap(anp.argsort)(JX), np.array([[1, 5, 4, 0, 2, 3], [0, 1, 5, 4, 2, 3]]))


def test_top_k_like_jax():
    v, i = ax.vmap(lambda r: alax.top_k(r, 4))(JX)
    same(v, np.array([[NAN, 3.0, 3.0, 2.0], [5.0, 5.0, 1.0, 0.0]]))
    same(i, np.array([[3, 0, 2, 4], [2, 3, 4, 0]], dtype=np.int32))
    v, i = alax.top_k(JX, 2)  # eager: compiled through jit
    same(i, np.array([[3, 0], [2, 3]], dtype=np.int32))


def test_lax_sort_num_keys_like_jax():
    k1 = np.array([2, 1, 2, 1, 0, 2])
    k2 = np.array([5.0, 4.0, 3.0, 2.0, 1.0, 0.0])
    k3 = np.arange(6.0)
    got = alax.sort((k1, k2, k3), num_keys=2)
    same(got[0], np.array([0, 1, 1, 2, 2, 2]))
    same(got[1], np.array([1.0, 2.0, 4.0, 0.0, 3.0, 5.0]))
    same(got[2], np.array([4.0, 3.0, 1.0, 5.0, 2.0, 0.0]))
    got = alax.sort((k1, k2, k3), num_keys=1)
    same(got[1], np.array([1.0, 4.0, 2.0, 5.0, 3.0, 0.0]))
    # batched keys with an unbatched payload
    keys = np.stack([k1, k1[::-1]])
    out = ax.vmap(lambda k, p: alax.sort((k, p), num_keys=1)[1], in_axes=(0, None))(keys, k3)
    same(out, np.stack([k3[np.argsort(k, kind="stable")] for k in keys]))
    same(alax.sort(k2), np.sort(k2))
    (only,) = alax.sort([k2])
    same(only, np.sort(k2))


def test_searchsorted_nan_like_jax():
    a = np.array([1.0, 2.0, 2.0, 3.0, NAN])
    v = np.array([0.0, 2.0, 2.5, NAN, 9.0])
    f = ax.jit(lambda a, v, side: anp.searchsorted(a, v, side=side), static_argnums=2)
    same(f(a, v, "right"), np.array([0, 3, 3, 5, 4]))
    same(f(a, v, "left"), np.array([0, 1, 3, 4, 4]))


def test_lax_pad_eager_and_errors():
    a = np.arange(12.0).reshape(3, 4)
    config = [(1, -1, 2), (-2, 3, 1)]
    same(alax.pad(a, np.float64(-1.0), config), np_lax_pad(a, -1.0, config))
    with pytest.raises(ax.ShapeError, match="padding_config"):
        alax.pad(a, np.float64(0.0), [(1, 1, 0)])
    with pytest.raises(TypeError, match="padding_value"):
        alax.pad(a, np.float32(0.0), config)


# ------------------------------------------------------------------ gradients

GRADS = [
    ("sort", lambda a: anp.sort(a, axis=0)),
    ("sort_desc", lambda a: anp.sort(a, axis=None, descending=True)),
    ("top_k", lambda a: alax.top_k(a, 2)[0]),
    ("lax_sort", lambda a: alax.sort((a[0], a[1]), num_keys=1)[1]),
    ("tile", lambda a: anp.tile(a, (2, 3))),
    ("repeat_each", lambda a: anp.repeat(a, [0, 2, 1], axis=0)),
    ("repeat_int", lambda a: anp.repeat(a, 2)),
    ("roll", lambda a: anp.roll(a, (1, -1), (0, 1))),
    ("rot90", lambda a: anp.rot90(a, 3)),
    ("pad_reflect", lambda a: anp.pad(a, ((2, 5), (1, 3)), "reflect")),
    ("pad_edge", lambda a: anp.pad(a, 3, "edge")),
    ("pad_wrap", lambda a: anp.pad(a, ((0, 7), (2, 0)), "wrap")),
    ("pad_const", lambda a: anp.pad(a, 2, constant_values=1.5)),
    ("lax_pad", lambda a: alax.pad(a, np.float64(0.5), [(1, -1, 1), (-1, 2, 2)])),
    ("cummax", lambda a: alax.cummax(a, axis=1)),
    ("cummin", lambda a: alax.cummin(a, axis=0, reverse=True)),
    ("diff", lambda a: anp.diff(a, 2, axis=1, prepend=0.0)),
    ("tril", lambda a: anp.tril(a, 1)),
    ("diagonal", lambda a: anp.diagonal(a, 1)),
    ("trace", lambda a: anp.trace(a, -1)),
    ("split", lambda a: anp.array_split(a, 2, 1)[0]),
]


@pytest.mark.parametrize(("name", "fn"), GRADS, ids=[g[0] for g in GRADS])
def test_grad_matches_finite_differences(name, fn):
    rng = np.random.default_rng(3)
    wout = {}

    def loss(a):
        out = fn(a)
        key = out.shape
        if key not in wout:
            wout[key] = np.random.default_rng(7).standard_normal(key)
        return anp.sum(out * wout[key])

    xs = rng.standard_normal((2, 3, 4))
    g = ax.vmap(ax.grad(loss))(xs)
    for b in range(2):
        fd = numeric_grad(ax.jit(loss), [xs[b]])
        np.testing.assert_allclose(g[b], fd, rtol=1e-6, atol=1e-6)


def test_sort_grad_ties_follow_stable_permutation():
    # jax.grad(lambda z: sum(sort(z) * arange(6)))(z) with ties
    z = np.array([3.0, 1.0, 3.0, 2.0, 2.0, 1.0])
    g = ax.grad(lambda a: anp.sum(anp.sort(a) * np.arange(6.0)))(z)
    same(g, np.array([4.0, 0.0, 5.0, 2.0, 3.0, 1.0]))


# ------------------------------------------------------------------ shapes vary


@settings(max_examples=25, deadline=None)
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
    data=st.data(),
)
def test_hypothesis_pad_roll_sort(shape, data):
    nd = len(shape)
    widths = tuple((data.draw(st.integers(0, 5)), data.draw(st.integers(0, 5))) for _ in range(nd))
    mode = data.draw(st.sampled_from(["constant", "edge", "reflect", "wrap", "symmetric"]))
    shift = data.draw(st.integers(-7, 7))
    axis = data.draw(st.integers(-nd, nd - 1))
    reps = data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=nd + 1).map(tuple))
    if mode == "reflect" and 1 in shape:
        mode = "symmetric"
    x = rnd((2, *shape), seed=len(shape))

    def kernel(a):
        return (
            anp.pad(a, widths, mode).sum()
            + anp.roll(a, shift, axis).sum(axis=axis) * 2
            + anp.sort(a, axis=axis).sum(axis=axis)
            + anp.tile(a, reps).sum()
        )

    def ref(a):
        return (
            np.pad(a, widths, mode).sum()
            + np.roll(a, shift, axis).sum(axis=axis) * 2
            + np.sort(a, axis=axis).sum(axis=axis)
            + np.tile(a, reps).sum()
        )

    np.testing.assert_allclose(ax.vmap(kernel)(x), loop_vmap(ref)(x), rtol=1e-10, atol=1e-10)


# ------------------------------------------------------------------ errors


def test_errors_name_argument_and_shape():
    x = np.ones((3, 4, 5))
    with pytest.raises(ax.AxcompError, match="axis 2 is out of bounds"):
        ax.vmap(lambda a: anp.sort(a, axis=2))(x)
    with pytest.raises(ValueError, match="repeat"):
        ax.vmap(lambda a: anp.repeat(a, [1, 2], axis=0))(x)
    with pytest.raises(ValueError, match="equal division"):
        ax.vmap(lambda a: anp.split(a, 3, axis=1))(x)
    with pytest.raises(ValueError, match="top_k"):
        ax.vmap(lambda a: alax.top_k(a, 9))(x)
    with pytest.raises(ax.UnsupportedError, match="pad mode"):
        ax.vmap(lambda a: anp.pad(a, 1, "median"))(x)
    with pytest.raises(TypeError, match="shift"):
        ax.vmap(lambda a: anp.roll(a, a[0, 0], 0))(x)


# ------------------------------------------------------------------ Array API backend


def test_array_api_backend():
    xp = pytest.importorskip("array_api_strict")
    x = rnd((3, 4, 5))
    ok = [
        lambda a: anp.sort(a, axis=0),
        lambda a: anp.argsort(a, descending=True),
        lambda a: anp.flip(a, 1),
        lambda a: anp.roll(a, 2, 1),
        lambda a: anp.tile(a, (2, 1)),
        lambda a: anp.repeat(a, 2, axis=0),
        lambda a: anp.repeat(a, [1, 0, 2, 1], axis=0),
        lambda a: anp.pad(a, 2, "reflect"),
        lambda a: anp.triu(a),
        lambda a: anp.diagonal(a),
        lambda a: alax.cummax(a, 1, reverse=True),
        lambda a: anp.searchsorted(anp.sort(a[0]), a[1:]),
        lambda a: alax.pad(a, np.float64(1.0), [(1, -1, 2), (0, 2, 1)]),
        lambda a: anp.diff(a, 2, prepend=0.0),
        lambda a: anp.trace(a) + anp.rot90(a)[0, 0] + anp.split(a, 2, 0)[1][0, 0],
        ax.grad(lambda a: anp.sum(anp.pad(a, 2, "reflect") ** 2)),
        ax.grad(lambda a: anp.sum(anp.repeat(a, [1, 0, 3, 2], 0) ** 2)),
    ]
    for kernel in ok:
        f = ax.vmap(kernel)
        got = f(xp.asarray(x))
        assert type(got) is type(xp.asarray(0.0))
        same(np.asarray(got), f(x))
    # take_along_axis is in the 2024.12 standard (array-api-strict has it): these run too
    for kernel in (
        lambda a: alax.top_k(a, 2)[0],
        ax.grad(lambda a: anp.sum(anp.sort(a) * np.arange(5.0))),
    ):
        f = ax.vmap(kernel)
        same(np.asarray(f(xp.asarray(x))), f(x))


@settings(max_examples=20, deadline=None)
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=2).map(tuple),
    data=st.data(),
)
def test_hypothesis_lax_pad_repeat_grad(shape, data):
    nd = len(shape)
    config = [
        (data.draw(st.integers(-1, 3)), data.draw(st.integers(-1, 3)), data.draw(st.integers(0, 2)))
        for _ in range(nd)
    ]
    axis = data.draw(st.integers(0, nd - 1))
    reps = data.draw(st.lists(st.integers(0, 3), min_size=shape[axis], max_size=shape[axis]))
    x = rnd((2, *shape), seed=nd)
    try:
        want = np_lax_pad(x[0], 0.25, config)
    except ValueError:
        return
    if 0 in want.shape:
        return

    def kernel(a):
        return anp.sum(alax.pad(a, np.float64(0.25), config) ** 2) + anp.sum(
            anp.repeat(a, reps, axis) ** 3
        )

    def ref(a):
        return np.sum(np_lax_pad(a, 0.25, config) ** 2) + np.sum(np.repeat(a, reps, axis) ** 3)

    np.testing.assert_allclose(ax.vmap(kernel)(x), loop_vmap(ref)(x), rtol=1e-10)
    g = ax.vmap(ax.grad(kernel))(x)
    np.testing.assert_allclose(g[1], numeric_grad(ref, [x[1]]), rtol=1e-5, atol=1e-6)
