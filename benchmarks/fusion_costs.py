#!/usr/bin/env python
"""Measure the per-element costs of ``axcomp/compiler/fusion_cost.py``'s table.

For each elementwise function and dtype: one NumPy pass (``fn(x, out=y)`` on 2^16 elements,
cache-resident as a loop body's arrays are), and the same function as the one instruction
of a fused map loop (``backends/fused_loops.py``) minus the fused loop of a copy (the loads,
the store, the call); and the fixed cost of one call of each. Prints ns per element, min of
200 calls each::

    OPENBLAS_NUM_THREADS=1 python benchmarks/fusion_costs.py

Needs numba (the ``fast`` extra).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from axcomp.backends import fused_loops
from axcomp.core.fused import FusedLoop, Instruction

N = 1 << 16
UNARY = ("negative", "absolute", "square", "sqrt", "tanh", "exp", "expm1", "log", "log1p")
BINARY = ("add", "multiply", "true_divide", "maximum")


def best(fn: Callable[[], Any], calls: int = 200) -> float:
    """The fastest of ``calls`` calls, ns per element."""
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times) / N * 1e9


def fused(fn: str, dtype: str, arity: int) -> Callable[..., Any]:
    args = tuple(("operand", k) for k in range(arity))
    body = (Instruction(fn, args, dtype),) if fn != "copy" else (Instruction("cast", args, dtype),)
    loop = FusedLoop((N,), ((0,),) * arity, (dtype,) * arity, body, "map", (), (0,), dtype)
    return fused_loops.caller(loop, threads=1)


def call_overheads() -> tuple[float, float]:
    """(a fused loop's call, a NumPy ufunc's call), ns: both on one element."""
    body = (Instruction("add", (("operand", 0), ("operand", 1)), "float64"),)
    loop = FusedLoop((1,), ((0,), (0,)), ("float64",) * 2, body, "map", (), (0,), "float64")
    run, one = fused_loops.caller(loop, threads=1), np.ones(1)
    run(one, one)
    return best(lambda: run(one, one), 2000) * N, best(lambda: np.add(one, one), 2000) * N


def main() -> None:
    os.environ["AXCOMP_FUSE"] = "always"  # each loop's kernel from its first call, not NumPy
    loop_call, numpy_call = call_overheads()
    print(f"call: fused loop {loop_call:.0f} ns, NumPy ufunc {numpy_call:.0f} ns")
    rng = np.random.default_rng(0)
    print(f"{'function':10} {'dtype':8} {'numpy ns/el':>12} {'fused ns/el':>12}")
    for dtype in ("float64", "float32"):
        x = np.abs(rng.standard_normal(N)).astype(dtype) + 0.5
        y = rng.standard_normal(N).astype(dtype)
        out = np.empty_like(x)
        copy = fused("copy", dtype, 1)
        copy(x)
        base = best(lambda: copy(x))  # noqa: B023
        print(f"{'(loop)':10} {dtype:8} {'':>12} {base:12.2f}")
        for fn in (*UNARY, *BINARY):
            arity = 2 if fn in BINARY else 1
            ufunc = getattr(np, fn)
            ops = (x, y)[:arity]
            run = fused(fn, dtype, arity)
            run(*ops)
            plain = best(lambda: ufunc(*ops, out=out))  # noqa: B023
            loop = best(lambda: run(*ops)) - base  # noqa: B023
            print(f"{fn:10} {dtype:8} {plain:12.2f} {loop:12.2f}")


if __name__ == "__main__":
    main()
