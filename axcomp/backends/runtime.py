"""What chunked generated code calls at run time: the block loop and its thread pool."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from threadpoolctl import threadpool_limits

_pools: dict[int, ThreadPoolExecutor] = {}  # one pool per thread count, kept for reuse
_lock = threading.Lock()


def _executor(threads: int) -> ThreadPoolExecutor:
    with _lock:
        pool = _pools.get(threads)
        if pool is None:
            pool = _pools[threads] = ThreadPoolExecutor(threads, thread_name_prefix="axcomp")
        return pool


def run_blocks(
    block: Callable[[int, int], Any],
    size: int,
    chunk: int,
    threads: int,
    progress: Callable[[int, int], Any] | None = None,
) -> None:
    """Call ``block(start, stop)`` for every block of ``range(size)``; blocks are
    independent. With several threads BLAS is held to one thread per block, so the cores
    run blocks instead of fighting over one GEMM."""
    starts = range(0, size, chunk)
    total = len(starts)
    if threads <= 1 or total <= 1 or threading.current_thread().name.startswith("axcomp"):
        for done, start in enumerate(starts, 1):
            block(start, min(start + chunk, size))
            if progress is not None:
                progress(done, total)
        return
    pool = _executor(threads)
    futures: list[Future[Any]] = []
    with threadpool_limits(limits=1, user_api="blas"):
        try:
            for s in starts:
                futures.append(pool.submit(block, s, min(s + chunk, size)))
            # in the order blocks finish, so a failing block stops the run at once; the
            # timeout wakes this thread now and then, as the kernel may deliver Ctrl-C's
            # signal to a worker thread, which would not end an untimed wait here
            pending, done = set(futures), 0
            while pending:
                finished, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                for future in finished:
                    future.result()  # re-raises a block's exception here
                    done += 1
                    if progress is not None:
                        progress(done, total)
        except BaseException:
            # Ctrl-C, a failing block or progress callback: the blocks still queued would
            # run on for nothing (the pool is shared, so only ours are cancelled). Blocks
            # already running finish on their own; the caller need not wait for them.
            for future in futures:
                future.cancel()
            raise
