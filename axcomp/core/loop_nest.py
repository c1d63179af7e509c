"""What a whole loop compiled as one loop nest needs beside its ``Loop`` statement.

A long ``scan``/``fori_loop``/``while_loop`` with a small body costs a few NumPy dispatches
per step (about a microsecond each) for a few nanoseconds of arithmetic. When the body is
made only of the plan operations of ``LOOP_OPS`` on small static shapes,
``compiler/loop_nests.py`` marks its ``Loop`` with a ``LoopNest`` (the type of every value
the loop reads from outside: its operands), and ``backends/loop_nest_kernels.py`` prints the
whole loop, every step, as one numba function of explicit loops over those shapes. The
``Loop`` keeps its meaning: the NumPy path runs the same statement unmarked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Plan operations a loop nest computes element by element (``getitem`` with basic
#: items, ``matmul``/``einsum`` as explicit sums, ``sum``/``reduce`` along static axes,
#: ``take``/``take_along_axis`` at indices computed in the loop: a ``dynamic_slice`` or
#: ``x[i]`` of a step's index, checked in bounds as NumPy does; ``fused``: a fused loop's
#: ``map``, element by element).
LOOP_OPS = frozenset(
    (
        "ufunc multiply matmul einsum sum reduce astype getitem reshape transpose "
        "broadcast_to copy asarray concatenate zeros take take_along_axis fused"
    ).split()
)

#: NumPy ufuncs (by NumPy name) a loop computes one element at a time, as NumPy does
#: (libm's transcendental functions may differ from NumPy's SIMD ones in the last bit).
LOOP_UNARY = frozenset(
    (
        "negative absolute square sqrt reciprocal exp exp2 expm1 log log2 log10 log1p "
        "sin cos tan arcsin arccos arctan sinh cosh tanh arcsinh arccosh arctanh "
        "floor ceil trunc logical_not isnan isinf isfinite"
    ).split()
)
LOOP_BINARY = frozenset(
    (
        "add subtract multiply true_divide divide floor_divide remainder maximum minimum "
        "fmax fmin power arctan2 "
        "hypot equal not_equal less less_equal greater greater_equal "
        "logical_and logical_or logical_xor"
    ).split()
)
#: ``clip(x, lo, hi)``, NumPy's (a NaN stays NaN)
LOOP_TERNARY = frozenset(("where", "clip"))
#: ufuncs defined on floats only here (integer ``power`` and ``reciprocal`` differ)
LOOP_FLOAT_ONLY = frozenset("sqrt reciprocal power".split()) | (
    LOOP_UNARY - frozenset("negative absolute square logical_not isnan isinf isfinite".split())
)
#: Reductions (``reduce``'s ``fn``) a loop nest accumulates.
LOOP_REDUCTIONS = frozenset(("max", "min", "amax", "amin", "prod"))

#: The dtypes a loop nest holds values in.
LOOP_DTYPES = frozenset(np.dtype(t) for t in ("float32", "float64", "int32", "int64", "bool"))


#: The fewest multiply-adds of a ``matmul`` a loop nest hands to BLAS (a GEMM through
#: numba's ``np.dot``, SciPy's BLAS) instead of an explicit sum.
BLAS_MIN_WORK = 1 << 15
_BLAS_DTYPES = frozenset(np.dtype(t) for t in ("float32", "float64"))


def blas_matmul(a: tuple[int, ...], b: tuple[int, ...], dtypes: tuple[np.dtype, ...]) -> bool:
    """Whether a loop nest computes ``matmul`` of these shapes (``dtypes``: both operands'
    and the result's) as a BLAS GEMM: two matrices of one float dtype, at least
    ``BLAS_MIN_WORK`` multiply-adds."""
    if len(a) != 2 or len(b) != 2 or len(set(dtypes)) != 1 or dtypes[0] not in _BLAS_DTYPES:
        return False
    return a[1] == b[0] and a[0] * a[1] * b[1] >= BLAS_MIN_WORK


@dataclass(frozen=True)
class LoopNest:
    """The loop's operands besides its carries: ``reads`` holds (name, shape, dtype name)
    of every value the loop reads from outside (initial carries, loop-invariant operands,
    scanned sources, plan constants), in the order the compiled function takes them;
    ``blas``: whether a step calls BLAS (``blas_matmul``), in which case the loop's first
    calls run its NumPy steps while the kernel compiles on a thread."""

    reads: tuple[tuple[str, tuple[int, ...], str], ...]
    blas: bool = False


@dataclass(frozen=True)
class Gemm:
    """One GEMM a BLAS nest's step runs in row blocks: (rows x inner) times (inner x cols),
    the left operand row-major, the right one a transposed (column-major) view or not
    (``backends/gemm_blocks.py`` measures its block)."""

    rows: int
    inner: int
    cols: int
    dtype: str
    right_transposed: bool
