"""Which orientation of a 2-D GEMM to hand to BLAS: ``C = A @ B`` or ``C = (Bᵀ @ Aᵀ)ᵀ``.

NumPy passes a 2-D ``matmul`` to BLAS as one ``gemm`` call whatever the operands' layouts
(a transposed operand is a transpose flag, not a copy). Both orientations compute every
entry as the same dot product, but OpenBLAS packs its two operands differently, and for a
tall-skinny result (``M`` rows, few ``N`` columns, long ``K``) the transposed orientation,
whose result is ``Cᵀ`` row-major (``C`` column-major, returned as a transposing view), is
markedly faster: a gradient's ``Xᵀ @ r`` (``X`` 2048×784, ``r`` 2048×10) takes 1.75 ms one
way and 1.05 ms the other. The rule is static (shapes, ``A``'s layout as the plan spells
it, the dtype; no tuning at run time), and on the measured shapes the two orientations'
results were equal bit for bit (each entry's dot product summed in the same order).

Measured on the development machine (AMD EPYC, OpenBLAS as NumPy 2.4 ships it, one
thread) by::

    OPENBLAS_NUM_THREADS=1 python benchmarks/gemm_orientation.py

which prints, for M, K in {64, 256, 784, 1024, 2048}, N in {2, 10, 20, 32, 64, 128},
``A`` C-contiguous (``C``) or the transpose of a C-contiguous array (``T``), the ratio
``time((B.T @ A.T).T) / time(A @ B)``, in float64 and float32. Summary, float64:

=====  =================  =============================================================
``A``  where              ratio
=====  =================  =============================================================
T      M, K >= 256,       0.51-0.95 (0.6 at K = 2048, N = 10; nearer 1 as N grows to 128)
       N <= 128
T      M or K = 64        0.74-1.11 (mostly about 1: no gain)
C      M >= 1024,         0.56-0.97 (0.75 at 2048×784×10, 0.70 at 2048×784×20)
       K >= 256,
       10 <= N <= 128
C      M = 784, K >= 256  0.78-1.10 (small gains: left out)
C      M <= 256, K = 64   0.8-2.6 (N = 2 up to 2.6: BLAS's narrow-panel kernels)
       or N = 2
any    N > M              the mirror image: the plain orientation is the fast one
=====  =================  =============================================================

The rule is one thread's: the NumPy target applies it only while BLAS runs one thread
(``backends.blas_threads``). With two threads the transposed orientation is faster on idle
cores (the HVP's two GEMMs, best of 300 calls: ``Xᵀ @ r`` 0.82 -> 0.67 ms, ``X @ [V W]``
0.99 -> 0.96 ms), but OpenBLAS then splits the tall side and its threads wait for each
other's packed panels, so on shared cores the whole HVP's median went from 29 to 93 ms
(min 3.7 -> 2.6 ms), where the plain orientation's threads never wait.

In float32 the transposed orientation loses with ``A`` C-contiguous (1.0-5x slower) and
wins only here and there with ``A`` transposed (0.67-1.33, no region), so float32 keeps
``A @ B``, as do the dtypes not measured (complex: ``zgemm``; integers: NumPy's own loop).
"""

from __future__ import annotations

import numpy as np

#: The dtypes whose table has a winning region (BLAS's ``dgemm``); others keep ``A @ B``.
TRANSPOSING_DTYPES = frozenset({np.dtype("float64")})
#: The bounds of the table's winning regions (rows, contracted length, columns).
MIN_ROWS_TRANSPOSED_A = 256
MIN_ROWS_CONTIGUOUS_A = 1024
MIN_DEPTH = 256
MAX_COLUMNS = 128
MIN_COLUMNS_CONTIGUOUS_A = 10


def transposed_is_faster(m: int, k: int, n: int, a_transposed: bool, dtype: np.dtype) -> bool:
    """Whether ``(Bᵀ @ Aᵀ)ᵀ`` beats ``A @ B`` for ``A`` (m×k) and ``B`` (k×n), ``A``
    a transposing view of a C-contiguous array when ``a_transposed``, else C-contiguous."""
    if np.dtype(dtype) not in TRANSPOSING_DTYPES or k < MIN_DEPTH or n > MAX_COLUMNS or n >= m:
        return False
    if a_transposed:
        return m >= MIN_ROWS_TRANSPOSED_A
    return m >= MIN_ROWS_CONTIGUOUS_A and n >= MIN_COLUMNS_CONTIGUOUS_A
