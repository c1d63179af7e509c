"""Ctrl-C (KeyboardInterrupt) or a failure during a chunked threaded run: the blocks still
queued on the thread pool are cancelled, and the exception reaches the caller unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import axcomp as ax
from axcomp.backends.runtime import run_blocks

ROOT = Path(__file__).resolve().parent.parent


class Blocks:
    """A block function that records which blocks started; each takes a little while."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.started: list[int] = []
        self.lock = threading.Lock()
        self.fail_at = fail_at

    def __call__(self, start: int, stop: int) -> None:
        with self.lock:
            self.started.append(start)
        if start == self.fail_at:
            raise KeyboardInterrupt
        time.sleep(0.02)


BLOCKS = 60
#: blocks that may start before the main thread sees the interrupt (two workers, each
#: 20 ms a block); without cancelling, all 60 start
FEW = 12


def settled(blocks: Blocks) -> int:
    """How many blocks ever start, once the run's worker threads have all ended (a worker
    left running would go on to the queued blocks)."""
    deadline = time.monotonic() + 30
    while any(t.name.startswith("axcomp") for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the worker threads did not stop"
        time.sleep(0.01)
    return len(blocks.started)


def test_ctrl_c_in_the_progress_callback_cancels_the_queued_blocks() -> None:
    blocks = Blocks()

    def progress(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_blocks(blocks, size=BLOCKS, chunk=1, threads=2, progress=progress)
    assert settled(blocks) <= FEW


def test_ctrl_c_in_a_block_cancels_the_queued_blocks() -> None:
    blocks = Blocks(fail_at=1)
    with pytest.raises(KeyboardInterrupt):
        run_blocks(blocks, size=BLOCKS, chunk=1, threads=2)
    assert settled(blocks) <= FEW


def test_a_run_after_an_interrupt_runs_every_block() -> None:
    with pytest.raises(KeyboardInterrupt):
        run_blocks(Blocks(fail_at=0), size=BLOCKS, chunk=1, threads=2)
    blocks = Blocks()
    run_blocks(blocks, size=10, chunk=3, threads=2)
    assert sorted(blocks.started) == [0, 3, 6, 9]


def test_ctrl_c_stops_a_chunked_jit_call_and_the_next_call_is_correct(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AXCOMP_FUSE", "0")  # the NumPy path's temporaries are what is chunked
    calls: list[int] = []

    def progress(done: int, total: int) -> None:
        calls.append(done)
        if done == 2:
            raise KeyboardInterrupt

    def l1(a, b):
        return ax.numpy.sum(ax.numpy.abs(a - b))

    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(64, 32)), rng.normal(size=(48, 32))
    f = ax.jit(
        ax.vmap(ax.vmap(l1, (None, 0)), (0, None)),
        memory_limit="64KiB",
        threads=2,
        progress=progress,
    )
    assert f.lower(A, B).chunks is not None
    with pytest.raises(KeyboardInterrupt):
        f(A, B)
    assert calls == [1, 2]  # nothing reported after the interrupt
    calls.clear()
    # the same compiled function runs again, to the end, with the right values
    g = ax.jit(ax.vmap(ax.vmap(l1, (None, 0)), (0, None)), memory_limit="64KiB", threads=2)
    np.testing.assert_allclose(g(A, B), np.abs(A[:, None] - B[None]).sum(-1))


STRESS = """
import os, random, signal, threading, time
from axcomp.backends.runtime import run_blocks

signal.signal(signal.SIGINT, signal.default_int_handler)  # even if the parent ignores it
random.seed(0)
interrupted = 0
for _ in range(40):
    timer = threading.Timer(random.uniform(0.0, 0.03), os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        try:
            run_blocks(lambda a, b: time.sleep(0.001), size=400, chunk=1, threads=2)
        except KeyboardInterrupt:
            interrupted += 1
        timer.join()
        time.sleep(0.01)  # a signal sent after the run is handled here at the latest
    except KeyboardInterrupt:
        pass  # it came after the run had finished
print("ok", interrupted)
"""


def test_ctrl_c_at_any_moment_leaves_no_lock_held_and_the_interpreter_exits() -> None:
    # Signals at random moments of 40 threaded runs, then a normal exit: the exit joins
    # the pool's workers, so a lock left held by an interrupted wait would hang it here.
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run(
        [sys.executable, "-c", STRESS], capture_output=True, text=True, timeout=120, env=env
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ok"), out.stdout
    assert int(out.stdout.split()[1]) > 10  # most runs really were interrupted
