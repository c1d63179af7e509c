#!/usr/bin/env python
"""axcomp benchmark runner (issue 2, section 6).

One command::

    python benchmarks/run.py            # full run, about 100 s on 2 cores
    python benchmarks/run.py --quick    # smoke mode: tiny sizes, few repetitions, seconds

It prints one table of ratios from one interleaved run. In every repetition the candidates
of a case are timed round-robin (the starting candidate rotates from one repetition to the
next, so no candidate is always first after another's cache/heap effects), each with
``time.perf_counter`` around ``inner`` back-to-back calls; the reported time is the median
over repetitions of the per-call time. Where a thread pool of BLAS (or OpenMP) has more
than one thread, every sample starts after a pause of ``SETTLE_S``: OpenBLAS's workers
spin for up to about 0.1 s after a call, and NumPy, SciPy, JAX and torch each keep their
own pool, so a sample that followed another library's would share the cores with its
spinning workers (SciPy's ``potrf`` right after a NumPy GEMM: 74 ms against 40). Every
candidate is warmed up first, and its result is checked against the case's baseline with
``np.allclose`` before any timing, so a wrong candidate is never timed.

Cases
-----
B1  pairwise matvec, A=B=256, M=N=128, float64: axcomp nested vmap vs hand-written
    ``np.matmul(vecs, mats.transpose(0, 2, 1))``; also ``np.einsum`` (no optimize) and
    ``np.vectorize(matvec, signature='(m,n),(n)->(m)')`` applied pairwise.  target <= 1.10
B2  the seed sizes (3,2,3)x(4,3), cached per-call time vs a plain
    ``np.einsum('amn,bn->abm', ...)``; also ``opt_einsum.contract_expression``.  target <= 3
B3  pairwise squared distance 1024x1024x64 vs hand-written broadcasting, and vs the
    expand-to-GEMM formula; at 2048x2048x64 vs the hand GEMM with norms added in place
    (target <= 1.15) and vs JAX (<= 0.5); near-duplicate accuracy rows (f64 <= 1e-6,
    f32 <= 1e-3, untimed)
B4  first-call compile time of each seed spec; a fresh vmap object per sample.  target <= 5 ms

The execution-planner cases (float64):

B5  RBF kernel 2048x2048x32 ``exp(-sqdist/2)`` vs hand GEMM + in-place exp.  target <= 1.25
B6  pairwise L1 4096x4096x64 vs a single-threaded loop over 64-row blocks (target <= 0.8),
    and axcomp's peak memory under tracemalloc (target <= output + 1 GiB); axcomp runs a
    fused loop where numba is installed, and a row with AXCOMP_FUSE=0 times its NumPy path
B7  nearest neighbour 40000x40000x64 vs hand blocked GEMM + min (target <= 1.3); sampled
    rows checked against the direct formula; axcomp run in a subprocess under a 4 GiB
    RLIMIT_AS
B8  per-example attention 32x8x128x64 ``vmap(vmap(attn))`` vs hand np.matmul + softmax;
    target axcomp <= 1.0 x ``jax.jit(vmap(vmap(attn)))``

B9-B15 (``benchmarks/workloads.py``): RNN ``lax.scan`` forward and ``value_and_grad``,
``vmap(hessian)`` of logsumexp-regression, a Hessian-vector product ``jvp(grad)``, an
empirical NTK, kNN ``top_k`` and ``argmin`` under a 512 MiB budget, small loop bodies
of long loops (B15); each also against ``torch.func`` when ``torch`` is importable.

B16 (``benchmarks/first_call.py``): each workload of B1-B14, written once against the JAX
API, compiled and run for the first time in fresh interpreters, axcomp against ``jax.jit``;
target: axcomp's compile <= 1/3 of jax.jit's.

B17-B18 (``benchmarks/gaussian_process.py``): the Gaussian-process negative log marginal
likelihood, 2000 points x 8 (cholesky, cho_solve, log-diagonal), forward (B17) and
``value_and_grad`` in the lengthscale and the noise (B18), against hand NumPy + SciPy
(LAPACK's triangular solves; an expert row with SciPy's cholesky and, for the gradient,
K^-1 by ``potri``), ``jax.jit`` and ``torch.func``.

B19 (``benchmarks/per_example_gradients.py``): per-example gradients
``jit(vmap(grad(loss), in_axes=(None, 0, 0)))`` of an MLP's cross-entropy, batch 256, against
hand backpropagation, ``jax.jit`` and ``torch.func``.

B17-B19 end with a row ``axcomp / best of hand and jax.jit``: the issue's bar, <= 1.10.

``--threads one`` runs with one thread everywhere (BLAS, axcomp's blocks, XLA, torch),
``--threads both`` runs the chosen cases once per setting (each in a fresh interpreter,
since XLA and BLAS read their thread counts at start) and prints both tables.

JAX rows appear when ``jax`` is importable (imported lazily, float64 enabled) and say
"not installed" otherwise. B6/B7 skip (with a row) any candidate whose predicted
temporaries exceed MEMORY_GUARD_BYTES (4 GiB); ``--size-scale S`` shrinks their point
counts.

Importable::

    from benchmarks.run import run, format_table
    rows = run(quick=True)          # list[Row]
    print(format_table(rows))

``main(argv)`` returns the process exit code: 0, or 1 with ``--strict`` when a target is
missed (the default never fails on timing, so a smoke test cannot flake on a busy machine).
"""

