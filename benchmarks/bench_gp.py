#!/usr/bin/env python
"""Gaussian-process negative log marginal likelihood at any size: B17 (forward) and B18
(``value_and_grad`` in the lengthscale and the noise) of ``benchmarks/run.py``, whose module
``benchmarks/gaussian_process.py`` describes the workload and the candidates.

    python benchmarks/bench_gp.py            # n = 2000 points, d = 8
    python benchmarks/bench_gp.py --quick    # n = 200, a few repetitions
    python benchmarks/bench_gp.py --n 500 --d 4

Run it under ``OPENBLAS_NUM_THREADS=1`` and without, or use
``benchmarks/run.py --case B17 --case B18 --threads both``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.gaussian_process import gp_rows
from benchmarks.run import environment, format_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="n = 200, few repetitions")
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--d", type=int, default=8)
    parser.add_argument("--reps", type=int, default=7)
    ns = parser.parse_args(argv)
    n = 200 if ns.quick else ns.n
    reps = 3 if ns.quick else ns.reps
    env = environment()
    print("GP negative log marginal likelihood, float64")
    print("  " + ", ".join(f"{k}={v}" for k, v in env.items()))
    rows = [
        *gp_rows(f"GP nll {n}x{ns.d} forward", 0, n, ns.d, reps, 0.0, None),
        *gp_rows(f"GP nll {n}x{ns.d} value_and_grad", 1, n, ns.d, reps, 0.0, None),
    ]
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
