#!/usr/bin/env python
"""axcomp benchmark runner (issue 2, section 6).

One command::

    python benchmarks/run.py            # full run, well under 2 minutes on 2 cores
    python benchmarks/run.py --quick    # smoke mode: tiny sizes, few repetitions, seconds

It prints one table of ratios from one interleaved run. In every repetition the candidates
of a case are timed round-robin (the starting candidate rotates from one repetition to the
next, so no candidate is always first after another's cache/heap effects), each with
``time.perf_counter`` around ``inner`` back-to-back calls; the reported time is the median
over repetitions of the per-call time. Every candidate is warmed up first, and its result
is checked against the case's baseline with ``np.allclose`` before any timing, so a wrong
candidate is never timed.

Cases
-----
B1  pairwise matvec, A=B=256, M=N=128, float64: axcomp nested vmap vs hand-written
    ``np.matmul(vecs, mats.transpose(0, 2, 1))``; also ``np.einsum`` (no optimize) and
    ``np.vectorize(matvec, signature='(m,n),(n)->(m)')`` applied pairwise.  target <= 1.10
B2  the seed sizes (3,2,3)x(4,3), cached per-call time vs a plain
    ``np.einsum('amn,bn->abm', ...)``; also ``opt_einsum.contract_expression``.  target <= 3
B3  pairwise squared distance 1024x1024x64 vs hand-written broadcasting, and vs the
    expand-to-GEMM formula.  report both
B4  first-call compile time of each seed spec; a fresh vmap object per sample.  target <= 5 ms

Importable::

    from benchmarks.run import run, format_table
    rows = run(quick=True)          # list[Row]
    print(format_table(rows))

``main(argv)`` returns the process exit code: 0, or 1 with ``--strict`` when a target is
missed (the default never fails on timing, so a smoke test cannot flake on a busy machine).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run against this checkout without installing it

import numpy as np  # noqa: E402

import axcomp as ax  # noqa: E402
import axcomp.numpy as anp  # noqa: E402

perf_counter = time.perf_counter


# ----------------------------------------------------------------------------------------
# Data model
# ----------------------------------------------------------------------------------------


@dataclass
class Candidate:
    """One implementation of a case.

    ``fn(*args)`` is what gets timed (no wrapper lambda, so µs-scale cases measure the call
    itself). With ``setup`` given, each sample calls ``setup()`` outside the timer to get a
    fresh callable, and times exactly one call of it (used for first-call compile time).
    """

    name: str
    fn: Callable[..., Any] | None
    args: tuple[Any, ...] = ()
    baseline: bool = False
    target: float | None = None  # ratio target (or seconds, for absolute cases)
    inner: int | None = None  # calls per sample; None = calibrate to min_sample_s
    max_samples: int | None = None  # slow candidates join only this many repetitions
    setup: Callable[[], Callable[..., Any]] | None = None
    note: str = ""
    samples: list[float] = field(default_factory=list)

    def call(self) -> Any:
        if self.setup is not None:
            return self.setup()(*self.args)
        assert self.fn is not None
        return self.fn(*self.args)


@dataclass
class Row:
    case: str
    candidate: str
    median_s: float
    ratio: float | None  # to the case baseline; None for absolute-time cases
    target: str
    status: str  # PASS, MISS or "-" (reported only)
    samples: int
    inner: int
    note: str = ""


# ----------------------------------------------------------------------------------------
# Timing
# ----------------------------------------------------------------------------------------


def _calibrate(c: Candidate, min_sample_s: float) -> int:
    """Calls per sample so one sample lasts at least ``min_sample_s``."""
    if c.setup is not None:
        return 1
    fn, args = c.fn, c.args
    n = 1
    while True:
        # best of 3, so one hiccup (page faults, another process) cannot pin inner at 1
        dt = math.inf
        for _ in range(3):
            t0 = perf_counter()
            for _ in range(n):
                fn(*args)  # type: ignore[misc]
            dt = min(dt, perf_counter() - t0)
            if dt >= 5 * min_sample_s:
                break  # clearly slow enough: do not spend two more calls finding out
        if dt >= min_sample_s or n >= 1_000_000:
            return n
        n = max(n * 2, min(1_000_000, math.ceil(n * min_sample_s / max(dt, 1e-9) * 1.2)))


def _joins(rep: int, reps: int, k: int | None) -> bool:
    """Whether a candidate capped at k samples takes part in repetition ``rep``.

    Exactly k of the ``reps`` repetitions, spread evenly and always including the first, so
    a run cut short by the time budget still has a sample of every candidate.
    """
    if k is None or k >= reps:
        return True
    return (rep * k) % reps < k


def time_interleaved(
    cands: Sequence[Candidate],
    reps: int,
    min_sample_s: float,
    warmup: int = 1,
    budget_s: float | None = None,
    min_reps: int = 5,
) -> None:
    """Fill ``c.samples`` (seconds per call) for every candidate, round-robin per repetition.

    ``warmup`` calls per candidate come on top of the correctness check's call. With
    ``budget_s``, repetitions stop once the timed loop has run that long and at least
    ``min_reps`` repetitions are done (keeps the run bounded on a loaded machine).
    """
    for c in cands:
        for _ in range(warmup):
            c.call()
        if c.inner is None:
            c.inner = _calibrate(c, min_sample_s)
        c.samples = []
    gc.collect()
    gc_was_enabled = gc.isenabled()
    gc.disable()  # as timeit does: no collector pauses inside a sample
    try:
        n = len(cands)
        has_setup = any(c.setup is not None for c in cands)
        start = perf_counter()
        for rep in range(reps):
            if budget_s is not None and rep >= min_reps and perf_counter() - start > budget_s:
                break
            shift = rep % n
            for c in list(cands[shift:]) + list(cands[:shift]):
                if not _joins(rep, reps, c.max_samples):
                    continue
                inner = c.inner or 1
                if c.setup is not None:
                    fresh = c.setup()  # outside the timer: nothing cached inside it
                    args = c.args
                    t0 = perf_counter()
                    fresh(*args)
                    dt = perf_counter() - t0
                else:
                    fn, args = c.fn, c.args
                    t0 = perf_counter()
                    for _ in range(inner):
                        fn(*args)  # type: ignore[misc]
                    dt = perf_counter() - t0
                c.samples.append(dt / inner)
            if has_setup:
                gc.collect()  # compile garbage: collect between repetitions, never inside
    finally:
        if gc_was_enabled:
            gc.enable()


def check_results(case: str, cands: Sequence[Candidate], expected: Any = None) -> dict[str, Any]:
    """Every candidate must agree with the baseline (or ``expected``) before timing.

    Returns each candidate's result by name. Raises AssertionError on any disagreement.
    """
    results: dict[str, Any] = {}
    if expected is None:
        base = [c for c in cands if c.baseline]
        assert base, f"{case}: no baseline candidate"
        expected = results[base[0].name] = np.asarray(base[0].call())
    for c in cands:
        got = results[c.name] if c.name in results else np.asarray(c.call())
        results[c.name] = got
        if (
            got.shape != expected.shape
            or got.dtype != expected.dtype
            or not np.allclose(got, expected)
        ):
            raise AssertionError(
                f"{case}: candidate {c.name!r} disagrees with the baseline "
                f"(shape {got.shape} {got.dtype} vs {expected.shape} {expected.dtype}); "
                "refusing to time wrong code"
            )
    return results


# ----------------------------------------------------------------------------------------
# Kernels and specs (the seed tutorial's)
# ----------------------------------------------------------------------------------------


def matvec(matrix: Any, vector: Any) -> Any:
    return anp.dot(matrix, vector)


def sqdist(a: Any, b: Any) -> Any:
    return anp.sum((a - b) ** 2)


def pairwise_matvec() -> Any:
    return ax.vmap(ax.vmap(matvec, in_axes=(None, 0)), in_axes=(0, None))


def batched_matvec() -> Any:
    return ax.vmap(matvec, in_axes=(0, 0))


def pairwise_sqdist() -> Any:
    return ax.vmap(ax.vmap(sqdist, in_axes=(None, 0)), in_axes=(0, None))


def jit_pairwise_sqdist() -> Any:
    return ax.jit(pairwise_sqdist())


# ----------------------------------------------------------------------------------------
# Cases
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    quick: bool
    # B1
    b1_a: int
    b1_m: int
    b1_reps: int
    b1_slow_samples: int
    # B2
    b2_reps: int
    # B3
    b3_n: int
    b3_d: int
    b3_reps: int
    # B4
    b4_reps: int
    b4_cold: int
    min_sample_s: float
    micro_sample_s: float
    budget_s: float  # per case, for the timed loop (see time_interleaved)


FULL = Config(False, 256, 128, 21, 3, 31, 1024, 64, 11, 41, 3, 0.02, 0.01, 25.0)
QUICK = Config(True, 24, 16, 3, 1, 3, 96, 8, 3, 3, 0, 0.002, 0.002, 2.0)


def _seed_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    mats = np.arange(18.0).reshape(3, 2, 3)
    vecs_outer = np.arange(12.0).reshape(4, 3)
    vecs = np.arange(9.0).reshape(3, 3)
    points_a = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    points_b = np.array([[2.0, 2.0], [-2.0, 2.0], [2.0, -2.0], [-2.0, -2.0]])
    return mats, vecs_outer, vecs, points_a, points_b


def case_b1(cfg: Config) -> list[Row]:
    rng = np.random.default_rng(1)
    a, m = cfg.b1_a, cfg.b1_m
    mats = rng.standard_normal((a, m, m))
    vecs = rng.standard_normal((a, m))
    f = pairwise_matvec()
    np_vec = np.vectorize(lambda M, v: M @ v, signature="(m,n),(n)->(m)")
    mats_b, vecs_b = mats[:, None], vecs[None, :]

    def hand(mats: np.ndarray, vecs: np.ndarray) -> np.ndarray:
        return np.matmul(vecs, mats.transpose(0, 2, 1))

    def hand_again(mats: np.ndarray, vecs: np.ndarray) -> np.ndarray:
        return np.matmul(vecs, mats.transpose(0, 2, 1))

    def one_gemm(mats: np.ndarray, vecs: np.ndarray) -> np.ndarray:
        # the plan axcomp picks at small sizes: one (A*M, N) @ (N, B) GEMM, a transposed view
        return (mats.reshape(a * m, m) @ vecs.T).reshape(a, m, a).transpose(0, 2, 1)

    cands = [
        Candidate("numpy matmul (hand-written)", hand, (mats, vecs), baseline=True),
        Candidate("axcomp nested vmap", f, (mats, vecs), target=1.10),
        Candidate(
            "np.einsum (no optimize)",
            np.einsum,
            ("amn,bn->abm", mats, vecs),
            max_samples=cfg.b1_slow_samples,
            inner=1,
        ),
        Candidate(
            "np.vectorize pairwise",
            np_vec,
            (mats_b, vecs_b),
            max_samples=cfg.b1_slow_samples,
            inner=1,
        ),
        Candidate("ref: one GEMM, transposed view", one_gemm, (mats, vecs)),
        # the baseline's own code under another name: its ratio shows the run's noise level
        Candidate("control: baseline again (A/A)", hand_again, (mats, vecs)),
    ]
    results = check_results("B1", cands)
    for c in cands:  # the baseline's result is C-contiguous; say whether each candidate's is
        c.note = (
            "C-contiguous result"
            if results[c.name].flags.c_contiguous
            else "NON-contiguous result (a view)"
        )
    del results
    time_interleaved(cands, cfg.b1_reps, cfg.min_sample_s, budget_s=cfg.budget_s)
    label = f"B1 pairwise matvec {a}x{a}, {m}x{m} f64"
    return _ratio_rows(label, cands)


def case_b2(cfg: Config) -> list[Row]:
    import opt_einsum as oe

    mats, vecs, _, _, _ = _seed_arrays()
    f = pairwise_matvec()
    expr = oe.contract_expression("amn,bn->abm", mats.shape, vecs.shape)
    cands = [
        Candidate("np.einsum (plain call)", np.einsum, ("amn,bn->abm", mats, vecs), baseline=True),
        Candidate("axcomp nested vmap (cached)", f, (mats, vecs), target=3.0),
        Candidate("opt_einsum contract_expression", expr, (mats, vecs)),
        Candidate(
            "numpy matmul (hand-written)",
            lambda m, v: np.matmul(v, m.transpose(0, 2, 1)),
            (mats, vecs),
        ),
    ]
    check_results("B2", cands)
    time_interleaved(cands, cfg.b2_reps, cfg.micro_sample_s, budget_s=cfg.budget_s)
    return _ratio_rows("B2 seed (3,2,3)x(4,3) per call", cands)


def case_b3(cfg: Config) -> list[Row]:
    rng = np.random.default_rng(3)
    n, d = cfg.b3_n, cfg.b3_d
    A = rng.standard_normal((n, d))
    B = rng.standard_normal((n, d))
    f = pairwise_sqdist()

    def broadcast(A: np.ndarray, B: np.ndarray) -> np.ndarray:
        return ((A[:, None, :] - B[None, :, :]) ** 2).sum(-1)

    def expand_gemm(A: np.ndarray, B: np.ndarray) -> np.ndarray:
        return (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2 * A @ B.T

    def sub_einsum(A: np.ndarray, B: np.ndarray) -> np.ndarray:
        # same numerics as broadcasting, one temporary fewer: sum of squares as an einsum
        t = A[:, None, :] - B[None, :, :]
        return np.einsum("abc,abc->ab", t, t)

    gemm = Candidate("expand-to-GEMM formula", expand_gemm, (A, B))
    axc = Candidate("axcomp nested vmap", f, (A, B))
    cands = [
        Candidate("numpy broadcasting (hand-written)", broadcast, (A, B), baseline=True),
        axc,
        gemm,
        Candidate("ref: subtract + einsum('abc,abc->ab')", sub_einsum, (A, B)),
    ]
    check_results("B3", cands)
    time_interleaved(cands, cfg.b3_reps, cfg.min_sample_s, budget_s=cfg.budget_s)
    label = f"B3 pairwise sqdist {n}x{n}x{d} f64"
    rows = _ratio_rows(label, cands)
    ax_med, gemm_med = statistics.median(axc.samples), statistics.median(gemm.samples)
    rows.append(
        Row(
            label,
            "axcomp / expand-to-GEMM",
            ax_med,
            ax_med / gemm_med,
            "report",
            "-",
            len(axc.samples),
            axc.inner or 1,
            "ratio to the GEMM formula",
        )
    )
    return rows


_B4_SPECS: list[tuple[str, Callable[[], Any], int, int]] = [
    # name, spec factory, index of first and second argument in _seed_arrays()
    ("pairwise matvec", pairwise_matvec, 0, 1),
    ("batched matvec (0,0)", batched_matvec, 0, 2),
    ("pairwise sqdist", pairwise_sqdist, 3, 4),
    ("jit(pairwise sqdist)", jit_pairwise_sqdist, 3, 4),
]


def case_b4(cfg: Config) -> list[Row]:
    arrays = _seed_arrays()
    refs = {
        "pairwise matvec": np.einsum("amn,bn->abm", arrays[0], arrays[1]),
        "batched matvec (0,0)": np.einsum("amn,an->am", arrays[0], arrays[2]),
        "pairwise sqdist": ((arrays[3][:, None] - arrays[4][None]) ** 2).sum(-1),
    }
    refs["jit(pairwise sqdist)"] = refs["pairwise sqdist"]
    cands = []
    for name, factory, i, j in _B4_SPECS:
        c = Candidate(
            name,
            None,
            (arrays[i], arrays[j]),
            target=5e-3,
            setup=factory,
            inner=1,
            note="first call of a fresh spec (trace+lower+codegen+run)",
        )
        check_results("B4", [c], expected=refs[name])
        cands.append(c)
    time_interleaved(cands, cfg.b4_reps, cfg.min_sample_s, warmup=3, budget_s=cfg.budget_s)
    rows = []
    for c in cands:
        med = statistics.median(c.samples)
        rows.append(
            Row(
                "B4 first-call compile",
                c.name,
                med,
                None,
                "<= 5 ms",
                "PASS" if med <= 5e-3 else "MISS",
                len(c.samples),
                1,
                c.note,
            )
        )
    if cfg.b4_cold:
        cold = _cold_first_call(cfg.b4_cold)
        if cold is not None:
            rows.append(
                Row(
                    "B4 first-call compile",
                    "pairwise matvec, fresh process",
                    cold[0],
                    None,
                    "report",
                    "-",
                    cold[1],
                    1,
                    "first compile after `import axcomp` in a new interpreter",
                )
            )
    return rows


_COLD_SCRIPT = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
import axcomp as ax, axcomp.numpy as anp
f = ax.vmap(ax.vmap(lambda M, v: anp.dot(M, v), in_axes=(None, 0)), in_axes=(0, None))
M, v = np.arange(18.).reshape(3, 2, 3), np.arange(12.).reshape(4, 3)
t0 = time.perf_counter(); f(M, v); print(time.perf_counter() - t0)
"""


