"""What chunked generated code calls at run time: the block loop and its worker threads."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from ..core.float_errors import quiet, restore
from .blas_threads import one_blas_thread


def run_blocks(
    block: Callable[[int, int], Any],
    size: int,
    chunk: int,
    threads: int,
    progress: Callable[[int, int], Any] | None = None,
) -> None:
    """Call ``block(start, stop)`` for every block of ``range(size)``; blocks are
    independent. With several threads BLAS is held to one thread per block, so the cores
    run blocks instead of fighting over one GEMM. Ctrl-C (or an exception from a block or
    ``progress``) stops the run: no block starts after it, and it reaches the caller."""
    starts = range(0, size, chunk)
    total = len(starts)
    if threads <= 1 or total <= 1 or threading.current_thread().name.startswith("axcomp"):
        for done, start in enumerate(starts, 1):
            block(start, min(start + chunk, size))
            if progress is not None:
                progress(done, total)
        return
    run = _Run(block, size, chunk, starts)
    with one_blas_thread():
        try:
            for _ in range(min(threads, total)):
                threading.Thread(target=run.work, name="axcomp-block", daemon=True).start()
            for done in range(1, total + 1):
                error = _next(run.finished)
                if error is not None:
                    raise error
                if progress is not None:
                    progress(done, total)
        finally:
            run.stopped = True  # the workers take no block after this


class _Run:
    """One threaded run. Ctrl-C is raised in the main thread at any bytecode, so the main
    thread touches no lock a worker needs (a KeyboardInterrupt inside a Python-level
    ``with condition:`` can leave its lock held, hanging that worker and the exit): it
    only reads the C-level ``finished`` queue and sets ``stopped``. The workers are
    daemons, so a block still running never holds up the interpreter's exit."""

    def __init__(
        self, block: Callable[[int, int], Any], size: int, chunk: int, starts: range
    ) -> None:
        self.block, self.size, self.chunk = block, size, chunk
        self.todo: queue.SimpleQueue[int] = queue.SimpleQueue()
        for start in starts:
            self.todo.put(start)
        self.finished: queue.SimpleQueue[BaseException | None] = queue.SimpleQueue()
        self.stopped = False

    def work(self) -> None:
        token = quiet()  # a new thread starts with NumPy's default error state: warnings
        try:
            self._take_blocks()
        finally:
            restore(token)

    def _take_blocks(self) -> None:
        while not self.stopped:
            try:
                start = self.todo.get_nowait()
            except queue.Empty:
                return
            try:
                self.block(start, min(start + self.chunk, self.size))
            except BaseException as exc:  # handed to the main thread, which raises it
                self.stopped = True
                self.finished.put(exc)
                return
            self.finished.put(None)


def _next(finished: queue.SimpleQueue[BaseException | None]) -> BaseException | None:
    # the timeout wakes the main thread now and then to run Python's signal handlers: the
    # kernel may deliver Ctrl-C's signal to a worker thread, which ends no untimed wait
    while True:
        try:
            return finished.get(timeout=0.1)
        except queue.Empty:
            continue
