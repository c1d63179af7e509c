#!/usr/bin/env python
"""Soak the differential fuzzers (tests/fuzz_*.py): many random programs, each against an
independent oracle.

    python benchmarks/soak.py --cases 100000 --seed 0
    python benchmarks/soak.py --cases 2000 --fuzzer names --fuzzer export

Cases rotate over the fuzzers (transforms, chunking, export, names). For each fuzzer it
prints the cases run, how many agreed, wrong answers, non-AxcompError crashes, AxcompError
refusals by type, and the oracle's own failures (``invalid``); each wrong answer or crash
is shrunk and printed with a repro as it happens (the first ``--show`` of each kind per
fuzzer; the rest are counted). Failures in subsets known to fail on main (each fuzzer's
``known_issue``: fixes owned elsewhere) are counted apart, as ``known``. Progress goes to
stderr every ``--every`` cases. The exit
status is 1 when anything outside the known subsets was wrong or crashed.

The fixed-seed slice that CI runs is tests/test_differential_fuzzers.py; the mutation
fuzzer for the DSL, configs and specs is benchmarks/fuzz.py.
"""

from __future__ import annotations

import argparse
import importlib
import math
import random
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from fuzz_harness import Outcome, report, shrink  # noqa: E402

FUZZERS = ("transforms", "chunking", "export", "names")


def soak(
    cases: int,
    seed: int,
    fuzzers: tuple[str, ...] = FUZZERS,
    show: int = 5,
    every: int = 1000,
    seconds: float = math.inf,
) -> tuple[dict[str, Counter[str]], float]:
    """Counts per fuzzer, and the elapsed seconds; stops early after ``seconds`` or at
    SIGINT/SIGTERM, with the counts so far."""
    modules: dict[str, Any] = {f: importlib.import_module(f"fuzz_{f}") for f in fuzzers}
    rngs = {f: random.Random(f"{seed}:{f}") for f in fuzzers}
    counts: dict[str, Counter[str]] = {f: Counter() for f in fuzzers}
    start = time.perf_counter()
    # SIGTERM and SIGINT stop the run with the counts so far (a background job started by
    # a shell ignores SIGINT unless it is set here)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _interrupt)
    try:
        _run_cases(cases, fuzzers, modules, rngs, counts, show, every, start + seconds)
    except KeyboardInterrupt:
        print("interrupted: the counts so far", file=sys.stderr)
    return counts, time.perf_counter() - start


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _run_cases(
    cases: int,
    fuzzers: tuple[str, ...],
    modules: dict[str, Any],
    rngs: dict[str, random.Random],
    counts: dict[str, Counter[str]],
    show: int,
    every: int,
    deadline: float,
) -> None:
    shown: Counter[tuple[str, str]] = Counter()
    start = time.perf_counter()
    for i in range(cases):
        if time.perf_counter() > deadline:
            print(f"time is up after {i:,} cases", file=sys.stderr)
            return
        name = fuzzers[i % len(fuzzers)]
        module = modules[name]
        began = time.perf_counter()
        case = module.draw(rngs[name])
        try:
            outcome = module.check(case)
        except Exception as exc:  # the fuzzer's own bug: count it, keep soaking
            outcome = Outcome("harness", f"{type(exc).__name__}: {exc}")
            print(f"[{name}] HARNESS {outcome.detail}\n{case.repro()}", flush=True)
        counts[name]["run"] += 1
        counts[name]["us"] += round((time.perf_counter() - began) * 1e6)  # shrinking left out
        known = module.known_issue(case) if outcome.failed else None
        label = f"known:{outcome.label}" if known else outcome.label
        counts[name][label] += 1
        if outcome.failed and shown[name, label] < show:
            shown[name, label] += 1
            if known:
                print(f"[{name}] in a subset known to fail on main: {known}", flush=True)
            small, small_outcome = shrink(case, module.check)
            print(f"[{name} case {counts[name]['run']}] {report(small, small_outcome)}", flush=True)
        if every and (i + 1) % every == 0:
            bad = sum(c["wrong"] + _crashes(c) for c in counts.values())
            n_known = sum(v for c in counts.values() for k, v in c.items() if "known:" in k)
            rate = (i + 1) / (time.perf_counter() - start)
            print(
                f"  {i + 1:,} cases, {bad} failing, {n_known} known-failing, {rate:.1f} cases/s",
                file=sys.stderr,
            )


def _crashes(c: Counter[str]) -> int:
    return sum(v for k, v in c.items() if k.startswith("crash:"))


def summary(counts: dict[str, Counter[str]], elapsed: float) -> str:
    total = sum(c["run"] for c in counts.values())
    lines = [f"{total:,} cases in {elapsed:.0f} s ({total / max(elapsed, 1e-9):.1f} cases/s)"]
    for name, c in counts.items():
        known = {k.split(":", 1)[1]: v for k, v in sorted(c.items()) if k.startswith("known:")}
        refusals = {k.split(":", 1)[1]: v for k, v in sorted(c.items()) if k.startswith("refusal:")}
        crashes = {k.split(":", 1)[1]: v for k, v in sorted(c.items()) if k.startswith("crash:")}
        lines.append(
            f"{name:10s} run {c['run']:,} ({c['us'] / max(c['run'], 1) / 1e3:.0f} ms/case)  "
            f"agreed {c['agree']:,}  wrong {c['wrong']:,}  "
            f"known-failing subsets {sum(known.values()):,} {known or ''}  "
            f"crashes {_crashes(c):,} {crashes or ''}  "
            f"refusals {sum(refusals.values()):,} {refusals or ''}  invalid {c['invalid']:,}  "
            f"harness {c['harness']:,}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fuzzer", action="append", choices=FUZZERS, help="repeatable")
    parser.add_argument("--show", type=int, default=5, help="repros printed per failure kind")
    parser.add_argument("--every", type=int, default=1000, help="progress interval")
    parser.add_argument("--seconds", type=float, default=math.inf, help="stop after this long")
    args = parser.parse_args(argv)
    fuzzers = tuple(args.fuzzer) if args.fuzzer else FUZZERS
    counts, elapsed = soak(args.cases, args.seed, fuzzers, args.show, args.every, args.seconds)
    print(summary(counts, elapsed), flush=True)
    return int(any(c["wrong"] or _crashes(c) for c in counts.values()))


if __name__ == "__main__":
    sys.exit(main())
