"""The refine step's scan for cancelled entries in generated NumPy code: ``_flat_not_greater``,
the plan operation ``flat_not_greater``.

``flatnonzero(logical_not(greater(t, bound)))`` over a whole pairwise result holds two
boolean masks of its size (a quarter of a float64 result); this scans it in slices of
about 2^15 entries with one small reused mask, so the step's peak stays the result itself.
The norms the expanded form adds to the GEMM's result are added slice by slice in the
same loop, so adding and scanning read the result once.
The module is copied into exported NumPy modules (``inspect/export.py``), so it reads only
``_np`` and builtins.
"""

from __future__ import annotations

from typing import Any

import numpy as _np


def _flat_not_greater(x: Any, bound: Any, *addends: Any, negated: bool = False) -> Any:
    """The flat (C-order) indices of the entries of ``x`` that are not greater than the
    scalar ``bound`` (NaN entries included), as a 1-d ``intp`` array. Each of ``addends``
    (broadcastable to ``x``) is first added into ``x`` in place, in that order, slice by
    slice along ``x``'s first axis, so each slice is added to and scanned while it is in
    cache: one pass over ``x`` instead of one per addend and one for the scan.
    ``negated``: the addends are subtracted, and the entries not less than ``bound`` are
    found (the same entries of ``-x``, exactly: rounding is symmetric in sign)."""
    step = 1 << 15  # entries per slice: the slice and its mask stay in cache
    rows = x.shape[0] if x.ndim else 1
    row = x.size // rows if rows else 0
    chunk = max(1, step // row) if row else max(rows, 1)  # whole rows per slice
    found = []
    for start in range(0, rows, chunk):
        part = x[start : start + chunk] if x.ndim else x
        for a in addends:
            lined = _np.ndim(a) == x.ndim and x.ndim and a.shape[0] == rows and rows > 1
            fn = _np.subtract if negated else _np.add
            fn(part, a[start : start + chunk] if lined else a, out=part)
        flat = part.reshape(-1)  # a view: x is C-contiguous
        # a mask per slice, freed before the next one's additions (whose broadcasts take a
        # buffer of their own): the peak stays the result and one slice's mask
        m = (_np.less if negated else _np.greater)(flat, bound)
        if not m.all():  # most slices have no candidate: one cheap reduction, no search
            found.append(_np.flatnonzero(~m) + start * row)
        del m
    if not found:
        return _np.zeros(0, dtype=_np.intp)
    return _np.concatenate(found) if len(found) > 1 else found[0]