from __future__ import annotations

import argparse
import functools
import gc
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run against this checkout without installing it

import numpy as np  # noqa: E402

import axcomp as ax  # noqa: E402
import axcomp.numpy as anp  # noqa: E402
from axcomp.backends import kernel_loading  # noqa: E402

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
    # a library outside axcomp's dependencies (JAX): an error in its first call becomes a
    # "failed" row (``failed`` says what) instead of aborting the run
    optional: bool = False
    failed: str = ""

    def call(self) -> Any:
        if self.setup is not None:
            return self.setup()(*self.args)
        assert self.fn is not None
        return self.fn(*self.args)


@dataclass
class Row:
    case: str
    candidate: str
    median_s: float | None  # None for untimed rows (accuracy, memory, skipped, absent)
    ratio: float | None  # to the case baseline; None for absolute-time cases
    target: str
    status: str  # PASS, MISS, SKIP or "-" (reported only)
    samples: int
    inner: int
    note: str = ""
    shown: str = ""  # what the median column shows instead of a time (untimed rows)


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


#: the pause before each sample where a BLAS pool has several threads (see the docstring)
SETTLE_S = 0.15


def _settle_seconds() -> float:
    from threadpoolctl import threadpool_info

    threaded = any(int(info.get("num_threads") or 1) > 1 for info in threadpool_info())
    return SETTLE_S if threaded else 0.0


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
    settle = _settle_seconds()
    gc_was_enabled = gc.isenabled()
    gc.disable()  # as timeit does: no collector pauses inside a sample
    try:
        n = len(cands)
        has_setup = any(c.setup is not None for c in cands)
        start, slept = perf_counter(), 0.0
        for rep in range(reps):
            ran = perf_counter() - start - slept  # (the pauses are not the budget's)
            if budget_s is not None and rep >= min_reps and ran > budget_s:
                break
            shift = rep % n
            for c in list(cands[shift:]) + list(cands[:shift]):
                if not _joins(rep, reps, c.max_samples):
                    continue
                inner = c.inner or 1
                if settle:
                    time.sleep(settle)  # other libraries' BLAS workers stop spinning
                    slept += settle
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
    An ``optional`` candidate whose call raises is marked ``failed`` and left out.
    """
    results: dict[str, Any] = {}
    for c in cands:
        if c.optional:
            try:
                results[c.name] = np.asarray(c.call())
            except Exception as exc:
                c.failed = f"failed: {type(exc).__name__}"
                c.note = f"{c.note}; {exc}"[:300]
    cands = [c for c in cands if not c.failed]
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
    # the timings are of the steady state: kernels that started compiling in the background
    # during these first calls (fused loops) are ready before any sample
    kernel_loading.wait_all()
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


# the execution-planner cases (B5..B8)


def rbf(a: Any, b: Any) -> Any:
    return anp.exp(-anp.sum((a - b) ** 2) / 2)


def l1dist(a: Any, b: Any) -> Any:
    return anp.sum(anp.abs(a - b))


def attn(q: Any, k: Any, v: Any) -> Any:
    s = q @ k.T / math.sqrt(q.shape[-1])
    e = anp.exp(s - anp.max(s, axis=-1, keepdims=True))
    return e / anp.sum(e, axis=-1, keepdims=True) @ v


def pairwise(kernel: Callable[..., Any]) -> Any:
    return ax.vmap(ax.vmap(kernel, in_axes=(None, 0)), in_axes=(0, None))


def nearest_sqdist() -> Any:
    return ax.vmap(lambda x, B: anp.min(ax.vmap(sqdist, (None, 0))(x, B)), (0, None))


def per_example_attn() -> Any:
    return ax.vmap(ax.vmap(attn))


# ----------------------------------------------------------------------------------------
# JAX columns (optional: imported lazily here, never a dependency of axcomp)
# ----------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _jax() -> Any | None:
    """The ``jax`` module with float64 enabled, or None when it is not importable."""
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)  # the cases are float64, as in NumPy
    return jax


def _jax_version() -> str:
    """For the header, without importing jax (that takes a second)."""
    if importlib.util.find_spec("jax") is None:
        return "not installed"
    try:
        return importlib.metadata.version("jax")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - odd installs
        return "installed"


def jax_candidate(
    label: str,
    name: str,
    make: Callable[[Any, Any], Callable[..., Any]],
    args: tuple[np.ndarray, ...],
    guard_bytes: int | None = None,
    unfused_bytes: int = 0,
    **kw: Any,
) -> Candidate | Row:
    """``jax.jit(make(jax, jnp))`` on device copies of ``args``, or a row saying why not.

    The copies are made here, outside any timer; the timed call blocks until the result
    is ready. With ``guard_bytes``, it is skipped when XLA's ``memory_analysis`` of the
    compiled program, or ``unfused_bytes`` (the largest intermediate of the unfused
    program), exceeds it: ``memory_analysis`` does not count the workspaces of XLA's
    YNNPACK fusions (jax 0.10.2 fails B7 at 40000 points with "YNNPACK operation failed"
    while reporting 0 temporary bytes).
    """
    jax = _jax()
    if jax is None:
        return info_row(label, name, "not installed", note="pip install jax for this row")
    jitted = jax.jit(make(jax, jax.numpy))
    jargs = tuple(jax.device_put(a) for a in args)
    if guard_bytes is not None:
        stats = jitted.lower(*jargs).compile().memory_analysis()
        temp = max(int(getattr(stats, "temp_size_in_bytes", 0) or 0), unfused_bytes)
        if temp > guard_bytes:
            return info_row(
                label,
                name,
                f"skipped: may allocate {_gib(temp)}",
                status="SKIP",
                note="XLA memory_analysis or the unfused intermediate exceeds the guard",
            )

    def call(*jargs: Any) -> Any:
        return jitted(*jargs).block_until_ready()

    note = f"jax {jax.__version__}, XLA on the CPU (its own threads)"
    return Candidate(name, call, jargs, note=kw.pop("note", note), optional=True, **kw)


def jax_pairwise(kernel: Callable[[Any, Any], Callable[..., Any]]) -> Any:
    """``make`` for jax_candidate: ``vmap(vmap(kernel(jax, jnp), (None, 0)), (0, None))``."""

    def make(jax: Any, jnp: Any) -> Callable[..., Any]:
        vmap = jax.vmap
        return vmap(vmap(kernel(jax, jnp), in_axes=(None, 0)), in_axes=(0, None))

    return make


# ----------------------------------------------------------------------------------------
# Untimed rows, memory guard
# ----------------------------------------------------------------------------------------


def info_row(
    label: str, name: str, shown: str, target: str = "report", status: str = "-", note: str = ""
) -> Row:
    """A row that is not a timing: a skip, an absent optional library, an error, a peak."""
    return Row(label, name, None, None, target, status, 0, 0, note, shown)


def _gib(nbytes: float) -> str:
    return f"{nbytes / 2**30:.3f} GiB" if nbytes >= 2**28 else f"{nbytes / 2**20:.1f} MiB"


def predicted_temporaries(f: Any, args: tuple[np.ndarray, ...]) -> int:
    """axcomp's own prediction of its temporaries for ``f(*args)`` (nothing is run)."""

    return ax.explain(ax.jit(f), *args).temporary_bytes  # chunked programs: per block


