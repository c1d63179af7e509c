"""Nearest-neighbour distances on a dask LocalCluster: axcomp on dask arrays against
hand-written dask.array (norms + a @ b.T + min(axis=1)), in the same run.

    python benchmarks/bench_dask.py                 # 60000^2 x 32, 2 workers x 3 GiB
    python benchmarks/bench_dask.py --size 20000    # smaller, for a 2-core machine

Each method runs on freshly restarted workers (so each process's peak RSS, read with
``getrusage`` in the workers, belongs to that method); the best of ``--repeat`` wall times
is reported, with the ratio axcomp / hand-written and a check of sampled rows against the
exact distances (NumPy broadcasting in float64).
"""

from __future__ import annotations

import argparse
import resource
import time
import warnings

import numpy as np


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=60000, help="rows of A and of B")
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--chunk", type=int, default=5000, help="dask chunk (rows)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-memory", default="3GiB")
    parser.add_argument("--memory-limit", default="1GiB", help="axcomp budget per task")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--sample", type=int, default=64, help="rows checked exactly")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", "Sending large graph")  # A and B ride in the graph

    import dask.array as da
    from distributed import Client, LocalCluster

    import axcomp as ax
    import axcomp.numpy as anp
    from axcomp.transforms.dask import plan_dask
    from axcomp.transforms.staging import signature_of

    def sqdist(x, y):
        return anp.sum((x - y) ** 2)

    nearest = ax.vmap(
        lambda x, B: anp.min(ax.vmap(sqdist, (None, 0))(x, B)),
        (0, None),
        memory_limit=args.memory_limit,
    )

    rng = np.random.default_rng(0)
    n, d, c = args.size, args.dim, args.chunk
    A, B = rng.normal(size=(n, d)), rng.normal(size=(n, d))

    def axcomp_version(a, b):
        return nearest(a, b)

    def hand_written(a, b):
        d2 = (a * a).sum(axis=1)[:, None] + (b * b).sum(axis=1)[None, :] - 2 * (a @ b.T)
        return d2.min(axis=1)

    rows = rng.choice(n, size=min(args.sample, n), replace=False)
    exact = ((A[rows, None, :] - B[None, :, :]) ** 2).sum(-1).min(1)

    with (
        LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=args.worker_memory,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        dA, dB = da.from_array(A, chunks=(c, d)), da.from_array(B, chunks=(c, d))
        sig = signature_of((dA, dB), {})
        sig = type(sig)(sig.treedef, sig.arrays, sig.statics, "numpy")
        plan = plan_dask(nearest, sig, (dA.chunks, dB.chunks))
        print(
            f"nearest neighbour {n}x{n}x{d}, dask chunks {c} rows, {args.workers} workers x "
            f"{args.worker_memory}, 1 thread each"
        )
        print(f"axcomp: {plan.describe()}")
        results: dict[str, dict[str, float]] = {}
        for rep in range(args.repeat):
            for name, fn in (("hand-written dask", hand_written), ("axcomp", axcomp_version)):
                client.restart()
                t0 = time.perf_counter()
                out = fn(dA, dB).compute()
                dt = time.perf_counter() - t0
                peak = max(client.run(_peak_rss).values())
                err = float(np.max(np.abs(out[rows] - exact) / np.maximum(exact, 1e-300)))
                r = results.setdefault(name, {"time": np.inf, "peak": 0.0, "err": 0.0})
                r["time"] = min(r["time"], dt)
                r["peak"] = max(r["peak"], peak)
                r["err"] = max(r["err"], err)
                print(
                    f"  run {rep + 1} {name:18s} {dt:8.2f} s  peak worker RSS "
                    f"{peak / 2**30:.2f} GiB  max rel err {err:.1e}"
                )
        hand, axc = results["hand-written dask"], results["axcomp"]
        print()
        for name, r in results.items():
            print(
                f"{name:18s} best {r['time']:8.2f} s  peak worker {r['peak'] / 2**30:.2f} GiB  "
                f"sampled rows max rel err {r['err']:.1e}"
            )
        print(f"ratio axcomp / hand-written: {axc['time'] / hand['time']:.2f}x (target <= 1.2x)")


if __name__ == "__main__":
    main()
