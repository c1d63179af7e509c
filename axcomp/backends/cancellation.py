"""The refine step's scan for cancelled entries in generated NumPy code: ``_flat_not_greater``,
the plan operation ``flat_not_greater``.

``flatnonzero(logical_not(greater(t, bound)))`` over a whole pairwise result holds two
boolean masks of its size (a quarter of a float64 result); this scans it in slices of
about 2^15 entries with one small reused mask, so the step's peak stays the result itself.
The norms the expanded form adds to the GEMM's result are added slice by slice in the
same loop, so adding and scanning read the result once.
``_flat_not_greater`` is copied into exported NumPy modules (``inspect/export.py``), so it
reads only ``_np`` and builtins. In-process programs allowed several threads call it
through ``on_threads``, which splits a large result's rows between threads (the additions
and the scan are NumPy calls that release the GIL): with a threaded GEMM before it, the
single-threaded scan was the step that kept the refine behind a hand-written GEMM with its
norms added in place.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any

import numpy as _np

#: entries of the result from which ``on_threads`` splits the scan: starting a thread costs
#: about 50 us, a scan of 2^19 float64 entries about 0.5 ms on one core
PARALLEL_ENTRIES = 1 << 19
#: entries of ``x`` a thread takes at a time (four of ``_flat_not_greater``'s slices)
PIECE_ENTRIES = 1 << 17


def _flat_not_greater(x: Any, bound: Any, *addends: Any, negated: bool = False) -> Any:
    """The flat (C-order) indices of the entries of ``x`` that are not greater than the
    scalar ``bound`` (NaN entries included), as a 1-d ``intp`` array. Each of ``addends``
    (broadcastable to ``x``) is first added into ``x`` in place, in that order, slice by
    slice along ``x``'s first axis, so each slice is added to and scanned while it is in
    cache: one pass over ``x`` instead of one per addend and one for the scan.
    ``negated``: the addends are subtracted, and the entries not less than ``bound`` are
    found (the same entries of ``-x``, exactly: rounding is symmetric in sign)."""
    step = 1 << 15  # entries per slice: the slice and its mask stay in cache
    rows = x.shape[0] if x.ndim else 1
    row = x.size // rows if rows else 0
    chunk = max(1, step // row) if row else rows  # whole rows per slice
    found = []
    for start in range(0, rows, chunk):
        part = x[start : start + chunk] if x.ndim else x
        for a in addends:
            lined = _np.ndim(a) == x.ndim and x.ndim and a.shape[0] == rows and rows > 1
            fn = _np.subtract if negated else _np.add
            fn(part, a[start : start + chunk] if lined else a, out=part)
        flat = part.reshape(-1)  # a view: x is C-contiguous
        # a mask per slice, freed before the next one's additions (whose broadcasts take a
        # buffer of their own): the peak stays the result and one slice's mask
        m = (_np.less if negated else _np.greater)(flat, bound)
        if not m.all():  # most slices have no candidate: one cheap reduction, no search
            found.append(_np.flatnonzero(~m) + start * row)
        del m
    if not found:
        return _np.zeros(0, dtype=_np.intp)
    return _np.concatenate(found) if len(found) > 1 else found[0]


def on_threads(threads: int) -> Callable[..., Any]:
    """``_flat_not_greater`` running on up to ``threads`` threads. The rows of ``x`` are
    taken in pieces of about ``PIECE_ENTRIES`` entries by whichever thread is free, the
    calling one included, so a worker that a busy machine does not schedule costs at most
    the piece it holds (the caller does the rest; the workers are started once and kept).
    Each piece gets the same additions in the same order: the result and the indices are
    the one-thread call's. Small results, and calls from a thread that already runs a
    block of a chunked program (``runtime.run_blocks``), use one thread."""
    if threads <= 1:
        return _flat_not_greater

    def scan(x: Any, bound: Any, *addends: Any, negated: bool = False) -> Any:
        rows = x.shape[0] if x.ndim else 1
        inside_block = threading.current_thread().name.startswith("axcomp")
        if x.size < PARALLEL_ENTRIES or rows <= 1 or inside_block:
            return _flat_not_greater(x, bound, *addends, negated=negated)
        row = x.size // rows
        chunk = max(1, PIECE_ENTRIES // max(row, 1))
        todo: queue.SimpleQueue[int] = queue.SimpleQueue()
        for lo in range(0, rows, chunk):
            todo.put(lo)
        pieces = -(-rows // chunk)
        done: queue.SimpleQueue[tuple[int, Any]] = queue.SimpleQueue()
        stopped = False

        def work() -> None:
            while not stopped:
                try:
                    lo = todo.get_nowait()
                except queue.Empty:
                    return
                hi = min(lo + chunk, rows)
                # an addend with a row per row of x is cut as x is; the others broadcast
                mine = [
                    a[lo:hi] if _np.ndim(a) == x.ndim and a.shape[0] == rows else a for a in addends
                ]
                try:
                    hits = _flat_not_greater(x[lo:hi], bound, *mine, negated=negated) + lo * row
                except Exception as exc:  # raised in the calling thread
                    done.put((lo, exc))
                    return
                done.put((lo, hits))

        _submit(work, min(threads, pieces) - 1)
        try:
            work()  # Ctrl-C here stops the scan at once
            found = dict(_finished(done) for _ in range(pieces))
        finally:
            stopped = True  # after an error (or Ctrl-C) no worker takes another piece
        for hits in found.values():
            if isinstance(hits, BaseException):
                raise hits
        return _np.concatenate([found[lo] for lo in sorted(found)])

    return scan


# The scan's worker threads: started once (``Thread.start`` waits until the new thread
# runs, which on a busy machine can take a scheduler time slice), then fed through a queue.
_TASKS: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
_WORKERS: list[threading.Thread] = []
_WORKERS_LOCK = threading.Lock()


def _serve() -> None:
    while True:
        task = _TASKS.get()
        with contextlib.suppress(BaseException):  # a task reports its own errors
            task()


def _submit(task: Callable[[], None], copies: int) -> None:
    """Hand ``task`` to ``copies`` worker threads (started on first use; threads a fork
    left behind are not counted)."""
    with _WORKERS_LOCK:
        _WORKERS[:] = [t for t in _WORKERS if t.is_alive()]
        while len(_WORKERS) < copies:
            worker = threading.Thread(target=_serve, name="axcomp-scan", daemon=True)
            worker.start()
            _WORKERS.append(worker)
    for _ in range(copies):
        _TASKS.put(task)


def _finished(done: queue.SimpleQueue[tuple[int, Any]]) -> tuple[int, Any]:
    # the timeout lets the calling thread run Python's signal handlers (Ctrl-C) now and then
    while True:
        try:
            return done.get(timeout=0.1)
        except queue.Empty:
            continue
