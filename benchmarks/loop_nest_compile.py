#!/usr/bin/env python
"""Compile and step time of loop nests (``backends/loop_nest_kernels.py``) as the body grows.

    python benchmarks/loop_nest_compile.py                       # 40/160/400 statements
    python benchmarks/loop_nest_compile.py --statements 20 80    # other body lengths
    python benchmarks/loop_nest_compile.py --elements 8 1024     # other carry sizes

Each case is a ``fori_loop`` whose body is ``n`` elementwise statements on a carry of
``elements`` float64 values (``h = h * 0.999 + abs(h) * c_j``, four statements a link).
Each runs in a fresh interpreter with an empty kernel cache (``AXCOMP_CACHE_DIR``) and
``AXCOMP_FUSE=always``, so the first call compiles the loop nest: the table gives that
first call (trace, plan, numba compile), then the best of five calls per step, and
whether the loop ran as a nest (``compiler/loop_nests.py``'s policy may keep NumPy steps
where the values are large). The
result is checked against the same program with ``AXCOMP_FUSE=0`` (NumPy steps) first;
a wrong result is never reported. Needs numba (the ``fast`` extra).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS = 2000

_CHILD = """
import json, sys, time
import numpy as np
import axcomp as ax
import axcomp.numpy as anp
from axcomp import lax

links, elements, steps = (int(a) for a in sys.argv[1:4])

def body(i, h):
    for j in range(links):
        h = h * 0.999 + anp.abs(h) * (0.001 * j)
    return h

f = ax.jit(lambda h: lax.fori_loop(0, steps, body, h))
h = np.linspace(-1.0, 1.0, elements)
start = time.perf_counter()
out = np.asarray(f(h))
first = time.perf_counter() - start
times = []
for _ in range(5):
    start = time.perf_counter()
    f(h)
    times.append(time.perf_counter() - start)
from axcomp.backends.numpy_backend import loop_nest_steps
nested = len(loop_nest_steps(f.lower(h).plan))
print(json.dumps({"first": first, "best": min(times), "out": out.tolist(), "nested": nested}))
"""


def _run(links: int, elements: int, fuse: str, cache: str) -> dict[str, object]:
    env = dict(os.environ, AXCOMP_FUSE=fuse, AXCOMP_CACHE_DIR=cache, PYTHONPATH=str(ROOT))
    args = [sys.executable, "-c", _CHILD, str(links), str(elements), str(STEPS)]
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--statements", type=int, nargs="+", default=[40, 160, 400])
    parser.add_argument("--elements", type=int, nargs="+", default=[8, 256])
    opts = parser.parse_args()
    print(f"{'statements':>10} {'elements':>8} {'first call s':>12} {'us a step':>10}  path")
    for statements in opts.statements:
        for elements in opts.elements:
            links = max(1, statements // 4)
            with tempfile.TemporaryDirectory() as cache:
                nested = _run(links, elements, "always", cache)
                plain = _run(links, elements, "0", cache)
            if nested["out"] != plain["out"]:
                sys.exit(f"{statements} statements x {elements}: differs from the NumPy steps")
            step_us = float(nested["best"]) / STEPS * 1e6  # type: ignore[arg-type]
            path = "loop nest" if nested["nested"] else "NumPy steps (the policy refused a nest)"
            first = float(nested["first"])  # type: ignore[arg-type]
            print(f"{4 * links:>10} {elements:>8} {first:>12.2f} {step_us:>10.2f}  {path}")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"total {time.perf_counter() - start:.0f} s")
