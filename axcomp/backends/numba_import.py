"""numba, imported for axcomp's kernels: its error messages never replace ``sys.stdout``.

When colorama is installed, numba colours its error messages, and every coloured message
calls colorama's ``init()`` and ``deinit()``, which replace ``sys.stdout`` and ``sys.stderr``
for the whole process. A compile formats thousands of such messages (most are raised and
caught inside type inference), and axcomp compiles on a background thread
(``kernel_loading``). There the swaps race with the user's own: a ``redirect_stdout`` the
main thread leaves while a compile runs can be undone by ``deinit()``, which puts the
redirect's stream back, so everything printed afterwards is lost; and what the user prints
during a compile goes through colorama's wrapper, which strips ANSI escapes.

``numba()`` gives numba with those two calls made no-ops in numba's error module: the
messages keep their colour codes (numba's ``COLOR_SCHEME``), and no stream is replaced.
numba's modules keep the colour scheme they made at import, so the switch numba reads at
import (``NUMBA_DISABLE_ERROR_MESSAGE_HIGHLIGHTING``) would not reach a numba the user had
imported already; the error module's own names reach every message.
"""

from __future__ import annotations

import threading
from types import ModuleType
from typing import Any

_lock = threading.Lock()
_done = [False]


def numba() -> ModuleType:
    """The numba module, its messages leaving the streams alone (see the docstring)."""
    if not _done[0]:
        with _lock:
            if not _done[0]:
                _keep_streams()
                _done[0] = True
    import numba as nb

    return nb


def _leave_streams(*args: Any, **kwargs: Any) -> None:
    return None


def _keep_streams() -> None:
    from numba.core import errors

    if hasattr(errors, "ColorShell"):  # colorama was found: colouring is on
        for name in ("init", "reinit", "deinit"):  # what ColorShell calls, by global name
            setattr(errors, name, _leave_streams)
