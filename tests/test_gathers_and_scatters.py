"""Gathers and scatters (axcomp/primitives/gathers.py; ``take``, ``take_along_axis`` and
``x.at`` in axcomp/numpy/): integer-array and constant-mask indexing, traced indices,
``take``, ``take_along_axis``, ``lax.dynamic_slice`` / ``dynamic_update_slice`` and
``x.at[idx]`` updates, against NumPy, the loop oracle and JAX's semantics (negatives count
from the end, gathers clamp, ``take`` fills, scatters drop out-of-bounds writes, repeated
``add`` indices accumulate), under vmap, jit and grad.
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
from axcomp.core.array_impl import ArrayImpl
from axcomp.errors import AxcompError

RNG = np.random.default_rng(12)


def clampidx(i, n):
    """JAX's gather index: negatives from the end once, then clamped."""
    i = np.asarray(i)
    i = np.where(i < 0, i + n, i)
    return np.clip(i, 0, n - 1)


UFUNC = {"add": np.add, "multiply": np.multiply, "min": np.minimum, "max": np.maximum}


def np_scatter(x, idx, upd, how):
    """JAX's scatter on NumPy: negatives from the end, out-of-bounds dropped; repeated
    indices accumulate; a tuple is a basic index."""
    x = np.array(x, copy=True)
    if isinstance(idx, tuple):
        x[idx] = upd if how == "set" else UFUNC[how](x[idx], upd)
        return x
    n = x.shape[0]
    idx = np.asarray(idx).ravel()
    upd = np.broadcast_to(upd, idx.shape + x.shape[1:]).reshape(idx.shape[0], *x.shape[1:])
    idx = np.where(idx < 0, idx + n, idx)
    keep = (idx >= 0) & (idx < n)
    idx, upd = idx[keep], upd[keep]
    if how == "set":
        x[idx] = upd
    else:
        with np.errstate(invalid="ignore"):
            UFUNC[how].at(x, idx, upd)
    return x


# ------------------------------------------------------------------ integer-array indexing

INDEXES = [
    (np.array([2, 0, 1, 1]),),
    (slice(None), np.array([[0, 3], [2, 1]])),
    (np.array([1, 0]), slice(1, 3), np.array([1, 0])),  # non-adjacent: advanced dims first
    (slice(None), np.array([0, 2]), np.array([1, 0])),  # adjacent: in place
    (Ellipsis, np.array([-1, 0])),
    (None, np.array([2, 1]), 1),
    ([0, 2], slice(None, None, -1)),
    (1, slice(None), [0, 0, -1]),
    (np.array([True, False, True]),),
    (slice(None), np.array([True, False, False, True])),
    (np.array(1),),
]


@pytest.mark.parametrize("index", INDEXES, ids=range(len(INDEXES)))
def test_array_index_matches_numpy(index):
    x = RNG.normal(size=(3, 4, 2))
    want = x[index]
    np.testing.assert_array_equal(ax.jit(lambda a: a[index])(x), want)
    # per example under vmap, batch axis in the middle
    xb = RNG.normal(size=(3, 5, 4, 2))
    f = lambda a: a[index]  # noqa: E731
    np.testing.assert_array_equal(ax.vmap(f, in_axes=1)(xb), loop_vmap(f, in_axes=1)(xb))


def test_out_of_bounds_gather_clamps_like_jax():
    x = np.arange(5.0)
    i = np.array([-1, -6, 7, 2])
    np.testing.assert_array_equal(ax.jit(lambda a: a[i])(x), [4.0, 0.0, 4.0, 2.0])
    np.testing.assert_array_equal(ax.jit(lambda a: a.at[i].get())(x), [4.0, 0.0, 4.0, 2.0])
    got = ax.jit(lambda a: a.at[i].get(mode="fill", fill_value=-1.0))(x)
    np.testing.assert_array_equal(got, [4.0, -1.0, -1.0, 2.0])


