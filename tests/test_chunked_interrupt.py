"""Ctrl-C (KeyboardInterrupt) or a failure during a chunked threaded run: the blocks still
queued on the thread pool are cancelled, and the exception reaches the caller unchanged."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import axcomp as ax
from axcomp.backends.runtime import _executor, run_blocks


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
    """How many blocks ever start: the pool's queue is first in, first out, so once a task
    submitted now has run, every block left queued before it has started or was cancelled."""
    _executor(2).submit(lambda: None).result()
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


def test_the_pool_still_runs_every_block_after_an_interrupt() -> None:
    with pytest.raises(KeyboardInterrupt):
        run_blocks(Blocks(fail_at=0), size=BLOCKS, chunk=1, threads=2)
    blocks = Blocks()
    run_blocks(blocks, size=10, chunk=3, threads=2)
    assert sorted(blocks.started) == [0, 3, 6, 9]


def test_ctrl_c_stops_a_chunked_jit_call_and_the_next_call_is_correct() -> None:
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
