"""A fused loop (``core.fused.FusedLoop``) computed by NumPy, block by block.

What a ``fused`` plan step runs while its compiled kernel is not ready yet
(``kernel_loading``): every value is NumPy's own function applied in the instruction's
dtype, literals in the dtype the kernel gives them, so each element of the chain is what the
kernel and the unfused program compute (``vector_math``'s functions in the kernel are within
2 ulp of NumPy's); a ``map`` writes each block's values into its part of the result, and so
does a ``softmax``, its blocks whole rows, NumPy's max, exp, sum and division; the
reduction is NumPy's (a sum in NumPy's pairwise
order within a block, so sums may differ from the kernel's and the plain program's in the
last bits; max, min and integer sums are exact). The loop space is taken in blocks of at
most ``BLOCK_ELEMENTS`` iterations, so the temporaries stay bounded (8 MiB each in float64,
per thread) whatever the loop's size, where the memory model counts none for a fused step.

``evaluator`` answers None for a loop it cannot compute exactly (a function NumPy has no
ufunc for, a reduction or a field of ``FusedLoop`` this module does not know): such a step
waits for its kernel instead.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.fused import CAST, Arg, FusedLoop
from .runtime import run_blocks

#: Iterations of one block: each temporary of the chain is at most this many elements.
#: Each NumPy call of a block takes the GIL back from the compiling thread (up to the 5 ms
#: switch interval): fewer, larger blocks made a first call 2-3x faster while a kernel
#: compiled (pairwise L1 256x256x64, one thread: 180-300 ms a call at 2^18, 50-120 at 2^20).
BLOCK_ELEMENTS = 1 << 20

#: The fields of ``FusedLoop`` this evaluator reads; a loop with others (a later extension
#: of the IR) is not evaluated here.
KNOWN_FIELDS = frozenset(
    "shape operands operand_dtypes body reduction reduced out_axes dtype finite_shift "
    "out_shape".split()
)
_REDUCE = {"sum": np.add, "max": np.maximum, "min": np.minimum}
_COMPARISONS = frozenset(("equal", "not_equal", "less", "less_equal", "greater", "greater_equal"))

Block = tuple[slice, ...]  # one slice per loop axis


def evaluator(loop: FusedLoop, threads: int = 1) -> Callable[..., np.ndarray] | None:
    """``run(*operands)``: the loop's result computed by NumPy (operands as the kernel's
    caller gets them: arrays, 0-d operands as scalars), blocks that write their own part of
    the result on up to ``threads`` threads; None when NumPy cannot compute this loop
    exactly."""
    if {f.name for f in dataclasses.fields(loop)} != KNOWN_FIELDS:
        return None
    if loop.reduction not in _REDUCE and loop.reduction not in ("map", "softmax"):
        return None
    for ins in loop.body:
        if ins.fn not in (CAST, "where") and not isinstance(getattr(np, ins.fn, None), np.ufunc):
            return None
    ndim = len(loop.shape)
    # the loop axes a block takes whole; the one before them is cut into rows
    whole = next(
        d for d in range(ndim + 1) if math.prod(loop.shape[d:]) <= BLOCK_ELEMENTS or d == ndim
    )
    cut = max(whole - 1, 0)
    if loop.reduction == "softmax":  # a softmax's block holds whole rows
        cut = max(min(cut, ndim - 2), 0)
    rows = max(1, BLOCK_ELEMENTS // max(1, math.prod(loop.shape[cut + 1 :])))
    # with every reduced axis inside each block, a block's reduction is final
    final = all(
        a > cut or loop.shape[a] == 1 or (a == cut and rows >= loop.shape[a]) for a in loop.reduced
    )
    kept = [a for a in range(ndim) if a not in loop.reduced]
    order = [kept.index(a) for a in loop.out_axes if a in kept]  # (a softmax keeps all)
    dtype = np.dtype(loop.dtype)

    def blocks() -> Any:
        if ndim == 1 and loop.reduction == "softmax":
            yield (slice(None),)  # one row
            return
        outer = [range(n) for n in loop.shape[:cut]]
        for index in itertools.product(*outer):
            for lo in range(0, loop.shape[cut], rows):
                head = tuple(slice(i, i + 1) for i in index)
                tail = tuple(slice(None) for _ in loop.shape[cut + 1 :])
                yield (*head, slice(lo, min(lo + rows, loop.shape[cut])), *tail)

    if loop.reduction == "map":  # each block's values are its part of the result

        def run_map(*operands: Any) -> np.ndarray:
            out = np.empty(loop.shape, dtype)

            def one(block: Block) -> None:
                out[block] = _chain(loop, operands, block)

            todo = list(blocks())
            run_blocks(lambda lo, hi: one(todo[lo]), len(todo), 1, threads)
            return out

        return run_map
    if loop.reduction == "softmax":  # NumPy's passes over each block of whole rows

        def run_softmax(*operands: Any) -> np.ndarray:
            out = np.empty(loop.shape, dtype)

            def one(block: Block) -> None:
                value = _chain(loop, operands, block)
                top = np.max(value, axis=-1, keepdims=True)
                if loop.finite_shift:
                    top = np.where(np.isfinite(top), top, dtype.type(0))
                e = np.exp(value - top)
                out[block] = e / np.sum(e, axis=-1, keepdims=True, dtype=dtype)

            todo = list(blocks())
            run_blocks(lambda lo, hi: one(todo[lo]), len(todo), 1, threads)
            return out

        return run_softmax
    reduce = _REDUCE[loop.reduction]

    def run(*operands: Any) -> np.ndarray:
        acc_shape = tuple(1 if a in loop.reduced else n for a, n in enumerate(loop.shape))
        acc = np.empty(acc_shape, dtype) if final else np.full(acc_shape, _unit(loop), dtype)

        def one(block: Block) -> None:
            value = _chain(loop, operands, block)
            part = reduce.reduce(
                value,
                axis=loop.reduced,
                keepdims=True,
                dtype=dtype if loop.reduction == "sum" else None,
            )
            at = tuple(slice(0, 1) if a in loop.reduced else s for a, s in enumerate(block))
            acc[at] = part if final else reduce(acc[at], part)

        todo = list(blocks())
        # final parts are disjoint (NumPy releases the GIL in its loops); accumulations
        # into one part run in order
        run_blocks(lambda lo, hi: one(todo[lo]), len(todo), 1, threads if final else 1)
        result = acc.reshape([loop.shape[a] for a in kept])
        return np.ascontiguousarray(result.transpose(order)) if order else result

    return run


def _unit(loop: FusedLoop) -> Any:
    """The reduction's identity in the result's dtype."""
    dtype = np.dtype(loop.dtype)
    if loop.reduction == "sum":
        return 0
    if dtype.kind == "f":
        return -np.inf if loop.reduction == "max" else np.inf
    info = np.iinfo(dtype)
    return info.min if loop.reduction == "max" else info.max


def _operand(x: Any, axes: tuple[int, ...], block: Block, lengths: list[int]) -> Any:
    """Operand ``x`` (loop axis ``axes[d]`` along its axis ``d``, -1: length 1) over
    ``block`` (``lengths`` long), its axes in loop order, length 1 where it has none."""
    if not axes:
        return x  # a scalar
    view = x[tuple(0 if a < 0 else block[a] for a in axes)]
    present = [a for a in axes if a >= 0]
    view = view.transpose(sorted(range(len(present)), key=present.__getitem__))
    return view.reshape([n if a in present else 1 for a, n in enumerate(lengths)])


def _chain(loop: FusedLoop, operands: tuple[Any, ...], block: Block) -> Any:
    """The chain's last value over ``block``."""
    lengths = [len(range(*s.indices(n))) for s, n in zip(block, loop.shape, strict=True)]
    xs = [
        _operand(x, axes, block, lengths) for x, axes in zip(operands, loop.operands, strict=True)
    ]
    values: list[Any] = []
    for ins in loop.body:
        compute = ins.dtype
        if ins.fn in _COMPARISONS:  # a literal takes its operand's dtype, as in the kernel
            compute = next(d for d in (_dtype_of(a, loop) for a in ins.args) if d)

        def arg(pos: int, a: Arg, compute: str = compute, fn: str = ins.fn) -> Any:
            kind, ref = a
            if kind == "operand":
                return xs[int(ref)]
            if kind == "value":
                return values[int(ref)]
            return np.asarray(ref).astype("bool" if fn == "where" and pos == 0 else compute)[()]

        args = [arg(pos, a) for pos, a in enumerate(ins.args)]
        if ins.fn == CAST:
            value = np.asarray(args[0]).astype(ins.dtype)
        elif ins.fn == "where":
            value = np.where(args[0], args[1], args[2])
        else:
            value = getattr(np, ins.fn)(*args)
        values.append(np.asarray(value).astype(ins.dtype, copy=False))
    return np.broadcast_to(values[-1], lengths)  # (a chain of scalars: one value)


def _dtype_of(a: Arg, loop: FusedLoop) -> str | None:
    kind, ref = a
    if kind == "operand":
        return loop.operand_dtypes[int(ref)]
    if kind == "value":
        return loop.body[int(ref)].dtype
    return None
