"""More ``jax.lax`` functions, all composed from existing primitives (slicing, concatenation,
the contractions, the DFT matrices, the flat scatter), so vmap, jit, grad and both backends
come with them: ``split``, ``stack``, ``unstack``, ``tile``, ``dot``, ``fft`` (with
``FftType``), ``scatter_apply`` and ``broadcast_shapes`` (pure shape arithmetic).
"""

from __future__ import annotations

import enum
import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentTypeError, ShapeError, UnsupportedError
from ..tracing.build import Value, lift, normalize_axis, trace_of
from ..tracing.tracer import Tracer
from . import control, dft, gathers, indexing, order, products
from .api import export
from .elementwise import elementwise
from .order import _int as _static_int  # one definition of "a static int argument"
from .order import _t
from .precision import check_precision, preferred_dtype
from .reductions import reduce
from .shape import astype
from .shape import stack as _stack

# ------------------------------------------------------------------ shapes


def broadcast_shapes(*shapes: Any) -> tuple[int, ...]:
    """``jax.lax.broadcast_shapes``: the shape of the broadcast, as Python ints (a dim of 1
    stretches; the rank is the largest). A negative or non-integer dim is a TypeError, as in
    JAX."""
    clean: list[tuple[int, ...]] = []
    for s in shapes:
        if isinstance(s, np.ndarray) and s.ndim == 1:
            s = s.tolist()
        if isinstance(s, (str, bytes)) or not isinstance(s, Sequence):
            raise TypeError(
                f"Shapes must be 1D sequences of concrete values of integer type, got {s!r}."
            )
        try:
            dims = tuple(operator.index(d) for d in s)
        except TypeError:
            raise TypeError(
                f"Shapes must be 1D sequences of concrete values of integer type, got {s!r}."
            ) from None
        if any(d < 0 for d in dims):
            raise TypeError(
                "Only non-negative indices are allowed when broadcasting static shapes, but "
                f"got shape {dims!r}."
            )
        clean.append(dims)
    rank = max((len(s) for s in clean), default=0)
    out: list[int] = []
    for k in range(rank):
        sizes = {s[k - rank + len(s)] for s in clean if k - rank + len(s) >= 0}
        big = sizes - {1}
        if len(big) > 1:
            raise ValueError(f"Incompatible shapes for broadcasting: shapes={clean}")
        out.append(int(big.pop()) if big else 1)
    return tuple(out)


@export("lax", "split")
def split(operand: Value, sizes: Sequence[int], axis: int = 0) -> list[Tracer]:
    """``jax.lax.split``: consecutive pieces of the given ``sizes`` along ``axis`` (they
    must add up to its length)."""
    t = _t(operand)
    ax = normalize_axis(_static_int(axis, "split axis"), t.ndim)
    widths = [_static_int(z, "split sizes") for z in sizes]
    if any(z < 0 for z in widths) or sum(widths) != t.shape[ax]:
        raise ShapeError(
            f"split: sizes {tuple(widths)} must be non-negative and add up to "
            f"{t.shape[ax]}, the length of axis {ax} of shape {t.shape}"
        )
    pieces, start = [], 0
    for z in widths:
        index = (slice(None),) * ax + (slice(start, start + z),)
        pieces.append(indexing.getitem(t, index))
        start += z
    return pieces


@export("lax", "stack")
def stack(operands: Sequence[Value], axis: int = 0) -> Tracer:
    """``jax.lax.stack``: the operands (one shape) joined along a new ``axis``."""
    return _stack(list(operands), axis=_static_int(axis, "stack axis"))


@export("lax", "unstack")
def unstack(x: Value, axis: int = 0) -> tuple[Tracer, ...]:
    """``jax.lax.unstack``: the entries along ``axis``, that axis removed."""
    t = _t(x)
    ax = normalize_axis(_static_int(axis, "unstack axis"), t.ndim)
    return tuple(indexing.getitem(t, (slice(None),) * ax + (k,)) for k in range(t.shape[ax]))


