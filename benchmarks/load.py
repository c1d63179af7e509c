#!/usr/bin/env python
"""Load figures: shared compiled functions under threads, and state over many signatures.

    python benchmarks/load.py                   # 8 threads x 10,000 calls; 100,000 signatures
    python benchmarks/load.py --calls 2000 --signatures 5000

1. Threads: 8 threads call a shared set of cold compiled functions with mixed shapes
   (10,000 calls). Results must equal a single-threaded run exactly, nothing may raise, and
   each signature must compile once (the functions' cache misses equal their signatures).
2. Signatures: one jitted function sees 100,000 distinct shapes. The process's RSS must
   level off at the compile cache's bound instead of growing with the signature count.
Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import gc
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import axcomp as ax  # noqa: E402
import axcomp.numpy as anp  # noqa: E402
from axcomp.backends import live_sources  # noqa: E402


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _functions() -> list[Any]:
    return [
        ax.vmap(ax.vmap(lambda a, b: anp.sum((a - b) ** 2), (None, 0)), (0, None)),
        ax.jit(lambda x: anp.exp(x - anp.max(x)) / anp.sum(anp.exp(x - anp.max(x)))),
        ax.vmap(ax.grad(lambda w, x: anp.sum(anp.tanh(w * x))), in_axes=(None, 0)),
        ax.jit(lambda x: anp.cumsum(x, axis=-1) * 2.0),
    ]


def threads(calls: int, n_threads: int = 8) -> bool:
    rng = np.random.default_rng(0)
    sizes = [1, 2, 3, 5, 8, 13]
    work = []
    for _ in range(calls):
        k = int(rng.integers(4))
        n, m = (int(s) for s in rng.choice(sizes, 2))
        if k == 0:
            args: tuple[Any, ...] = (rng.normal(size=(n, 4)), rng.normal(size=(m, 4)))
        elif k == 2:
            args = (rng.normal(size=4), rng.normal(size=(n, 4)))
        else:
            args = (rng.normal(size=(n, m)),)
        work.append((k, args))
    single = _functions()
    t0 = time.perf_counter()
    want = [single[k](*a) for k, a in work]
    t_single = time.perf_counter() - t0
    shared = _functions()
    got: list[Any] = [None] * calls
    errors: list[BaseException] = []

    def worker(start: int) -> None:
        try:
            for i in range(start, calls, n_threads):
                k, a = work[i]
                got[i] = shared[k](*a)
        except BaseException as exc:  # counted below
            errors.append(exc)

    pool = [threading.Thread(target=worker, args=(s,)) for s in range(n_threads)]
    t0 = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    t_threads = time.perf_counter() - t0
    same = all(np.array_equal(g, w) for g, w in zip(got, want))
    once = all(
        f.cache_info().misses == s.cache_info().misses == f.cache_info().currsize
        for f, s in zip(shared, single)
    )
    signatures = sum(f.cache_info().currsize for f in shared)
    print(
        f"threads: {calls:,} calls on {n_threads} threads, {signatures} signatures: "
        f"identical={same}, exceptions={len(errors)}, each signature compiled once={once} "
        f"(single thread {t_single:.2f} s, {n_threads} threads {t_threads:.2f} s)"
    )
    return same and not errors and once


def signatures(count: int) -> bool:
    f = ax.jit(lambda x: x * 3.0 + 1.0)
    gc.collect()
    marks = []
    start = rss_mib()
    step = max(1, count // 4)
    t0 = time.perf_counter()
    for n in range(1, count + 1):
        f(np.ones((n // 100 + 1, n % 100 + 1)))  # every n a distinct shape
        if n % step == 0:
            gc.collect()
            marks.append((n, rss_mib(), live_sources()))
    elapsed = time.perf_counter() - t0
    print(
        f"signatures: {count:,} distinct through one jit in {elapsed:.0f} s; RSS {start:.0f} MiB "
        "at start, then "
        + ", ".join(f"{rss:.0f} MiB at {n:,} ({src} sources)" for n, rss, src in marks)
    )
    grow = marks[-1][1] - marks[len(marks) // 2][1] if len(marks) > 1 else 0.0
    print(f"  growth over the second half: {grow:.1f} MiB; cache {f.cache_info().currsize}")
    return grow < 50


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--signatures", type=int, default=100_000)
    args = parser.parse_args(argv)
    ok = threads(args.calls)
    ok = signatures(args.signatures) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