@pytest.mark.parametrize("in_axes", [(0, 0), (None, 0), (0, None), (1, 0)])
def test_traced_index_under_vmap(in_axes):
    x = RNG.normal(size=(6, 6, 3))
    i = np.array([0, -1, 5, 9, -8, 2])

    def f(a, k):
        return a[k] * 2.0 + a[k, :1]

    def ref(a, k):
        return a[clampidx(k, a.shape[0])] * 2.0 + a[clampidx(k, a.shape[0]), :1]

    got = ax.vmap(f, in_axes=in_axes)(x, i)
    np.testing.assert_allclose(got, loop_vmap(ref, in_axes=in_axes)(x, i))


def test_traced_index_arrays_nested_vmap():
    x = RNG.normal(size=(2, 3, 7))
    idx = RNG.integers(-7, 7, size=(3, 4))

    def f(a, k):  # a: (7,), k: (4,)
        return a[k]

    inner = ax.vmap(f, in_axes=(0, 0))
    got = ax.vmap(inner, in_axes=(0, None))(x, idx)
    want = np.stack([np.stack([x[b, r][clampidx(idx[r], 7)] for r in range(3)]) for b in range(2)])
    np.testing.assert_allclose(got, want)
    src = ax.vmap(inner, in_axes=(0, None)).lower(x, idx).source
    assert "take_along_axis" in src and "for " not in src  # one vectorized gather


def test_traced_boolean_mask_is_refused():
    f = ax.jit(lambda a: a[a > 0])
    with pytest.raises(IndexError, match="boolean mask") as err:
        f(np.arange(3.0))
    assert isinstance(err.value, AxcompError)
    with pytest.raises(AxcompError, match="one argument"):
        ax.jit(lambda a: anp.where(a > 0))(np.arange(3.0))
    with pytest.raises(AxcompError, match="must be integers"):
        ax.jit(lambda a: a[np.array([0.5])])(np.arange(3.0))


# ------------------------------------------------------------------ take / take_along_axis


@pytest.mark.parametrize("mode", [None, "fill", "clip", "wrap"])
def test_take_modes(mode):
    x = RNG.normal(size=(4, 5))
    i = np.array([[-1, 7], [2, -9]])
    got = ax.jit(lambda a: anp.take(a, i, axis=1, mode=mode))(x)
    if mode in (None, "fill"):
        ii = np.where(i < 0, i + 5, i)
        want = np.where(((ii >= 0) & (ii < 5))[None], np.take(x, np.clip(ii, 0, 4), axis=1), np.nan)
    else:
        want = np.take(x, i, axis=1, mode=mode)
    np.testing.assert_array_equal(got, want)
    flat = ax.jit(lambda a: anp.take(a, np.array([3, 19]), mode="clip"))(x)
    np.testing.assert_array_equal(flat, np.take(x, [3, 19], mode="clip"))
    ints = ax.jit(lambda a: anp.take(a, np.array([0, 9])))(np.arange(4, dtype=np.int32))
    np.testing.assert_array_equal(ints, [0, np.iinfo(np.int32).min])
    # outside a trace: the same program (JAX's semantics, not NumPy's raising take)
    np.testing.assert_array_equal(anp.take(x, [1, 2], axis=0), x[[1, 2]])


@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_take_along_axis(axis):
    x = RNG.normal(size=(3, 4))
    if axis is None:
        i = RNG.integers(0, 12, size=5)
    else:
        i = RNG.integers(0, x.shape[axis], size=(3, 4))
        i = np.argsort(x, axis=axis)
    got = ax.jit(lambda a: anp.take_along_axis(a, i, axis=axis))(x)
    np.testing.assert_array_equal(got, np.take_along_axis(x, i, axis=axis))
    xb = RNG.normal(size=(2, 3, 4))
    f = lambda a, k: anp.take_along_axis(a, k, axis=axis)  # noqa: E731
    ib = np.stack([i, i[::-1]])
    np.testing.assert_array_equal(ax.vmap(f)(xb, ib), loop_vmap(f)(xb, ib))
    np.testing.assert_array_equal(
        ax.vmap(f, in_axes=(0, None))(xb, i), loop_vmap(f, in_axes=(0, None))(xb, i)
    )