@export("lax", "tile")
def tile(operand: Value, reps: Sequence[int]) -> Tracer:
    """``jax.lax.tile``: ``numpy.tile`` with one repeat count per axis exactly."""
    t = _t(operand)
    r = tuple(_static_int(v, "tile reps") for v in reps)
    if len(r) != t.ndim:
        raise ArgumentTypeError(
            "reps length must be equal to the ndim of x, got "
            f"len(reps)={len(r)} and x.ndim={t.ndim}."
        )
    return order.tile(t, r)


# ------------------------------------------------------------------ dot


@export("lax", "dot")
def dot(
    lhs: Value,
    rhs: Value,
    *,
    dimension_numbers: Any = None,
    precision: Any = None,
    preferred_element_type: Any = None,
    out_sharding: Any = None,
) -> Tracer:
    """``jax.lax.dot``: vector-vector, matrix-vector and matrix-matrix products (exact at
    every ``precision`` on NumPy); ``preferred_element_type`` is the accumulation and
    result dtype."""
    check_precision(precision, "lax.dot")
    if dimension_numbers is not None:
        raise UnsupportedError("lax.dot with dimension_numbers: use lax.dot_general")
    trace = trace_of((lhs, rhs))
    x, y = lift(lhs, trace), lift(rhs, trace)
    if not (1 <= x.ndim <= 2 and 1 <= y.ndim <= 2):
        raise ShapeError(
            "jax.lax.dot: dimension_numbers must be specified when not performing simple "
            "un-batched matrix-matrix, matrix-vector, or vector-vector products; got "
            f"lhs.shape={x.shape} rhs.shape={y.shape}"
        )
    if x.shape[-1] != y.shape[0]:
        raise ShapeError(f"lax.dot: shapes {x.shape} and {y.shape} do not contract")
    want = preferred_dtype(preferred_element_type)
    if want is not None:
        # accumulate in the preferred dtype (int8 inputs summed in int32, no wrap-around)
        x, y = astype(x, want), astype(y, want)
    return products.dot(x, y)


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


@export("lax", "fft")
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
            return astype(t, dft._complex_dtype(t.dtype))
        out = dft.rfft(t, axis=axes[-1])
        for ax in axes[:-1]:
            out = dft.fft(out, axis=ax)
        return out
    if t.dtype.kind != "c":
        t = astype(t, dft._complex_dtype(t.dtype))
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


# ------------------------------------------------------------------ scatter_apply

# repeated positions apply ``func`` once per write; beyond this many windows the
# repeats run in a while_loop instead of unrolled
_UNROLL = 16


@export("lax", "scatter_apply")
def scatter_apply(
    operand: Value,
    scatter_indices: Value,
    func: Callable[[Any], Any],
    dimension_numbers: Any,
    *,
    update_shape: Sequence[int] = (),
    indices_are_sorted: bool = False,
    unique_indices: bool = False,
    mode: Any = None,
) -> Tracer:
    """``jax.lax.scatter_apply``: ``func`` applied to the entries a scatter of
    ``update_shape`` windows writes (out-of-bounds windows dropped by default), once per
    write where windows repeat a position, as JAX does."""
    trace = trace_of((operand, scatter_indices))
    t, idx = lift(operand, trace), lift(scatter_indices, trace)
    ones = np.ones(tuple(int(z) for z in update_shape), np.int32)
    zeros = lift(np.zeros(t.shape, np.int32), trace)
    count = gathers.lax_scatter_add(zeros, idx, ones, dimension_numbers, mode=mode)
    windows = math.prod(idx.shape[:-1])  # a position is written at most once per window
    if windows <= _UNROLL:
        out = t
        for c in range(windows):
            out = elementwise("where", elementwise("greater", count, c), func(out), out)
        return out if out.dtype == t.dtype else astype(out, t.dtype)

    def body(state: tuple[Any, Any]) -> tuple[Any, Any]:
        c, v = state
        nv = elementwise("where", elementwise("greater", count, c), func(v), v)
        return elementwise("add", c, 1), astype(nv, t.dtype)

    most = reduce("max", count)
    _, out = control.while_loop(lambda s: elementwise("less", s[0], most), body, (np.int32(0), t))
    return out
