"""``axcomp.numpy.fft``: ``jax.numpy.fft``, NumPy's ``numpy.fft`` on arrays and graph nodes
on tracers. ``fft``/``ifft``/``rfft``/``irfft`` call the one-axis transforms of
``lax/dft.py`` (``lax.fft`` needs them too); the rest is built from them:
``fft2``/``fftn`` (and inverses, real ``rfft2``/``rfftn``/``irfft2``/``irfftn``) as one
transform per axis, ``hfft``/``ihfft`` (the Hermitian pair, through ``irfft``/``rfft`` of
the conjugate with the normalisation swapped, as NumPy defines them), ``fftshift``/
``ifftshift`` (rolls) and ``fftfreq``/``rfftfreq`` (constants)."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core.dtype_promotion import to_inexact
from ..errors import ShapeError, missing_function
from ..lax import dft as _dft
from ..primitives.contraction import multiply
from ..primitives.elementwise import elementwise
from ..tracing.build import Value, lift, normalize_axis, trace_of
from ..tracing.tracer import Tracer
from .dispatch import numpy_function
from .manipulation import roll
from .namespace import jnp as _jnp

_SWAPPED = {None: "forward", "backward": "forward", "forward": "backward", "ortho": "ortho"}


def _transform(traced: Callable[..., Tracer]) -> Callable[..., Any]:
    """A transform as a public function (``numpy.fft``'s on concrete values) whose input
    is first cast to JAX's inexact dtype: an int32 signal transforms in complex64, as
    JAX's (``promote_dtypes_complex``), where NumPy's is complex128."""
    public = numpy_function(module=np.fft)(traced)

    @functools.wraps(public)
    def fn(a: Any, *args: Any, **kwargs: Any) -> Any:
        a = _jnp.asarray(a)
        if a.dtype.kind in "biu":
            a = _jnp.astype(a, to_inexact(a.dtype))
        return public(a, *args, **kwargs)

    return fn


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
    return _each(_dft.ifft if inverse else _dft.fft, t, sizes, ax, norm)


@_transform
def fftn(a: Value, s: Any = None, axes: Any = None, norm: Any = None) -> Tracer:
    """``numpy.fft.fftn``: the DFT along each of ``axes`` (default all)."""
    return _complex_nd(a, s, axes, norm, False, "fftn")


@_transform
def ifftn(a: Value, s: Any = None, axes: Any = None, norm: Any = None) -> Tracer:
    """``numpy.fft.ifftn``: the inverse DFT along each of ``axes``."""
    return _complex_nd(a, s, axes, norm, True, "ifftn")


@_transform
def fft2(a: Value, s: Any = None, axes: Any = (-2, -1), norm: Any = None) -> Tracer:
    """``numpy.fft.fft2``: ``fftn`` over the last two axes."""
    return _complex_nd(a, s, axes, norm, False, "fft2")


@_transform
def ifft2(a: Value, s: Any = None, axes: Any = (-2, -1), norm: Any = None) -> Tracer:
    """``numpy.fft.ifft2``: ``ifftn`` over the last two axes."""
    return _complex_nd(a, s, axes, norm, True, "ifft2")


def _rfftn(a: Value, s: Any, axes: Any, norm: Any, what: str) -> Tracer:
    t = lift(a, trace_of((a,)))
    sizes, ax = _plan(t, s, axes, what)
    if not ax:
        raise ShapeError(f"fft.{what}: at least one axis is needed")
    t = _dft.rfft(t, n=sizes[-1], axis=ax[-1], norm=norm)  # the real axis is the last one
    return _each(_dft.fft, t, sizes[:-1], ax[:-1], norm)


def _irfftn(a: Value, s: Any, axes: Any, norm: Any, what: str) -> Tracer:
    t = lift(a, trace_of((a,)))
    sizes, ax = _plan(t, s, axes, what)
    if not ax:
        raise ShapeError(f"fft.{what}: at least one axis is needed")
    t = _each(_dft.ifft, t, sizes[:-1], ax[:-1], norm)
    return _dft.irfft(t, n=sizes[-1], axis=ax[-1], norm=norm)


@_transform
def rfftn(a: Value, s: Any = None, axes: Any = None, norm: Any = None) -> Tracer:
    """``numpy.fft.rfftn``: ``rfft`` along the last of ``axes``, ``fft`` along the rest."""
    return _rfftn(a, s, axes, norm, "rfftn")


@_transform
def irfftn(a: Value, s: Any = None, axes: Any = None, norm: Any = None) -> Tracer:
    """``numpy.fft.irfftn``: the inverse of ``rfftn``."""
    return _irfftn(a, s, axes, norm, "irfftn")


@_transform
def rfft2(a: Value, s: Any = None, axes: Any = (-2, -1), norm: Any = None) -> Tracer:
    """``numpy.fft.rfft2``: ``rfftn`` over the last two axes."""
    return _rfftn(a, s, axes, norm, "rfft2")


@_transform
def irfft2(a: Value, s: Any = None, axes: Any = (-2, -1), norm: Any = None) -> Tracer:
    """``numpy.fft.irfft2``: ``irfftn`` over the last two axes."""
    return _irfftn(a, s, axes, norm, "irfft2")


def _norm(norm: Any, what: str) -> str:
    if norm not in _SWAPPED:
        raise ShapeError(
            f'fft.{what}: invalid norm value {norm!r}; should be "backward", "ortho" or "forward"'
        )
    return _SWAPPED[norm]


@_transform
def hfft(a: Value, n: Any = None, axis: int = -1, norm: Any = None) -> Tracer:
    """``numpy.fft.hfft``: the real spectrum of a Hermitian-symmetric signal given by its
    first half, ``irfft(conj(a))`` with the normalisation swapped."""
    t = lift(a, trace_of((a,)))
    return _dft.irfft(elementwise("conjugate", t), n=n, axis=axis, norm=_norm(norm, "hfft"))


@_transform
def ihfft(a: Value, n: Any = None, axis: int = -1, norm: Any = None) -> Tracer:
    """``numpy.fft.ihfft``: the inverse of ``hfft``, ``conj(rfft(a))`` with the
    normalisation swapped."""
    t = lift(a, trace_of((a,)))
    return elementwise("conjugate", _dft.rfft(t, n=n, axis=axis, norm=_norm(norm, "ihfft")))


def _shift(x: Value, axes: Any, inverse: bool) -> Tracer:
    t = lift(x, trace_of((x,)))
    ax = range(t.ndim) if axes is None else ([axes] if isinstance(axes, int) else list(axes))
    ax = [normalize_axis(a, t.ndim) for a in ax]
    shifts = [-(t.shape[a] // 2) if inverse else t.shape[a] // 2 for a in ax]
    return roll(t, tuple(shifts), axis=tuple(ax)) if ax else t


@numpy_function(module=np.fft)
def fftshift(x: Value, axes: Any = None) -> Tracer:
    """``numpy.fft.fftshift``: the zero frequency moved to the middle (a roll by n // 2)."""
    return _shift(x, axes, False)


@numpy_function(module=np.fft)
def ifftshift(x: Value, axes: Any = None) -> Tracer:
    """``numpy.fft.ifftshift``: the inverse of ``fftshift``."""
    return _shift(x, axes, True)


def _freq(values: np.ndarray, n: int, d: Any) -> Any:
    scaled = values / n
    if isinstance(d, Tracer):
        return elementwise("true_divide", lift(scaled, d.trace), d)
    return multiply(lift(scaled / d, trace_of(())), 1.0)


@numpy_function(module=np.fft)
def fftfreq(n: int, d: Any = 1.0) -> Any:
    """``numpy.fft.fftfreq``: the sample frequencies of an ``n``-point DFT."""
    size = operator.index(n)
    k = np.concatenate([np.arange(0, (size - 1) // 2 + 1), np.arange(-(size // 2), 0)])
    return _freq(k.astype(np.float64), size, d)


@numpy_function(module=np.fft)
def rfftfreq(n: int, d: Any = 1.0) -> Any:
    """``numpy.fft.rfftfreq``: the non-negative sample frequencies of ``rfft``."""
    size = operator.index(n)
    return _freq(np.arange(0, size // 2 + 1, dtype=np.float64), size, d)


@_transform
def fft(a: Value, n: Any = None, axis: int = -1, norm: Any = None) -> Tracer:
    """``numpy.fft.fft`` along ``axis`` (a DFT-matrix contraction)."""
    return _dft.fft(a, n, axis, norm)


@_transform
def ifft(a: Value, n: Any = None, axis: int = -1, norm: Any = None) -> Tracer:
    """``numpy.fft.ifft`` along ``axis``."""
    return _dft.ifft(a, n, axis, norm)


@_transform
def rfft(a: Value, n: Any = None, axis: int = -1, norm: Any = None) -> Tracer:
    """``numpy.fft.rfft`` of a real input: the n // 2 + 1 non-negative frequencies."""
    return _dft.rfft(a, n, axis, norm)


@_transform
def irfft(a: Value, n: Any = None, axis: int = -1, norm: Any = None) -> Tracer:
    """``numpy.fft.irfft``: the real signal of length ``n`` (default 2 (m - 1)) whose
    spectrum's non-negative half is ``a`` (imaginary parts of the DC and Nyquist terms are
    ignored, as in NumPy)."""
    return _dft.irfft(a, n, axis, norm)


__all__ = sorted(
    name
    for name, value in list(globals().items())
    if getattr(value, "__module__", None) == __name__ and not name.startswith("_")
)


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise missing_function("axcomp.numpy.fft", "jax.numpy.fft", name, __all__)