def _cold_first_call(n: int) -> tuple[float, int] | None:
    times = []
    for _ in range(n):
        try:
            out = subprocess.run(
                [sys.executable, "-c", _COLD_SCRIPT, str(ROOT)],
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )
            times.append(float(out.stdout.strip().splitlines()[-1]))
        except (subprocess.SubprocessError, ValueError, IndexError):
            return None
    return statistics.median(times), len(times)


def axcomp_sources(quick: bool = False) -> dict[str, str]:
    """The generated code of each case's axcomp candidate at the benchmark sizes."""
    cfg = QUICK if quick else FULL
    S = ax.ShapeDtypeStruct
    a, m, n, d = cfg.b1_a, cfg.b1_m, cfg.b3_n, cfg.b3_d
    mats, vecs_outer, vecs, pa, pb = _seed_arrays()
    return {
        f"B1 pairwise matvec ({a},{m},{m})x({a},{m})": ax.explain(
            pairwise_matvec(), S((a, m, m)), S((a, m))
        ).source,
        "B2 pairwise matvec (3,2,3)x(4,3)": ax.explain(pairwise_matvec(), mats, vecs_outer).source,
        f"B3 pairwise sqdist ({n},{d})x({n},{d})": ax.explain(
            pairwise_sqdist(), S((n, d)), S((n, d))
        ).source,
        "B4 batched matvec (3,2,3)x(3,3)": ax.explain(batched_matvec(), mats, vecs).source,
        "B4 jit(pairwise sqdist) (3,2)x(4,2)": ax.explain(jit_pairwise_sqdist(), pa, pb).source,
    }


