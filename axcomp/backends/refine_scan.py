"""The refine step's norm additions and candidate scan as one numba kernel: what
in-process NumPy programs call for the plan operation ``flat_not_greater`` (exported
modules keep ``cancellation._flat_not_greater``).

``cancellation._flat_not_greater`` adds the norms slice by slice and compares each slice,
about 4 NumPy calls a slice of 2^15 entries: 0.96 ms for B3's 1024² result, where hand
code's two full in-place additions take 0.67 ms (both on one thread: NumPy's loops do not
thread), so once the GEMM runs on two threads the refine was most of the gap. Here a row
is added to and compared in one pass (a row's count of candidates is a vectorised
reduction; only rows with a candidate are read again for their indices): 0.30 ms. It runs
on the calling thread: split over two threads on the shared 2-core machine it measured
slower (0.58-0.67 ms at load 3; starting the threads costs more than the pass), and the
pass is bounded by memory, not arithmetic. Each entry is computed as NumPy computes it,
``(x + a) + b`` rounded to ``x``'s dtype, and compared in the dtype NumPy compares in, so
both paths give the same array and the same indices.

The kernel is compiled like a fused loop's (``kernel_loading``: on a thread while the first
calls take the NumPy path, cached on disk); it serves 2-d C-contiguous results of float32
or float64 whose two addends have its dtype and each vary along one axis (the refine's
norms) or both. Anything else, ``AXCOMP_FUSE=0``, no numba, or a small result takes the
NumPy path.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import fused_loops, kernel_loading
from .cancellation import _flat_not_greater

#: Results smaller than this take the NumPy path (one slice there: a few calls).
MIN_ENTRIES = 1 << 16
#: Candidate indices a block keeps room for; a block with more is compared again by NumPy.
ROOM = 1024
#: Entries of one kernel call (a block of rows) at most, so Ctrl-C is seen between calls
#: (a nogil call cannot see it).
MAX_BLOCK = 1 << 24

_READ = {"row": "{0}[i]", "col": "{0}[j]", "full": "{0}[i, j]"}


def _source(kinds: tuple[str, str], cache: bool) -> str:
    """The kernel for addends of ``kinds`` (``row``: 1-d over the rows, ``col``: 1-d over
    the columns, ``full``: 2-d): ``_scan(x, a, b, bound, negated, found, lo, hi)`` adds (or
    subtracts) them into rows ``lo:hi`` of ``x`` and writes the flat indices of the entries
    not greater (negated: not less) than ``bound`` into ``found``; returns their count."""
    a, b = (_READ[k].format(n) for k, n in zip(kinds, "ab"))
    a_row = kinds[0] == "row"
    b_row = kinds[1] == "row"
    lines = [
        "import numba",
        "",
        "",
        f"@numba.njit(nogil=True, cache={cache})",
        "def _scan(x, a, b, bound, negated, found, lo, hi):",
        "    cols = x.shape[1]",
        "    room = found.shape[0]",
        "    k = 0",
        "    for i in range(lo, hi):",
        "        row = x[i]",
        "        hits = 0",
        "        if negated:",
        "            for j in range(cols):",
        f"                v = (row[j] - {'ai' if a_row else a}) - {'bi' if b_row else b}",
        "                row[j] = v",
        "                hits += not (v < bound)",
        "        else:",
        "            for j in range(cols):",
        f"                v = (row[j] + {'ai' if a_row else a}) + {'bi' if b_row else b}",
        "                row[j] = v",
        "                hits += not (v > bound)",
        "        if hits:",
        "            for j in range(cols):",
        "                v = row[j]",
        "                if (not (v < bound)) if negated else (not (v > bound)):",
        "                    if k < room:",
        "                        found[k] = i * cols + j",
        "                    k += 1",
        "    return k",
    ]
    # a row addend is read once per row (its value is the same along the row)
    at = lines.index("        hits = 0")
    lines[at:at] = [f"        {n}i = {n}[i]" for n, row in (("a", a_row), ("b", b_row)) if row]
    return "\n".join(lines) + "\n"


@functools.cache
def _slot(kinds: tuple[str, str], directory: str) -> kernel_loading.KernelSlot:
    """The kernel slot of addends of ``kinds`` (one kernel per cache directory, as
    ``fused_loops.load_kernel`` keeps them)."""
    key = f"{directory}\n{_source(kinds, True)}"
    return kernel_loading.slot(key, f"refine scan {kinds[0]}+{kinds[1]}", _build(kinds))


def _kernel(kinds: tuple[str, str]) -> Any:
    return fused_loops.load_kernel(_source(kinds, True), lambda: _source(kinds, False), "_scan")


def _build(kinds: tuple[str, str]) -> kernel_loading.Build:
    def build(types: tuple[kernel_loading.ArgumentType, ...]) -> Callable[..., Any]:
        fn = _kernel(kinds)
        fn.compile(kernel_loading.numba_signature(types))
        return fn  # type: ignore[no-any-return]

    return build


def _addend(a: Any, shape: tuple[int, int], dtype: np.dtype) -> tuple[str, np.ndarray] | None:
    """``a`` as the kernel reads it: (kind, array), or None where it cannot."""
    if not isinstance(a, np.ndarray) or a.dtype != dtype or a.ndim > 2:
        return None
    rows, cols = shape
    full = (1,) * (2 - a.ndim) + a.shape
    if full == (rows, cols) and (rows > 1 and cols > 1):
        return "full", np.broadcast_to(a, shape)
    if full[1] == 1 and full[0] in (rows, 1):
        return "row", np.broadcast_to(a.reshape(full[0]), (rows,))
    if full[0] == 1 and full[1] in (cols, 1):
        return "col", np.broadcast_to(a.reshape(full[1]), (cols,))
    if full == (rows, cols):
        return "full", np.broadcast_to(a, shape)
    return None


def flat_not_greater(x: Any, bound: Any, *addends: Any, negated: bool = False) -> Any:
    """``cancellation._flat_not_greater``'s result and its effect on ``x``, by the kernel
    where it serves (see the module docstring)."""
    if (
        len(addends) != 2
        or not isinstance(x, np.ndarray)
        or x.ndim != 2
        or x.size < max(MIN_ENTRIES, 1)
        or x.dtype not in (np.float32, np.float64)
        or not x.flags.c_contiguous
        or not x.flags.writeable
        or fused_loops.policy() is None
    ):
        return _flat_not_greater(x, bound, *addends, negated=negated)
    shape = (x.shape[0], x.shape[1])
    read = [_addend(a, shape, x.dtype) for a in addends]
    if read[0] is None or read[1] is None:
        return _flat_not_greater(x, bound, *addends, negated=negated)
    (ka, a), (kb, b) = read[0], read[1]
    # the bound in the dtype NumPy compares x with it in (NEP 50: a float64 scalar
    # compares float32 entries as float64)
    at = np.result_type(x, bound).type(bound)
    slot = _slot((ka, kb), str(fused_loops.cache_dir()))
    rows, cols = shape
    chunk = max(1, MAX_BLOCK // cols)
    blocks = math.ceil(rows / chunk)
    found = np.empty((blocks, ROOM), np.intp)
    counts = np.zeros(blocks, np.intp)

    def arguments() -> tuple[Any, ...]:
        return (x, a, b, at, negated, found[0], 0, 0)

    fn = slot.get(arguments, background=fused_loops.in_background())
    if fn is None:  # compiling on a thread: this call takes the NumPy path
        return _flat_not_greater(x, bound, *addends, negated=negated)

    for k in range(blocks):
        counts[k] = fn(x, a, b, at, negated, found[k], k * chunk, min(rows, (k + 1) * chunk))
    parts = []
    for j in np.flatnonzero(counts).tolist():
        if counts[j] <= ROOM:
            parts.append(found[j, : counts[j]])
        else:  # more candidates than room: the block's rows, compared again
            lo = j * chunk
            flat = x[lo : lo + chunk].reshape(-1)
            hit = np.less(flat, at) if negated else np.greater(flat, at)
            parts.append(np.flatnonzero(~hit) + lo * cols)
    if not parts:
        return np.zeros(0, dtype=np.intp)
    return np.concatenate(parts) if len(parts) > 1 else parts[0]
