"""The refine step's scan for cancelled entries in generated NumPy code: ``_flat_not_greater``,
the plan operation ``flat_not_greater``.

``flatnonzero(logical_not(greater(t, bound)))`` over a whole pairwise result holds two
boolean masks of its size (a quarter of a float64 result); this scans it in slices of
``SLICE`` entries with one small reused mask, so the step's peak stays the result itself.
The module is copied into exported NumPy modules (``inspect/export.py``), so it reads only
``_np`` and builtins.
"""

from __future__ import annotations

from typing import Any

import numpy as _np


def _flat_not_greater(x: Any, bound: Any) -> Any:
    """The flat (C-order) indices of the entries of ``x`` that are not greater than the
    scalar ``bound`` (NaN entries included), as a 1-d ``intp`` array."""
    flat = _np.ravel(x)  # a view of the C-contiguous result
    step = 1 << 15  # entries per slice: the mask stays in cache
    mask = _np.empty(min(step, flat.size), dtype=bool)
    found = []
    for start in range(0, flat.size, step):
        part = flat[start : start + step]
        m = mask[: part.size]
        _np.greater(part, bound, out=m)
        _np.logical_not(m, out=m)
        hits = _np.flatnonzero(m)
        if hits.size:
            found.append(hits + start)
    if not found:
        return _np.zeros(0, dtype=_np.intp)
    return _np.concatenate(found) if len(found) > 1 else found[0]
