"""The 1-d DFT compositions ``fft``, ``ifft``, ``rfft``, ``irfft`` (``n``, ``axis``, ``norm``)
that ``lax.fft`` (``lax/fft.py``) and ``axcomp.numpy.fft`` are built on.

Each transform is one contraction of the (truncated or zero-padded) axis with a static DFT
matrix, ``exp(-+2 pi i j k / n)`` with ``j k`` reduced modulo ``n`` before the angle is
formed, so every entry is accurate to an ulp. That is O(n^2) work per transform instead of
FFT's O(n log n): meant for the short axes of per-example kernels. Composed from the
contraction primitives, it runs under nested vmap and jit on both backends, batched
naturally. Reverse mode: axcomp differentiates real dtypes only, so a gradient through a
complex spectrum raises ``GradError``; ``irfft`` of a traced real input is real-valued.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..errors import ArgumentTypeError, ShapeError
from ..primitives.contraction import moveaxis, multiply
from ..primitives.elementwise import elementwise
from ..primitives.indexing import getitem
from ..primitives.products import matmul
from ..primitives.shape import astype, concatenate
from ..tracing.build import Value, lift, normalize_axis, trace_of
from ..tracing.tracer import Tracer

_NORMS = (None, "backward", "ortho", "forward")


def complex_dtype(dtype: np.dtype) -> np.dtype:
    return (
        np.dtype(np.complex64) if dtype in (np.float32, np.complex64) else np.dtype(np.complex128)
    )


def _fit(t: Tracer, n: int) -> Tracer:
    """The last axis truncated or zero-padded to ``n`` (NumPy's ``n=``)."""
    m = t.shape[-1]
    if n < m:
        return getitem(t, (Ellipsis, slice(0, n)))
    if n > m:
        return concatenate([t, np.zeros((*t.shape[:-1], n - m), t.dtype)], axis=-1)
    return t


def _prepare(a: Value, n: Any, axis: int, norm: Any, what: str) -> tuple[Tracer, int | None, int]:
    t = lift(a, trace_of((a,)))
    if t.ndim == 0:
        raise ShapeError(f"fft.{what}: input must have at least one dimension")
    if norm not in _NORMS:
        raise ShapeError(
            f'fft.{what}: invalid norm value {norm!r}; should be "backward", "ortho" or "forward"'
        )
    ax = normalize_axis(axis, t.ndim)
    size = None if n is None else operator.index(n)
    if size is not None and size < 1:
        raise ShapeError(f"fft.{what}: invalid number of data points ({size}) specified")
    return moveaxis(t, ax, -1), size, ax


def _scale(norm: Any, n: int, inverse: bool) -> float:
    if norm == "ortho":
        return float(1.0 / np.sqrt(n))
    if (norm == "forward") != inverse:  # forward-normalised fft, or backward ifft
        return 1.0 / n
    return 1.0


def _matrix(n_in: int, n_out: int, n: int, sign: float, dtype: np.dtype) -> np.ndarray:
    jk = (np.arange(n_in)[:, None] * np.arange(n_out)[None, :]) % n
    w: np.ndarray = np.exp(sign * 2j * np.pi * jk / n)  # (NumPy's ufuncs are typed Any)
    return w.astype(dtype)


def _finish(out: Tracer, ax: int, scale: float) -> Tracer:
    if scale != 1.0:
        out = multiply(out, np.asarray(scale, out.dtype))
    return moveaxis(out, -1, ax)


def _c2c(a: Value, n: Any, axis: int, norm: Any, inverse: bool) -> Tracer:
    what = "ifft" if inverse else "fft"
    t, size, ax = _prepare(a, n, axis, norm, what)
    size = t.shape[-1] if size is None else size
    if size < 1:
        raise ShapeError(f"fft.{what}: invalid number of data points ({size}) specified")
    dtype = complex_dtype(t.dtype)
    t = astype(_fit(t, size), dtype)
    out = matmul(t, _matrix(size, size, size, 1.0 if inverse else -1.0, dtype))
    return _finish(out, ax, _scale(norm, size, inverse))


def fft(a: Value, n: Any = None, axis: int = -1, norm: Any = None) -> Tracer:
    """``numpy.fft.fft`` along ``axis`` (a DFT-matrix contraction)."""
    return _c2c(a, n, axis, norm, False)


def ifft(a: Value, n: Any = None, axis: int = -1, norm: Any = None) -> Tracer:
    """``numpy.fft.ifft`` along ``axis``."""
    return _c2c(a, n, axis, norm, True)


def rfft(a: Value, n: Any = None, axis: int = -1, norm: Any = None) -> Tracer:
    """``numpy.fft.rfft`` of a real input: the n // 2 + 1 non-negative frequencies."""
    t, size, ax = _prepare(a, n, axis, norm, "rfft")
    if t.dtype.kind == "c":
        raise ArgumentTypeError("fft.rfft: the input must be real, got a complex array")
    size = t.shape[-1] if size is None else size
    dtype = complex_dtype(t.dtype)
    real = np.dtype(np.float32) if dtype == np.complex64 else np.dtype(np.float64)
    t = astype(_fit(t, size), real)
    out = matmul(t, _matrix(size, size // 2 + 1, size, -1.0, dtype))
    return _finish(out, ax, _scale(norm, size, False))


def irfft(a: Value, n: Any = None, axis: int = -1, norm: Any = None) -> Tracer:
    """``numpy.fft.irfft``: the real signal of length ``n`` (default 2 (m - 1)) whose
    spectrum's non-negative half is ``a`` (imaginary parts of the DC and Nyquist terms are
    ignored, as in NumPy)."""
    t, size, ax = _prepare(a, n, axis, norm, "irfft")
    size = 2 * (t.shape[-1] - 1) if size is None else size
    if size < 1:
        raise ShapeError(f"fft.irfft: invalid number of data points ({size}) specified")
    dtype = complex_dtype(t.dtype)
    half = size // 2 + 1
    t = astype(_fit(t, half), dtype)
    weights = np.full(half, 2.0)
    weights[0] = 1.0
    if size % 2 == 0:
        weights[-1] = 1.0
    mat = _matrix(half, size, size, 1.0, dtype) * weights[:, None].astype(dtype)
    out = elementwise("real", matmul(t, mat))
    return _finish(out, ax, _scale(norm, size, True))