def axcomp_guarded(
    label: str, name: str, f: Any, args: tuple[np.ndarray, ...], **kw: Any
) -> Candidate | Row:
    """The axcomp candidate, or a SKIP row when its predicted temporaries exceed the guard."""
    need = predicted_temporaries(f, args)
    if need > MEMORY_GUARD_BYTES:
        return info_row(
            label,
            name,
            f"skipped: would allocate {_gib(need)}",
            target=f"<= {kw['target']:g}" if kw.get("target") is not None else "report",
            status="SKIP",
            note=f"predicted temporaries exceed the {_gib(MEMORY_GUARD_BYTES)} guard "
            "(no chunking yet)",
        )
    return Candidate(name, f, args, **kw)


def traced_peak(fn: Callable[..., Any], args: tuple[Any, ...]) -> int:
    """Peak bytes traced by ``tracemalloc`` during one (untimed) call, its result included."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn(*args)
        peak = tracemalloc.get_traced_memory()[1]
        del result
    finally:
        tracemalloc.stop()
    return peak


def ratio_row(
    label: str, name: str, num: Candidate | Row, den: Candidate | Row, target: float | None
) -> Row:
    """``num``'s median over ``den``'s (same interleaved run), or why there is none."""
    tgt = "report" if target is None else f"<= {target:g}"
    for side in (num, den):
        if isinstance(side, Row):
            return info_row(label, name, side.shown, target=tgt, note=f"{side.candidate}")
        if side.failed:
            return info_row(label, name, side.failed, target=tgt, note=f"{side.name}")
    assert isinstance(num, Candidate) and isinstance(den, Candidate)
    n_med, d_med = statistics.median(num.samples), statistics.median(den.samples)
    ratio = n_med / d_med
    status = "-" if target is None else ("PASS" if ratio <= target else "MISS")
    return Row(
        label,
        name,
        n_med,
        ratio,
        tgt,
        status,
        len(num.samples),
        num.inner or 1,
        f"ratio of {num.name!r} to {den.name!r}",
    )


def _timed(entries: Sequence[Candidate | Row]) -> list[Candidate]:
    return [e for e in entries if isinstance(e, Candidate) and not e.failed]


def best_peer_row(label: str, entries: Sequence[Candidate | Row], target: float = 1.10) -> Row:
    """The first axcomp candidate over the fastest of the ``hand`` and ``jax`` candidates
    (the issue's bar: within ``target`` of the best of hand-written NumPy and jax.jit)."""
    timed = _timed(entries)
    axc = next(c for c in timed if c.name.startswith("axcomp"))
    peers = [c for c in timed if c.name.startswith(("hand", "jax"))]
    best = min(peers, key=lambda c: statistics.median(c.samples))
    return ratio_row(label, "axcomp / best of hand and jax.jit", axc, best, target)


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
    # B3 at the second size, B5..B8 (the execution-planner cases) and the accuracy rows
    b3_big_n: int
    b5_n: int
    b5_d: int
    b6_n: int
    b6_d: int
    b7_n: int
    b7_d: int
    b7_check_rows: int  # rows whose minimum is recomputed with the direct formula
    b8_shape: tuple[int, int, int, int]  # batch, heads, seq, dim
    acc_n: int
    big_reps: int  # repetitions of the cases whose calls take seconds (B6, B7)
    big_budget_s: float


FULL = Config(
    False, 256, 128, 21, 3, 31, 1024, 64, 11, 41, 3, 0.02, 0.01, 25.0,
    b3_big_n=2048, b5_n=2048, b5_d=32, b6_n=4096, b6_d=64, b7_n=40000, b7_d=64,
    b7_check_rows=64, b8_shape=(32, 8, 128, 64), acc_n=512, big_reps=5, big_budget_s=15.0,
)  # fmt: skip
QUICK = Config(
    True, 24, 16, 3, 1, 3, 96, 8, 3, 3, 0, 0.002, 0.002, 2.0,
    b3_big_n=128, b5_n=96, b5_d=8, b6_n=96, b6_d=8, b7_n=400, b7_d=8,
    b7_check_rows=8, b8_shape=(2, 2, 16, 8), acc_n=64, big_reps=3, big_budget_s=1.0,
)  # fmt: skip

#: Guard for the cases whose axcomp plan does not chunk yet (B6, B7): a candidate whose
#: predicted temporaries (``axcomp.compiler.memory.temporary_peak``) exceed this is skipped
#: with a row instead of run; B7's address-space limit is the same figure.
MEMORY_GUARD_BYTES = 4 * 2**30


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


def _norms(X: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", X, X)


def gemm_inplace(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Hand-written expand-to-GEMM: ``A @ (-2 B).T``, then both norms added in place."""
    out = A @ (-2.0 * B).T
    out += _norms(A)[:, None]
    out += _norms(B)
    return out


def _jax_sqdist(jax: Any, jnp: Any) -> Callable[..., Any]:
    return lambda a, b: jnp.sum((a - b) ** 2)


def case_b3(cfg: Config) -> list[Row]:
    rows = _b3_small(cfg)
    rows += _b3_big(cfg)
    rows += near_duplicate_rows(cfg)
    return rows


def _b3_small(cfg: Config) -> list[Row]:
    rng = np.random.default_rng(3)
    n, d = cfg.b3_n, cfg.b3_d
    A = rng.standard_normal((n, d))
    B = rng.standard_normal((n, d))
    f = pairwise_sqdist()
    label = f"B3 pairwise sqdist {n}x{n}x{d} f64"

    def broadcast(A: np.ndarray, B: np.ndarray) -> np.ndarray:
        return ((A[:, None, :] - B[None, :, :]) ** 2).sum(-1)

    def expand_gemm(A: np.ndarray, B: np.ndarray) -> np.ndarray:
        return (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2 * A @ B.T

    def sub_einsum(A: np.ndarray, B: np.ndarray) -> np.ndarray:
        # same numerics as broadcasting, one temporary fewer: sum of squares as an einsum
        t = A[:, None, :] - B[None, :, :]
        return np.einsum("abc,abc->ab", t, t)

    gemm = Candidate("expand-to-GEMM formula", expand_gemm, (A, B))
    inplace = Candidate("hand GEMM, norms added in place", gemm_inplace, (A, B))
    axc = Candidate("axcomp nested vmap", f, (A, B))
    jx = jax_candidate(label, "jax.jit(vmap(vmap(sqdist)))", jax_pairwise(_jax_sqdist), (A, B))
    entries = [
        Candidate("numpy broadcasting (hand-written)", broadcast, (A, B), baseline=True),
        axc,
        gemm,
        inplace,
        jx,
        Candidate("ref: subtract + einsum('abc,abc->ab')", sub_einsum, (A, B)),
    ]
    cands = _timed(entries)
    check_results("B3", cands)
    time_interleaved(_timed(entries), cfg.b3_reps, cfg.min_sample_s, budget_s=cfg.budget_s)
    rows = _ratio_rows(label, entries)
    rows.append(ratio_row(label, "axcomp / expand-to-GEMM", axc, gemm, None))
    rows.append(ratio_row(label, "axcomp / hand GEMM in place", axc, inplace, 1.15))
    rows.append(ratio_row(label, "axcomp / jax", axc, jx, 0.5))
    return rows


def _b3_big(cfg: Config) -> list[Row]:
    rng = np.random.default_rng(33)
    n, d = cfg.b3_big_n, cfg.b3_d
    A = rng.standard_normal((n, d))
    B = rng.standard_normal((n, d))
    label = f"B3 pairwise sqdist {n}x{n}x{d} f64"
    axc = Candidate("axcomp nested vmap", pairwise_sqdist(), (A, B), target=1.15)
    jx = jax_candidate(label, "jax.jit(vmap(vmap(sqdist)))", jax_pairwise(_jax_sqdist), (A, B))
    entries = [
        Candidate("hand GEMM, norms added in place", gemm_inplace, (A, B), baseline=True),
        axc,
        jx,
    ]
    cands = _timed(entries)
    check_results("B3", cands)
    time_interleaved(_timed(entries), cfg.b3_reps, cfg.min_sample_s, budget_s=cfg.budget_s)
    rows = _ratio_rows(label, entries)
    rows.append(ratio_row(label, "axcomp / jax", axc, jx, 0.5))
    return rows


def near_duplicate_rows(cfg: Config) -> list[Row]:
    """Max relative error of axcomp's pairwise sqdist where the GEMM expansion cancels.

    Points of norm 1e4 against copies of themselves perturbed by 1e-7 (relative), so the
    diagonal distances are ~1e-6 of the norms squared; the reference is the direct formula
    in float64 on the same (rounded) inputs. Not timed.
    """
    rng = np.random.default_rng(11)
    n, d = cfg.acc_n, cfg.b3_d
    A = rng.standard_normal((n, d))
    A *= 1e4 / np.linalg.norm(A, axis=1, keepdims=True)
    B = A * (1.0 + 1e-7 * rng.standard_normal((n, d)))
    label = f"B3 near-duplicate accuracy {n}x{n}x{d}"
    rows = []
    for dtype, tol in ((np.float64, 1e-6), (np.float32, 1e-3)):
        a, b = A.astype(dtype), B.astype(dtype)
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        exact = ((a64[:, None, :] - b64[None, :, :]) ** 2).sum(-1)
        for name, fn, target in (
            ("axcomp nested vmap", pairwise_sqdist(), tol),
            ("ref: hand GEMM in place (no refine)", gemm_inplace, None),
        ):
            got = np.asarray(fn(a, b)).astype(np.float64)
            err = float(np.max(np.abs(got - exact) / np.where(exact > 0, exact, 1.0)))
            ok = "-" if target is None else ("PASS" if err <= target else "MISS")
            rows.append(
                info_row(
                    label,
                    f"{name}, {np.dtype(dtype).name}",
                    f"max rel err {err:.1e}",
                    target="report" if target is None else f"err <= {target:g}",
                    status=ok,
                    note="vs the direct formula in float64; untimed",
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


def case_b5(cfg: Config) -> list[Row]:
    rng = np.random.default_rng(5)
    n, d = cfg.b5_n, cfg.b5_d
    A = rng.standard_normal((n, d))
    B = rng.standard_normal((n, d))
    label = f"B5 RBF kernel {n}x{n}x{d} f64"

    def hand(A: np.ndarray, B: np.ndarray) -> np.ndarray:
        out = gemm_inplace(A, B)
        out *= -0.5
        return np.exp(out, out=out)

    def jax_rbf(jax: Any, jnp: Any) -> Callable[..., Any]:
        return lambda a, b: jnp.exp(-jnp.sum((a - b) ** 2) / 2)

    axc = Candidate("axcomp nested vmap", pairwise(rbf), (A, B), target=1.25)
    jx = jax_candidate(label, "jax.jit(vmap(vmap(rbf)))", jax_pairwise(jax_rbf), (A, B))
    entries = [Candidate("hand GEMM + in-place exp", hand, (A, B), baseline=True), axc, jx]
    cands = _timed(entries)
    check_results("B5", cands)
    time_interleaved(_timed(entries), cfg.b3_reps, cfg.min_sample_s, budget_s=cfg.budget_s)
    rows = _ratio_rows(label, entries)
    rows.append(ratio_row(label, "axcomp / jax", axc, jx, None))
    return rows


def _time_big(cfg: Config, entries: Sequence[Candidate | Row]) -> None:
    """The cases whose calls take seconds: no warm-up beyond the check, 3 repetitions minimum."""
    cands = _timed(entries)
    time_interleaved(
        cands, cfg.big_reps, cfg.min_sample_s, warmup=0, budget_s=cfg.big_budget_s, min_reps=3
    )


def l1_blocked(A: np.ndarray, B: np.ndarray, block: int = 64) -> np.ndarray:
    """Single-threaded hand loop over row blocks: one (block, n, d) temporary at a time."""
    out = np.empty((A.shape[0], B.shape[0]), dtype=np.result_type(A, B))
    for i in range(0, A.shape[0], block):
        out[i : i + block] = np.abs(A[i : i + block, None, :] - B[None, :, :]).sum(-1)
    return out


def fused_off(f: Any, args: tuple[np.ndarray, ...]) -> Any:
    """``jit(f)`` compiled now for ``args`` with fused loops off (``AXCOMP_FUSE=0``): the
    NumPy path, beside the default (fused where numba is installed)."""
    jf = ax.jit(f)
    saved = os.environ.get("AXCOMP_FUSE")
    os.environ["AXCOMP_FUSE"] = "0"
    try:
        jf.lower(*args)  # compiled and cached for this signature
    finally:
        if saved is None:
            del os.environ["AXCOMP_FUSE"]
        else:
            os.environ["AXCOMP_FUSE"] = saved
    return jf


def case_b6(cfg: Config) -> list[Row]:
    rng = np.random.default_rng(6)
    n, d = cfg.b6_n, cfg.b6_d
    A = rng.standard_normal((n, d))
    B = rng.standard_normal((n, d))
    label = f"B6 pairwise L1 {n}x{n}x{d} f64"
    f = pairwise(l1dist)

    def jax_l1(jax: Any, jnp: Any) -> Callable[..., Any]:
        return lambda a, b: jnp.sum(jnp.abs(a - b))

    big = {"inner": 1}  # calls take seconds: no calibration
    base = Candidate(
        "hand loop, 64-row blocks (1 thread)", l1_blocked, (A, B), baseline=True, **big
    )
    fused = "fused loop" if ax.explain(f, A, B).fused else "NumPy path: not fused"
    axc = axcomp_guarded(
        label,
        f"axcomp nested vmap ({fused})",
        f,
        (A, B),
        target=0.8,
        note="may use both cores",
        **big,
    )
    plain = fused_off(pairwise(l1dist), (A, B))
    axp = axcomp_guarded(
        label, "axcomp nested vmap, AXCOMP_FUSE=0 (NumPy path)", plain, (A, B), **big
    )
    jx = jax_candidate(
        label,
        "jax.jit(vmap(vmap(l1)))",
        jax_pairwise(jax_l1),
        (A, B),
        guard_bytes=MEMORY_GUARD_BYTES,
        **big,
    )
    entries = [base, axc, axp, jx]
    cands = _timed(entries)
    check_results("B6", cands)
    _time_big(cfg, entries)
    rows = _ratio_rows(label, entries)
    rows.append(ratio_row(label, "axcomp / jax", axc, jx, None))
    # peak memory: a separate, untimed call under tracemalloc (NumPy reports its buffers)
    out_bytes = n * n * 8
    budget = out_bytes + 2**30
    tgt = f"<= out + 1 GiB = {_gib(budget)}"
    if isinstance(axc, Candidate):
        peak = traced_peak(f, (A, B))
        rows.append(
            info_row(
                label,
                "axcomp peak memory (tracemalloc)",
                _gib(peak),
                target=tgt,
                status="PASS" if peak <= budget else "MISS",
                note=f"output {_gib(out_bytes)}; predicted temporaries "
                f"{_gib(predicted_temporaries(f, (A, B)))}",
            )
        )
    else:
        need = predicted_temporaries(f, (A, B))
        rows.append(
            info_row(
                label,
                "axcomp peak memory (predicted)",
                f"{_gib(need + out_bytes)} (not run)",
                target=tgt,
                status="MISS" if need + out_bytes > budget else "SKIP",
                note="temporary_peak + output; the guard kept it from running",
            )
        )
    rows.append(
        info_row(
            label,
            "ref: hand loop peak memory (tracemalloc)",
            _gib(traced_peak(l1_blocked, (A, B))),
            note=f"output {_gib(out_bytes)}",
        )
    )
    return rows


def nn_blocked(X: np.ndarray, B: np.ndarray, block: int = 512) -> np.ndarray:
    """Hand blocked GEMM + min: ``min_j |b_j|^2 - 2 x.b_j``, plus ``|x|^2``, per row block."""
    bn = _norms(B)
    out = np.empty(X.shape[0], dtype=np.result_type(X, B))
    Bm2 = -2.0 * B
    for i in range(0, X.shape[0], block):
        g = X[i : i + block] @ Bm2.T
        g += bn
        g.min(axis=1, out=out[i : i + block])
    out += _norms(X)
    return out


_RLIMIT_SCRIPT = r"""
import resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
sys.path.insert(0, sys.argv[1])
import numpy as np
import axcomp as ax, axcomp.numpy as anp
sq = lambda a, b: anp.sum((a - b) ** 2)
f = ax.vmap(lambda x, B: anp.min(ax.vmap(sq, (None, 0))(x, B)), (0, None))
X, B = np.load(sys.argv[3]), np.load(sys.argv[4])
t0 = time.perf_counter(); out = f(X, B); dt = time.perf_counter() - t0
np.save(sys.argv[5], out); print(dt)
"""


def _run_under_rlimit(X: np.ndarray, B: np.ndarray, limit: int) -> tuple[np.ndarray | None, str]:
    """axcomp's B7 spec in a fresh interpreter under RLIMIT_AS; (result, what happened)."""
    import resource  # noqa: F401  (POSIX only: fail here, not in the child)

    with tempfile.TemporaryDirectory() as tmp:
        paths = [str(Path(tmp) / f"{k}.npy") for k in ("x", "b", "out")]
        np.save(paths[0], X)
        np.save(paths[1], B)
        try:
            proc = subprocess.run(
                [sys.executable, "-c", _RLIMIT_SCRIPT, str(ROOT), str(limit), *paths],
                capture_output=True,
                text=True,
                timeout=600,
            )
        except subprocess.TimeoutExpired:
            return None, "timed out"
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["?"])[-1]
            return None, f"failed: {last.split(':')[0].rsplit('.', 1)[-1][:40]}"
        return np.load(paths[2]), f"ran in {float(proc.stdout.split()[-1]):.2f} s"


def case_b7(cfg: Config) -> list[Row]:
    rng = np.random.default_rng(7)
    n, d = cfg.b7_n, cfg.b7_d
    X = rng.standard_normal((n, d))
    B = rng.standard_normal((n, d))
    label = f"B7 nearest neighbour {n}x{n}x{d} f64"
    f = nearest_sqdist()

    def jax_nn(jax: Any, jnp: Any) -> Callable[..., Any]:
        sq = _jax_sqdist(jax, jnp)
        return jax.vmap(lambda x, B: jnp.min(jax.vmap(sq, (None, 0))(x, B)), (0, None))

    base = Candidate("hand blocked GEMM + min", nn_blocked, (X, B), baseline=True, inner=1)
    axc = axcomp_guarded(label, "axcomp nested vmap", f, (X, B), target=1.3, inner=1)
    jx = jax_candidate(
        label,
        "jax.jit(vmap(min(vmap(sqdist))))",
        jax_nn,
        (X, B),
        guard_bytes=MEMORY_GUARD_BYTES,
        unfused_bytes=n * n * 8,  # the n x n distances before the min
        inner=1,
        max_samples=1,  # report only, and the slowest candidate here
    )
    entries = [base, axc, jx]
    cands = _timed(entries)
    results = check_results("B7", cands)
    # exactness on sampled rows: the direct formula, no expansion
    rows_i = rng.choice(n, size=min(cfg.b7_check_rows, n), replace=False)
    exact = np.array([((X[i] - B) ** 2).sum(-1).min() for i in rows_i])
    exact_rows = []
    for c in _timed(entries):
        err = float(np.max(np.abs(results[c.name][rows_i] - exact) / exact))
        exact_rows.append(
            info_row(
                label,
                f"exactness: {c.name}",
                f"max rel err {err:.1e}",
                target="err <= 1e-09",
                status="PASS" if err <= 1e-9 else "MISS",
                note=f"{len(rows_i)} sampled rows vs the direct formula",
            )
        )
    del results
    _time_big(cfg, entries)
    rows = _ratio_rows(label, entries) + exact_rows
    tgt = f"runs under RLIMIT_AS {_gib(MEMORY_GUARD_BYTES)}"
    if isinstance(axc, Candidate):
        got, what = _run_under_rlimit(X, B, MEMORY_GUARD_BYTES)
        ok = got is not None and np.allclose(got, nn_blocked(X, B))
        rows.append(
            info_row(
                label,
                "axcomp in a subprocess, address space limited",
                what,
                target=tgt,
                status="PASS" if ok else "MISS",
                note="fresh interpreter, limit set before imports; result checked",
            )
        )
    else:
        rows.append(
            info_row(
                label,
                "axcomp in a subprocess, address space limited",
                axc.shown,
                target=tgt,
                status="SKIP",
                note="not attempted: predicted temporaries exceed the limit",
            )
        )
    return rows


def attn_hand(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> np.ndarray:
    s = np.matmul(q, k.transpose(0, 1, 3, 2))
    s /= math.sqrt(q.shape[-1])
    s -= s.max(axis=-1, keepdims=True)
    np.exp(s, out=s)
    s /= s.sum(axis=-1, keepdims=True)
    return np.matmul(s, v)


def case_b8(cfg: Config) -> list[Row]:
    rng = np.random.default_rng(8)
    shape = cfg.b8_shape
    q, k, v = (rng.standard_normal(shape) for _ in range(3))
    label = "B8 per-example attention {}x{}x{}x{} f64".format(*shape)

    def jax_attn(jax: Any, jnp: Any) -> Callable[..., Any]:
        def one(q: Any, k: Any, v: Any) -> Any:
            s = q @ k.T / math.sqrt(q.shape[-1])
            e = jnp.exp(s - jnp.max(s, axis=-1, keepdims=True))
            return e / jnp.sum(e, axis=-1, keepdims=True) @ v

        return jax.vmap(jax.vmap(one))

    axc = Candidate("axcomp vmap(vmap(attn))", per_example_attn(), (q, k, v))
    jx = jax_candidate(label, "jax.jit(vmap(vmap(attn)))", jax_attn, (q, k, v))
    entries = [Candidate("hand np.matmul + softmax", attn_hand, (q, k, v), baseline=True), axc, jx]
    cands = _timed(entries)
    check_results("B8", cands)
    time_interleaved(_timed(entries), cfg.b3_reps, cfg.min_sample_s, budget_s=cfg.budget_s)
    rows = _ratio_rows(label, entries)
    rows.append(ratio_row(label, "axcomp / jax", axc, jx, 1.0))
    return rows


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


def _ratio_rows(label: str, cands: Sequence[Candidate | Row]) -> list[Row]:
    """One row per candidate (ratio to the baseline); untimed rows pass through in order."""
    base = next(c for c in cands if isinstance(c, Candidate) and c.baseline)
    base_med = statistics.median(base.samples)
    rows = []
    for c in cands:
        if isinstance(c, Row):
            rows.append(c)
            continue
        if c.failed:
            rows.append(info_row(label, c.name, c.failed, note=c.note))
            continue
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
    "B5": case_b5,
    "B6": case_b6,
    "B7": case_b7,
    "B8": case_b8,
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
            r.shown or ("-" if r.median_s is None else _fmt_time(r.median_s)),
            "-" if r.ratio is None else f"{r.ratio:.2f}",
            r.target,
            r.status,
            f"{r.samples} x {r.inner}" if r.samples else "-",
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
        "jax": _jax_version(),
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


def all_cases() -> dict[str, Callable[[Config], list[Row]]]:
    """B1-B8 (this module), B9-B15 (``workloads``, imported here: it imports this one),
    B16 (``first_call``: each workload's first call in fresh interpreters, against jax.jit),
    B17-B18 (``gaussian_process``) and B19 (``per_example_gradients``)."""
    from benchmarks.first_call import CASES as FIRST_CALLS
    from benchmarks.gaussian_process import CASES as GAUSSIAN_PROCESS
    from benchmarks.per_example_gradients import CASES as PER_EXAMPLE_GRADIENTS
    from benchmarks.workloads import CASES as WORKLOADS

    return {**CASES, **WORKLOADS, **FIRST_CALLS, **GAUSSIAN_PROCESS, **PER_EXAMPLE_GRADIENTS}


#: What ``--threads one`` sets for the child interpreter: one thread for BLAS (NumPy,
#: torch), axcomp's block runner, XLA's CPU client and torch's intra-op pool.
ONE_THREAD_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "AXCOMP_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
}


def _thread_settings(argv: Sequence[str], setting: str) -> int:
    """Rerun this command once per thread setting (``--threads both``), each in a fresh
    interpreter; returns the worst exit status."""
    rest: list[str] = []
    skip = False
    for a in argv:  # this command's arguments less ``--threads X`` / ``--threads=X``
        if not skip and not a.startswith("--threads"):
            rest.append(a)
        skip = a == "--threads"
    worst = 0
    for name in ("one", "default") if setting == "both" else (setting,):
        env = dict(os.environ)
        if name == "one":
            env.update(ONE_THREAD_ENV)
        else:
            for key in ONE_THREAD_ENV:
                env.pop(key, None)
        print(f"\n=== thread setting: {name} ===", flush=True)
        cmd = [sys.executable, str(Path(__file__).resolve()), *rest, f"--threads={name}-child"]
        worst = max(worst, subprocess.run(cmd, env=env, check=False).returncode)
    return worst


def run(
    quick: bool = False,
    cases: Sequence[str] | None = None,
    out: TextIO | None = None,
    size_scale: float = 1.0,
) -> list[Row]:
    """Run the selected cases (default all) and return their rows; progress goes to ``out``.

    ``size_scale`` multiplies the point counts of B6 and B7, the cases sized past what
    axcomp can run unchunked (their axcomp rows are skipped by the memory guard otherwise).
    """
    cfg = QUICK if quick else FULL
    if size_scale != 1.0:
        cfg = replace(
            cfg,
            b6_n=max(8, round(cfg.b6_n * size_scale)),
            b7_n=max(8, round(cfg.b7_n * size_scale)),
        )
    rows: list[Row] = []
    table = all_cases()
    for key in cases or list(table):
        key = key.upper()
        if key not in table:
            raise ValueError(f"unknown case {key!r}; choose from {', '.join(table)}")
        t0 = perf_counter()
        case_rows = table[key](cfg)
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
        choices=list(all_cases()),
        metavar="B1..B19",
        help="run only this case (repeatable)",
    )
    p.add_argument(
        "--threads",
        choices=["default", "one", "both", "one-child", "default-child"],
        default="default",
        help="one: one thread for every library; both: once per setting, two tables",
    )
    p.add_argument(
        "--size-scale",
        type=float,
        default=1.0,
        metavar="S",
        help="multiply the point counts of B6 and B7 by S (e.g. 0.25 to run axcomp there)",
    )
    p.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    p.add_argument(
        "--source", action="store_true", help="also print axcomp's generated code for each case"
    )
    p.add_argument(
        "--strict", action="store_true", help="exit with status 1 when any target is missed"
    )
    ns = p.parse_args(argv)
    if ns.threads in ("one", "both"):
        return _thread_settings(list(sys.argv[1:] if argv is None else argv), ns.threads)
    if ns.threads == "one-child":
        _one_thread_in_process()

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
    rows = run(quick=ns.quick, cases=ns.case, out=sys.stdout, size_scale=ns.size_scale)
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


def _one_thread_in_process() -> None:
    """What the environment cannot set: axcomp's default and torch's intra-op threads."""
    ax.set_options(threads=1)
    if importlib.util.find_spec("torch") is not None:
        import torch

        torch.set_num_threads(1)


if __name__ == "__main__":
    # run as the module ``benchmarks.run``, the one ``benchmarks.workloads`` imports, so both
    # share one copy of this module's state
    from benchmarks.run import main as _main

    sys.exit(_main())