def test_take_along_axis_broadcasts_and_fills():
    x = RNG.normal(size=(3, 4))
    i = np.array([[0], [5], [-1]])
    got = ax.jit(lambda a: anp.take_along_axis(a, i, axis=1))(x)
    np.testing.assert_array_equal(got, [[x[0, 0]], [np.nan], [x[2, 3]]])
    j = np.array([[1], [2]])
    got = ax.jit(lambda a: anp.take_along_axis(a, j, axis=0))(x)
    np.testing.assert_array_equal(got, np.take_along_axis(x, j, 0))


# ------------------------------------------------------------------ dynamic slices


def ref_dynamic_slice(x, starts, sizes):
    idx = tuple(
        slice(s, s + z)
        for s, z in (
            (min(max(s + n if s < 0 else s, 0), n - z), z)
            for s, n, z in zip(starts, x.shape, sizes)
        )
    )
    return x[idx]


def ref_dynamic_update(x, u, starts):
    x = np.array(x, copy=True)
    idx = tuple(
        slice(c, c + z)
        for c, z in (
            (min(max(s + n if s < 0 else s, 0), n - z), z)
            for s, n, z in zip(starts, x.shape, u.shape)
        )
    )
    x[idx] = u
    return x


def test_dynamic_slice_clamps():
    x = RNG.normal(size=(5, 6))
    starts = np.array([[4, -2], [-7, 1], [2, 9], [0, 0]])
    f = lambda s: alax.dynamic_slice(x, (s[0], s[1]), (2, 3))  # noqa: E731
    got = ax.vmap(f)(starts)
    np.testing.assert_array_equal(got, np.stack([ref_dynamic_slice(x, s, (2, 3)) for s in starts]))
    g = lambda a, s: alax.dynamic_slice(a, s, (3, 2))  # noqa: E731  (start as a traced array)
    xb = RNG.normal(size=(4, 5, 6))
    np.testing.assert_array_equal(
        ax.vmap(g)(xb, starts),
        np.stack([ref_dynamic_slice(a, s, (3, 2)) for a, s in zip(xb, starts)]),
    )
    assert ax.jit(lambda a: alax.dynamic_slice(a, (1, 2), (2, 2)))(x).shape == (2, 2)
    got = ax.vmap(lambda a, s: alax.dynamic_index_in_dim(a, s, 1, keepdims=False))(xb, starts[:, 1])
    want = np.stack([a[:, min(max(s + 6 if s < 0 else s, 0), 5)] for a, s in zip(xb, starts[:, 1])])
    np.testing.assert_array_equal(got, want)
    got = ax.vmap(lambda a, s: alax.dynamic_slice_in_dim(a, s, 2, 0))(xb, starts[:, 0])
    want = np.stack([ref_dynamic_slice(a, (s, 0), (2, 6)) for a, s in zip(xb, starts[:, 0])])
    np.testing.assert_array_equal(got, want)


def test_dynamic_update_slice_clamps():
    xb = RNG.normal(size=(4, 5, 6))
    u = RNG.normal(size=(2, 3))
    starts = np.array([[4, -2], [-7, 1], [2, 9], [0, 0]])
    f = lambda a, s: alax.dynamic_update_slice(a, u, s)  # noqa: E731
    want = np.stack([ref_dynamic_update(a, u, s) for a, s in zip(xb, starts)])
    np.testing.assert_array_equal(ax.vmap(f)(xb, starts), want)
    ub = RNG.normal(size=(4, 2, 3))
    g = lambda a, v, s: alax.dynamic_update_slice(a, v, (s[0], s[1]))  # noqa: E731
    want = np.stack([ref_dynamic_update(a, v, s) for a, v, s in zip(xb, ub, starts)])
    np.testing.assert_array_equal(ax.vmap(g)(xb, ub, starts), want)


