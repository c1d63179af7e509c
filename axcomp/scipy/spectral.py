"""The FFT-based functions of ``jax.scipy.signal``: ``detrend``, ``fftconvolve``, and the
segment spectra ``stft``, ``csd`` and ``welch`` (SciPy's formulas, as JAX computes them).
The transforms are ``lax/dft.py``'s DFT compositions, so jit, vmap and grad come with them."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentValueError, ShapeError, UnsupportedError
from ..lax import dft
from ..primitives.contraction import moveaxis, multiply, transpose
from ..primitives.elementwise import elementwise
from ..primitives.indexing import getitem
from ..primitives.order import pad
from ..primitives.products import matmul
from ..primitives.reductions import mean, reduce_sum
from ..primitives.shape import astype, concatenate, reshape
from ..tracing.build import Value, lift, normalize_axis, trace_of
from ..tracing.tracer import Tracer
from ..transforms.jit import staged_export


def _inexact(t: Tracer) -> Tracer:
    return t if t.dtype.kind in "fc" else astype(t, np.float64)


def _linear_residual(seg: Tracer) -> Tracer:
    """``seg`` minus its least-squares line along the last axis."""
    m = seg.shape[-1]
    centred = np.arange(m) - (m - 1) / 2.0
    level = elementwise("subtract", seg, mean(seg, axis=-1, keepdims=True))
    denom = float(np.sum(centred**2))
    if denom == 0.0:
        return level
    slope = reduce_sum(multiply(seg, centred / denom), axis=-1, keepdims=True)
    return elementwise("subtract", level, multiply(slope, centred.astype(seg.dtype)))


@staged_export
def detrend(
    data: Value,
    axis: int = -1,
    type: str = "linear",
    bp: int | Sequence[int] | np.ndarray = 0,
    overwrite_data: None = None,
) -> Tracer:
    """``data`` minus its mean (``type='constant'``) or its least-squares line on each
    piece between the static breakpoints ``bp`` (``'linear'``) along ``axis``."""
    if type not in ("constant", "c", "linear", "l"):
        raise ArgumentValueError("Trend type must be 'linear' or 'constant'.")
    if overwrite_data is not None:
        raise ArgumentValueError("overwrite_data argument not implemented.")
    t = _inexact(lift(data, trace_of((data,))))
    ax = normalize_axis(axis, t.ndim, "axis")
    x = moveaxis(t, ax, -1)
    if type in ("constant", "c"):
        out = elementwise("subtract", x, mean(x, axis=-1, keepdims=True))
        return moveaxis(out, -1, ax)
    n = x.shape[-1]
    cuts = np.unique(np.concatenate([[0], np.atleast_1d(np.asarray(bp, np.int64)), [n]]))
    if np.any(cuts > n) or np.any(cuts < 0):
        raise ArgumentValueError(
            "Breakpoints must be non-negative and less than length of data along given axis."
        )
    pieces = [
        _linear_residual(getitem(x, (..., slice(int(a), int(b)))))
        for a, b in itertools.pairwise(cuts)
    ]
    out = pieces[0] if len(pieces) == 1 else concatenate(pieces, axis=-1)
    return moveaxis(out, -1, ax)


def _dft_along(t: Tracer, ax: int, n: int, inverse: bool) -> Tracer:
    return (dft.ifft if inverse else dft.fft)(t, n=n, axis=ax)


@staged_export
def fftconvolve(
    in1: Value, in2: Value, mode: str = "full", axes: Sequence[int] | None = None
) -> Tracer:
    """The convolution of ``in1`` and ``in2`` over ``axes`` (all by default) through the
    DFT; the other axes broadcast. Modes full, same and valid, as ``scipy.signal``."""
    if mode not in ("full", "same", "valid"):
        raise ArgumentValueError(
            f"fftconvolve: mode must be 'full', 'same' or 'valid', got {mode!r}"
        )
    trace = trace_of((in1, in2))
    a, b = _inexact(lift(in1, trace)), _inexact(lift(in2, trace))
    if a.ndim != b.ndim:
        raise ShapeError("in1 and in2 should have the same dimensionality")
    conv_axes = (
        list(range(a.ndim))
        if axes is None
        else sorted({normalize_axis(operator.index(i), a.ndim, "axes") for i in axes})
    )
    for d in range(a.ndim):
        if d not in conv_axes and a.shape[d] != b.shape[d] and 1 not in (a.shape[d], b.shape[d]):
            raise ShapeError(
                f"fftconvolve: incompatible shapes for in1 and in2: {a.shape} and {b.shape}"
            )
    if 0 in a.shape or 0 in b.shape:
        raise ShapeError(f"fftconvolve: empty input, got shapes {a.shape} and {b.shape}")
    if mode == "valid" and all(a.shape[d] <= b.shape[d] for d in conv_axes):
        a, b = b, a  # SciPy convolves the larger input with the smaller one
    real = a.dtype.kind == "f" and b.dtype.kind == "f"
    dtype = np.result_type(a.dtype, b.dtype)
    fa, fb = a, b
    sizes = {d: a.shape[d] + b.shape[d] - 1 for d in conv_axes}
    for d in conv_axes:
        fa, fb = _dft_along(fa, d, sizes[d], False), _dft_along(fb, d, sizes[d], False)
    out = multiply(fa, fb)
    for d in conv_axes:
        out = _dft_along(out, d, sizes[d], True)
    if real:
        out = elementwise("real", out)
    index: list[Any] = [slice(None)] * a.ndim
    for d in conv_axes:
        n1, n2 = a.shape[d], b.shape[d]
        if mode == "same":
            start = (sizes[d] - n1) // 2
            index[d] = slice(start, start + n1)
        elif mode == "valid":
            if n1 < n2:
                raise ShapeError(
                    "For 'valid' mode, one must be at least as large as the other in every "
                    "dimension"
                )
            index[d] = slice(n2 - 1, n1)
    return astype(getitem(out, tuple(index)), dtype)


# ------------------------------------------------------------------ segment spectra


def _window(window: Any, n: int) -> np.ndarray:
    """SciPy's periodic (``sym=False``) windows by name, or a 1-d array of length ``n``."""
    if not isinstance(window, str):
        if isinstance(window, Tracer):
            raise UnsupportedError("the window must be a static name or array")
        win = np.asarray(window)
        if win.ndim != 1 or win.shape[0] != n:
            raise ShapeError(f"window must be 1-D of length nperseg={n}, got shape {win.shape}")
        return win
    k = np.arange(n)
    phase = 2.0 * np.pi * k / n
    if window in ("hann", "hanning"):
        return 0.5 - 0.5 * np.cos(phase)
    if window == "hamming":
        return 0.54 - 0.46 * np.cos(phase)
    if window == "blackman":
        return 0.42 - 0.5 * np.cos(phase) + 0.08 * np.cos(2 * phase)
    if window in ("boxcar", "rect", "rectangular", "ones"):
        return np.ones(n)
    if window == "bartlett":
        return 1.0 - np.abs(2.0 * k / n - 1.0)
    raise UnsupportedError(
        f"window {window!r} is not supported: use 'hann', 'hamming', 'blackman', 'bartlett', "
        "'boxcar' or an array"
    )


