"""Progress of chunked runs and long compiles: ``progress=True`` draws a tqdm bar on a
terminal and plain lines elsewhere (never ``\\r`` into a log); ``False`` turns a default
off; a callable is called as before; anything else is refused."""

from __future__ import annotations

import io
import os
import sys

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.errors import AxisSpecTypeError
from axcomp.transforms import progress as progress_module
from axcomp.transforms.options import restore, set_options
from axcomp.transforms.progress import ProgressBar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def nearest(**options):
    def dist(a, b):
        return anp.sum((a - b) ** 2)

    return ax.jit(
        ax.vmap(lambda x, B: anp.min(ax.vmap(dist, (None, 0))(x, B)), (0, None)),
        memory_limit="64KiB",
        threads=1,
        **options,
    )


A, B = np.random.default_rng(0).random((600, 3)), np.random.default_rng(1).random((500, 3))
EXPECTED = ((A[:, None] - B[None]) ** 2).sum(-1).min(1)


def test_progress_true_on_a_log_writes_a_line_per_tenth(capsys) -> None:
    f = nearest(progress=True)
    np.testing.assert_allclose(f(A, B), EXPECTED)
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert "\r" not in err and 2 <= len(lines) <= 11, err
    chunks = ax.explain(f, A, B).chunks
    blocks = -(-chunks.size // chunks.chunk)
    assert lines[-1].startswith(f"<lambda>: 100% ({blocks}/{blocks} blocks) [")
    percents = [int(ln.split("%")[0].split()[-1]) for ln in lines]
    assert percents == sorted(set(percents)) and percents[-1] == 100


def test_a_bar_on_a_terminal_has_rate_and_ends_at_the_total() -> None:
    stream = Terminal()
    f = nearest(progress=ProgressBar("knn", stream=stream))
    np.testing.assert_allclose(f(A, B), EXPECTED)
    text = stream.getvalue()
    assert text.startswith("\rknn:") and text.endswith("\n")
    last = text.rstrip("\n").rsplit("\r", 1)[-1]
    assert last.startswith("knn: 100%|") and "block/s]" in last
    f(A, B)  # a second run draws a second bar
    assert stream.getvalue().count("knn: 100%|") == 2


def test_only_on_terminal_is_silent_elsewhere() -> None:
    stream = io.StringIO()
    nearest(progress=ProgressBar(stream=stream, only_on_terminal=True))(A, B)
    assert stream.getvalue() == ""


def test_false_turns_a_process_default_off_and_a_callable_is_called(capsys) -> None:
    previous = set_options(progress=True)
    try:
        nearest(progress=False)(A, B)
        assert capsys.readouterr().err == ""
        seen: list[tuple[int, int]] = []
        nearest(progress=lambda d, t: seen.append((d, t)))(A, B)
        assert seen and seen[-1][0] == seen[-1][1] and len(seen) == seen[-1][1]
        nearest()(A, B)  # the default: a bar (lines here)
        assert "100% (" in capsys.readouterr().err
    finally:
        restore(previous)


def test_anything_else_is_refused_by_name() -> None:
    with pytest.raises(AxisSpecTypeError, match=r"progress must be True .* got 'yes'"):
        ax.jit(lambda x: x, progress="yes")


def test_a_long_compile_shows_compiling_on_a_terminal(monkeypatch) -> None:
    monkeypatch.setattr(progress_module, "COMPILE_STATUS_AFTER", 0.0)
    stream = Terminal()
    f = ax.jit(lambda x: anp.sin(x) * 2, progress=ProgressBar(stream=stream))
    real_compile = type(f)._compile_chunked

    def slow(self, sig):
        import time

        time.sleep(0.3)
        return real_compile(self, sig)

    monkeypatch.setattr(type(f), "_compile_chunked", slow)
    f(np.ones(3))
    assert "compiling <lambda>" in stream.getvalue()
    # not on a terminal, or without a bar: nothing
    quiet = io.StringIO()
    g = ax.jit(lambda x: anp.cos(x), progress=ProgressBar(stream=quiet))
    g(np.ones(3))
    assert quiet.getvalue() == ""


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_a_terminal_reporting_zero_columns_still_gets_a_bar(monkeypatch) -> None:
    import fcntl
    import pty
    import select
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 0, 0, 0, 0))  # rows, cols 0
    stream = os.fdopen(follower, "w", encoding="utf-8")
    monkeypatch.setattr(sys, "stderr", stream)  # where tqdm asks the terminal for its size
    try:
        bar = ProgressBar("knn")
        for done in range(1, 6):
            bar(done, 5)
        stream.flush()
        drawn = ""
        while "\n" not in drawn and select.select([leader], [], [], 5)[0]:  # to the bar's end
            drawn += os.read(leader, 65536).decode()
    finally:
        stream.close()
        os.close(leader)
    last = drawn.rstrip().rsplit("\r", 1)[-1]
    assert last.startswith("knn: 100%|") and "5/5" in last, repr(drawn)
    assert len(last) == progress_module.FALLBACK_SIZE[0] - 1, repr(last)
