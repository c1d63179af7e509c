"""Convolutions as contractions over windows: ``lax.conv_general_dilated`` and its wrappers
(``conv``, ``conv_with_general_padding``, ``conv_transpose``,
``conv_general_dilated_patches``), ``ConvDimensionNumbers`` and ``conv_dimension_numbers``,
(``jax.scipy.signal``'s direct ``convolve``/``correlate`` are built on it in
``axcomp/scipy/signal.py``).

A convolution pads and dilates its input (``lax.pad``, interior padding for
``lhs_dilation``), takes the ``windows`` view of that (strided, ``rhs_dilation`` apart) and
contracts it with the kernel in one einsum, feature or batch groups being one more shared
label. So the planner sees a contraction: it fuses it, picks its path, chunks it, and a
``vmap`` over per-example inputs or kernels is one more label of the same einsum. The
derivatives come from the pieces: the kernel's cotangent is a contraction of the windows
with the output's cotangent, the input's the transpose of the windows view (a scatter-add
of overlapping windows) of the cotangent contracted with the kernel.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ..errors import ArgumentTypeError, ShapeError
from ..primitives.contraction import contract, permute
from ..primitives.indexing import getitem
from ..primitives.shape import astype, broadcast_to, reshape
from ..primitives.windows import windows
from ..tracing.build import Value, lift, trace_of
from ..tracing.tracer import Tracer
from ..transforms.jit import staged_export
from .operators import _ints, lax_pad
from .precision import check_precision, preferred_dtype
from .windowed_reductions import window_pads


class ConvDimensionNumbers(NamedTuple):
    """``jax.lax.ConvDimensionNumbers``: the axes of the input (batch, feature, spatial...),
    the kernel (out feature, in feature, spatial...) and the output (batch, feature,
    spatial...)."""

    lhs_spec: Sequence[int]
    rhs_spec: Sequence[int]
    out_spec: Sequence[int]


def _permutations(specs: Sequence[str]) -> tuple[tuple[int, ...], ...]:
    pairs = (("N", "C"), ("O", "I"), ("N", "C"))
    for i, (a, b) in enumerate(pairs):
        if not specs[i].count(a) == specs[i].count(b) == 1:
            raise ArgumentTypeError(
                f"convolution dimension_numbers[{i}] must contain the characters '{a}' and "
                f"'{b}' exactly once, got {specs[i]}."
            )
        if len(specs[i]) != len(set(specs[i])):
            raise ArgumentTypeError(
                f"convolution dimension_numbers[{i}] cannot have duplicate characters, got "
                f"{specs[i]}."
            )
    rhs_spec = specs[1]
    spatial = [set(s) - set(p) for s, p in zip(specs, pairs)]
    if not spatial[0] == spatial[1] == spatial[2]:
        raise ArgumentTypeError(
            "convolution dimension_numbers elements must each have the same set of spatial "
            f"characters, got {tuple(specs)}."
        )

    def perm(spec: str, pair: tuple[str, str]) -> tuple[int, ...]:
        # spatial axes in the order the kernel's spec lists them (strides follow that order)
        rest = sorted(
            (i for i, c in enumerate(spec) if c not in pair), key=lambda i: rhs_spec.index(spec[i])
        )
        return (spec.index(pair[0]), spec.index(pair[1]), *rest)

    return tuple(perm(s, p) for s, p in zip(specs, pairs))


def conv_dimension_numbers(
    lhs_shape: Sequence[int], rhs_shape: Sequence[int], dimension_numbers: Any
) -> ConvDimensionNumbers:
    """``jax.lax.conv_dimension_numbers``: None, three spec strings or a
    ``ConvDimensionNumbers`` in canonical form."""
    if isinstance(dimension_numbers, ConvDimensionNumbers):
        return dimension_numbers
    if len(lhs_shape) != len(rhs_shape):
        raise ArgumentTypeError(
            f"convolution requires lhs and rhs ndim to be equal, got {len(lhs_shape)} and "
            f"{len(rhs_shape)}."
        )
    if dimension_numbers is None:
        iota = tuple(range(len(lhs_shape)))
        return ConvDimensionNumbers(iota, iota, iota)
    if not isinstance(dimension_numbers, (list, tuple)):
        raise ArgumentTypeError(
            "convolution dimension_numbers must be tuple/list or None, got "
            f"{type(dimension_numbers)}."
        )
    if len(dimension_numbers) != 3:
        raise ArgumentTypeError(
            f"convolution dimension_numbers list/tuple must be length 3, got "
            f"{len(dimension_numbers)}."
        )
    if not all(isinstance(s, str) for s in dimension_numbers):
        raise ArgumentTypeError(
            "convolution dimension_numbers elements must be strings, got "
            f"{tuple(type(s) for s in dimension_numbers)}."
        )
    for i, s in enumerate(dimension_numbers):
        if len(s) != len(lhs_shape):
            raise ArgumentTypeError(
                f"convolution dimension_numbers[{i}] must have len equal to the ndim of lhs "
                f"and rhs, got {len(s)} for lhs and rhs shapes {tuple(lhs_shape)} and "
                f"{tuple(rhs_shape)}."
            )
    return ConvDimensionNumbers(*_permutations(dimension_numbers))


def _per_axis(v: Any, n: int, what: str) -> tuple[int, ...]:
    if v is None:
        return (1,) * n
    vals = _ints(v, f"conv_general_dilated {what}")
    if len(vals) != n:
        raise ShapeError(
            f"conv_general_dilated {what} must have {n} entries (one per spatial axis), got {v!r}"
        )
    if any(k < 1 for k in vals):
        raise ShapeError(f"conv_general_dilated {what} must be positive, got {v!r}")
    return vals


def _pads(
    padding: Any,
    spatial: Sequence[int],
    window: Sequence[int],
    strides: Sequence[int],
    lhs_dilation: Sequence[int],
) -> list[tuple[int, int]]:
    if isinstance(padding, str):
        if any(d != 1 for d in lhs_dilation):
            raise ShapeError(
                "String padding is not implemented for transposed convolution using this op. "
                "Please either exactly specify the required padding or use conv_transpose."
            )
        return window_pads(padding, spatial, window, strides, "conv_general_dilated")
    try:
        pairs = [(operator.index(lo), operator.index(hi)) for lo, hi in padding]
    except (TypeError, ValueError):
        raise ShapeError(
            "padding argument to conv_general_dilated should be a string or a sequence of "
            f"(low, high) pairs, got {padding!r}"
        ) from None
    if len(pairs) != len(spatial):
        raise ArgumentTypeError(
            f"Wrong number of explicit pads for convolution: expected {len(spatial)}, got "
            f"{len(pairs)}."
        )
    return pairs


@staged_export
def conv_general_dilated(
    lhs: Value,
    rhs: Value,
    window_strides: Sequence[int],
    padding: Any,
    lhs_dilation: Sequence[int] | None = None,
    rhs_dilation: Sequence[int] | None = None,
    dimension_numbers: Any = None,
    feature_group_count: int = 1,
    batch_group_count: int = 1,
    precision: Any = None,
    preferred_element_type: Any = None,
    *,
    out_sharding: Any = None,
) -> Tracer:
    """``jax.lax.conv_general_dilated``: one einsum of the kernel with the windows view of
    the padded, dilated input."""
    check_precision(precision, "conv_general_dilated")
    trace = trace_of((lhs, rhs))
    x, w = lift(lhs, trace), lift(rhs, trace)
    dn = conv_dimension_numbers(x.shape, w.shape, dimension_numbers)
    if x.ndim != w.ndim or x.ndim < 2:
        raise ShapeError(
            f"conv_general_dilated lhs and rhs must have the same number (at least 2) of "
            f"dimensions, but got {x.shape} and {w.shape}."
        )
    if x.dtype != w.dtype:
        raise ArgumentTypeError(
            f"conv_general_dilated requires arguments to have the same dtypes, got "
            f"{x.dtype.name}, {w.dtype.name}."
        )
    nsp = x.ndim - 2
    strides = _per_axis(window_strides, nsp, "window_strides")
    ldil = _per_axis(lhs_dilation, nsp, "lhs_dilation")
    rdil = _per_axis(rhs_dilation, nsp, "rhs_dilation")
    # canonical layouts: (N, C, spatial...) and (O, I, spatial...)
    xc = permute(x, tuple(dn.lhs_spec))
    wc = permute(w, tuple(dn.rhs_spec))
    n, c, o, i = xc.shape[0], xc.shape[1], wc.shape[0], wc.shape[1]
    ksz = wc.shape[2:]
    g, b = operator.index(feature_group_count), operator.index(batch_group_count)
    _check_groups(c, i, o, n, g, b)
    extents = [(k - 1) * d + 1 for k, d in zip(ksz, rdil)]
    dilated = [(s - 1) * d + 1 if s else 0 for s, d in zip(xc.shape[2:], ldil)]
    pads = _pads(padding, xc.shape[2:], extents, strides, ldil)
    padded = [s + lo + hi for s, (lo, hi) in zip(dilated, pads)]
    if any(p < 0 for p in padded):
        raise ShapeError(
            "Negative padding is larger than the size of the corresponding dimension: got "
            f"padding={pads} for lhs spatial shape {xc.shape[2:]}"
        )
    out_sp = [max(0, (p - e) // s + 1) for p, e, s in zip(padded, extents, strides)]
    out_canon = (n // b, o, *out_sp)
    dtype = preferred_dtype(preferred_element_type) or x.dtype
    inv = tuple(int(k) for k in np.argsort(dn.out_spec))
    if 0 in (*out_canon, c, *ksz):
        # nothing to window: the (possibly empty) result of an empty sum
        zero = broadcast_to(astype(np.zeros((), dtype), dtype), out_canon)
        return permute(zero, inv)
    if preferred_element_type is not None:
        xc, wc = astype(xc, dtype), astype(wc, dtype)
    if any(lo or hi for lo, hi in pads) or any(d > 1 for d in ldil):
        config = [(0, 0, 0), (0, 0, 0)] + [(lo, hi, d - 1) for (lo, hi), d in zip(pads, ldil)]
        xc = lax_pad.traced(xc, np.zeros((), xc.dtype), config)
    win = windows(xc, range(2, 2 + nsp), ksz, strides, rdil)  # (N, C, out..., k...)
    sp = [f"s{k}" for k in range(nsp)]
    ks = [f"k{k}" for k in range(nsp)]
    if b > 1:
        # the batch splits into b groups (group-major), each with its share of the kernel's
        # output features
        win = reshape(win, (b, n // b, *win.shape[1:]))
        wg = reshape(wc, (b, o // b, *wc.shape[1:]))
        out = contract(
            (win, wg), (("g", "n", "c", *sp, *ks), ("g", "p", "c", *ks)), ("n", "g", "p", *sp)
        )
    else:
        win = reshape(win, (n, g, c // g, *win.shape[2:]))
        wg = reshape(wc, (g, o // g, *wc.shape[1:]))
        out = contract(
            (win, wg), (("n", "g", "c", *sp, *ks), ("g", "p", "c", *ks)), ("n", "g", "p", *sp)
        )
    out = reshape(out, out_canon)
    if out.dtype != dtype:
        out = astype(out, dtype)
    return permute(out, inv)


def _check_groups(c: int, i: int, o: int, n: int, g: int, b: int) -> None:
    if g < 1:
        raise ShapeError(
            f"conv_general_dilated feature_group_count must be a positive integer, got {g}."
        )
    if b < 1:
        raise ShapeError(
            f"conv_general_dilated batch_group_count must be a positive integer, got {b}."
        )
    if c % g:
        raise ShapeError(
            f"conv_general_dilated feature_group_count must divide lhs feature dimension "
            f"size, but {g} does not divide {c}."
        )
    if c // g != i:
        raise ShapeError(
            f"conv_general_dilated lhs feature dimension size divided by feature_group_count "
            f"must equal the rhs input feature dimension size, but {c} // {g} != {i}."
        )
    for count, what in ((g, "feature_group_count"), (b, "batch_group_count")):
        if o % count:
            raise ShapeError(
                f"conv_general_dilated rhs output feature dimension size must be a multiple "
                f"of {what}, but {o} is not a multiple of {count}."
            )
    if b > 1 and n % b:
        raise ShapeError(
            f"conv_general_dilated batch_group_count must divide lhs batch dimension size, "
            f"but {b} does not divide {n}."
        )
    if b > 1 and g > 1:
        raise ShapeError(
            "At most one of batch_group_count and feature_group_count may be > 1, got "
            f"batch_group_count={b} and feature_group_count={g}"
        )


@staged_export
def conv(
    lhs: Value,
    rhs: Value,
    window_strides: Sequence[int],
    padding: Any,
    precision: Any = None,
    preferred_element_type: Any = None,
) -> Tracer:
    """``jax.lax.conv``: ``conv_general_dilated`` in the NCHW/OIHW layout."""
    return conv_general_dilated.traced(
        lhs,
        rhs,
        window_strides,
        padding,
        precision=precision,
        preferred_element_type=preferred_element_type,
    )


@staged_export
def conv_with_general_padding(
    lhs: Value,
    rhs: Value,
    window_strides: Sequence[int],
    padding: Any,
    lhs_dilation: Sequence[int] | None,
    rhs_dilation: Sequence[int] | None,
    precision: Any = None,
    preferred_element_type: Any = None,
) -> Tracer:
    """``jax.lax.conv_with_general_padding``: ``conv_general_dilated`` in the NCHW/OIHW
    layout with dilations."""
    return conv_general_dilated.traced(
        lhs,
        rhs,
        window_strides,
        padding,
        lhs_dilation=lhs_dilation,
        rhs_dilation=rhs_dilation,
        precision=precision,
        preferred_element_type=preferred_element_type,
    )


def _transpose_padding(k: int, s: int, padding: Any) -> tuple[int, int]:
    """Before/after padding of one axis of a transposed convolution, from the padding of
    the forward convolution it undoes ('SAME', 'VALID' or explicit)."""
    if padding == "SAME":
        total = k + s - 2
        before = k - 1 if s > k - 1 else -(-total // 2)
    elif padding == "VALID":
        total = k + s - 2 + max(k - s, 0)
        before = k - 1
    elif isinstance(padding, tuple):
        pads = tuple(k - p - 1 for p in padding)
        before, total = pads[0], sum(pads)
    else:
        raise ShapeError(f"conv_transpose: invalid padding mode: {padding!r}")
    return before, total - before


_TRANSPOSE_LAYOUTS = {
    2: ("NC", "IO", "NC"),
    3: ("NHC", "HIO", "NHC"),
    4: ("NHWC", "HWIO", "NHWC"),
    5: ("NHWDC", "HWDIO", "NHWDC"),
}


@staged_export
def conv_transpose(
    lhs: Value,
    rhs: Value,
    strides: Sequence[int],
    padding: Any,
    rhs_dilation: Sequence[int] | None = None,
    dimension_numbers: Any = None,
    transpose_kernel: bool = False,
    precision: Any = None,
    preferred_element_type: Any = None,
    use_consistent_padding: bool = False,
) -> Tracer:
    """``jax.lax.conv_transpose``: a fractionally strided convolution (the input dilated by
    ``strides``), TensorFlow's layout by default; ``transpose_kernel`` flips the kernel's
    spatial axes and swaps its feature axes (Keras' ``Conv2DTranspose``)."""
    trace = trace_of((lhs, rhs))
    x, w = lift(lhs, trace), lift(rhs, trace)
    if x.ndim != w.ndim or x.ndim < 2:
        raise ShapeError(
            f"conv_transpose: lhs and rhs must have the same rank (at least 2), got shapes "
            f"{x.shape} and {w.shape}"
        )
    if dimension_numbers is None:
        if x.ndim not in _TRANSPOSE_LAYOUTS:
            raise ShapeError("No 4+ dimensional dimension_number defaults.")
        dimension_numbers = _TRANSPOSE_LAYOUTS[x.ndim]
    dn = conv_dimension_numbers(x.shape, w.shape, dimension_numbers)
    nsp = x.ndim - 2
    st = _per_axis(strides, nsp, "strides")
    rdil = _per_axis(rhs_dilation, nsp, "rhs_dilation")
    ksz = [w.shape[a] for a in dn.rhs_spec[2:]]
    pads: Any = padding
    if use_consistent_padding or (isinstance(padding, str) and padding in ("SAME", "VALID")):
        eff = [(k - 1) * d + 1 for k, d in zip(ksz, rdil)]
        each = [padding] * nsp if isinstance(padding, str) else list(padding)
        pads = [
            _transpose_padding(k, s, tuple(p) if isinstance(p, list) else p)
            for k, s, p in zip(eff, st, each)
        ]
    if transpose_kernel:
        items = [slice(None)] * w.ndim
        for a in dn.rhs_spec[2:]:
            items[a] = slice(None, None, -1)
        perm = list(range(w.ndim))
        perm[dn.rhs_spec[0]], perm[dn.rhs_spec[1]] = perm[dn.rhs_spec[1]], perm[dn.rhs_spec[0]]
        w = permute(getitem(w, tuple(items)), tuple(perm))
    return conv_general_dilated.traced(
        x,
        w,
        (1,) * nsp,
        pads,
        st,
        rdil,
        dn,
        precision=precision,
        preferred_element_type=preferred_element_type,
    )


@staged_export
def conv_general_dilated_patches(
    lhs: Value,
    filter_shape: Sequence[int],
    window_strides: Sequence[int],
    padding: Any,
    lhs_dilation: Sequence[int] | None = None,
    rhs_dilation: Sequence[int] | None = None,
    dimension_numbers: Any = None,
    precision: Any = None,
    preferred_element_type: Any = None,
) -> Tracer:
    """``jax.lax.conv_general_dilated_patches``: every patch flattened into the feature
    axis (input feature major, then the filter's axes), as the convolution with an identity
    kernel per input feature (``feature_group_count`` = features) that JAX defines it as."""
    x = lift(lhs, trace_of((lhs,)))
    fs = tuple(operator.index(k) for k in filter_shape)
    dn = conv_dimension_numbers(x.shape, (1, 1, *fs), dimension_numbers)
    size = math.prod(fs)
    c = x.shape[dn.lhs_spec[1]]
    eye = np.broadcast_to(np.eye(size, dtype=x.dtype), (c, size, size))
    kernel = np.moveaxis(eye.reshape(c * size, 1, *fs), (0, 1), (dn.rhs_spec[0], dn.rhs_spec[1]))
    return conv_general_dilated.traced(
        x,
        np.ascontiguousarray(kernel),
        window_strides,
        padding,
        lhs_dilation,
        rhs_dilation,
        dn,
        feature_group_count=c,
        precision=precision,
        preferred_element_type=preferred_element_type,
    )
