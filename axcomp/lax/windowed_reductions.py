"""``jax.lax.reduce_window``: a reduction over strided, dilated, padded windows.

The ``computation`` is first applied to two scalar probes (as ``lax.reduce`` does, see
``operators.py``): ``add``/``max``/``min`` over a windows view become one native reduction
(pooling); any other computation is applied to the window's elements in order, with the
init value combined once and padding (or base-dilation holes) skipped, as XLA on CPU
does. ``window_pads`` (the padding a ``padding`` argument means) is shared with the
convolutions."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentTypeError, IncompatibleShapesError, ShapeError
from ..primitives import control
from ..primitives.elementwise import elementwise
from ..primitives.indexing import getitem
from ..primitives.reductions import reduce, reduce_sum
from ..primitives.shape import astype, broadcast_to, reshape
from ..primitives.windows import windows
from ..tracing.build import lift, trace_of
from ..tracing.tracer import Tracer
from ..transforms.jit import staged_export
from .operators import _apply, _identity, _ints, _is_identity, _recognise, _t, lax_pad

# ------------------------------------------------------------------ reduce_window


def window_pads(
    padding: Any,
    shape: Sequence[int],
    window: Sequence[int],
    strides: Sequence[int],
    what: str = "reduce_window",
) -> list[tuple[int, int]]:
    """``(low, high)`` per axis for a padding string ('VALID', 'SAME', 'SAME_LOWER', as
    ``lax.padtype_to_pads``) or explicit pairs."""
    if isinstance(padding, str):
        mode = padding.upper()
        if mode == "VALID":
            return [(0, 0)] * len(shape)
        if mode not in ("SAME", "SAME_LOWER"):
            raise ShapeError(
                f"Unrecognized padding type: expected 'VALID', 'SAME', or 'SAME_LOWER', got "
                f"{padding}."
            )
        pads = []
        for n, w, s in zip(shape, window, strides):
            total = max((-(-n // s) - 1) * s + w - n, 0)
            small, big = total // 2, total - total // 2
            pads.append((small, big) if mode == "SAME" else (big, small))
        return pads
    pairs = [tuple(_ints(p, f"{what} padding")) for p in padding]
    if len(pairs) != len(shape) or any(len(p) != 2 for p in pairs):
        raise IncompatibleShapesError(
            f"{what} padding must be one (low, high) pair per axis, got {padding!r}"
        )
    return [(p[0], p[1]) for p in pairs]


def _axis_positions(n: int, lo: int, hi: int, dilation: int) -> np.ndarray:
    """For each position of the padded, dilated axis: the operand entry there, or -1."""
    size = max(0, (n - 1) * dilation + 1) if n else 0
    pos = np.arange(-lo, size + hi)
    entry = np.where((pos >= 0) & (pos < size) & (pos % dilation == 0), pos // dilation, -1)
    return entry


def _pools(fn: str, dtype: np.dtype) -> bool:
    return fn in ("add", "maximum", "minimum") and dtype.kind in "fiu"


def _pool(
    fn: str,
    x: Tracer,
    window: tuple[int, ...],
    strides: tuple[int, ...],
    dilation: tuple[int, ...],
) -> Tracer:
    """A sum, max or min over every window of the (padded) ``x``: a reduction over the
    appended axes of its ``windows`` view. A max (min) is read at the window's first
    argmax (argmin), so its derivatives route to that one entry, as XLA's
    select-and-scatter does for JAX's max pooling."""
    axes = [d for d in range(x.ndim) if (window[d], strides[d], dilation[d]) != (1, 1, 1)]
    if not axes:
        return x
    out = tuple(
        max(0, (n - (w - 1) * dl - 1) // st + 1)
        for n, w, st, dl in zip(x.shape, window, strides, dilation)
    )
    if 0 in out:
        return broadcast_to(_t(_identity(fn, x.dtype)), out)
    win = windows(
        x, axes, [window[d] for d in axes], [strides[d] for d in axes], [dilation[d] for d in axes]
    )
    lead = win.shape[: x.ndim]
    if fn == "add":
        return reduce_sum(win, axis=tuple(range(x.ndim, win.ndim)), dtype=x.dtype)
    size = math.prod(win.shape[x.ndim :])
    flat = reshape(win, (*lead, size))
    pick = reduce("argmax" if fn == "maximum" else "argmin", flat, -1)
    first = elementwise("equal", reshape(pick, (*lead, 1)), np.arange(size))
    return reduce_sum(elementwise("where", first, flat, 0), axis=-1, dtype=x.dtype)


@staged_export
def reduce_window(
    operand: Any,
    init_value: Any,
    computation: Callable[..., Any],
    window_dimensions: Sequence[int],
    window_strides: Sequence[int] | None = None,
    padding: Any = "VALID",
    base_dilation: Sequence[int] | None = None,
    window_dilation: Sequence[int] | None = None,
) -> Any:
    """``jax.lax.reduce_window``: ``computation`` over every window (strided, padded,
    dilated) of ``operand`` (an array or a tree of arrays of one shape)."""
    leaves, treedef = control._flatten(operand)
    inits, initdef = control._flatten(init_value)
    if not leaves or initdef != treedef:
        raise ArgumentTypeError(
            "reduce_window: operand and init_value must be trees of the same structure"
        )
    trace = trace_of((*leaves, *inits))
    xs = [lift(x, trace) for x in leaves]
    if len({x.shape for x in xs}) != 1:
        raise IncompatibleShapesError("reduce_window operands must all have the same shape")
    shape = xs[0].shape
    nd = len(shape)

    def per_axis(v: Any, what: str) -> tuple[int, ...]:
        vals = (1,) * nd if v is None else _ints(v, f"reduce_window {what}")
        if len(vals) != nd or any(k < 1 for k in vals):
            raise IncompatibleShapesError(
                f"reduce_window {what} must be {nd} positive ints, got {v!r}"
            )
        return vals

    window = per_axis(window_dimensions, "window_dimensions")
    strides = per_axis(window_strides, "window_strides")
    base = per_axis(base_dilation, "base_dilation")
    wdil = per_axis(window_dilation, "window_dilation")
    effective = tuple((w - 1) * d + 1 for w, d in zip(window, wdil))
    pads = window_pads(padding, shape, effective, strides)
    entries = [_axis_positions(n, lo, hi, b) for n, (lo, hi), b in zip(shape, pads, base)]
    out_shape = tuple(
        max(0, (len(e) - w) // s + 1) if len(e) >= w else 0
        for e, w, s in zip(entries, effective, strides)
    )
    init_ts = [astype(lift(i, trace), x.dtype) for i, x in zip(inits, xs)]
    fns = _recognise(computation, [x.dtype for x in xs], treedef)
    # a known op with its identity as init: padding with the init is exact, no masks
    plain = fns is not None and all(
        _is_identity(raw, fn, x.dtype) for fn, raw, x in zip(fns, inits, xs)
    )
    holes = any(lo or hi for lo, hi in pads) or any(b > 1 for b in base)
    padded = xs
    if holes:
        config = [(lo, hi, b - 1) for (lo, hi), b in zip(pads, base)]
        padded = [lax_pad.traced(x, i, config) for x, i in zip(xs, init_ts)]
    if plain and fns is not None and all(_pools(fn, x.dtype) for fn, x in zip(fns, xs)):
        pooled = [_pool(fn, p, window, strides, wdil) for fn, p in zip(fns, padded)]
        return control._unflatten(treedef, pooled)
    acc: list[Tracer] | None = None if plain else [broadcast_to(i, out_shape) for i in init_ts]
    for offsets in np.ndindex(*window):
        starts = [o * d for o, d in zip(offsets, wdil)]
        items = tuple(
            slice(s, s + (m - 1) * st + 1, st) if m else slice(0, 0)
            for s, m, st in zip(starts, out_shape, strides)
        )
        parts = [getitem(p, items) for p in padded]
        if acc is None:
            acc = parts
            continue
        combined = _apply(computation, treedef, acc, parts)
        if holes and not plain:
            mask = np.ones(out_shape, np.bool_)
            for d, (e, s, m, st) in enumerate(zip(entries, starts, out_shape, strides)):
                line = e[s : s + (m - 1) * st + 1 : st] >= 0 if m else np.zeros(0, np.bool_)
                mask &= line.reshape((1,) * d + (m,) + (1,) * (nd - d - 1))
            if not mask.all():
                combined = [elementwise("where", mask, c, a) for c, a in zip(combined, acc)]
        acc = combined
    assert acc is not None
    return control._unflatten(treedef, acc)
