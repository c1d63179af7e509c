"""``jax.lax.fft`` (with ``FftType``): the FFT kinds over the trailing axes, each a chain of
the 1-d DFT compositions of ``lax/dft.py`` (matrices contracted with the input), so
vmap, jit, grad and both backends come with them."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

from ..errors import ArgumentTypeError, ShapeError
from ..primitives.elementwise import elementwise
from ..primitives.order import _int as _static_int  # one definition of "a static int argument"
from ..primitives.order import _t
from ..primitives.shape import astype
from ..tracing.build import Value
from ..tracing.tracer import Tracer
from ..transforms.jit import staged_export
from . import dft

# ------------------------------------------------------------------ fft


class FftType(enum.IntEnum):
    """``jax.lax.FftType``."""

    FFT = 0
    IFFT = 1
    RFFT = 2
    IRFFT = 3


def _fft_type(fft_type: Any) -> FftType:
    if isinstance(fft_type, str):
        try:
            return FftType[fft_type.upper()]
        except KeyError:
            raise ArgumentTypeError(f"lax.fft: unknown fft_type {fft_type!r}") from None
    name = getattr(fft_type, "name", None)  # JAX's own FftType too
    if isinstance(name, str) and name in FftType.__members__:
        return FftType[name]
    raise ArgumentTypeError(f"lax.fft: fft_type must be an FftType or its name, not {fft_type!r}")


@staged_export
def fft(x: Value, fft_type: Any, fft_lengths: Sequence[int]) -> Tracer:
    """``jax.lax.fft``: the DFT over the last ``len(fft_lengths)`` axes. FFT/IFFT need
    those axes' lengths; RFFT takes real input and halves the last axis; IRFFT's lengths are
    the output's (its input's last axis is ``n // 2 + 1``). IFFT and IRFFT scale by 1/n."""
    kind = _fft_type(fft_type)
    t = _t(x)
    lengths = tuple(_static_int(n, "fft_lengths") for n in fft_lengths)
    k = len(lengths)
    if k > t.ndim or k > 3:
        raise ShapeError(f"lax.fft: {k} fft_lengths for an operand of rank {t.ndim} (at most 3)")
    axes = list(range(t.ndim - k, t.ndim))
    expect = lengths
    if kind is FftType.IRFFT and k:
        expect = (*lengths[:-1], lengths[-1] // 2 + 1)  # the input holds half the spectrum
    if t.shape[t.ndim - k :] != expect:
        raise ShapeError(
            f"lax.fft: fft_lengths {lengths} do not match the last axes of shape {t.shape} "
            f"for {kind.name}"
        )
    if kind is FftType.RFFT:
        if t.dtype.kind == "c":
            raise ArgumentTypeError(f"lax.fft: RFFT needs real input, got {t.dtype}")
        if not k:
            return astype(t, dft.complex_dtype(t.dtype))
        out = dft.rfft(t, axis=axes[-1])
        for ax in axes[:-1]:
            out = dft.fft(out, axis=ax)
        return out
    if t.dtype.kind != "c":
        t = astype(t, dft.complex_dtype(t.dtype))
    if kind is FftType.IRFFT:
        if not k:
            return elementwise("real", t)
        for ax in axes[:-1]:
            t = dft.ifft(t, axis=ax)
        return dft.irfft(t, n=lengths[-1], axis=axes[-1])
    step = dft.fft if kind is FftType.FFT else dft.ifft
    for ax in axes:
        t = step(t, axis=ax)
    return t