def _ratio_rows(label: str, cands: Sequence[Candidate]) -> list[Row]:
    base = next(c for c in cands if c.baseline)
    base_med = statistics.median(base.samples)
    rows = []
    for c in cands:
        med = statistics.median(c.samples)
        ratio = med / base_med
        if c.baseline:
            target, status = "baseline", "-"
        elif c.target is not None:
            target = f"<= {c.target:g}"
            status = "PASS" if ratio <= c.target else "MISS"
        else:
            target, status = "report", "-"
        rows.append(
            Row(label, c.name, med, ratio, target, status, len(c.samples), c.inner or 1, c.note)
        )
    return rows


CASES: dict[str, Callable[[Config], list[Row]]] = {
    "B1": case_b1,
    "B2": case_b2,
    "B3": case_b3,
    "B4": case_b4,
}


# ----------------------------------------------------------------------------------------
# Output
# ----------------------------------------------------------------------------------------


def _fmt_time(s: float) -> str:
    if s >= 1.0:
        return f"{s:.3f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e6:.2f} us"


def format_table(rows: Sequence[Row]) -> str:
    header = ("case", "candidate", "median", "ratio", "target", "status", "samples x inner")
    body = [
        (
            r.case,
            r.candidate,
            _fmt_time(r.median_s),
            "-" if r.ratio is None else f"{r.ratio:.2f}",
            r.target,
            r.status,
            f"{r.samples} x {r.inner}",
        )
        for r in rows
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *body)]
    lines = []
    sep = "-+-".join("-" * w for w in widths)
    last_case = None
    for i, line in enumerate([header, *body]):
        if i and last_case is not None and line[0] != last_case:
            lines.append(sep)  # a rule between cases
        cells = [str(x).ljust(w) for x, w in zip(line, widths)]
        lines.append(" | ".join(cells).rstrip())
        if i == 0:
            lines.append(sep)
        else:
            last_case = line[0]
    return "\n".join(lines)


