"""Progress of long work (chunked runs, long compiles), drawn with tqdm.

``progress=True`` (on ``jit``/``vmap``, ``axcomp.set_options`` or the CLI's ``--progress``)
is a ``ProgressBar``: a tqdm bar with rate and ETA on a terminal; on anything else (a log
file, a CI job, a pipe) one plain line per tenth of the work, never ``\\r`` updates. The
CLI's default is ``ProgressBar(only_on_terminal=True)``: a bar on a terminal, silence
elsewhere. A callable ``progress(done, total)`` is called as it is.

Why tqdm rather than rich: it has no dependencies of its own (rich brings Pygments and
markdown-it-py), it imports in about a third of the time (after ``import axcomp``, nine
runs on the project's loaded 2-core machine: median 61 ms for ``tqdm`` against 160 ms for
``rich.progress``), and its ``format_meter`` gives the log lines the same rate and ETA text
as the bar. It is imported only when a bar is first drawn, so ``import axcomp`` does not
pay for it at all.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

#: Seconds a compile runs before a terminal shows that it is compiling.
COMPILE_STATUS_AFTER = 1.0

#: A line is written each time the work passes another tenth, when not on a terminal.
LINE_STEPS = 10


#: The size a bar assumes on a terminal that reports none (0 columns or rows: a pseudo-terminal
#: whose size was never set, as under some CI runners and ``docker exec``).
FALLBACK_SIZE = (80, 24)


def _size_options(stream: Any) -> dict[str, int]:
    """``ncols``/``nrows`` for tqdm where the terminal reports no size: tqdm takes one less
    than the reported size, and at -1 columns and rows it draws nothing at all."""
    try:
        columns, rows = os.get_terminal_size(stream.fileno())
    except (AttributeError, OSError, ValueError):  # no descriptor: tqdm's own defaults
        return {}
    if columns >= 2 and rows >= 2:
        return {}
    return {"ncols": FALLBACK_SIZE[0] - 1, "nrows": FALLBACK_SIZE[1] - 1}


def _is_terminal(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


class ProgressBar:
    """``progress(done, total)`` drawing one bar per chunked run (see the module doc),
    described as ``desc`` (by default the compiled function's name)."""

    def __init__(
        self,
        desc: str | None = None,
        stream: TextIO | None = None,
        only_on_terminal: bool = False,
        unit: str = "block",
    ) -> None:
        self.desc, self._stream, self.only_on_terminal = desc, stream, only_on_terminal
        self.unit = unit
        self._bar: Any = None
        self._lines_written = -1
        self._start, self._first = 0.0, 0

    @property
    def stream(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stderr

    def named(self, desc: str, unit: str | None = None) -> ProgressBar:
        """The same kind of bar with another description (the function's name)."""
        return ProgressBar(desc, self._stream, self.only_on_terminal, unit or self.unit)

    @property
    def shows(self) -> bool:
        """Whether anything is written: on a terminal, or when asked for everywhere."""
        return not self.only_on_terminal or _is_terminal(self.stream)

    def __call__(self, done: int, total: int) -> None:
        if total < 2 or not self.shows:
            return
        if _is_terminal(self.stream):
            self._draw(done, total)
        else:
            self._line(done, total)

    def _draw(self, done: int, total: int) -> None:
        if self._bar is None or done <= self._bar.n:  # a new run
            from tqdm import tqdm

            self._bar = tqdm(
                total=total,
                desc=self.desc or "blocks",
                unit=self.unit,
                file=self.stream,
                leave=True,
                **_size_options(self.stream),
            )
        self._bar.update(done - self._bar.n)
        if done >= total:
            self._bar.close()
            self._bar = None

    def _line(self, done: int, total: int) -> None:
        if done <= 1 or self._lines_written < 0:  # a new run: rates count from here
            self._start, self._first, self._lines_written = time.perf_counter(), done, 0
        step = done * LINE_STEPS // total
        if step <= self._lines_written and done < total:
            return
        from tqdm import tqdm

        elapsed = time.perf_counter() - self._start
        text = tqdm.format_meter(
            done,
            total,
            elapsed,
            prefix=self.desc or "blocks",
            unit=self.unit,
            initial=self._first,
            bar_format="{desc}: {percentage:3.0f}% ({n_fmt}/{total_fmt} {unit}s) "
            "[{elapsed}<{remaining}, {rate_fmt}]",
        )
        self.stream.write(text + "\n")
        self.stream.flush()
        self._lines_written = step
        if done >= total:
            self._lines_written = -1


def as_progress(progress: Any) -> Callable[[int, int], Any] | None:
    """``progress=`` as given to ``jit``/``vmap``/``set_options``: True a ``ProgressBar``,
    False off (None), a callable itself; anything else is refused by the caller."""
    if progress is True:
        return ProgressBar()
    if progress is False:
        return None
    callback: Callable[[int, int], Any] = progress
    return callback


@contextmanager
def compile_status(name: str, progress: Any) -> Iterator[None]:
    """While a compile runs longer than ``COMPILE_STATUS_AFTER`` seconds, a terminal shows
    ``compiling NAME`` and the time so far (only for a ``ProgressBar`` on a terminal)."""
    if not isinstance(progress, ProgressBar) or not _is_terminal(progress.stream):
        yield
        return
    stop = threading.Event()

    def show() -> None:
        if stop.wait(COMPILE_STATUS_AFTER):
            return
        from tqdm import tqdm

        bar = tqdm(
            total=None,
            desc=f"compiling {name}",
            bar_format="{desc} {elapsed}",
            file=progress.stream,
            leave=False,
            **_size_options(progress.stream),
        )
        while not stop.wait(0.5):
            bar.refresh()
        bar.close()

    thread = threading.Thread(target=show, name="axcomp-compile-status", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
