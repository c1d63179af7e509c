"""Differential tests for ``cumsum`` / ``cumprod`` (axcomp/primitives/cumulative.py).

References: NumPy itself, the loop oracle (``tests/oracle.py``: slice every mapped axis, call
NumPy per example, stack), finite differences (``tests/gradcheck.py``) and analytic
gradients computed here with plain loops. Passes with or without ``AXCOMP_VERIFY``.
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

DTYPES = [np.float64, np.float32, np.int32, np.int8, np.bool_]
FNS = ["cumsum", "cumprod"]


def jax_dtyped(np_fn):
    """NumPy's ``np_fn`` accumulating in JAX's dtype when none is given: the input's (int8
    stays int8, wrapping as JAX's does; NumPy widens integers to int64), bools in int64."""

    def ref(a, axis=None, dtype=None):
        a = np.asarray(a)
        if dtype is None:
            dtype = np.int64 if a.dtype == np.bool_ else a.dtype
        return np_fn(a, axis, dtype=dtype)

    return ref


NP_FN = {"cumsum": jax_dtyped(np.cumsum), "cumprod": jax_dtyped(np.cumprod)}
ANP_FN = {"cumsum": anp.cumsum, "cumprod": anp.cumprod}
LAX_FN = {"cumsum": alax.cumsum, "cumprod": alax.cumprod}


