"""Convolutions (lax.conv_general_dilated and its wrappers) and window pooling against JAX's
recorded values (tests/conv_reference.npz, written by conv_record.py) under eager calls,
jit, vmap (batched inputs, kernels, both), grad and jvp, grad also against finite
differences; the windows primitive's rules; refusals with JAX's error types."""

from __future__ import annotations

import os

import numpy as np
import pytest
from conv_cases import CONV, PATCHES, POOL, SIGNAL, TRANSPOSE, data, keywords, pool_fn, pool_input
from gradcheck import numeric_grad

import axcomp as ax
import axcomp.lax as lax
import axcomp.numpy as anp
from axcomp.errors import AxcompError
from axcomp.scipy import signal

REF = np.load(os.path.join(os.path.dirname(__file__), "conv_reference.npz"))


def close(a, b, tol=1e-12):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


def _conv(kw):
    kw = keywords(kw, lax)
    return lambda a, b: lax.conv_general_dilated(a, b, **kw)


def _transpose(kw):
    return lambda a, b: lax.conv_transpose(a, b, **kw)


def _signal(fn, mode):
    return lambda a, b: getattr(signal, fn)(a, b, mode)


TWO = (
    [("conv", n, ls, rs, _conv(kw)) for n, (ls, rs, kw) in CONV.items()]
    + [("transpose", n, ls, rs, _transpose(kw)) for n, (ls, rs, kw) in TRANSPOSE.items()]
    + [("signal", n, s1, s2, _signal(fn, m)) for n, (fn, s1, s2, m) in SIGNAL.items()]
)
IDS = [f"{k}-{n}" for k, n, *_ in TWO]


@pytest.mark.parametrize(("kind", "name", "ls", "rs", "f"), TWO, ids=IDS)
def test_value_eager_and_jit(kind, name, ls, rs, f):
    x, w = data(ls, 1), data(rs, 2)
    want = REF[f"{kind}/{name}/value"]
    close(f(x, w), want)
    close(ax.jit(f)(x, w), want)


@pytest.mark.parametrize(("kind", "name", "ls", "rs", "f"), TWO, ids=IDS)
def test_vmap_lhs_rhs_both(kind, name, ls, rs, f):
    x, w = data(ls, 1), data(rs, 2)
    xb = np.stack([x, data(ls, 3)])
    wb = np.stack([w, data(rs, 4)])
    close(ax.vmap(f, (0, None))(xb, w), REF[f"{kind}/{name}/vmap_lhs"])
    close(ax.vmap(f, (None, 0))(x, wb), REF[f"{kind}/{name}/vmap_rhs"])
    close(ax.jit(ax.vmap(f, (0, 0)))(xb, wb), REF[f"{kind}/{name}/vmap_both"])


@pytest.mark.parametrize(("kind", "name", "ls", "rs", "f"), TWO, ids=IDS)
def test_grad_and_jvp(kind, name, ls, rs, f):
    x, w = data(ls, 1), data(rs, 2)
    cot = data(REF[f"{kind}/{name}/value"].shape, 5)

    def loss(a, b):
        return anp.sum(f(a, b) * cot)

    gx, gw = ax.grad(loss, argnums=(0, 1))(x, w)
    close(gx, REF[f"{kind}/{name}/grad_lhs"])
    close(gw, REF[f"{kind}/{name}/grad_rhs"])
    gx2, gw2 = ax.jit(ax.grad(loss, argnums=(0, 1)))(x, w)
    close(gx2, gx)
    close(gw2, gw)
    _, t = ax.jvp(f, (x, w), (data(ls, 7), data(rs, 8)))
    close(t, REF[f"{kind}/{name}/jvp"])


@pytest.mark.parametrize("name", ["explicit_dilated", "batch_groups", "odd_layout"])
def test_grad_matches_finite_differences(name):
    ls, rs, kw = CONV[name]
    f = _conv(kw)
    x, w = data(ls, 1), data(rs, 2)
    cot = data(REF[f"conv/{name}/value"].shape, 5)

    def loss(a, b):
        return float(np.sum(np.asarray(f(a, b)) * cot))

    gx, gw = ax.grad(lambda a, b: anp.sum(f(a, b) * cot), argnums=(0, 1))(x, w)
    close(gx, numeric_grad(loss, (x, w), 0), 1e-7)
    close(gw, numeric_grad(loss, (x, w), 1), 1e-7)


