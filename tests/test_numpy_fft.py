"""axcomp.numpy.fft's one-axis, n-d, real n-d, Hermitian, shift and frequency functions
traced (under jit, vmap and grad) against numpy.fft, whose conventions jax.numpy.fft
shares."""

from __future__ import annotations

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.errors import MissingFunctionError, UnsupportedError

RNG = np.random.default_rng(5)
X = RNG.normal(size=(3, 4, 6))
Z = X + 1j * RNG.normal(size=X.shape)
NORMS = [None, "ortho", "forward"]


def close(a, b):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("fftn", {}),
        ("fftn", {"axes": (0, 2)}),
        ("fftn", {"s": (5, 4), "axes": (1, 2)}),
        ("ifftn", {"axes": (1,)}),
        ("fft2", {}),
        ("ifft2", {"s": (3, 8)}),
    ],
)
def test_complex_nd(name, kwargs, norm):
    fn = getattr(anp.fft, name)
    ref = getattr(np.fft, name)(Z, norm=norm, **kwargs)
    close(ax.jit(lambda z: fn(z, norm=norm, **kwargs))(Z), ref)


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("rfftn", {}), ("rfftn", {"axes": (0, 1)}), ("rfft2", {"s": (4, 5)}), ("rfft2", {})],
)
def test_real_nd_and_inverse(name, kwargs, norm):
    fn = getattr(anp.fft, name)
    spec = np.asarray(getattr(np.fft, name)(X, norm=norm, **kwargs))
    close(ax.jit(lambda x: fn(x, norm=norm, **kwargs))(X), spec)
    inv = name.replace("rfft", "irfft")
    ref = getattr(np.fft, inv)(spec, norm=norm, **kwargs)
    close(ax.jit(lambda s: getattr(anp.fft, inv)(s, norm=norm, **kwargs))(spec), ref)


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("n", [None, 7, 10])
def test_hermitian_pair(norm, n):
    z = Z[0, 0]
    close(ax.jit(lambda v: anp.fft.hfft(v, n=n, norm=norm))(z), np.fft.hfft(z, n=n, norm=norm))
    x = X[0, 0]
    close(ax.jit(lambda v: anp.fft.ihfft(v, n=n, norm=norm))(x), np.fft.ihfft(x, n=n, norm=norm))


@pytest.mark.parametrize("axes", [None, 0, (1, 2), (-1,)])
def test_shifts(axes):
    close(ax.jit(lambda x: anp.fft.fftshift(x, axes=axes))(X), np.fft.fftshift(X, axes=axes))
    close(ax.jit(lambda x: anp.fft.ifftshift(x, axes=axes))(X), np.fft.ifftshift(X, axes=axes))


@pytest.mark.parametrize("n", [1, 6, 7])
def test_frequencies(n):
    close(anp.fft.fftfreq(n, 0.1), np.fft.fftfreq(n, 0.1))
    close(anp.fft.rfftfreq(n, 0.5), np.fft.rfftfreq(n, 0.5))
    # a traced spacing d
    close(ax.jit(lambda d: anp.fft.fftfreq(n, d))(0.25), np.fft.fftfreq(n, 0.25))
    close(
        ax.vmap(lambda d: anp.fft.rfftfreq(n, d))(np.array([0.5, 2.0])),
        [np.fft.rfftfreq(n, 0.5), np.fft.rfftfreq(n, 2.0)],
    )


def test_vmap_batches_like_a_loop():
    got = ax.vmap(lambda x: anp.fft.rfft2(x))(X)
    close(got, np.stack([np.fft.rfft2(x) for x in X]))
    got = ax.vmap(lambda z: anp.fft.fftshift(anp.fft.fftn(z)), in_axes=2)(Z)
    close(got, np.stack([np.fft.fftshift(np.fft.fftn(Z[:, :, k])) for k in range(Z.shape[2])]))


