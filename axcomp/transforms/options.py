"""Execution options: the memory budget for temporaries, threads, progress reports.

Process-wide defaults (``axcomp.set_options``, or the ``AXCOMP_MEMORY_LIMIT`` and
``AXCOMP_THREADS`` environment variables) apply to every compiled function that does not
set its own (``jit(f, memory_limit="512MiB", threads=1)``). A program reads them when it is
compiled for a signature; programs compiled earlier keep theirs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from ..errors import AxisSpecError, AxisSpecTypeError
from .progress import as_progress

#: The default budget for a program's temporaries (outputs are not counted): 1 GiB.
DEFAULT_MEMORY_LIMIT = 1 << 30

_UNITS = {
    "": 1,
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 1 << 10,
    "mib": 1 << 20,
    "gib": 1 << 30,
    "tib": 1 << 40,
    "k": 1 << 10,
    "m": 1 << 20,
    "g": 1 << 30,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")

#: ``progress(done, total)`` after each block; ``True`` is a bar, ``False`` none (progress.py)
Progress = Callable[[int, int], Any] | bool


def parse_bytes(value: Any, what: str = "memory_limit") -> int:
    """Bytes from an int or a string such as ``"512MiB"``, ``"2 GB"``, ``"1e9"``-free."""
    if isinstance(value, bool):
        raise AxisSpecTypeError(f"{what} must be a byte count or a string like '512MiB'")
    if isinstance(value, int):
        if value <= 0:
            raise AxisSpecError(f"{what} must be positive, got {value}")
        return value
    if isinstance(value, str):
        m = _SIZE.match(value)
        unit = m.group(2).lower() if m else None
        if m is None or unit not in _UNITS:
            raise AxisSpecError(
                f"{what}={value!r} is not a size: use bytes or a number with one of "
                "B, KB, MB, GB, KiB, MiB, GiB (e.g. '512MiB')"
            )
        size = int(float(m.group(1)) * _UNITS[unit])
        if size <= 0:
            raise AxisSpecError(f"{what} must be positive, got {value!r}")
        return size
    raise AxisSpecTypeError(
        f"{what} must be a byte count or a string like '512MiB', got {type(value).__name__}"
    )


def parse_threads(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise AxisSpecTypeError(f"threads must be a positive int, got {value!r}")
    return value


@dataclass(frozen=True)
class Options:
    memory_limit: int = DEFAULT_MEMORY_LIMIT
    threads: int = 1
    progress: Callable[[int, int], Any] | None = None


def _from_environment() -> Options:
    limit = os.environ.get("AXCOMP_MEMORY_LIMIT")
    threads = os.environ.get("AXCOMP_THREADS")
    return Options(
        parse_bytes(limit, "AXCOMP_MEMORY_LIMIT") if limit else DEFAULT_MEMORY_LIMIT,
        parse_threads(int(threads)) if threads else max(1, os.cpu_count() or 1),
    )


_defaults = _from_environment()


def defaults() -> Options:
    return _defaults


def set_options(
    memory_limit: Any = None, threads: int | None = None, progress: Progress | None = None
) -> Options:
    """Change the process-wide defaults; returns the previous ones (pass them back to
    restore). ``memory_limit`` bounds each program's temporaries; ``threads`` sizes the
    pool chunked programs run on; ``progress=True`` draws a bar of the chunks (tqdm; plain
    lines when stderr is not a terminal), a callable ``progress(done, total)`` is called
    after each chunk, and ``False`` turns a default bar off."""
    global _defaults
    previous = _defaults
    _defaults = resolve(_defaults, memory_limit, threads, progress)
    return previous


def restore(options: Options) -> None:
    global _defaults
    _defaults = options


def resolve(
    base: Options,
    memory_limit: Any = None,
    threads: int | None = None,
    progress: Progress | None = None,
) -> Options:
    """``base`` with the given fields replaced (validated); None keeps a field."""
    changes: dict[str, Any] = {}
    if memory_limit is not None:
        changes["memory_limit"] = parse_bytes(memory_limit)
    if threads is not None:
        changes["threads"] = parse_threads(threads)
    if progress is not None:
        if not isinstance(progress, bool) and not callable(progress):
            raise AxisSpecTypeError(
                "progress must be True (a progress bar), False (none) or a callable "
                f"progress(done, total), got {progress!r}"
            )
        changes["progress"] = as_progress(progress)
    return replace(base, **changes) if changes else base


def available_memory() -> int | None:
    """Bytes of memory the machine can still give (``MemAvailable``), else its total; None
    where neither can be read."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None