def environment() -> dict[str, str]:
    import opt_einsum

    env = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "opt_einsum": opt_einsum.__version__,
        "cpus": str(os.cpu_count()),
        "machine": platform.machine(),
    }
    if hasattr(os, "getloadavg"):
        env["loadavg"] = "/".join(f"{x:.1f}" for x in os.getloadavg())
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        env[var] = os.environ.get(var, "<unset>")
    try:
        cfg = np.show_config(mode="dicts")  # numpy >= 1.26
        blas = cfg["Build Dependencies"]["blas"]
        env["blas"] = f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # pragma: no cover - informational only
        pass
    return env


# ----------------------------------------------------------------------------------------
# Entry points
# ----------------------------------------------------------------------------------------


def run(
    quick: bool = False, cases: Sequence[str] | None = None, out: TextIO | None = None
) -> list[Row]:
    """Run the selected cases (default all) and return their rows; progress goes to ``out``."""
    cfg = QUICK if quick else FULL
    rows: list[Row] = []
    for key in cases or list(CASES):
        key = key.upper()
        if key not in CASES:
            raise ValueError(f"unknown case {key!r}; choose from {', '.join(CASES)}")
        t0 = perf_counter()
        case_rows = CASES[key](cfg)
        rows.extend(case_rows)
        if out is not None:
            print(f"  {key} done in {perf_counter() - t0:.1f} s", file=out, flush=True)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--quick",
        action="store_true",
        help="smoke mode: tiny sizes and few repetitions (figures not meaningful)",
    )
    p.add_argument(
        "--case",
        action="append",
        choices=list(CASES),
        metavar="B1..B4",
        help="run only this case (repeatable)",
    )
    p.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    p.add_argument(
        "--source", action="store_true", help="also print axcomp's generated code for each case"
    )
    p.add_argument(
        "--strict", action="store_true", help="exit with status 1 when any target is missed"
    )
    ns = p.parse_args(argv)

    env = environment()
    print(
        "axcomp benchmarks"
        + (" (--quick smoke mode: sizes reduced, targets indicative only)" if ns.quick else "")
    )
    print("  " + ", ".join(f"{k}={v}" for k, v in env.items()))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    if load > (os.cpu_count() or 1):
        print(
            f"  WARNING: load average {load:.1f} exceeds {os.cpu_count()} CPUs; timings are "
            "noisy, multi-threaded BLAS ones (B1) badly so. Compare the A/A control row; "
            "OPENBLAS_NUM_THREADS=1 makes BLAS figures stable on a busy machine."
        )
    t0 = perf_counter()
    rows = run(quick=ns.quick, cases=ns.case, out=sys.stdout)
    print(
        f"  total {perf_counter() - t0:.1f} s; median of interleaved samples, "
        "ratio = candidate / case baseline\n"
    )
    print(format_table(rows))
    missed = [r for r in rows if r.status == "MISS"]
    if missed:
        print("\nmissed targets: " + "; ".join(f"{r.case}: {r.candidate}" for r in missed))
    if ns.source:
        print("\naxcomp generated code at the benchmark sizes:")
        for label, src in axcomp_sources(ns.quick).items():
            print(f"\n# {label}\n{src.rstrip()}")
    if ns.json:
        Path(ns.json).write_text(
            json.dumps({"env": env, "quick": ns.quick, "rows": [asdict(r) for r in rows]}, indent=2)
        )
    return 1 if (ns.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
