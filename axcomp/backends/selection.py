"""Partial selection for generated NumPy code: ``_argselect``, the plan operation
``argselect`` (the indices of the ``k`` smallest or largest entries along an axis, in sort
order) by one ``argpartition`` per line and a sort of the ``k`` it selects.

The result is exactly what a full stable sort gives, ties and NaN included:

* smallest (``largest=False``): ``argsort(x, kind="stable")[..., :k]`` (NumPy's order: NaN
  last, ``-0.0 == 0.0``, ties by position), the order of ``jnp.argsort``/``jnp.sort``;
* largest: ``jax.lax.top_k``'s order, IEEE totalOrder from the top (``+NaN`` first, then
  ``inf`` ... ``+0.0``, ``-0.0`` ... ``-inf``, ``-NaN`` last), ties by the lower position.

``argpartition`` moves the ``k`` selected entries to the front but leaves ties at the
boundary in no particular order, and NumPy's partition order differs from totalOrder on
signed zeros and NaNs; the lines where that could matter (the ``k``-th and the next
entry compare equal, or a NaN with its sign bit set was selected) are redone with the
full exact sort, so the answer never depends on ``argpartition``'s tie order.

The module is copied into exported NumPy modules (``inspect/export.py``), so it reads only
``_np`` and builtins.
"""

from __future__ import annotations

from typing import Any

import numpy as _np


def _argselect(x: Any, k: int, axis: int, largest: bool) -> Any:
    """The indices (``intp``) of the ``k`` smallest (``largest``: largest) entries of ``x``
    along ``axis``, in sort order, ties by the lower index (this module's docstring says
    which order)."""
    x = _np.moveaxis(_np.asarray(x), axis, -1)
    lead, n = x.shape[:-1], x.shape[-1]
    x = x.reshape(-1, n)  # one line per row (a copy only when the axis is not contiguous)
    floating = x.dtype.kind == "f"

    def order(v: Any) -> Any:
        # the stable sort of ``v``'s lines in the order asked for: for ``largest`` by ~key,
        # key = totalOrder as a signed integer (floats) or the value itself
        if not largest:
            return _np.argsort(v, axis=-1, kind="stable")
        if floating:
            bits = v.view(_np.dtype(f"i{v.dtype.itemsize}"))
            v = _np.where(bits < 0, bits ^ _np.iinfo(bits.dtype).max, bits)
        return _np.argsort(~v, axis=-1, kind="stable")

    def exact(lines: Any) -> Any:  # the full sort of the lines to redo
        return order(lines)[..., :k]

    if k == 0 or k >= n or x.size == 0:
        out = exact(x) if k else _np.zeros((x.shape[0], 0), _np.intp)
        return _np.moveaxis(out.astype(_np.intp, copy=False).reshape(*lead, k), -1, axis)
    # one selection per line: the k smallest go first, or the k largest last
    split = k if not largest else n - k - 1
    part = _np.argpartition(x, split, axis=-1)
    chosen = part[..., :k] if not largest else part[..., n - k :]
    chosen.sort(axis=-1)  # by position, so the stable sort below breaks ties by index
    values = _np.take_along_axis(x, chosen, axis=-1)
    out = _np.take_along_axis(chosen, order(values), axis=-1)
    # the boundary: the k-th entry against the first one left out
    edge = _np.take_along_axis(x, part[..., split : split + 1], axis=-1)[..., 0]
    if largest:
        kth = _np.fmin.reduce(values, axis=-1) if floating else values.min(axis=-1)
    else:
        kth = values.max(axis=-1)
    redo = kth == edge
    if floating:
        redo |= _np.isnan(kth) & _np.isnan(edge)
        if largest:  # a negative NaN is the smallest in totalOrder, NumPy's largest
            redo |= (_np.isnan(values) & _np.signbit(values)).any(axis=-1)
    if redo.any():
        lines = _np.flatnonzero(redo)
        out[lines] = exact(x[lines])
    return _np.moveaxis(out.reshape(*lead, k), -1, axis)