def test_per_example_gradients_are_one_contraction_over_the_batch():
    # DP-SGD style: vmap(grad) over examples, each with its own input; each example's
    # kernel gradient against finite differences of that example's loss
    ls, rs, kw = CONV["nchw_same_stride"]
    f = _conv(kw)
    xs = np.stack([data((1, *ls[1:]), s) for s in (1, 3, 6)])
    w = data(rs, 2)

    def loss(b, a):
        return anp.sum(anp.tanh(f(a, b)))

    per = ax.jit(ax.vmap(ax.grad(loss), in_axes=(None, 0)))(w, xs)
    for k in range(len(xs)):
        ref = numeric_grad(lambda b, a=xs[k]: float(np.sum(np.tanh(np.asarray(f(a, b))))), (w,), 0)
        close(per[k], ref, 1e-7)
    src = ax.jit(ax.vmap(ax.grad(loss), in_axes=(None, 0))).lower(w, xs).source
    assert "for " not in src  # no loop over examples in the generated code


@pytest.mark.parametrize("name", list(PATCHES))
def test_patches(name):
    ls, kw = PATCHES[name]
    x = data(ls, 1)
    close(lax.conv_general_dilated_patches(x, **kw), REF[f"patches/{name}"])
    close(ax.jit(lambda a: lax.conv_general_dilated_patches(a, **kw))(x), REF[f"patches/{name}"])


@pytest.mark.parametrize("name", list(POOL))
def test_pooling(name):
    shape, kind, kw = POOL[name]
    f = pool_fn(lax, kind, kw)
    x = pool_input(name, shape, 1)
    close(f(x), REF[f"pool/{name}/value"])
    close(ax.jit(f)(x), REF[f"pool/{name}/value"])
    close(ax.vmap(f)(np.stack([x, pool_input(name, shape, 2)])), REF[f"pool/{name}/vmap"])
    cot = data(REF[f"pool/{name}/value"].shape, 5)
    close(ax.grad(lambda a: anp.sum(f(a) * cot))(x), REF[f"pool/{name}/grad"])


def test_layout_strings_equal_explicit_numbers():
    assert lax.conv_dimension_numbers((1, 2, 3, 4), (5, 6, 7, 8), ("NHWC", "HWIO", "NHWC")) == (
        lax.ConvDimensionNumbers((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))
    )
    assert lax.conv_dimension_numbers((1, 2, 3), (1, 2, 3), None) == ((0, 1, 2),) * 3


def test_lax_conv_and_general_padding_match_the_general_form():
    x, w = data((2, 3, 6, 5), 1), data((4, 3, 3, 2), 2)
    close(lax.conv(x, w, (1, 1), "VALID"), REF["conv/nchw_valid/value"])
    ls, rs, kw = CONV["explicit_dilated"]
    got = lax.conv_with_general_padding(
        data(ls, 1),
        data(rs, 2),
        kw["window_strides"],
        kw["padding"],
        kw["lhs_dilation"],
        kw["rhs_dilation"],
        precision=lax.Precision.HIGHEST,
    )
    close(got, REF["conv/explicit_dilated/value"])


def test_direct_sum_reference():
    # an independent check of the layout bookkeeping: four nested loops
    x, w = data((1, 2, 5, 4), 3), data((3, 2, 2, 3), 4)
    want = np.zeros((1, 3, 4, 2))
    for o in range(3):
        for i in range(4):
            for j in range(2):
                want[0, o, i, j] = np.sum(x[0, :, i : i + 2, j : j + 3] * w[o])
    close(lax.conv_general_dilated(x, w, (1, 1), "VALID"), want)


def test_preferred_element_type_and_precision():
    x, w = data((1, 2, 4, 4), 1).astype(np.float32), data((2, 2, 2, 2), 2).astype(np.float32)
    y = lax.conv_general_dilated(x, w, (1, 1), "VALID", preferred_element_type=np.float64)
    assert y.dtype == np.float64
    ref = lax.conv_general_dilated(x.astype(np.float64), w.astype(np.float64), (1, 1), "VALID")
    close(y, ref)
    with pytest.raises(ValueError):
        lax.conv_general_dilated(x, w, (1, 1), "VALID", precision="nonsense")


