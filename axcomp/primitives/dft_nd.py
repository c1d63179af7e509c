"""The rest of ``numpy.fft``/``jax.numpy.fft`` from the one-axis transforms of ``dft.py``:
``fft2``/``fftn`` (and inverses, real ``rfft2``/``rfftn``/``irfft2``/``irfftn``) as one
transform per axis, ``hfft``/``ihfft`` (the Hermitian pair, through ``irfft``/``rfft`` of
the conjugate with the normalisation swapped, as NumPy defines them), ``fftshift``/
``ifftshift`` (rolls) and ``fftfreq``/``rfftfreq`` (constants)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..tracing.build import Value, lift, normalize_axis, trace_of
from ..tracing.tracer import Tracer
from .api import export
from .contraction import multiply
from .dft import fft, ifft, irfft, rfft
from .elementwise import elementwise
from .order import roll

_SWAPPED = {None: "forward", "backward": "forward", "forward": "backward", "ortho": "ortho"}


def _plan(t: Tracer, s: Any, axes: Any, what: str) -> tuple[list[int | None], list[int]]:
    """NumPy's (s, axes) rules: the axes (default the last len(s), or all) and one length
    per axis (None keeps the axis' own)."""
    if axes is None:
        count = t.ndim if s is None else len(s)
        if count > t.ndim:
            raise ShapeError(f"fft.{what}: s has {count} entries for a {t.ndim}-d input")
        ax = list(range(t.ndim - count, t.ndim))
    else:
        ax = [normalize_axis(a, t.ndim) for a in axes]
    sizes: list[int | None] = [None] * len(ax) if s is None else [operator.index(n) for n in s]
    if len(sizes) != len(ax):
        raise ShapeError(f"fft.{what}: s and axes have different lengths ({len(sizes)}, {len(ax)})")
    return sizes, ax


def _each(
    fn: Callable[..., Tracer], t: Tracer, sizes: Sequence[Any], axes: Sequence[int], norm: Any
) -> Tracer:
    for n, ax in zip(sizes, axes):
        t = fn(t, n=n, axis=ax, norm=norm)
    return t


def _complex_nd(a: Value, s: Any, axes: Any, norm: Any, inverse: bool, what: str) -> Tracer:
    t = lift(a, trace_of((a,)))
    sizes, ax = _plan(t, s, axes, what)
    return _each(ifft if inverse else fft, t, sizes, ax, norm)


@export("fft")
def fftn(a: Value, s: Any = None, axes: Any = None, norm: Any = None) -> Tracer:
    """``numpy.fft.fftn``: the DFT along each of ``axes`` (default all)."""
    return _complex_nd(a, s, axes, norm, False, "fftn")


@export("fft")
def ifftn(a: Value, s: Any = None, axes: Any = None, norm: Any = None) -> Tracer:
    """``numpy.fft.ifftn``: the inverse DFT along each of ``axes``."""
    return _complex_nd(a, s, axes, norm, True, "ifftn")


@export("fft")
def fft2(a: Value, s: Any = None, axes: Any = (-2, -1), norm: Any = None) -> Tracer:
    """``numpy.fft.fft2``: ``fftn`` over the last two axes."""
    return _complex_nd(a, s, axes, norm, False, "fft2")


@export("fft")
def ifft2(a: Value, s: Any = None, axes: Any = (-2, -1), norm: Any = None) -> Tracer:
    """``numpy.fft.ifft2``: ``ifftn`` over the last two axes."""
    return _complex_nd(a, s, axes, norm, True, "ifft2")


def _rfftn(a: Value, s: Any, axes: Any, norm: Any, what: str) -> Tracer:
    t = lift(a, trace_of((a,)))
    sizes, ax = _plan(t, s, axes, what)
    if not ax:
        raise ShapeError(f"fft.{what}: at least one axis is needed")
    t = rfft(t, n=sizes[-1], axis=ax[-1], norm=norm)  # the real axis is the last one
    return _each(fft, t, sizes[:-1], ax[:-1], norm)


def _irfftn(a: Value, s: Any, axes: Any, norm: Any, what: str) -> Tracer:
    t = lift(a, trace_of((a,)))
    sizes, ax = _plan(t, s, axes, what)
    if not ax:
        raise ShapeError(f"fft.{what}: at least one axis is needed")
    t = _each(ifft, t, sizes[:-1], ax[:-1], norm)
    return irfft(t, n=sizes[-1], axis=ax[-1], norm=norm)


@export("fft")
def rfftn(a: Value, s: Any = None, axes: Any = None, norm: Any = None) -> Tracer:
    """``numpy.fft.rfftn``: ``rfft`` along the last of ``axes``, ``fft`` along the rest."""
    return _rfftn(a, s, axes, norm, "rfftn")


@export("fft")
def irfftn(a: Value, s: Any = None, axes: Any = None, norm: Any = None) -> Tracer:
    """``numpy.fft.irfftn``: the inverse of ``rfftn``."""
    return _irfftn(a, s, axes, norm, "irfftn")


@export("fft")
def rfft2(a: Value, s: Any = None, axes: Any = (-2, -1), norm: Any = None) -> Tracer:
    """``numpy.fft.rfft2``: ``rfftn`` over the last two axes."""
    return _rfftn(a, s, axes, norm, "rfft2")


@export("fft")
def irfft2(a: Value, s: Any = None, axes: Any = (-2, -1), norm: Any = None) -> Tracer:
    """``numpy.fft.irfft2``: ``irfftn`` over the last two axes."""
    return _irfftn(a, s, axes, norm, "irfft2")


def _norm(norm: Any, what: str) -> str:
    if norm not in _SWAPPED:
        raise ShapeError(
            f'fft.{what}: invalid norm value {norm!r}; should be "backward", "ortho" or "forward"'
        )
    return _SWAPPED[norm]


@export("fft")
def hfft(a: Value, n: Any = None, axis: int = -1, norm: Any = None) -> Tracer:
    """``numpy.fft.hfft``: the real spectrum of a Hermitian-symmetric signal given by its
    first half, ``irfft(conj(a))`` with the normalisation swapped."""
    t = lift(a, trace_of((a,)))
    return irfft(elementwise("conjugate", t), n=n, axis=axis, norm=_norm(norm, "hfft"))


@export("fft")
def ihfft(a: Value, n: Any = None, axis: int = -1, norm: Any = None) -> Tracer:
    """``numpy.fft.ihfft``: the inverse of ``hfft``, ``conj(rfft(a))`` with the
    normalisation swapped."""
    t = lift(a, trace_of((a,)))
    return elementwise("conjugate", rfft(t, n=n, axis=axis, norm=_norm(norm, "ihfft")))


def _shift(x: Value, axes: Any, inverse: bool) -> Tracer:
    t = lift(x, trace_of((x,)))
    ax = range(t.ndim) if axes is None else ([axes] if isinstance(axes, int) else list(axes))
    ax = [normalize_axis(a, t.ndim) for a in ax]
    shifts = [-(t.shape[a] // 2) if inverse else t.shape[a] // 2 for a in ax]
    return roll(t, tuple(shifts), axis=tuple(ax)) if ax else t


@export("fft")
def fftshift(x: Value, axes: Any = None) -> Tracer:
    """``numpy.fft.fftshift``: the zero frequency moved to the middle (a roll by n // 2)."""
    return _shift(x, axes, False)


@export("fft")
def ifftshift(x: Value, axes: Any = None) -> Tracer:
    """``numpy.fft.ifftshift``: the inverse of ``fftshift``."""
    return _shift(x, axes, True)


def _freq(values: np.ndarray, n: int, d: Any) -> Any:
    scaled = values / n
    if isinstance(d, Tracer):
        return elementwise("true_divide", lift(scaled, d.trace), d)
    return multiply(lift(scaled / d, trace_of(())), 1.0)


@export("fft")
def fftfreq(n: int, d: Any = 1.0) -> Any:
    """``numpy.fft.fftfreq``: the sample frequencies of an ``n``-point DFT."""
    size = operator.index(n)
    k = np.concatenate([np.arange(0, (size - 1) // 2 + 1), np.arange(-(size // 2), 0)])
    return _freq(k.astype(np.float64), size, d)


@export("fft")
def rfftfreq(n: int, d: Any = 1.0) -> Any:
    """``numpy.fft.rfftfreq``: the non-negative sample frequencies of ``rfft``."""
    size = operator.index(n)
    return _freq(np.arange(0, size // 2 + 1, dtype=np.float64), size, d)
