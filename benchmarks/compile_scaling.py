#!/usr/bin/env python
"""Compile time per node of long chains: every pass must be near-linear.

    python benchmarks/compile_scaling.py                   # chains of 500/1000/2000/5000
    python benchmarks/compile_scaling.py --sizes 500 1000  # other lengths
    python benchmarks/compile_scaling.py --quick           # 100 and 200, a second or two

Each case builds a chain of ``n`` operations on a 3-vector (so running it costs nothing)
and times the first call of a fresh ``axcomp.jit`` of it: tracing, the differentiation
sweeps where asked, simplify, fusion, lowering, the memory model, emission and Python's
compile of the generated source. The result is checked against a NumPy loop first (not
timed: a wrong program is never reported). The table gives seconds and microseconds per
chain link; near-linear passes keep the last column flat as ``n`` grows.

Cases: ``prod`` ``x = x * w_k`` (scalars: multilinear, fused into contractions), ``dot``
``x = dot(x, W_k)`` (3x3 matrices), ``sin`` ``x = sin(x)``, ``grad sin`` (reverse mode of
``sum(sin^n(x))``), ``jvp sin`` (forward mode), ``grad prod``.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import axcomp as ax
import axcomp.numpy as anp

X = np.array([0.3, -0.2, 0.5])


def _weights(n: int) -> list[float]:
    return [1.0 + 1e-5 * ((k % 7) - 3) for k in range(n)]


def _matrices(n: int) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [np.eye(3) + 1e-3 * rng.standard_normal((3, 3)) for _ in range(n)]


def _sin_grad_reference(n: int) -> np.ndarray:
    # d/dx sum(sin^n(x)) = prod_k cos(sin^k(x)), per entry
    x, g = X.copy(), np.ones(3)
    for _ in range(n):
        g = g * np.cos(x)
        x = np.sin(x)
    return g


def cases(n: int) -> dict[str, tuple[Callable[[], Callable[..., Any]], np.ndarray]]:
    """name -> (a fresh jitted function of X, the NumPy reference)."""
    ws, ms = _weights(n), _matrices(n)

    def prod(x: Any) -> Any:
        for w in ws:
            x = x * w
        return x

    def dot(x: Any) -> Any:
        for m in ms:
            x = anp.dot(x, m)
        return x

    def sin(x: Any) -> Any:
        for _ in range(n):
            x = anp.sin(x)
        return x

    want_dot, want_sin = X.copy(), X.copy()
    for m in ms:
        want_dot = want_dot @ m
    for _ in range(n):
        want_sin = np.sin(want_sin)
    scale = float(np.prod(ws))
    return {
        "prod": (lambda: ax.jit(prod), X * scale),
        "dot": (lambda: ax.jit(dot), want_dot),
        "sin": (lambda: ax.jit(sin), want_sin),
        "grad sin": (lambda: ax.jit(ax.grad(lambda x: anp.sum(sin(x)))), _sin_grad_reference(n)),
        "jvp sin": (
            lambda: ax.jit(lambda x: ax.jvp(sin, (x,), (np.ones(3),))[1]),
            _sin_grad_reference(n),
        ),
        "grad prod": (lambda: ax.jit(ax.grad(lambda x: anp.sum(prod(x)))), np.full(3, scale)),
    }


def first_call(make: Callable[[], Callable[..., Any]]) -> tuple[float, Any]:
    gc.collect()
    fun = make()
    start = time.perf_counter()
    out = fun(X)
    return time.perf_counter() - start, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000, 5000])
    parser.add_argument("--quick", action="store_true", help="chains of 100 and 200")
    args = parser.parse_args(argv)
    sizes = [100, 200] if args.quick else args.sizes
    print(f"{'case':10s} {'n':>6s} {'seconds':>9s} {'us/node':>9s}")
    for name in cases(1):
        for n in sizes:
            make, want = cases(n)[name]
            try:
                seconds, got = first_call(make)
            except (RecursionError, ax.AxcompError) as exc:  # what older versions raised
                print(f"{name:10s} {n:6d} {type(exc).__name__}")
                continue
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=f"{name} {n}")
            print(f"{name:10s} {n:6d} {seconds:9.3f} {seconds / n * 1e6:9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
