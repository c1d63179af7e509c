#!/usr/bin/env python
"""Benchmark of axcomp's reverse mode on the seed's ``sum_of_distances`` (issue 4).

    python benchmarks/bench_grad.py            # 1024 points x 64 dims, both sets
    python benchmarks/bench_grad.py --quick    # small sizes, a few seconds

Candidates are timed interleaved: in every repetition each candidate runs ``inner``
back-to-back calls under ``time.perf_counter``, the starting candidate rotating between
repetitions; the reported time is the median per-call time. Each result is checked against
a NumPy reference before timing. Targets: value_and_grad <= 3x the forward pass alone.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import axcomp as ax
import axcomp.numpy as anp


def euclidean_distance_sq(point_a: Any, point_b: Any) -> Any:
    return anp.sum((point_a - point_b) ** 2)


pairwise_distance_sq = ax.vmap(ax.vmap(euclidean_distance_sq, in_axes=(None, 0)), in_axes=(0, None))


def sum_of_distances(p_a: Any, p_b: Any) -> Any:
    return anp.sum(pairwise_distance_sq(p_a, p_b))


def numpy_broadcast_value_and_grad(a: np.ndarray, b: np.ndarray) -> tuple[Any, np.ndarray]:
    """What one writes by hand following the kernel: the A×B×D difference, then sums."""
    diff = a[:, None, :] - b[None, :, :]
    return np.einsum("abd,abd->", diff, diff), 2.0 * diff.sum(axis=1)


def numpy_closed_form_value_and_grad(a: np.ndarray, b: np.ndarray) -> tuple[Any, np.ndarray]:
    """The algebraic optimum: sum |a_i - b_j|² expanded, nothing of size A×B."""
    na, nb = len(a), len(b)
    sa, sb = a.sum(axis=0), b.sum(axis=0)
    value = nb * np.sum(a * a) + na * np.sum(b * b) - 2.0 * sa @ sb
    return value, 2.0 * (nb * a - sb)


def numpy_closed_form_grad(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return 2.0 * (len(b) * a - b.sum(axis=0))


def time_interleaved(
    candidates: dict[str, Callable[[], Any]], reps: int, inner: int
) -> dict[str, float]:
    names = list(candidates)
    samples: dict[str, list[float]] = {n: [] for n in names}
    for r in range(reps):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            fn = candidates[name]
            start = time.perf_counter()
            for _ in range(inner):
                fn()
            samples[name].append((time.perf_counter() - start) / inner)
    return {n: statistics.median(s) for n, s in samples.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repetitions")
    parser.add_argument("--points", type=int, default=1024)
    parser.add_argument("--dims", type=int, default=64)
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args(argv)
    n, d, reps = (128, 16, 3) if args.quick else (args.points, args.dims, args.reps)

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(n, d)), rng.normal(size=(n, d))

    forward = ax.jit(sum_of_distances)
    value_and_grad = ax.value_and_grad(sum_of_distances, argnums=0)
    grad = ax.grad(sum_of_distances, argnums=0)
    value_and_grad_both = ax.value_and_grad(sum_of_distances, argnums=(0, 1))

    want_value, want_grad = numpy_closed_form_value_and_grad(a, b)
    checks = {
        "axcomp forward": (forward(a, b), None),
        "axcomp value_and_grad": value_and_grad(a, b),
        "axcomp grad": (None, grad(a, b)),
        "axcomp value_and_grad argnums=(0,1)": (
            value_and_grad_both(a, b)[0],
            value_and_grad_both(a, b)[1][0],
        ),
        "numpy broadcast value+grad": numpy_broadcast_value_and_grad(a, b),
        "numpy closed-form value+grad": numpy_closed_form_value_and_grad(a, b),
        "numpy closed-form grad": (None, numpy_closed_form_grad(a, b)),
    }
    for name, (value, g) in checks.items():
        if value is not None and not np.allclose(value, want_value):
            raise SystemExit(f"{name}: wrong value {value} != {want_value}")
        if g is not None and not np.allclose(g, want_grad):
            raise SystemExit(f"{name}: wrong gradient")

    candidates: dict[str, Callable[[], Any]] = {
        "axcomp forward": lambda: forward(a, b),
        "axcomp value_and_grad": lambda: value_and_grad(a, b),
        "axcomp grad": lambda: grad(a, b),
        "axcomp value_and_grad argnums=(0,1)": lambda: value_and_grad_both(a, b),
        "numpy broadcast value+grad": lambda: numpy_broadcast_value_and_grad(a, b),
        "numpy closed-form value+grad": lambda: numpy_closed_form_value_and_grad(a, b),
        "numpy closed-form grad": lambda: numpy_closed_form_grad(a, b),
    }
    inner = 1 if n * n * d >= 2**24 else 20
    times = time_interleaved(candidates, reps, inner)

    fwd = times["axcomp forward"]
    hand = times["numpy broadcast value+grad"]
    print(
        f"sum_of_distances: A = B = {n} points x {d} dims, float64, "
        f"median of {reps} interleaved reps x {inner} calls"
    )
    print(f"{'candidate':<38} {'ms/call':>10} {'/ forward':>10} {'/ numpy bcast':>14}")
    for name, t in times.items():
        print(f"{name:<38} {t * 1e3:>10.3f} {t / fwd:>10.2f} {t / hand:>14.2f}")
    ratio = times["axcomp value_and_grad"] / fwd
    print(
        f"\nvalue_and_grad / forward = {ratio:.2f}  (target <= 3): "
        f"{'met' if ratio <= 3 else 'MISSED'}"
    )
    print(ax.explain(value_and_grad, a, b).source)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
