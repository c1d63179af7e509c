"""What chunked generated code calls at run time: the block loop and its thread pool."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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
    with threadpool_limits(limits=1, user_api="blas"):
        futures = [pool.submit(block, s, min(s + chunk, size)) for s in starts]
        for done, future in enumerate(futures, 1):
            future.result()  # re-raises a block's exception here
            if progress is not None:
                progress(done, total)
