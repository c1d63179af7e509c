"""``axcomp.scipy.signal`` (as ``jax.scipy.signal``): the direct convolutions
``convolve``, ``correlate`` (N-d), ``convolve2d`` and ``correlate2d``, each one
``lax.conv_general_dilated`` (a contraction over a windows view) of the smaller input
flipped, as JAX computes them (``method='fft'``: ``fftconvolve``); and the FFT-based
functions of ``spectral.py`` (``detrend``, ``fftconvolve``, ``stft``, ``csd``, ``welch``).

Inside kernels they record the axis graph; on NumPy values they compile and run the same
program through ``jit`` (non-array arguments are static).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError, UnsupportedError
from ..errors import missing_function as _missing
from ..lax.convolution import conv_general_dilated
from ..primitives.elementwise import elementwise
from ..primitives.indexing import getitem
from ..primitives.shape import astype
from ..tracing.build import Value, lift, trace_of
from ..tracing.tracer import Tracer
from ..transforms.jit import staged_export
from .spectral import csd, detrend, fftconvolve, istft, stft, welch

__all__ = [
    "convolve",
    "convolve2d",
    "correlate",
    "correlate2d",
    "csd",
    "detrend",
    "fftconvolve",
    "istft",
    "stft",
    "welch",
]


def _convolve_nd(in1: Value, in2: Value, mode: str, precision: Any, what: str) -> Tracer:
    """The N-d convolution of ``scipy.signal`` (modes full, same, valid), as JAX computes it:
    the smaller input (in every axis) flipped is the kernel of one ``conv_general_dilated``."""
    if mode not in ("full", "same", "valid"):
        raise ShapeError(f"{what}: mode must be one of ['full', 'same', 'valid'], got {mode!r}")
    trace = trace_of((in1, in2))
    x, y = lift(in1, trace), lift(in2, trace)
    if x.ndim != y.ndim:
        raise ShapeError(
            f"{what}: in1 and in2 must have the same number of dimensions, got shapes "
            f"{x.shape} and {y.shape}"
        )
    if 0 in (*x.shape, *y.shape):
        raise ShapeError(
            f"zero-size arrays not supported in convolutions, got shapes {x.shape} and {y.shape}."
        )
    dtype = np.result_type(x.dtype, y.dtype)
    if dtype.kind not in "fc":
        dtype = np.dtype(np.float64)
    x, y = astype(x, dtype), astype(y, dtype)
    no_swap = all(a >= b for a, b in zip(x.shape, y.shape))
    swap = all(a <= b for a, b in zip(x.shape, y.shape))
    if not (no_swap or swap):
        raise ShapeError(
            f"{what}: one input must be smaller than the other in every dimension, got "
            f"shapes {x.shape} and {y.shape}"
        )
    shape_o = y.shape
    if swap:
        x, y = y, x
    shape = y.shape
    kernel = getitem(y, (slice(None, None, -1),) * y.ndim)
    if mode == "valid":
        pads = [(0, 0)] * len(shape)
    elif mode == "same":
        pads = [(s - 1 - (o - 1) // 2, s - o + (o - 1) // 2) for s, o in zip(shape, shape_o)]
    else:
        pads = [(s - 1, s - 1) for s in shape]
    lead = (None, None)
    out = conv_general_dilated.traced(
        getitem(x, lead), getitem(kernel, lead), (1,) * len(shape), pads, precision=precision
    )
    return getitem(out, (0, 0))


def _flip(t: Tracer) -> Tracer:
    return getitem(t, (slice(None, None, -1),) * t.ndim)


def _conj(t: Tracer) -> Tracer:
    return elementwise("conjugate", t) if t.dtype.kind == "c" else t


@staged_export
def convolve(
    in1: Value, in2: Value, mode: str = "full", method: str = "auto", precision: Any = None
) -> Tracer:
    """``jax.scipy.signal.convolve``: N-d, computed directly (``method`` 'auto' or
    'direct') or through the DFT (``'fft'``: ``fftconvolve``)."""
    if _by_fft(method, "convolve"):
        return fftconvolve.traced(in1, in2, mode)
    return _convolve_nd(in1, in2, mode, precision, "convolve")


@staged_export
def correlate(
    in1: Value, in2: Value, mode: str = "full", method: str = "auto", precision: Any = None
) -> Tracer:
    """``jax.scipy.signal.correlate``: the convolution with ``conj(in2)`` flipped."""
    y = lift(in2, trace_of((in1, in2)))
    if _by_fft(method, "correlate"):
        return fftconvolve.traced(in1, _flip(_conj(y)), mode)
    return _convolve_nd(in1, _flip(_conj(y)), mode, precision, "correlate")


def _by_fft(method: str, what: str) -> bool:
    """Whether ``method`` asks for the DFT path (JAX: 'fft'; 'auto' and 'direct' are direct)."""
    if method not in ("auto", "direct", "fft"):
        raise ShapeError(f"{what}: got method={method!r}; expected 'auto', 'fft', or 'direct'.")
    return method == "fft"


def _two_d(
    in1: Value, in2: Value, boundary: str, fillvalue: Any, what: str
) -> tuple[Tracer, Tracer]:
    if boundary != "fill" or fillvalue != 0:
        raise UnsupportedError(f"{what}() only supports boundary='fill', fillvalue=0")
    trace = trace_of((in1, in2))
    x, y = lift(in1, trace), lift(in2, trace)
    if x.ndim != 2 or y.ndim != 2:
        raise ShapeError(
            f"{what}() only supports 2-dimensional inputs, got shapes {x.shape} and {y.shape}"
        )
    return x, y


@staged_export
def convolve2d(
    in1: Value,
    in2: Value,
    mode: str = "full",
    boundary: str = "fill",
    fillvalue: Any = 0,
    precision: Any = None,
) -> Tracer:
    """``jax.scipy.signal.convolve2d`` (zero fill at the boundary only)."""
    x, y = _two_d(in1, in2, boundary, fillvalue, "convolve2d")
    return _convolve_nd(x, y, mode, precision, "convolve2d")


@staged_export
def correlate2d(
    in1: Value,
    in2: Value,
    mode: str = "full",
    boundary: str = "fill",
    fillvalue: Any = 0,
    precision: Any = None,
) -> Tracer:
    """``jax.scipy.signal.correlate2d`` (zero fill at the boundary only), with JAX's choice
    of which input to flip in each mode."""
    x, y = _two_d(in1, in2, boundary, fillvalue, "correlate2d")
    swap = all(a <= b for a, b in zip(x.shape, y.shape))
    same = x.shape == y.shape
    if mode == "valid" and swap and not same:
        return _convolve_nd(_flip(y), _conj(x), mode, precision, "correlate2d")
    if mode == "full" and swap:
        return _conj(_convolve_nd(_flip(y), _conj(x), mode, precision, "correlate2d"))
    return _flip(_convolve_nd(_flip(x), _conj(y), mode, precision, "correlate2d"))


def __getattr__(name: str) -> Any:
    """A jax.scipy.signal name axcomp lacks: ``MissingFunctionError`` naming the nearest."""
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise _missing("axcomp.scipy.signal", "jax.scipy.signal", name, __all__)
