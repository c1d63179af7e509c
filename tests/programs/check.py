"""Running the corpus under axcomp (after the import swap) against the JAX recording.

Programs run in a worker subprocess, so the swap, a crash or a runaway loop never reaches
the caller (pytest included); a program past its time limit is stopped by an alarm and
the worker goes on with the next.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from . import corpus, leaves, store, swap

SECONDS_PER_PROGRAM = 60  # JAX runs each in < 2 s; a minute is a hang, not slowness
MAIN = Path(__file__).resolve().parent / "__main__.py"


@dataclass(frozen=True)
class Verdict:
    name: str
    outcome: str  # "agrees", "differs", "raises", "timeout" or "crashed"
    detail: str  # the disagreement, or "ExcType: first line" of what was raised
    seconds: float


def first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": ")


class _Timeout(BaseException):  # not an Exception: a program's `except Exception` can't eat it
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise _Timeout


def judge(program: corpus.Program, recorded: store.Recorded, stand_ins: tuple[str, ...]) -> Verdict:
    start = time.perf_counter()
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(SECONDS_PER_PROGRAM)
    try:
        with swap.jax_is_axcomp(stand_ins):
            ran = corpus.run(program)
        got = leaves.flatten(ran.result)
    except _Timeout:
        return Verdict(program.name, "timeout", f"> {SECONDS_PER_PROGRAM} s", SECONDS_PER_PROGRAM)
    except Exception as exc:  # the program's own failure is the measurement
        took = time.perf_counter() - start
        said = first_line(exc)
        if recorded.error is not None and recorded.error.split(":")[0] == said.split(":")[0]:
            return Verdict(program.name, "agrees", f"both raise {said}", took)
        return Verdict(program.name, "raises", said, took)
    finally:
        signal.alarm(0)
    took = time.perf_counter() - start
    if recorded.error is not None:
        return Verdict(program.name, "differs", f"JAX raised {recorded.error}", took)
    why = leaves.compare(recorded.leaves, got)
    if why is None and corpus.compares_stdout(program):
        printed = ran.stdout[: store.STDOUT_CHARS]
        if printed != recorded.stdout:
            why = f"stdout differs: {printed!r} vs JAX's {recorded.stdout!r}"
    return Verdict(program.name, "agrees" if why is None else "differs", why or "", took)


def worker(corpus_name: str, names: list[str], stand_ins: tuple[str, ...]) -> None:
    """Run in the subprocess: one JSON line per program, flushed as it finishes."""
    _, recorded = store.load(corpus_name)
    by_name = {p.name: p for p in corpus.programs(corpus_name)}
    for name in names:
        v = judge(by_name[name], recorded[name], stand_ins)
        print(json.dumps(v.__dict__), flush=True)


def check(corpus_name: str, stand_ins: tuple[str, ...] = ()) -> dict[str, Verdict]:
    """Every recorded program of the corpus, judged in worker subprocesses."""
    _, recorded = store.load(corpus_name)
    todo = sorted(recorded)
    verdicts: dict[str, Verdict] = {}
    while todo:
        cmd = [sys.executable, str(MAIN), "worker", corpus_name, *todo]
        for name in stand_ins:
            cmd += ["--stand-in", name]
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=SECONDS_PER_PROGRAM * (len(todo) + 1),
        )
        for line in proc.stdout.splitlines():
            if line.startswith("{"):
                v = Verdict(**json.loads(line))
                verdicts[v.name] = v
        todo = [n for n in todo if n not in verdicts]
        if todo:  # the worker died in todo[0]: say so and go on after it
            tail = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
            verdicts[todo[0]] = Verdict(todo[0], "crashed", tail, 0.0)
            todo = todo[1:]
    return verdicts


def table(verdicts: dict[str, Verdict], width: int = 110) -> str:
    rows = [f"{'program':34} {'verdict':8} {'s':>5}  detail"]
    for name in sorted(verdicts):
        v = verdicts[name]
        row = f"{name:34} {v.outcome:8} {v.seconds:5.2f}  {v.detail}"
        rows.append(row if len(row) <= width else row[: width - 1] + "…")
    counts = Counter(v.outcome for v in verdicts.values())
    summary = ", ".join(f"{counts[k]} {k}" for k in sorted(counts))
    rows.append(f"{len(verdicts)} programs: {summary}")
    return "\n".join(rows)