def _detrended(seg: Tracer, detrend_type: Any) -> Tracer:
    if detrend_type is False or detrend_type is None:
        return seg
    if callable(detrend_type):
        return lift(detrend_type(seg), trace_of((seg,)))
    if detrend_type in ("constant", "c"):
        return elementwise("subtract", seg, mean(seg, axis=-1, keepdims=True))
    if detrend_type in ("linear", "l"):
        return _linear_residual(seg)
    raise ArgumentValueError("Trend type must be 'linear' or 'constant'.")


def _segment_spectra(
    x: Tracer,
    fs: Any,
    window: Any,
    nperseg: int,
    noverlap: int | None,
    nfft: int | None,
    detrend_type: Any,
    onesided: bool,
    scaling: str,
    boundary: str | None,
    padded: bool,
    what: str,
) -> tuple[Tracer, np.ndarray, np.ndarray, np.ndarray, int]:
    """The windowed, scaled DFT of each segment of ``x`` along its last axis:
    ``(spectra (..., segments, freqs), freqs, times, window, nfft)``."""
    win = _window(window, nperseg)
    noverlap = nperseg // 2 if noverlap is None else operator.index(noverlap)
    nfft = nperseg if nfft is None else operator.index(nfft)
    if nfft < nperseg:
        raise ArgumentValueError("nfft must be greater than or equal to nperseg.")
    if noverlap >= nperseg:
        raise ArgumentValueError("noverlap must be less than nperseg.")
    step = nperseg - noverlap
    if boundary is not None:
        if boundary != "zeros":
            raise UnsupportedError(f"{what}: boundary={boundary!r} (only 'zeros' or None)")
        x = pad(x, [(0, 0)] * (x.ndim - 1) + [(nperseg // 2, nperseg // 2)])
    if padded:
        extra = (-(x.shape[-1] - nperseg) % step) % nperseg
        x = pad(x, [(0, 0)] * (x.ndim - 1) + [(0, extra)])
    length = x.shape[-1]
    count = (length - nperseg) // step + 1
    starts = np.arange(count) * step
    segs = getitem(x, (..., starts[:, None] + np.arange(nperseg)))
    segs = _detrended(segs, detrend_type)
    real_dtype = np.result_type(x.dtype, np.float32)
    real_dtype = np.dtype(np.float32 if real_dtype in (np.float32, np.complex64) else np.float64)
    segs = multiply(segs, win.astype(real_dtype))
    if onesided:
        spec = dft.rfft(segs, n=nfft, axis=-1)
        freqs = np.fft.rfftfreq(nfft, 1.0 / fs)
    else:
        spec = dft.fft(segs, n=nfft, axis=-1)
        freqs = np.fft.fftfreq(nfft, 1.0 / fs)
    times = np.arange(nperseg / 2, length - nperseg / 2 + 1, step) / fs
    if boundary is not None:
        times = times - (nperseg / 2) / fs
    return spec, freqs, times, win, nfft


def _static_fs(fs: Any, what: str) -> float:
    if isinstance(fs, Tracer):
        raise UnsupportedError(f"{what}: fs must be a static number")
    return float(fs)


@staged_export
def stft(
    x: Value,
    fs: Any = 1.0,
    window: Any = "hann",
    nperseg: int = 256,
    noverlap: int | None = None,
    nfft: int | None = None,
    detrend: Any = False,
    return_onesided: bool = True,
    boundary: str | None = "zeros",
    padded: bool = True,
    axis: int = -1,
) -> tuple[Any, Any, Tracer]:
    """``(freqs, times, Zxx)``: the short-time Fourier transform of ``x`` along ``axis``,
    each segment's spectrum divided by the window's sum (``scipy.signal.stft``)."""
    rate = _static_fs(fs, "stft")
    t = _inexact(lift(x, trace_of((x,))))
    ax = normalize_axis(axis, t.ndim, "axis")
    t = moveaxis(t, ax, -1)
    nperseg = operator.index(nperseg)
    if nperseg < 1:
        raise ArgumentValueError("nperseg must be a positive integer")
    onesided = return_onesided and t.dtype.kind != "c"
    spec, freqs, times, win, _ = _segment_spectra(
        t,
        rate,
        window,
        nperseg,
        noverlap,
        nfft,
        detrend,
        onesided,
        "spectrum",
        boundary,
        padded,
        "stft",
    )
    spec = multiply(spec, np.asarray(1.0 / win.sum(), spec.dtype))
    out = moveaxis(spec, -1, ax)  # the frequencies where the data axis was; times last
    real = np.dtype(np.float32 if spec.dtype == np.complex64 else np.float64)
    return freqs.astype(real), times.astype(real), out


@staged_export
def csd(
    x: Value,
    y: Any,
    fs: Any = 1.0,
    window: Any = "hann",
    nperseg: int | None = None,
    noverlap: int | None = None,
    nfft: int | None = None,
    detrend: Any = "constant",
    return_onesided: bool = True,
    scaling: str = "density",
    axis: int = -1,
    average: str = "mean",
) -> tuple[Any, Tracer]:
    """``(freqs, Pxy)``: the cross power spectral density of ``x`` and ``y`` by Welch's
    method (``y=None``: of ``x`` with itself), as ``scipy.signal.csd``."""
    rate = _static_fs(fs, "csd")
    if scaling not in ("density", "spectrum"):
        raise ArgumentValueError(f"Unknown scaling: {scaling}")
    if average != "mean":
        raise UnsupportedError(f"csd: average={average!r} is not supported (only 'mean')")
    trace = trace_of((x,) if y is None else (x, y))
    tx = _inexact(lift(x, trace))
    ax = normalize_axis(axis, tx.ndim, "axis")
    tx = moveaxis(tx, ax, -1)
    ty = tx if y is None else moveaxis(_inexact(lift(y, trace)), ax, -1)
    if ty.shape != tx.shape:
        raise ShapeError(f"csd: x and y must have the same shape, got {tx.shape} and {ty.shape}")
    n = tx.shape[-1]
    seg = min(256 if nperseg is None else operator.index(nperseg), n)
    if seg < 1:
        raise ArgumentValueError("nperseg must be a positive integer")
    onesided = return_onesided and tx.dtype.kind != "c" and ty.dtype.kind != "c"
    args = (rate, window, seg, noverlap, nfft, detrend, onesided, scaling, None, False, "csd")
    sx, freqs, _, win, nfft_used = _segment_spectra(tx, *args)
    sy = sx if y is None else _segment_spectra(ty, *args)[0]
    scale = (
        1.0 / (rate * float(np.sum(win * win))) if scaling == "density" else 1.0 / win.sum() ** 2
    )
    prod = multiply(elementwise("conjugate", sx), sy)
    weights = np.full(freqs.shape[0], scale)
    if onesided:
        # the negative frequencies folded in: every bin but DC (and Nyquist, nfft even)
        weights[1 : None if nfft_used % 2 else -1] *= 2.0
    prod = multiply(prod, weights.astype(prod.dtype))
    out = mean(prod, axis=-2)
    if y is None:
        out = elementwise("real", out)
    if ax != tx.ndim - 1:
        out = moveaxis(out, -1, ax)
    real = np.dtype(np.float32 if sx.dtype == np.complex64 else np.float64)
    return freqs.astype(real), out


@staged_export
def welch(
    x: Value,
    fs: Any = 1.0,
    window: Any = "hann",
    nperseg: int | None = None,
    noverlap: int | None = None,
    nfft: int | None = None,
    detrend: Any = "constant",
    return_onesided: bool = True,
    scaling: str = "density",
    axis: int = -1,
    average: str = "mean",
) -> tuple[Any, Tracer]:
    """``(freqs, Pxx)``: the power spectral density of ``x`` by Welch's method."""
    return csd.traced(
        x,
        None,
        fs,
        window,
        nperseg,
        noverlap,
        nfft,
        detrend,
        return_onesided,
        scaling,
        axis,
        average,
    )


@staged_export
def istft(
    Zxx: Value,
    fs: Any = 1.0,
    window: Any = "hann",
    nperseg: int | None = None,
    noverlap: int | None = None,
    nfft: int | None = None,
    input_onesided: bool = True,
    boundary: bool = True,
    time_axis: int = -1,
    freq_axis: int = -2,
) -> tuple[Any, Tracer]:
    """``(times, x)``: the inverse of ``stft``: each segment's inverse DFT, windowed and
    overlap-added, divided by the summed squared window (``scipy.signal.istft``)."""
    rate = _static_fs(fs, "istft")
    z = lift(Zxx, trace_of((Zxx,)))
    if z.ndim < 2:
        raise ShapeError("Input stft must be at least 2d!")
    t_ax = normalize_axis(time_axis, z.ndim, "time_axis")
    f_ax = normalize_axis(freq_axis, z.ndim, "freq_axis")
    if t_ax == f_ax:
        raise ArgumentValueError("Must specify differing time and frequency axes!")
    nfreq = z.shape[f_ax]
    seg = (2 * (nfreq - 1) if input_onesided else nfreq) if nperseg is None else nperseg
    seg = operator.index(seg)
    if seg < 1:
        raise ArgumentValueError("nperseg must be a positive integer")
    nfft = seg if nfft is None else operator.index(nfft)
    if nfft < seg:
        raise ArgumentValueError("nfft must be greater than or equal to nperseg.")
    noverlap = seg // 2 if noverlap is None else operator.index(noverlap)
    if noverlap >= seg:
        raise ArgumentValueError("noverlap must be less than nperseg.")
    step = seg - noverlap
    # (..., time, freq): the other axes keep their order
    rest = [d for d in range(z.ndim) if d not in (t_ax, f_ax)]
    z = transpose(z, (*rest, t_ax, f_ax))
    if z.dtype.kind != "c":
        z = astype(z, dft.complex_dtype(np.result_type(z.dtype, np.float64)))
    inverse = dft.irfft(z, n=nfft, axis=-1) if input_onesided else dft.ifft(z, n=nfft, axis=-1)
    segs = getitem(inverse, (..., slice(0, seg)))
    win = _window(window, seg)
    real = np.dtype(np.float32 if z.dtype == np.complex64 else np.float64)
    segs = multiply(segs, (win * win.sum()).astype(real))
    count = z.shape[-2]
    length = seg + (count - 1) * step
    # overlap-add as one contraction with the static placement of every segment sample
    place = np.zeros((count * seg, length), real)
    rows = np.arange(count * seg)
    place[rows, (rows // seg) * step + rows % seg] = 1.0
    flat = reshape(segs, (*segs.shape[:-2], count * seg))
    x = matmul(flat, place.astype(flat.dtype) if flat.dtype.kind == "c" else place)
    norm = (
        (win * win) @ place.reshape(count, seg, length).sum(axis=0) if count else np.zeros(length)
    )
    x = multiply(x, (1.0 / np.where(norm > 1e-10, norm, 1.0)).astype(real))
    if boundary:
        x = getitem(x, (..., slice(seg // 2, length - seg // 2)))
    if input_onesided and x.dtype.kind == "c":
        x = elementwise("real", x)
    if x.ndim > 1 and t_ax != z.ndim - 1:  # the samples where the segments axis was
        x = moveaxis(x, -1, t_ax - 1 if f_ax < t_ax else t_ax)
    # SciPy's (and JAX's) times count the first axis of x, whichever holds the samples
    return (np.arange(x.shape[0]) / rate).astype(real), x


__all__ = ["csd", "detrend", "fftconvolve", "istft", "stft", "welch"]
