"""Compiling generated source, kept inspectable but bounded.

Every generated function's source is registered with ``linecache`` so tracebacks and
``inspect.getsource`` show the generated lines. An entry leaves ``linecache`` when its
function is garbage collected (evicted from the compile cache and no longer referenced),
and at most ``MAX_SOURCES`` entries are kept in any case.
"""

from __future__ import annotations

import itertools
import linecache
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

MAX_SOURCES = 512

_counter = itertools.count()
_lock = threading.Lock()
_live: OrderedDict[str, None] = OrderedDict()  # registered filenames, oldest first


def _forget(filename: str) -> None:
    with _lock:
        _live.pop(filename, None)
        linecache.cache.pop(filename, None)


def live_sources() -> int:
    """How many generated sources are registered with ``linecache`` now."""
    return len(_live)


def compile_source(source: str, fname: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    """Execute ``source`` (assembled by an emitter) and return its function ``fname``."""
    filename = f"<axcomp-generated-{next(_counter)}:{fname}>"
    code = compile(source, filename, "exec")
    exec(code, namespace)  # the emitter built ``source`` from validated pieces only
    fn: Callable[..., Any] = namespace.pop(fname)  # no namespace <-> function cycle
    with _lock:
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        _live[filename] = None
        while len(_live) > MAX_SOURCES:
            old, _ = _live.popitem(last=False)
            linecache.cache.pop(old, None)
    weakref.finalize(fn, _forget, filename)
    return fn