# ------------------------------------------------------------------ .at updates


def at(a, idx, how, v):
    """``a.at[idx].<how>(v)`` on tracers; the NumPy reference on arrays."""
    if isinstance(a, np.ndarray):
        return np_scatter(a, idx, v, how)
    return getattr(a.at[idx], how)(v)


@pytest.mark.parametrize("how", ["set", "add", "multiply", "min", "max"])
def test_at_updates_with_repeats_and_drops(how):
    x = RNG.normal(size=(5, 3))
    idx = np.array([1, 1, -1, 7, -9, 3])
    upd = RNG.normal(size=(6, 3))
    f = lambda a, v: at(a, idx, how, v)  # noqa: E731
    np.testing.assert_allclose(ax.jit(f)(x, upd), np_scatter(x, idx, upd, how), rtol=1e-12)
    xb, ub = RNG.normal(size=(2, 5, 3)), RNG.normal(size=(6, 2, 3))
    np.testing.assert_allclose(
        ax.vmap(f, in_axes=(0, 1))(xb, ub), loop_vmap(f, in_axes=(0, 1))(xb, ub), rtol=1e-12
    )


def test_at_traced_index_and_basic_index():
    x = RNG.normal(size=(4, 6))
    i = np.array([0, 5, -1, 9])
    f = lambda a, k: a.at[k].add(10.0)  # noqa: E731  (k traced, one per example)
    got = ax.vmap(f)(x, i)
    want = np.stack([np_scatter(a, [k], 10.0, "add") for a, k in zip(x, i)])
    np.testing.assert_array_equal(got, want)
    g = lambda a: a.at[1:3].set(7.0).at[..., ::2].multiply(2.0)  # noqa: E731
    want = x.copy()
    want[:, 1:3] = 7.0
    want[:, ::2] *= 2.0
    np.testing.assert_array_equal(ax.vmap(g)(x), want)
    h = lambda a: a.at[1].set(np.arange(6.0)).at[:, [0, 0]].add(1.0)  # noqa: E731
    want = x.copy()
    want[1] = np.arange(6.0)
    want[:, 0] += 2.0
    np.testing.assert_array_equal(ax.jit(h)(x), want)
    v = RNG.normal(size=(3, 2, 6))
    for how in ("set", "add", "multiply", "min", "max"):
        k = lambda a, w, how=how: at(a, (slice(1, None, 2), Ellipsis), how, w)  # noqa: E731
        want = loop_vmap(k, in_axes=(None, 0))(x, v)
        np.testing.assert_array_equal(ax.vmap(k, in_axes=(None, 0))(x, v), want)
        k = lambda a, w, how=how: at(a, (2, slice(None)), how, w)  # noqa: E731
        want = loop_vmap(k, in_axes=(None, 0))(x, v[:, 0])
        np.testing.assert_array_equal(ax.vmap(k, in_axes=(None, 0))(x, v[:, 0]), want)
    np.testing.assert_array_equal(ax.jit(lambda a: a.at[7].set(1.0))(x), x)  # dropped
    np.testing.assert_array_equal(ax.jit(lambda a: a.at[...].set(1.0))(x), np.ones_like(x))
    ints = ax.jit(lambda a: a.at[np.array([0, 0, 2])].add(np.int32(3)))(np.zeros(3, np.int32))
    np.testing.assert_array_equal(ints, [6, 0, 3])
    assert ints.dtype == np.int32


# ------------------------------------------------------------------ gradients