def data(shape, dtype, seed=0):
    """Values that keep products tame; ints span negatives, int8 large enough to overflow
    int8 (JAX accumulates it in int8, NumPy in int64, so the result dtype matters)."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.random(shape) < 0.6
    if dtype.kind in "iu":
        hi = 100 if dtype == np.int8 else 4
        return rng.integers(-hi, hi + 1, size=shape).astype(dtype)
    return (rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1, 1], size=shape)).astype(dtype)


def assert_same(actual, expected):
    """Same type of result, dtype and shape, and equal values (exact for ints/bools)."""
    assert isinstance(actual, np.ndarray), type(actual)
    expected = np.asarray(expected)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    if expected.dtype.kind in "fc":
        tol = 1e-5 if expected.dtype.itemsize <= 4 else 1e-12
        np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol)
    else:
        np.testing.assert_array_equal(actual, expected)


def np_reverse(fn, x, axis, dtype=None):
    """``jax.lax.cumsum(x, axis, reverse=True)`` in NumPy (dtype kept when given)."""
    return np.flip(NP_FN[fn](np.flip(x, axis), axis, dtype=dtype), axis)


# ------------------------------------------------------------------ forward vs NumPy


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", FNS)
@pytest.mark.parametrize("in_axes", [0, 1, -1])
@pytest.mark.parametrize("axis", [None, 0, 1, -1, -2])
def test_vmap_matches_loop(fn, dtype, in_axes, axis):
    x = data((3, 4, 5), dtype)

    def kernel(a):
        return ANP_FN[fn](a, axis=axis)

    def ref(a):
        return NP_FN[fn](a, axis=axis)

    got = ax.vmap(kernel, in_axes=in_axes)(x)
    assert_same(got, loop_vmap(ref, in_axes=in_axes)(x))
    if dtype in (np.int8, np.int32, np.bool_):  # JAX's: int8 kept, bools counted in int64
        assert got.dtype == (np.int64 if dtype == np.bool_ else dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", FNS)
def test_vmap_mixed_none(fn, dtype):
    """One mapped and one unmapped argument, a tuple output."""
    x, y = data((4, 3, 2), dtype, 1), data((3, 5), dtype, 2)

    def kernel(a, b):
        return ANP_FN[fn](a, axis=0), ANP_FN[fn](b, axis=-1), ANP_FN[fn](b)

    def ref(a, b):
        return NP_FN[fn](a, axis=0), NP_FN[fn](b, axis=-1), NP_FN[fn](b)

    for spec in [(1, None), (-1, None)]:
        got = ax.vmap(kernel, in_axes=spec)(x, y)
        want = loop_vmap(ref, in_axes=spec)(x, y)
        for g, w in zip(got, want):
            assert_same(g, w)


@pytest.mark.parametrize("dtype", [np.float64, np.int8, np.bool_])
@pytest.mark.parametrize("fn", FNS)
@pytest.mark.parametrize("axis", [None, 0, -1, 1])
def test_nested_vmap(fn, dtype, axis):
    x = data((2, 3, 4, 5), dtype, 3)

    def kernel(a):
        return ANP_FN[fn](a, axis=axis)

    def ref(a):
        return NP_FN[fn](a, axis=axis)

    for outer, inner in [(0, 0), (-1, 1), (2, -1)]:
        got = ax.vmap(ax.vmap(kernel, in_axes=inner), in_axes=outer)(x)
        want = loop_vmap(loop_vmap(ref, in_axes=inner), in_axes=outer)(x)
        assert_same(got, want)
    # None at each level: y is shared by the outer level, x by the inner one
    y = data((4, 3, 5), dtype, 4)

    def kernel2(a, b):
        return ANP_FN[fn](a, axis=axis), ANP_FN[fn](b, axis=axis)

    def ref2(a, b):
        return NP_FN[fn](a, axis=axis), NP_FN[fn](b, axis=axis)

    got = ax.vmap(ax.vmap(kernel2, in_axes=(None, 0)), in_axes=(1, None))(x[0], y)
    want = loop_vmap(loop_vmap(ref2, in_axes=(None, 0)), in_axes=(1, None))(x[0], y)
    for g, w in zip(got, want):
        assert_same(g, w)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", FNS)
@pytest.mark.parametrize("axis", [None, 0, 1, 2, -1, -3])
def test_jit_matches_numpy(fn, dtype, axis):
    x = data((3, 4, 2), dtype, 5)
    assert_same(ax.jit(lambda a: ANP_FN[fn](a, axis=axis))(x), NP_FN[fn](x, axis=axis))
    # a vmapped function called through jit
    got = ax.jit(ax.vmap(lambda a: ANP_FN[fn](a, axis=axis if axis is None else 0)))(x)
    assert_same(got, loop_vmap(lambda a: NP_FN[fn](a, axis=axis if axis is None else 0))(x))


@pytest.mark.parametrize("src", DTYPES)
@pytest.mark.parametrize("dt", [np.float64, np.float32, np.int64, np.int8, np.int32, np.bool_])
@pytest.mark.parametrize("fn", FNS)
def test_dtype_argument(fn, src, dt):
    x = data((3, 6), src, 6)
    if fn == "cumprod" and np.dtype(src).kind in "iu":
        x = (x % 3).astype(src)  # keep int64 products in range; int8 still overflows
    got = ax.vmap(lambda a: ANP_FN[fn](a, axis=0, dtype=dt), in_axes=1)(x)
    want = loop_vmap(lambda a: NP_FN[fn](a, axis=0, dtype=dt), in_axes=1)(x)
    assert_same(got, want)
    assert got.dtype == np.dtype(dt)
    assert_same(ax.jit(lambda a: ANP_FN[fn](a, dtype=dt))(x), NP_FN[fn](x, dtype=dt))


def test_small_int_dtype_wraps_like_numpy():
    """dtype=int8 accumulates (and overflows) in int8, as NumPy does."""
    x = np.full((2, 40), 9, dtype=np.int8)
    got = ax.vmap(lambda a: anp.cumsum(a, dtype=np.int8))(x)
    assert_same(got, np.cumsum(x, axis=1, dtype=np.int8))
    got = ax.vmap(lambda a: anp.cumprod(a, dtype=np.int8))(x)
    assert_same(got, np.cumprod(x, axis=1, dtype=np.int8))


@pytest.mark.parametrize("fn", FNS)
@pytest.mark.parametrize(
    "shape,axis", [((0, 3), 0), ((3, 0), 1), ((3, 0), 0), ((1, 4), 0), ((4, 1), -1), ((0,), None)]
)
def test_size_zero_and_one(fn, shape, axis):
    x = data((2, *shape), np.float64, 7)
    got = ax.vmap(lambda a: ANP_FN[fn](a, axis=axis))(x)
    assert_same(got, loop_vmap(lambda a: NP_FN[fn](a, axis=axis))(x))
    xi = data(shape, np.int8, 7)
    assert_same(ax.jit(lambda a: ANP_FN[fn](a, axis=axis))(xi), NP_FN[fn](xi, axis=axis))


@pytest.mark.parametrize("fn", FNS)
def test_size_zero_batch(fn):
    x = data((0, 3, 4), np.int32, 8)
    got = ax.vmap(lambda a: ANP_FN[fn](a, axis=-1), in_axes=0)(x)
    assert_same(got, loop_vmap(lambda a: NP_FN[fn](a, axis=-1))(x))


@pytest.mark.parametrize("dtype", [np.float64, np.int8, np.bool_])
@pytest.mark.parametrize("fn", FNS)
def test_zero_d_axis_none(fn, dtype):
    x = data((), dtype, 9)
    assert_same(ax.jit(lambda a: ANP_FN[fn](a))(x), NP_FN[fn](x))
    v = data((4,), dtype, 9)  # per-example 0-d
    assert_same(ax.vmap(lambda a: ANP_FN[fn](a))(v), loop_vmap(lambda a: NP_FN[fn](a))(v))


@pytest.mark.parametrize("fn", FNS)
@pytest.mark.parametrize("axis", [0, -1])
def test_zero_d_with_axis(fn, axis):
    """NumPy ravels a 0-d input whatever the axis, so axis 0 and -1 both give shape (1,)."""
    x = np.array(2.5)
    assert_same(ax.jit(lambda a: ANP_FN[fn](a, axis=axis))(x), NP_FN[fn](x, axis=axis))
    v = data((3,), np.int8, 9)
    got = ax.vmap(lambda a: getattr(a, fn)(axis))(v)
    assert_same(got, loop_vmap(lambda a: NP_FN[fn](a, axis))(v))


@pytest.mark.parametrize("dtype", [np.float64, np.int8, np.bool_])
def test_methods(dtype):
    x = data((3, 4, 2), dtype, 10)
    got = ax.vmap(lambda a: (a.cumsum(), a.cumprod(axis=-1), a.cumsum(0, np.float32)))(x)
    cumsum, cumprod = NP_FN["cumsum"], NP_FN["cumprod"]
    want = loop_vmap(lambda a: (cumsum(a), cumprod(a, axis=-1), cumsum(a, 0, np.float32)))(x)
    for g, w in zip(got, want):
        assert_same(g, w)


def test_composes_with_other_ops():
    x = data((3, 5), np.float64, 11)

    def kernel(a):
        return anp.cumsum(anp.exp(a) * 2.0)[::2] + anp.cumprod(a[::-1])[-1]

    def ref(a):
        return np.cumsum(np.exp(a) * 2.0)[::2] + np.cumprod(a[::-1])[-1]

    assert_same(ax.vmap(kernel, in_axes=1)(x), loop_vmap(ref, in_axes=1)(x))


# ------------------------------------------------------------------ eager


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", FNS)
@pytest.mark.parametrize("axis", [None, 0, -1])
def test_eager_is_numpy(fn, dtype, axis):
    x = data((3, 4), dtype, 12)
    assert_same(ANP_FN[fn](x, axis=axis), NP_FN[fn](x, axis=axis))
    assert_same(ANP_FN[fn](x, axis=axis, dtype=np.float32), NP_FN[fn](x, axis, np.float32))
    assert_same(ANP_FN[fn](x.tolist()), NP_FN[fn](x.tolist()))
    assert_same(ANP_FN[fn](np.asarray(x[0, 0])), NP_FN[fn](x[0, 0]))


# ------------------------------------------------------------------ lax, reverse


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", FNS)
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("axis", [0, 1, -1, -2])
def test_lax_reverse(fn, dtype, reverse, axis):
    x = data((3, 4, 5), dtype, 13)
    sub = x[0]

    def ref(a):
        if reverse:
            return np_reverse(fn, a, axis, dtype=a.dtype)
        return NP_FN[fn](a, axis, dtype=a.dtype)

    # eager: compiled through jit; keeps the dtype, like jax.lax
    got = LAX_FN[fn](sub, axis=axis, reverse=reverse)
    assert_same(got, ref(sub))
    assert got.dtype == sub.dtype
    for in_axes in [0, 2, -1]:
        got = ax.vmap(lambda a: LAX_FN[fn](a, axis, reverse), in_axes=in_axes)(x)
        assert_same(got, loop_vmap(ref, in_axes=in_axes)(x))
    got = ax.vmap(ax.vmap(lambda a: LAX_FN[fn](a, axis, reverse=reverse), in_axes=1))(
        data((2, 3, 4, 5), dtype, 14)
    )
    want = loop_vmap(loop_vmap(ref, in_axes=1))(data((2, 3, 4, 5), dtype, 14))
    assert_same(got, want)


def test_lax_reverse_reference_is_not_forward():
    """The reverse reference really differs from the forward scan on this data."""
    x = data((5,), np.float64, 15)
    assert not np.allclose(np_reverse("cumsum", x, 0), np.cumsum(x))
    assert_same(alax.cumsum(x, reverse=True), np_reverse("cumsum", x, 0))
    assert_same(alax.cumprod(x, 0, True), np_reverse("cumprod", x, 0))


def test_lax_default_axis_and_size_zero():
    x = data((3, 0), np.float64, 16)
    assert_same(alax.cumsum(x), np.cumsum(x, 0))
    assert_same(alax.cumprod(x, 1, reverse=True), np_reverse("cumprod", x, 1))
    y = data((1, 4), np.int8, 16)
    assert_same(alax.cumprod(y, reverse=True), y)


# ------------------------------------------------------------------ gradients


def cumprod_grad_ref(x, w, axis, reverse=False):
    """d/dx sum(w * cumprod(x, axis)) by explicit loops, no division (exact at zeros):
    grad_i = sum_{j >= i} w_j prod_{k <= j, k != i} x_k along each lane."""
    x, w = np.moveaxis(np.asarray(x, float), axis, -1), np.moveaxis(np.asarray(w, float), axis, -1)
    if reverse:
        x, w = x[..., ::-1], w[..., ::-1]
    g = np.zeros_like(x)
    n = x.shape[-1]
    for lane in np.ndindex(x.shape[:-1]):
        xs, ws = x[lane], w[lane]
        for i in range(n):
            total = 0.0
            for j in range(i, n):
                p = 1.0
                for k in range(j + 1):
                    if k != i:
                        p *= xs[k]
                total += ws[j] * p
            g[lane + (i,)] = total
    if reverse:
        g = g[..., ::-1]
    return np.moveaxis(g, -1, axis)


def cumsum_grad_ref(w, axis, reverse=False):
    """d/dx sum(w * cumsum(x)) = reverse cumulative sum of w (forward, if reversed)."""
    return np.cumsum(w, axis) if reverse else np_reverse("cumsum", w, axis)


def scan_fn(fn, axis, reverse):
    if reverse:
        return lambda a: LAX_FN[fn](a, axis, reverse=True)
    return lambda a: ANP_FN[fn](a, axis=axis)


def with_zeros(x, count, axis, seed):
    """``x`` with ``count`` exact zeros in every lane along ``axis``."""
    rng = np.random.default_rng(seed)
    x = np.moveaxis(x.copy(), axis, -1)
    for lane in np.ndindex(x.shape[:-1]):
        x[lane + (tuple(rng.choice(x.shape[-1], count, replace=False)),)] = 0.0
    return np.moveaxis(x, -1, axis)


@pytest.mark.parametrize(
    "fn,zeros", [("cumsum", 0), ("cumprod", 0), ("cumprod", 1), ("cumprod", 2)]
)
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_grad(fn, zeros, reverse, axis):
    rng = np.random.default_rng(17)
    x = data((4, 5), np.float64, 18)
    w = rng.standard_normal((4, 5))
    if zeros:  # exact zeros in every lane along the scanned axis
        x = with_zeros(x, zeros, axis, 19)
    scan_ = scan_fn(fn, axis, reverse)

    def f(a):
        return anp.sum(scan_(a) * w)

    g = ax.grad(f)(x)
    assert g.shape == x.shape and g.dtype == np.float64
    # f is affine in each entry, so central differences are exact up to rounding, at zeros too
    np.testing.assert_allclose(g, numeric_grad(ax.jit(f), [x]), rtol=1e-6, atol=1e-7)
    if fn == "cumsum":
        ref = cumsum_grad_ref(w, axis, reverse)
    else:
        ref = cumprod_grad_ref(x, w, axis, reverse)
    np.testing.assert_allclose(g, ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ax.jit(ax.grad(f))(x), ref, rtol=1e-12, atol=1e-12)
    if zeros:
        assert np.all(np.isfinite(g)) and not np.allclose(g, 0)


@pytest.mark.parametrize("fn", FNS)
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("shape,axis", [((0, 3), 0), ((3, 0), 1), ((1, 3), 0), ((3, 1), -1)])
def test_grad_size_zero_and_one(fn, reverse, shape, axis):
    x = data(shape, np.float64, 26) + 1.5
    w = data(shape, np.float64, 27)
    scan_ = scan_fn(fn, axis, reverse)

    def f(a):
        return anp.sum(scan_(a) * w)

    if fn == "cumsum":
        ref = cumsum_grad_ref(w, axis, reverse)
    else:
        ref = cumprod_grad_ref(x, w, axis, reverse)
    assert_same(ax.grad(f)(x), ref)
    assert_same(ax.jit(ax.grad(f))(x), ref)
    xs = np.stack([x, 2 * x, -x])
    if fn == "cumsum":
        want = np.stack([cumsum_grad_ref(w, axis, reverse) for _ in xs])
    else:
        want = np.stack([cumprod_grad_ref(xi, w, axis, reverse) for xi in xs])
    assert_same(ax.vmap(ax.grad(f))(xs), want)


def test_cumprod_grad_two_zeros_is_exact():
    """Two zeros, worked out by hand: a partial is nonzero only if the other factors it
    multiplies avoid both zeros."""
    x = np.array([2.0, 0.0, 3.0, 0.0, 5.0])
    w = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    g = ax.grad(lambda a: anp.sum(anp.cumprod(a) * w))(x)
    # d/dx0 = w0 (later terms carry x1 = 0); d/dx1 = w1*x0 + w2*x0*x2 (later carry x3 = 0)
    np.testing.assert_array_equal(g, [1.0, 22.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(g, cumprod_grad_ref(x, w, 0))
    g = ax.grad(lambda a: anp.sum(alax.cumprod(a, reverse=True) * w))(x)
    # reverse, y_j = prod_{k >= j} x_k: d/dx4 = w4; d/dx3 = w3*x4 + w2*x2*x4
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0, 65.0, 5.0])
    np.testing.assert_array_equal(g, cumprod_grad_ref(x, w, 0, reverse=True))


@pytest.mark.parametrize("fn", FNS)
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("in_axes", [0, 1, -1])
def test_per_example_grad(fn, reverse, in_axes):
    rng = np.random.default_rng(20)
    w = rng.standard_normal((4, 3))
    sub = data((5, 4, 3), np.float64, 21)  # 5 examples shaped like w
    sub = with_zeros(sub, 1, 1, 22) if fn == "cumprod" else sub  # a zero in every lane
    x = np.moveaxis(sub, 0, in_axes)
    scan_ = scan_fn(fn, 0, reverse)

    def f(a, ww):
        return anp.sum(scan_(a) * ww)

    per = [ax.grad(f)(s, w) for s in sub]
    want = np.stack(per)  # vmap's out_axes is 0
    got = ax.vmap(ax.grad(f), in_axes=(in_axes, None))(x, w)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    # the loop reference agrees, and so do the analytic ones
    for s, g in zip(sub, got):
        r = (
            cumprod_grad_ref(s, w, 0, reverse)
            if fn == "cumprod"
            else cumsum_grad_ref(w, 0, reverse)
        )
        np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-12)
    # weights mapped too, and the whole thing under jit
    ws = rng.standard_normal((sub.shape[0], 4, 3))
    got = ax.jit(ax.vmap(ax.grad(f), in_axes=(in_axes, 0)))(x, ws)
    want = np.stack(
        [
            cumprod_grad_ref(s, wi, 0, reverse)
            if fn == "cumprod"
            else cumsum_grad_ref(wi, 0, reverse)
            for s, wi in zip(sub, ws)
        ]
    )
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fn", FNS)
def test_grad_through_vmapped_scan(fn):
    """grad of a function that vmaps the scan inside (the scan axis is a physical one)."""
    rng = np.random.default_rng(23)
    w = rng.standard_normal((5, 4))
    x = data((4, 5), np.float64, 24)

    def f(a):
        return anp.sum(ax.vmap(lambda r: ANP_FN[fn](r), in_axes=1)(a) * w)

    np.testing.assert_allclose(ax.grad(f)(x), numeric_grad(ax.jit(f), [x]), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype_arg", [None, np.float64])
def test_grad_float32_and_dtype_argument(dtype_arg):
    x = data((6,), np.float32, 25)
    w = np.arange(1.0, 7.0)
    g = ax.grad(lambda a: anp.sum(anp.cumsum(a, dtype=dtype_arg) * w))(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, cumsum_grad_ref(w, 0), rtol=1e-6)


def test_second_derivative_cumsum():
    w = np.array([1.0, -2.0, 0.5, 3.0])
    v = np.array([0.3, -1.0, 2.0, 0.5])
    x = np.array([1.5, -0.5, 2.0, 0.7])

    def h(a):
        return anp.sum(anp.cumsum(a * a * a, axis=0) * w)

    def gv(a):  # directional derivative of grad h: a Hessian-vector product
        return anp.sum(ax.grad(h)(a) * v)

    # grad h = 3 a^2 * revcumsum(w); its gradient dotted with v is 6 a * revcumsum(w) * v
    r = cumsum_grad_ref(w, 0)
    np.testing.assert_allclose(ax.grad(h)(x), 3 * x**2 * r, rtol=1e-12)
    np.testing.assert_allclose(ax.grad(gv)(x), 6 * x * r * v, rtol=1e-12)
    np.testing.assert_allclose(ax.jit(ax.grad(gv))(x), 6 * x * r * v, rtol=1e-12)
    xs = np.stack([x, x + 1.0, -x])
    np.testing.assert_allclose(ax.vmap(ax.grad(gv))(xs), 6 * xs * r * v, rtol=1e-12)


@pytest.mark.parametrize("reverse", [False, True])
def test_second_derivative_cumprod(reverse):
    w = np.array([1.0, -2.0, 0.5, 3.0])
    v = np.array([0.3, -1.0, 2.0, 0.5])
    x = np.array([1.5, 0.0, 2.0, -1.0])

    def h(a):
        return anp.sum(alax.cumprod(a, 0, reverse=reverse) * w)

    def gv(a):
        return anp.sum(ax.grad(h)(a) * v)

    np.testing.assert_allclose(
        ax.grad(h)(x), cumprod_grad_ref(x, w, 0, reverse), rtol=1e-12, atol=1e-12
    )
    # grad h is affine in each entry: finite differences of it are exact up to rounding
    np.testing.assert_allclose(ax.grad(gv)(x), numeric_grad(ax.jit(gv), [x]), rtol=1e-6, atol=1e-7)


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    "call,shape,axis",
    [
        (lambda a: anp.cumsum(a, axis=2), (3, 4), 2),
        (lambda a: anp.cumprod(a, axis=-3), (3, 4), -3),
        (lambda a: a.cumsum(axis=5), (3, 4), 5),
        (lambda a: alax.cumsum(a, axis=2), (3, 4), 2),
        (lambda a: alax.cumprod(a, axis=-3, reverse=True), (3, 4), -3),
        (lambda a: anp.cumsum(a, axis=1), (), 1),
        (lambda a: anp.cumprod(a, axis=-2), (), -2),
    ],
)
def test_axis_out_of_range(call, shape, axis):
    with pytest.raises(np.exceptions.AxisError):
        np.cumsum(np.ones(shape), axis=axis)
    pattern = rf"axis {axis}\b"
    # under vmap the physical rank is one more: axis 2 must still be out of range
    with pytest.raises(ax.AxcompError, match=pattern) as info:
        ax.vmap(call)(np.ones((2, *shape)))
    assert isinstance(info.value, np.exceptions.AxisError)
    assert isinstance(info.value, IndexError) and isinstance(info.value, ValueError)
    with pytest.raises(ax.AxcompError, match=pattern) as info:
        ax.jit(call)(np.ones(shape))
    assert isinstance(info.value, np.exceptions.AxisError)


def test_lax_eager_axis_error():
    with pytest.raises(np.exceptions.AxisError, match=r"axis 3\b") as info:
        alax.cumsum(np.ones((2, 3)), axis=3)
    assert isinstance(info.value, ax.AxcompError)
    # jax.lax has no 0-d special case: axis 0 of a 0-d operand is out of range
    with pytest.raises(ax.AxcompError, match=r"axis 0\b") as info:
        alax.cumprod(np.array(2.0))
    assert isinstance(info.value, np.exceptions.AxisError)
    with pytest.raises(np.exceptions.AxisError, match=r"axis 0\b"):
        ax.vmap(lambda a: alax.cumsum(a, 0, reverse=True))(np.ones(3))


# ------------------------------------------------------------------ explain


def test_explain():
    e = ax.explain(ax.vmap(lambda x: anp.cumsum(x)), np.ones((3, 4)))
    assert "_np.cumsum(" in e.source
    assert "cumsum" in str(e.graph)
    e = ax.explain(ax.vmap(lambda x: alax.cumprod(x, 0, reverse=True)), np.ones((3, 4)))
    assert "_np.cumprod(" in e.source and "_np.flip(" in e.source
    assert "cumprod" in str(e.graph) and "reverse" in str(e.graph)


# ------------------------------------------------------------------ hypothesis


@st.composite
def cases(draw):
    rank = draw(st.integers(1, 3))
    shape = tuple(draw(st.lists(st.integers(0, 5), min_size=rank, max_size=rank)))
    batch = draw(st.integers(0, 4))
    in_axes = draw(st.integers(-(rank + 1), rank))
    axis = draw(st.one_of(st.none(), st.integers(-rank, rank - 1)))
    fn = draw(st.sampled_from(FNS))
    kind = draw(st.sampled_from(["numpy", "lax", "lax_reverse", "method"]))
    if axis is None and kind != "numpy":
        axis = 0
    dtype = draw(st.sampled_from([np.float64, np.int32, np.int8, np.bool_]))
    nested = draw(st.booleans())
    seed = draw(st.integers(0, 2**16))
    return shape, batch, in_axes, axis, fn, kind, dtype, nested, seed


@settings(max_examples=50, deadline=None)
@given(cases())
def test_hypothesis_vs_loop(case):
    shape, batch, in_axes, axis, fn, kind, dtype, nested, seed = case

    if kind == "numpy":

        def kernel(a):
            return ANP_FN[fn](a, axis=axis)

        def ref(a):
            return NP_FN[fn](a, axis=axis)
    elif kind == "method":

        def kernel(a):
            return getattr(a, fn)(axis)

        def ref(a):
            return NP_FN[fn](a, axis)
    else:
        reverse = kind == "lax_reverse"

        def kernel(a):
            return LAX_FN[fn](a, axis, reverse)

        def ref(a):
            return np_reverse(fn, a, axis, a.dtype) if reverse else NP_FN[fn](a, axis, a.dtype)

    full = list(shape)
    full.insert(in_axes % (len(shape) + 1), batch)
    if nested:  # an outer level mapped on axis 0 of the result
        full.insert(0, 2)
        x = data(tuple(full), dtype, seed)
        got = ax.vmap(ax.vmap(kernel, in_axes=in_axes))(x)
        want = loop_vmap(loop_vmap(ref, in_axes=in_axes))(x)
    else:
        x = data(tuple(full), dtype, seed)
        got = ax.vmap(kernel, in_axes=in_axes)(x)
        want = loop_vmap(ref, in_axes=in_axes)(x)
    assert_same(got, want)