@pytest.mark.parametrize(
    ("call", "err"),
    [
        (lambda x, w: lax.conv_general_dilated(x, w, (1,), "VALID"), ValueError),
        (lambda x, w: lax.conv_general_dilated(x, w, (1, 1), "FULL"), ValueError),
        (
            lambda x, w: lax.conv_general_dilated(x, w, (1, 1), "SAME", lhs_dilation=(2, 1)),
            ValueError,
        ),
        (
            lambda x, w: lax.conv_general_dilated(x, w, (1, 1), "VALID", feature_group_count=2),
            ValueError,
        ),
        (lambda x, w: lax.conv_general_dilated(x, w[:, :, 0], (1,), "VALID"), TypeError),
        (
            lambda x, w: lax.conv_general_dilated(
                x, w, (1, 1), "VALID", dimension_numbers=("NCHW", "OIHW")
            ),
            TypeError,
        ),
        (
            lambda x, w: lax.conv_general_dilated(x, w.astype(np.float32), (1, 1), "VALID"),
            TypeError,
        ),
        (lambda x, w: lax.conv_general_dilated(x, w, (1, 1), ((-9, 0), (0, 0))), ValueError),
    ],
)
def test_refusals_are_jax_types(call, err):
    x, w = data((1, 3, 4, 4), 1), data((2, 3, 2, 2), 2)
    with pytest.raises(err) as info:
        call(x, w)
    assert isinstance(info.value, AxcompError)


def test_windows_view_allocates_nothing_and_array_api_matches():
    x, w = data((2, 3, 6, 5), 1), data((4, 3, 3, 2), 2)
    f = ax.jit(lambda a, b: lax.conv_general_dilated(a, b, (2, 1), "VALID", rhs_dilation=(1, 2)))
    compiled = f.lower(x, w)
    steps = [s for s in compiled.plan.steps if s.node.op.name == "windows"]
    assert steps and all(s.nbytes == 0 for s in steps)
    xp = pytest.importorskip("array_api_strict")
    want = np.asarray(f(x, w))
    got = f(xp.asarray(x), xp.asarray(w))
    close(np.asarray(got), want)
    # the reverse rule (window_sum accumulates in place) on a mutable Array API library
    g = ax.jit(ax.grad(lambda a, b: anp.sum(f(a, b) ** 2), argnums=(0, 1)))
    for mine, ref in zip(g(xp.asarray(x), xp.asarray(w)), g(x, w)):
        close(np.asarray(mine), ref)


def test_window_sum_is_the_transpose_of_windows():
    # <windows(x), y> == <x, window_sum(y)> for random x, y: the reverse rule is the adjoint
    from axcomp.primitives.windows import windows

    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 7, 6))
    view = lambda a: windows(a, (1, 2), (3, 2), (2, 1), (1, 2))  # noqa: E731
    y = rng.normal(size=ax.jit(view)(x).shape)
    vjp = ax.vjp(view, x)[1](y)[0]
    assert np.isclose(np.sum(ax.jit(view)(x) * y), np.sum(x * vjp), rtol=1e-12)
    # and the view itself against an explicit gather
    want = np.empty(y.shape)
    for i, j, a, b in np.ndindex(*y.shape[1:]):
        want[:, i, j, a, b] = x[:, 2 * i + a, j + 2 * b]
    close(ax.jit(view)(x), want)


def test_windows_declares_its_axes_and_vmapped_convs_chunk_on_the_batch():
    from axcomp.core.independence import MIXED, Carried

    x, w = data((6, 2, 9, 8), 1), data((3, 2, 3, 3), 2)
    f = ax.jit(lambda a, b: lax.conv_general_dilated(a, b, (1, 1), "SAME"))
    node = next(s.node for s in f.lower(x, w).plan.steps if s.node.op.name == "windows")
    assert node.op.axes(node) == ((Carried(0), Carried(1), MIXED, MIXED),)
    per = ax.vmap(lambda a, b: lax.conv_general_dilated(a[None], b, (1, 1), "SAME")[0], (0, None))
    small = ax.jit(per, memory_limit="30KiB", threads=1)
    assert small.lower(x, w).chunks is not None
    close(small(x, w), f(x, w))


