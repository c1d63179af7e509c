"""Tracebacks that end at the user's line.

A trace error is raised deep inside axcomp (a primitive's shape rule, a dtype check) while
the user's function runs; re-raised as it is, its traceback is a page of axcomp frames and
the line that caused it is hard to find. As JAX's traceback filtering does, the frames of
the trace are reduced to the user's own (every frame whose code is not in this package),
so the last frame shown is the user's line. ``AXCOMP_TRACEBACK_FILTERING=off`` keeps every
frame (for debugging axcomp itself).
"""

from __future__ import annotations

import os
import types
from pathlib import Path

_PACKAGE = str(Path(__file__).resolve().parent.parent) + os.sep


def filtering() -> bool:
    return os.environ.get("AXCOMP_TRACEBACK_FILTERING", "auto").lower() not in ("off", "0")


def user_frames(tb: types.TracebackType | None) -> types.TracebackType | None:
    """``tb`` with only the frames of code outside axcomp (``None`` when there are none),
    or ``tb`` unchanged when filtering is off."""
    if not filtering():
        return tb
    kept: list[types.TracebackType] = []
    while tb is not None:
        if not tb.tb_frame.f_code.co_filename.startswith(_PACKAGE):
            kept.append(tb)
        tb = tb.tb_next
    chain: types.TracebackType | None = None
    for entry in reversed(kept):
        chain = types.TracebackType(chain, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return chain