def test_grad_through_shifts_and_a_complex_spectrum():
    x = X[0]
    h = lambda v: anp.sum(anp.fft.fftshift(v) * anp.arange(v.size).reshape(v.shape))  # noqa: E731
    close(ax.grad(h)(x), np.fft.ifftshift(np.arange(x.size).reshape(x.shape)))
    # through a complex spectrum (Parseval): sum |fft2(v)|^2 = v.size * sum v^2
    f = lambda v: anp.sum(anp.abs(anp.fft.fft2(v)) ** 2)  # noqa: E731
    g = ax.grad(f)(x)
    assert g.dtype == x.dtype
    close(g, 2 * x.size * x)


def test_errors():
    with pytest.raises(ValueError):
        ax.jit(lambda z: anp.fft.fftn(z, s=(3, 4), axes=(0,)))(Z)
    with pytest.raises(ValueError):
        ax.jit(lambda z: anp.fft.hfft(z, norm="bad"))(Z)
    with pytest.raises(MissingFunctionError):
        anp.fft.nonexistent  # noqa: B018


# ------------------------------------------------------------------ one-axis transforms


FFT_KW = [{}, {"n": 4}, {"n": 9, "axis": 0}, {"norm": "ortho"}, {"norm": "forward", "axis": -2}]


def _np_kw(kw):
    """The same call on the batched array (batch axis 0 in front)."""
    axis = kw.get("axis", -1)
    return {**kw, "axis": axis + 1 if axis >= 0 else axis}


@pytest.mark.parametrize("kw", FFT_KW)
@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "irfft"])
def test_fft_vmap_jit(name, kw):
    x = RNG.normal(size=(3, 5, 6))
    if name == "irfft":
        x = np.fft.rfft(x)
    if name in ("fft", "ifft") and kw.get("n") == 4:
        x = x + 1j * RNG.normal(size=x.shape)
    fn = getattr(anp.fft, name)
    ref = getattr(np.fft, name)
    got = ax.vmap(lambda a: fn(a, **kw))(x)
    want = ref(x, **_np_kw(kw))
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, atol=1e-12)
    np.testing.assert_allclose(ax.jit(lambda a: fn(a, **kw))(x[0]), ref(x[0], **kw), atol=1e-12)
    np.testing.assert_allclose(fn(x[0], **kw), ref(x[0], **kw))  # eager: NumPy's


def test_fft_float32_nested_and_errors():
    x = RNG.normal(size=(2, 3, 8)).astype(np.float32)
    got = ax.vmap(ax.vmap(anp.fft.rfft), in_axes=1)(x)
    assert got.dtype == np.complex64
    np.testing.assert_allclose(got, np.fft.rfft(x.transpose(1, 0, 2)), rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="norm"):
        ax.vmap(lambda a: anp.fft.fft(a, norm="bad"))(x)
    with pytest.raises(TypeError, match="real"):
        ax.vmap(lambda a: anp.fft.rfft(a * 1j))(x)
    # through a complex half spectrum: sum_k<=4 |X_k|^2 = (8 |a|^2 + X_0^2 + X_4^2) / 2
    a = x[0, 0].astype(np.float64)
    g = ax.grad(lambda a: anp.sum(anp.abs(anp.fft.rfft(a)) ** 2))(a)
    alternate = (-1.0) ** np.arange(8)
    close(g, 8 * a + np.sum(a) + np.sum(a * alternate) * alternate)
    with pytest.raises(UnsupportedError, match=r"rfft3.*nearest supported"):
        anp.fft.rfft3  # noqa: B018  (every jax.numpy.fft name exists now)


def test_fft_array_api():
    xp = pytest.importorskip("array_api_strict")
    x = RNG.normal(size=(3, 6))
    got = ax.vmap(lambda a: anp.fft.irfft(anp.fft.rfft(a), n=6))(xp.asarray(x))
    np.testing.assert_allclose(np.asarray(got), x, atol=1e-12)