def check_grad(f, *args, argnum=0):
    got = ax.grad(f, argnums=argnum)(*args)
    want = numeric_grad(f, args, argnum)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_gradients():
    x = RNG.normal(size=(5, 3))
    u = RNG.normal(size=(4, 3))
    idx = np.array([1, 1, -1, 4])

    check_grad(lambda a: anp.sum(anp.sin(a[idx]) * a[idx[::-1]]), x)
    check_grad(lambda a: anp.sum(a[:, [2, 0, 2]] ** 2), x)
    check_grad(lambda a: anp.sum(anp.take_along_axis(a, np.argsort(x, 0), 0) * x), x)
    check_grad(lambda a: anp.sum(anp.take(a, np.array([[0, 9]]), axis=0, mode="clip") ** 3), x)
    for how in ("set", "add", "multiply", "max"):
        f = lambda a, v, how=how: anp.sum(anp.cos(at(a, idx, how, v)))  # noqa: E731
        check_grad(f, x, u, argnum=0)
        check_grad(f, x, u, argnum=1)
    check_grad(lambda a: anp.sum(alax.dynamic_slice(a, (3, -1), (2, 2)) ** 2), x)
    f = lambda a, v: anp.sum(anp.sin(alax.dynamic_update_slice(a, v, (2, 1))))  # noqa: E731
    check_grad(f, x, u[:2, :2], argnum=0)
    check_grad(f, x, u[:2, :2], argnum=1)


def test_grad_under_vmap_traced_index():
    x = RNG.normal(size=(4, 6))
    i = np.array([0, 5, -1, 9])
    g = ax.vmap(ax.grad(lambda a, k: anp.sum(a[k] * a[k - 1]) + anp.sum(a.at[k].set(0.0) ** 2)))
    got = g(x, i)
    for a, k, row in zip(x, i, got):
        want = numeric_grad(
            lambda b, k=k: (
                np.sum(b[clampidx(k, 6)] * b[clampidx(k - 1, 6)])
                + np.sum(np_scatter(b, [k], 0.0, "set") ** 2)
            ),
            [a],
        )
        np.testing.assert_allclose(row, want, rtol=1e-6, atol=1e-8)


# ------------------------------------------------------------------ Hypothesis


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 6),
    m=st.integers(0, 5),
    rest=st.integers(1, 3),
    batch=st.integers(1, 3),
    seed=st.integers(0, 10_000),
)
def test_gather_scatter_random(n, m, rest, batch, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, n, rest))
    idx = rng.integers(-n - 2, n + 2, size=(batch, m))
    upd = rng.normal(size=(batch, m, rest))
    got = ax.vmap(lambda a, k: a[k])(x, idx)
    want = np.stack([a[clampidx(k, n)] for a, k in zip(x, idx)]).reshape(batch, m, rest)
    np.testing.assert_array_equal(got, want)
    got = ax.vmap(lambda a, k, v: a.at[k].add(v))(x, idx, upd)
    want = np.stack([np_scatter(a, k, v, "add") for a, k, v in zip(x, idx, upd)])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------ Array API backend


def test_array_api_backend():
    xp = pytest.importorskip("array_api_strict")
    x = RNG.normal(size=(3, 5))
    i = np.array([[0, -1], [4, 9], [2, 2]])

    def f(a, k):
        return (
            a[k],
            anp.take_along_axis(a, np.array([3, 0]), 0),
            alax.dynamic_slice(a, (k[0],), (2,)),
            alax.dynamic_update_slice(a, np.ones(2), (k[1],)),
            a.at[k].add(1.0),
            a.at[k].set(2.0),
            a.at[1:3].multiply(3.0),
            anp.take(a, k),
        )

    g = ax.vmap(f)
    for got, want in zip(g(xp.asarray(x), xp.asarray(i)), g(x, i)):
        np.testing.assert_array_equal(np.asarray(got), want)
    grad = ax.vmap(ax.grad(lambda a, k: anp.sum(a[k] ** 2 + a.at[k].max(0.5)[0])))
    got = grad(xp.asarray(x), xp.asarray(i))
    np.testing.assert_allclose(np.asarray(got), grad(x, i), rtol=1e-12)


# ------------------------------------------------------------------ lax.gather / lax.scatter


