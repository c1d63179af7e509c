#!/usr/bin/env python
"""Measure when ``C = A @ B`` is faster computed as ``(Bᵀ @ Aᵀ)ᵀ``: the table behind
``axcomp/compiler/gemm_orientation.py``'s rule.

NumPy hands a 2-D ``matmul`` to BLAS as one ``gemm`` whatever the operands' layouts (a
transposed operand is a transpose flag), and the transposed orientation computes the same
products (every entry is the same dot product, so the same bits up to BLAS's own blocking)
with the roles of the two operands in OpenBLAS's packing swapped. For each dtype (float64,
float32), shape (M, K, N) and layout of ``A`` (``C``: C-contiguous; ``T``: the transpose of
a C-contiguous ``K×M`` array, as ``X.T`` in a gradient's ``Xᵀ @ r``), with ``B``
C-contiguous, prints the time of ``A @ B`` and the ratio of ``(B.T @ A.T).T`` to it (below
1: the transposed orientation wins), best of ``ROUNDS`` interleaved rounds::

    OPENBLAS_NUM_THREADS=1 python benchmarks/gemm_orientation.py
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

import numpy as np

ROUNDS = 5
DTYPES = ("float64", "float32")
MS = (64, 256, 784, 1024, 2048)
KS = (64, 256, 784, 2048)
NS = (2, 10, 20, 32, 64, 128)


def best(fn: Callable[[], Any], calls: int) -> float:
    """The fastest of ``calls`` calls, seconds."""
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def operand(rows: int, cols: int, layout: str, dtype: str, rng: np.random.Generator) -> np.ndarray:
    x = rng.random((rows, cols) if layout == "C" else (cols, rows)).astype(dtype)
    return x if layout == "C" else x.T


def ratio(a: np.ndarray, b: np.ndarray, calls: int) -> tuple[float, float]:
    """(best ``a @ b``, best ``(b.T @ a.T).T``), seconds, over interleaved rounds (so load
    drifts hit both alike)."""
    plain = swapped = float("inf")
    for _ in range(ROUNDS):
        plain = min(plain, best(lambda: a @ b, calls))
        swapped = min(swapped, best(lambda: (b.T @ a.T).T, calls))
    return plain, swapped


def main() -> None:
    rng = np.random.default_rng(0)
    print(f"{'dtype':>7} {'M':>5} {'K':>5} {'N':>4} {'A':>2} {'A@B ms':>9} {'ratio':>6}")
    for dtype, layout, m, k, n in itertools.product(DTYPES, "CT", MS, KS, NS):
        a, b = operand(m, k, layout, dtype, rng), operand(k, n, "C", dtype, rng)
        calls = max(3, min(200, int(2e7 / (m * k * n))))
        plain, swapped = ratio(a, b, calls)
        row = f"{dtype:>7} {m:5} {k:5} {n:4} {layout:>2} {plain * 1e3:9.4f} {swapped / plain:6.2f}"
        print(row, flush=True)


if __name__ == "__main__":
    main()
