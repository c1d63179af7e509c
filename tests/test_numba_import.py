"""numba's error messages never replace ``sys.stdout`` under axcomp: with colorama
installed, a coloured message does so for the whole process, which a compile on a
background thread must never do."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest

from axcomp.backends import numba_import


def _record_colorama_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """colorama's ``init``/``reinit`` wrap the streams through ``wrap_stream``: record it."""
    colorama = pytest.importorskip("colorama")
    calls: list[str] = []

    def record(stream: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append("wrap_stream")
        return stream

    monkeypatch.setattr(colorama.initialise, "wrap_stream", record)
    return calls


def test_messages_keep_their_text_and_the_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("numba")
    numba_import.numba()
    from numba.core import errors

    calls = _record_colorama_calls(monkeypatch)
    stdout, stderr = sys.stdout, sys.stderr
    scheme = errors.termcolor()
    for markup in ("code", "errmsg", "filename", "indicate", "highlight", "reset"):
        assert "a message" in getattr(scheme, markup)("a message")
        assert sys.stdout is stdout and sys.stderr is stderr
    assert calls == []


def test_a_compile_never_calls_colorama(monkeypatch: pytest.MonkeyPatch) -> None:
    # type inference raises and catches many errors while it compiles: none may swap streams
    numba = pytest.importorskip("numba")
    numba_import.numba()
    calls = _record_colorama_calls(monkeypatch)

    @numba.njit(cache=False)
    def mixed(x: Any, n: int) -> Any:
        return (x * n + 1.5).sum()

    assert mixed(np.arange(4.0), 3) == pytest.approx(24.0)
    assert calls == []


def test_every_way_axcomp_loads_numba_goes_through_it(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("numba")
    from axcomp.backends import fused_loops, kernel_loading

    made: list[str] = []
    monkeypatch.setattr(numba_import, "_done", [False])
    monkeypatch.setattr(numba_import, "_keep_streams", lambda: made.append("kept"))
    text = "import numba as _nb\n\n\n@_nb.njit\ndef _plus_one(x):\n    return x + 1\n"
    assert fused_loops.load_kernel(text, lambda: text, "_plus_one")(2) == 3
    assert made == ["kept"]
    monkeypatch.setattr(numba_import, "_done", [False])
    kernel_loading.numba_signature(kernel_loading.argument_types([1.0]))
    assert made == ["kept", "kept"]