def ref_windows(shape, idx, index_map, sizes, mode):
    """Per batch element: the window's start per operand axis (clamped or flagged)."""
    out = []
    for b in np.ndindex(idx.shape[:-1]):
        start = [0] * len(shape)
        ok = True
        for k, d in enumerate(index_map):
            s, hi = int(idx[b][k]), shape[d] - sizes[d]
            ok &= 0 <= s <= hi
            start[d] = min(max(s, 0), hi)
        out.append((b, tuple(slice(s, s + z) for s, z in zip(start, sizes)), ok))
    return out


def ref_gather(x, idx, dn, sizes, mode="clip", fill=np.nan):
    nb = idx.ndim - 1
    kept = [z for d, z in enumerate(sizes) if d not in dn.collapsed_slice_dims]
    res = np.empty(idx.shape[:-1] + tuple(kept))
    for b, win, ok in ref_windows(x.shape, idx, dn.start_index_map, sizes, mode):
        res[b] = x[win].reshape(kept) if ok or mode == "clip" else fill
    return np.moveaxis(res, list(range(nb, nb + len(kept))), list(dn.offset_dims))


def ref_scatter(x, idx, upd, dn, how, mode="fill"):
    x = x.copy()
    nb = upd.ndim - len(dn.update_window_dims)
    u = np.moveaxis(upd, list(dn.update_window_dims), list(range(nb, upd.ndim)))
    kept = iter(u.shape[nb:])
    sizes = tuple(1 if d in dn.inserted_window_dims else next(kept) for d in range(x.ndim))
    for b, win, ok in ref_windows(x.shape, idx, dn.scatter_dims_to_operand_dims, sizes, mode):
        if ok or mode == "clip":
            v = u[b].reshape(sizes)
            x[win] = v if how == "set" else UFUNC[how](x[win], v)
    return x


