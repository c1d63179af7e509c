"""A NumPy ``matmul`` run in the row blocks measured fastest for its operands.

OpenBLAS's kernels for this machine (SkylakeX, one thread) run some GEMMs faster in blocks
of rows than whole, with no rule that predicts which: a (128, 128) by (128, 64) product
takes 47.5 us whole and 38.1 us as two 64-row halves, the (128, 64) by (64, 128) product
beside it in an attention gains nothing, and a (2048, 784) by (784, 10) product is twice as
fast in 64-row blocks but rounds differently there (OpenBLAS picks another kernel for the
smaller product). ``gemm_blocks`` measures a loop nest's GEMMs; this module measures the
generated NumPy code's.

``matmul_rows(a, b)`` is what the NumPy emitter prints for a matmul that
``numpy_backend.measured_matmuls`` marks: a float matmul of one dtype whose left operand
has at least ``2 * min(ROWS)`` rows and that is small enough to measure in a few
milliseconds, in a program compiled while BLAS runs one thread. The first call with a
given layout (shapes, strides and dtype) runs the product whole, then in each candidate
block size, interleaved, best of ``ROUNDS``, on the call's own operands, and returns the
whole product; the fastest block size that is ``MIN_GAIN`` faster and gives the whole
product's bits is kept, so a program's bits never depend on a timing. Later calls with the
layout run its choice. The choice is made once per process per layout.
"""

from __future__ import annotations

import threading
from time import perf_counter
from typing import Any

import numpy as np

#: Candidate row blocks, largest first.
ROWS = (128, 64)
#: A block size is kept when its best time is at most this fraction of the whole GEMM's.
MIN_GAIN = 0.95
#: Interleaved timings of each candidate in a measurement.
ROUNDS = 3

Layout = tuple[Any, ...]

#: layout -> the rows of a block, or 0 for the whole product (per process)
_CHOICES: dict[Layout, int] = {}
_LOCK = threading.Lock()


def matmul_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.matmul(a, b)`` as the layout's measured row blocks compute it (the same bits)."""
    layout = (a.shape, a.strides, b.shape, b.strides, a.dtype, b.dtype)
    rows = _CHOICES.get(layout)
    if rows is None:
        return _measure(a, b, layout)
    return _product(a, b, rows)


def in_blocks(a: np.ndarray, b: np.ndarray, rows: int) -> np.ndarray:
    """``a @ b`` with each block of ``rows`` rows of ``a`` one ``matmul`` (``a``, ``b``: at
    least 2-D, as ``matmul`` broadcasts them)."""
    m = a.shape[-2]
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    out = np.empty((*batch, m, b.shape[-1]), np.result_type(a, b))
    for lo in range(0, m, rows):
        np.matmul(a[..., lo : lo + rows, :], b, out=out[..., lo : lo + rows, :])
    return out


def _product(a: np.ndarray, b: np.ndarray, rows: int) -> np.ndarray:
    """``a @ b`` whole (``rows`` 0) or in blocks of ``rows`` rows."""
    if rows:
        return in_blocks(a, b, rows)
    out: np.ndarray = np.matmul(a, b)
    return out


def _measure(a: np.ndarray, b: np.ndarray, layout: Layout) -> np.ndarray:
    whole = _product(a, b, 0)
    candidates = [r for r in ROWS if a.shape[-2] >= 2 * r]
    best: dict[int, float] = {0: float("inf"), **{r: float("inf") for r in candidates}}
    for _ in range(ROUNDS):
        for rows in best:
            start = perf_counter()
            _product(a, b, rows)
            best[rows] = min(best[rows], perf_counter() - start)
    keep = 0  # the fastest block size with the whole product's bits, if fast enough
    for rows in sorted(candidates, key=best.__getitem__):
        if best[rows] > MIN_GAIN * best[0]:
            break
        if _same_bits(_product(a, b, rows), whole):
            keep = rows
            break
    with _LOCK:
        _CHOICES.setdefault(layout, keep)
    return whole


def _same_bits(x: np.ndarray, y: np.ndarray) -> bool:
    """Whether two results of one dtype are equal bit for bit (NaNs and signed zeros
    included)."""
    as_int = np.dtype(f"i{x.dtype.itemsize}")
    return x.shape == y.shape and bool(np.array_equal(x.view(as_int), y.view(as_int)))


def clear() -> None:
    """Forget every choice (tests; a process measures each layout once otherwise)."""
    with _LOCK:
        _CHOICES.clear()
