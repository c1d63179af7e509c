"""Row blocks for the GEMMs a compiled loop nest calls each step, measured once per shape.

A loop nest's step multiplies the same shapes every step (an RNN's ``h @ W``: 256 x 64
times 64 x 64, 200 times). OpenBLAS's speed there depends on the shape in ways no rule
states: its SkylakeX kernels (the ones it picks on this project's AMD EPYC) multiply
256 x 64 by 64 x 64 in 47 us but two 128-row halves in 37 us, while 256 x 128 by
128 x 128 is 1% slower in halves and 200 x 64 the same. So the first time a nest's kernel
is built, each of its GEMMs whose left operand is row-major is timed whole and in blocks of
128 and 64 rows, with the BLAS the nest calls (numba's ``np.dot``), and the fastest is kept
when it saves at least ``MIN_GAIN``; the choice is remembered for the process.

A block size is a candidate only when its result equals the whole GEMM's bit for bit on
the measurement's random operands: blocks split the rows, not the sums, but OpenBLAS may
take another kernel for a smaller GEMM, with another rounding (2048 x 784 by 784 x 10 in
64-row blocks: twice as fast, and different in the last bits). So the measured choice
changes the time, never the numbers, and a program gives the same bits in every process.

This module imports numba: only the loop-nest kernels' builder imports it.
"""

from __future__ import annotations

import importlib.util
import threading
import time
from typing import Any

import numba as nb
import numpy as np

from ..core.loop_nest import Gemm

#: Row blocks tried besides the whole GEMM (only those smaller than its rows).
CANDIDATES = (128, 64)
#: A block size is kept only when it is at least this much faster than the whole GEMM.
MIN_GAIN = 0.05
#: Each timing sample lasts at least this long; the best of ``SAMPLES`` counts.
SAMPLE_SECONDS = 4e-4
SAMPLES = 5


_chosen: dict[Gemm, int] = {}
_lock = threading.Lock()


@nb.njit(nogil=True, cache=True)
def _run(a: Any, b: Any, out: Any, block: int, reps: int) -> None:
    rows = a.shape[0]
    for _ in range(reps):
        for start in range(0, rows, block):
            np.dot(a[start : start + block], b, out[start : start + block])


def row_blocks(gemms: list[Gemm]) -> np.ndarray:
    """The row block each of ``gemms`` runs in (its rows: whole), measured on first use."""
    if not _numba_blas():
        return np.array([g.rows for g in gemms], dtype=np.int64)
    with _lock:  # one measurement at a time: two would time each other
        return np.array([_chosen.get(g) or _measure(g) for g in gemms], dtype=np.int64)


def _numba_blas() -> bool:
    """Whether numba's ``np.dot`` has a BLAS: SciPy's (as a BLAS nest needs)."""
    return importlib.util.find_spec("scipy") is not None


def _measure(g: Gemm) -> int:
    rng = np.random.default_rng(0)
    dtype = np.dtype(g.dtype)
    a = rng.standard_normal((g.rows, g.inner)).astype(dtype)
    b = rng.standard_normal((g.cols, g.inner) if g.right_transposed else (g.inner, g.cols))
    b = b.astype(dtype).T if g.right_transposed else b.astype(dtype)
    out = np.empty((g.rows, g.cols), dtype)
    blocks = [g.rows, *(c for c in CANDIDATES if c < g.rows)]
    if len(blocks) == 1:
        _chosen[g] = g.rows
        return g.rows
    _run(a, b, out, g.rows, 1)  # compiled (or loaded from numba's cache) before timing
    start = time.perf_counter()
    _run(a, b, out, g.rows, 1)
    reps = max(1, int(SAMPLE_SECONDS / max(time.perf_counter() - start, 1e-7)))
    whole = out.copy()
    blocks = [block for block in blocks if _same_bits(a, b, block, whole)]
    if len(blocks) == 1:
        _chosen[g] = g.rows
        return g.rows
    best = dict.fromkeys(blocks, float("inf"))
    for _ in range(SAMPLES):  # interleaved: a slow moment costs every candidate alike
        for block in blocks:
            start = time.perf_counter()
            _run(a, b, out, block, reps)
            best[block] = min(best[block], time.perf_counter() - start)
    fastest = min(blocks, key=best.__getitem__)
    keep = fastest if best[fastest] <= (1 - MIN_GAIN) * best[g.rows] else g.rows
    _chosen[g] = keep
    return keep


def _same_bits(a: np.ndarray, b: np.ndarray, block: int, whole: np.ndarray) -> bool:
    out = np.empty_like(whole)
    _run(a, b, out, block, 1)
    return bool(np.array_equal(out, whole))