def test_lax_gather_and_scatter():
    from axcomp.primitives.gathers import GatherDimensionNumbers, ScatterDimensionNumbers

    x = RNG.normal(size=(4, 5, 3))
    idx = np.array([[[3, 1], [-1, 2]], [[0, 0], [9, 1]]])
    dn = GatherDimensionNumbers((1, 3), (0,), (0, 2))
    sd = ScatterDimensionNumbers((1, 3), (0,), (0, 2))
    upd = RNG.normal(size=(2, 5, 2, 2))
    for mode in (None, "fill", "clip"):
        got = ax.jit(lambda a, m=mode: alax.gather(a, idx, dn, (1, 5, 2), mode=m))(x)
        want = ref_gather(x, idx, dn, (1, 5, 2), mode or "clip")
        np.testing.assert_array_equal(got, want)
        for how, fn in (
            ("set", alax.scatter),
            ("add", alax.scatter_add),
            ("max", alax.scatter_max),
        ):
            got = ax.jit(lambda a, fn=fn, m=mode: fn(a, idx, upd, sd, mode=m))(x)
            want = ref_scatter(x, idx, upd, sd, how, mode or "fill")
            np.testing.assert_allclose(got, want, rtol=1e-13)
    # the common forms: rows by index, under vmap with per-example indices, and grad
    rows = GatherDimensionNumbers((1,), (0,), (0,))
    xb, ib = RNG.normal(size=(3, 6, 2)), RNG.integers(-2, 8, size=(3, 4, 1))
    f = lambda a, i: alax.gather(a, i, rows, (1, 2))  # noqa: E731
    got = ax.vmap(f)(xb, ib)
    np.testing.assert_array_equal(
        got, np.stack([ref_gather(a, i, rows, (1, 2)) for a, i in zip(xb, ib)])
    )
    g = ax.grad(lambda a: anp.sum(anp.sin(alax.gather(a, ib[0], rows, (1, 2))) * a[0, 0]))
    want = numeric_grad(
        lambda a: np.sum(np.sin(ref_gather(a, ib[0], rows, (1, 2))) * a[0, 0]), [xb[0]]
    )
    np.testing.assert_allclose(g(xb[0]), want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("how", ["set", "add"])
def test_row_scatter_layouts_and_non_finite(how):
    x = RNG.normal(size=(3, 5, 2))
    u = RNG.normal(size=(3, 4, 2))
    i = np.array([4, -1, 0, 9])
    got = ax.jit(lambda a, v: at(a, (slice(None), i), how, v))(x, u)
    want = np.moveaxis(np_scatter(np.moveaxis(x, 1, 0), i, np.moveaxis(u, 1, 0), how), 0, 1)
    np.testing.assert_allclose(got, want, rtol=1e-13)
    # non-adjacent index arrays: the written dims lead the update
    j, k = np.array([[0, 2], [2, 2]]), np.array([[1, 0], [1, 1]])
    upd = RNG.normal(size=(2, 2, 5))
    got = ax.jit(lambda a, v: getattr(a.at[j, :, k], how)(v))(x, upd)
    want = x.copy()
    for p in np.ndindex(j.shape):
        if how == "set":
            want[j[p], :, k[p]] = upd[p]
        else:
            want[j[p], :, k[p]] += upd[p]
    np.testing.assert_allclose(got, want, rtol=1e-13)
    # infinities and NaNs accumulate as in a sequential scatter
    y = np.zeros((4, 2))
    v = np.array([[np.inf, 1.0], [-np.inf, np.nan], [np.inf, 2.0], [1.0, 3.0]])
    r = np.array([0, 0, 1, 2])
    got = ax.jit(lambda a: at(a, r, how, v))(y)
    np.testing.assert_array_equal(got, np_scatter(y, r, v, how))
    src = ax.jit(lambda a: at(a, r, how, v)).lower(y).source
    assert "(4, 8)" not in src  # one-hot over rows, not over every entry


@pytest.mark.parametrize("how", ["min", "max"])
@pytest.mark.parametrize("index", [3, [3], [3, 3], [1, 3, 1], [0, 4]])
def test_traced_index_min_max_keep_the_original_value(how: str, index) -> None:
    # the original entry takes part in the min/max however many updates hit it (one
    # update at one traced position once came out as a plain set)
    x = np.arange(5.0)
    idx = np.asarray(index)
    u = np.linspace(1.5, 6.5, idx.size).reshape(idx.shape) if idx.ndim else np.float64(2.0)
    want = x.copy()
    (np.minimum if how == "min" else np.maximum).at(want, idx, u)
    got = ax.jit(lambda a, i, v: getattr(a.at[i], how)(v))(x, idx, u)
    np.testing.assert_array_equal(got, want)


# ------------------------------------------- JAX 0.10's out-of-bounds and repeat semantics
# (each expected value is what JAX 0.10.2 gives for the same call, eager and under jit)


@pytest.mark.parametrize("run", [lambda f, x: f(x), lambda f, x: ax.jit(f)(x)])
def test_static_out_of_bounds_ints_clamp_eager_and_under_jit(run):
    x = np.arange(4.0).view(ArrayImpl)
    assert float(run(lambda a: a[10], x)) == 3.0
    assert float(run(lambda a: a[-10], x)) == 0.0
    assert float(run(lambda a: a.reshape(2, 2)[5, 0], x)) == 2.0
    assert float(run(lambda a: a.reshape(2, 2)[1, 10], x)) == 3.0
    # scatters drop the write instead
    np.testing.assert_array_equal(run(lambda a: a.at[10].set(5.0), x), [0, 1, 2, 3])
    np.testing.assert_array_equal(run(lambda a: a.at[-5].set(5.0), x), [0, 1, 2, 3])


def test_apply_runs_once_per_occurrence_of_a_position():
    x = np.arange(4.0).view(ArrayImpl)
    f = lambda v: v * 2 + 1  # noqa: E731
    idx = np.array([0, 0, 1, 0])
    want = [7.0, 3.0, 2.0, 3.0]  # f(f(f(0))), f(1)
    np.testing.assert_array_equal(x.at[idx].apply(f), want)
    np.testing.assert_array_equal(ax.jit(lambda a: a.at[idx].apply(f))(x), want)
    np.testing.assert_array_equal(ax.jit(lambda a, i: a.at[i].apply(f))(x, idx), want)
    np.testing.assert_array_equal(
        ax.jit(lambda a, i: a.at[i].apply(f))(x, np.array([2, 1])), [0.0, 3.0, 5.0, 3.0]
    )
    got = ax.vmap(lambda a, i: a.at[i].apply(f))(np.ones((2, 3)), np.array([[0, 0], [1, 2]]))
    np.testing.assert_array_equal(got, [[7.0, 1.0, 1.0], [1.0, 3.0, 3.0]])
    # out of bounds: clamped with clip, dropped otherwise
    oob = np.array([0, 0, 9])
    np.testing.assert_array_equal(x.at[oob].apply(f, mode="clip"), [3.0, 1.0, 2.0, 7.0])
    np.testing.assert_array_equal(x.at[oob].apply(f, mode="drop"), [3.0, 1.0, 2.0, 3.0])


def test_eager_take_fills_and_clamps_as_jax():
    x = np.arange(6.0).reshape(2, 3)
    i = np.array([[0, 5], [-1, -4]])
    np.testing.assert_array_equal(anp.take_along_axis(x, i, axis=1), [[0.0, np.nan], [5.0, np.nan]])
    np.testing.assert_array_equal(anp.take_along_axis(x, i, axis=1, mode="clip"), [[0, 2], [5, 3]])
    np.testing.assert_array_equal(
        anp.take(x, i, axis=1), [[[0, np.nan], [2, np.nan]], [[3, np.nan], [5, np.nan]]]
    )
    np.testing.assert_array_equal(anp.take(x, np.array([0, 5, -1, -7]), mode="clip"), [0, 5, 0, 0])
    np.testing.assert_array_equal(anp.take(x, np.array([0, 5, -1, -7]), mode="wrap"), [0, 5, 5, 5])
    ints = anp.take(x.astype(np.int64), np.array([0, 9]))
    np.testing.assert_array_equal(ints, [0, np.iinfo(np.int64).min])
    np.testing.assert_array_equal(anp.take(x, np.array([0, 9]), fill_value=3), [0.0, 3.0])


@pytest.mark.parametrize(
    "index",
    [
        (Ellipsis, 2, slice(None)),
        (Ellipsis, -1),
        (1, Ellipsis, 3),
        (None, Ellipsis, 1, 2),
        (0, Ellipsis),
        (Ellipsis, 1, None, slice(1, 3)),
    ],
)
def test_static_ints_after_an_ellipsis_index_the_axes_they_name(index):
    # the clamp of static ints must count an ellipsis as the axes it stands for
    x = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(ax.jit(lambda v: v[index])(x), x[index])
    stacked = np.stack([x, x + 100])  # per example under vmap: the same axes
    want = np.stack([x[index], (x + 100)[index]])
    np.testing.assert_array_equal(ax.vmap(lambda v: v[index])(stacked), want)


def test_out_of_bounds_static_int_after_an_ellipsis_clamps_to_the_last_position():
    x = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(ax.jit(lambda v: v[..., 9])(x), x[..., 3])
    np.testing.assert_array_equal(ax.jit(lambda v: v[..., 7, :])(x), x[..., 2, :])


def test_a_list_index_raises_jax_type_error():
    # JAX 0.10: "Using a non-tuple sequence for multidimensional indexing is not allowed"
    x = np.arange(4.0).view(ArrayImpl)
    for f in (
        lambda a: a[[0, 1]],
        lambda a: a.at[[0, 0]].apply(anp.sin),
        lambda a: a.at[[1]].set(0.0),
    ):
        with pytest.raises(TypeError, match="non-tuple sequence"):
            f(x)
        with pytest.raises(TypeError, match="non-tuple sequence"):
            ax.jit(f)(x)
    np.testing.assert_array_equal(x[[0, 1],], [0.0, 1.0])  # a tuple holding the list is fine
    np.testing.assert_array_equal(ax.jit(lambda a: a[np.array([0, 1])])(x), [0.0, 1.0])