def test_signal_fft_method_matches_direct():
    a, b = data((6, 5), 1), data((3, 2), 2)
    for mode in ("full", "same", "valid"):
        for fn in (signal.convolve, signal.correlate):
            np.testing.assert_allclose(
                fn(a, b, mode, method="fft"), fn(a, b, mode, method="direct"), atol=1e-12
            )


def test_signal_refusals_and_missing_names():
    from axcomp.errors import MissingFunctionError

    a, b = data((4, 4), 1), data((2, 2), 2)
    with pytest.raises(ValueError):
        signal.convolve(a, b, method="winograd")
    with pytest.raises(NotImplementedError):
        signal.convolve2d(a, b, boundary="wrap")
    with pytest.raises(ValueError):
        signal.convolve2d(a[0], b[0])
    with pytest.raises(ValueError):
        signal.convolve(a, data((5, 1), 3))  # neither smaller in every axis
    with pytest.raises(MissingFunctionError, match="spectrogram"):
        signal.spectrogram  # noqa: B018
    import axcomp.scipy

    assert axcomp.scipy.signal is signal


def test_jnp_convolve_takes_precision_like_jax():
    a, v = data((9,), 1), data((4,), 2)
    want = np.convolve(a, v)
    close(anp.convolve(a, v, precision=lax.Precision.HIGHEST), want)
    close(anp.correlate(a, v, "full", precision="highest"), np.correlate(a, v, "full"))
    got = anp.convolve(
        a.astype(np.float32), v.astype(np.float32), preferred_element_type=np.float64
    )
    assert got.dtype == np.float64
    close(got, want)
    with pytest.raises(ValueError):
        anp.convolve(a, v, precision="bogus")


def test_jacfwd_contracted_with_tangents_is_jaxs_jvp():
    name = "explicit_dilated"
    ls, rs, kw = CONV[name]
    f = _conv(kw)
    x, w = data(ls, 1), data(rs, 2)
    jx, jw = ax.jacfwd(f, argnums=(0, 1))(x, w)
    out_nd = REF[f"conv/{name}/value"].ndim
    dx, dw = data(ls, 7), data(rs, 8)
    got = np.tensordot(jx, dx, axes=dx.ndim) + np.tensordot(jw, dw, axes=dw.ndim)
    assert got.ndim == out_nd
    close(got, REF[f"conv/{name}/jvp"])


def test_complex_convolution_against_direct_sums():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(1, 2, 5, 4)) + 1j * rng.normal(size=(1, 2, 5, 4))
    w = rng.normal(size=(3, 2, 2, 3)) + 1j * rng.normal(size=(3, 2, 2, 3))
    want = np.zeros((1, 3, 4, 2), complex)
    for o in range(3):
        for i in range(4):
            for j in range(2):
                want[0, o, i, j] = np.sum(x[0, :, i : i + 2, j : j + 3] * w[o])
    close(ax.jit(lambda a, b: lax.conv_general_dilated(a, b, (1, 1), "VALID"))(x, w), want)


def test_chunked_per_example_gradients_equal_the_whole_run():
    # window_sum declares its axes too: vmap(grad) over examples splits into blocks
    x, w = data((12, 1, 2, 9, 8), 1), data((3, 2, 3, 3), 2)

    def loss(b, a):
        return anp.sum(anp.tanh(lax.conv_general_dilated(a, b, (2, 1), "SAME")))

    g = ax.vmap(ax.grad(loss, argnums=(0, 1)), in_axes=(None, 0))
    small = ax.jit(g, memory_limit="40KiB", threads=2)
    assert small.lower(w, x).chunks is not None
    for got, want in zip(small(w, x), ax.jit(g)(w, x)):
        close(got, want)
    ref = numeric_grad(
        lambda a: float(
            np.sum(np.tanh(np.asarray(lax.conv_general_dilated(a, w, (2, 1), "SAME"))))
        ),
        (x[3],),
        0,
    )
    close(small(w, x)[1][3], ref, 1e-7)
