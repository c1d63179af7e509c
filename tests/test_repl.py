"""The REPL: scripted through a pipe, and driven through a pseudo-terminal (pexpect) for
completion, history, highlighting and multi-line input."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import axcomp
from axcomp.cli.repl import (
    Session,
    history_path,
    is_complete,
    run_repl,
    split_statements,
    tokenize,
)

ROOT = Path(__file__).resolve().parent.parent

SESSION = """\
kernel matvec(M[m, n], v[n]) -> [m] =
    sum[n](M[m, n] * v[n])
pairwise_matvec = vmap(vmap(matvec, in_axes=(None, 0)),
                       in_axes=(0, None))
:names
:explain pairwise_matvec 3,2,3 4,3
:equations
:path
:source
:graph
bad = vmap(matvecc)
:run pairwise_matvec 3,2,3 4,3 seed=3
"""


def _has_dsl() -> bool:
    try:
        return callable(axcomp.compile)
    except (AttributeError, ImportError):
        return False


needs_dsl = pytest.mark.skipif(not _has_dsl(), reason="the DSL (axcomp.compile) is not there yet")


def scripted(text: str, *args: str) -> tuple[int, str]:
    """The REPL in-process with a non-TTY stdin (the plain-line fallback)."""
    out = io.StringIO()
    code = run_repl(*args, stdin=io.StringIO(text), stdout=out)
    return code, out.getvalue()


# --- pieces ------------------------------------------------------------------------------
def test_is_complete() -> None:
    assert is_complete("x = vmap(f)")
    assert not is_complete("x = vmap(f,")
    assert not is_complete("kernel f(a[i]) =")
    assert not is_complete("kernel f(a[i]) = a[i] +")
    assert is_complete("kernel f(a[i]) = a[i]  # a comment (with a paren")
    assert is_complete(":explain f 3,")


def test_split_statements_follows_the_languages_continuation_rule() -> None:
    text = "# c\nkernel f(a[i]) =\n  sum[i](a[i])\ng = vmap(f,\n  in_axes=0)\nh = jit(g)"
    pieces = split_statements(text)
    assert [name for name, _ in pieces] == ["f", "g", "h"]
    assert pieces[0][1] == "# c\nkernel f(a[i]) =\n  sum[i](a[i])"  # comment kept with it
    assert pieces[1][1] == "g = vmap(f,\n  in_axes=0)"
    # the parser reads the same text as the same three statements
    assert list(axcomp.compile(text)) == ["f", "g", "h"]


def test_a_scripted_error_names_the_scripts_line() -> None:
    code, out = scripted("kernel f(a[i]) =\n  sum[i](a[i])\n\nbad = vmap(ff)\n")
    assert code == 1
    assert "<stdin>, line 4, column 12: unknown name 'ff'" in out
    assert "    bad = vmap(ff)\n               ^^" in out
    # a continued statement's error names the line it is on, not the statement's first
    code, out = scripted("kernel f(a[i]) =\n  sum[i](a[i])\ng = vmap(f,\n   in_axes=(0, 1, 2))\n")
    assert "g" not in out.split("defined", 1)[-1].splitlines()[0].split()[1:]  # g failed
    code, out = scripted("kernel f(a[i]) = a[i]\nkernel g(b[j]) =\n  b[j] + qq\n")
    assert "<stdin>, line 3, column 10: unknown name 'qq'" in out, out


def test_load_warns_before_replacing_a_binding(tmp_path: Path) -> None:
    first, second = tmp_path / "one.ax", tmp_path / "two.ax"
    first.write_text("# one\nkernel f(a[i]) -> [i] = a[i] * 2\nkernel g(a[i]) -> [i] = a[i]\n")
    second.write_text(
        "# two\nkernel f(a[i]) -> [i] = a[i] * 3\nkernel g(a[i]) -> [i] = a[i]  # same\n"
    )
    code, out = scripted(f":load {first}\n:load {first}\n:load {second}\n")
    assert code == 0
    # reloading the same text warns about nothing; a changed f is named with its old text
    assert out.count("warning:") == 1
    assert f"warning: {second} replaces 'f', defined earlier as:\n" in out
    assert "    kernel f(a[i]) -> [i] = a[i] * 2\n" in out
    assert "'g'" not in out
    session = Session(out=io.StringIO())
    session.handle(f":load {second}")
    import numpy as np

    np.testing.assert_allclose(session.function("f")(np.ones(2)), [3.0, 3.0])


def test_explain_and_run_without_shapes_print_their_usage() -> None:
    code, out = scripted(
        "kernel mv(M[m, n], v[n]) -> [m] = sum[n](M[m, n] * v[n])\n:explain mv\n:run mv seed=2\n"
    )
    assert code == 1
    for command in (":explain", ":run"):
        assert (
            f"error: usage: {command} mv SHAPES...: one shape per parameter (M, v), such as "
            "3,2,3 for an array of shape (3, 2, 3) and () for a scalar"
        ) in out
    assert "len(args)=0" not in out  # not the vmap error of a call without arguments


def test_tokenize_highlights_dsl() -> None:
    styles = dict((text, style) for style, text in tokenize("kernel f(a[i]) = sum[i](a[i])"))
    assert styles["kernel"] == "class:keyword" and styles["sum"] == "class:builtin"
    styles = dict((t, s) for s, t in tokenize("g = vmap(f, in_axes=None)  # hi", names=["f"]))
    assert styles["vmap"] == "class:transform" and styles["in_axes"] == "class:kwarg"
    assert styles["None"] == "class:constant" and styles["f"] == "class:defined"
    assert styles["# hi"] == "class:comment"


def test_highlighting_knows_every_name_of_the_language() -> None:
    from axcomp.dsl import prelude

    text = "kernel f(a[i]) = softmax[i](gelu(a[i])) + var[i](erf(a[i]))"
    styles = dict((t, s) for s, t in tokenize(text))
    assert {styles[n] for n in ("softmax", "gelu", "var", "erf")} == {"class:builtin"}
    for name in prelude.FUNCTIONS:
        assert dict((t, s) for s, t in tokenize(f"{name}(x)"))[name] == "class:builtin", name


def test_completion_offers_the_window_functions() -> None:
    pytest.importorskip("prompt_toolkit")
    from prompt_toolkit.document import Document

    from axcomp.cli.repl import _prompt_toolkit_parts
    from axcomp.dsl import prelude

    completer = _prompt_toolkit_parts(Session())[1]

    def offered(line: str) -> set[str]:
        return {c.text for c in completer.get_completions(Document(line, len(line)), None)}

    assert {"max_pool", "avg_pool"} <= offered("y = ma") | offered("y = av")
    assert "conv" in offered("kernel c(x[i], w[k]) = co")
    for name in prelude.WINDOW_FUNCTIONS:
        assert name in offered(f"y = {name[:2]}"), name
        assert dict((t, s) for s, t in tokenize(f"{name}[i](x)"))[name] == "class:builtin"


def test_history_path_respects_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert history_path() == tmp_path / "axcomp" / "history"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert history_path().parts[-3:] == ("share", "axcomp", "history")


def test_commands_without_statements() -> None:
    code, out = scripted(":help\n:names\n:equations\n:bogus\n:explain nothing 3\n:quit\n:names\n")
    assert code == 1  # errors in a scripted session -> exit status 1, but it went on
    assert ":explain NAME SHAPES" in out and "(no names yet)" in out
    assert "nothing explained yet" in out
    assert "unknown command :bogus" in out
    assert "no name 'nothing'" in out
    assert out.count("(no names yet)") == 1  # :quit ended the session


# --- scripted sessions (pipe) -------------------------------------------------------------
@needs_dsl
def test_scripted_session_in_process(tmp_path: Path) -> None:
    saved = tmp_path / "session.ax"
    code, out = scripted(SESSION + f":save {saved}\n:dot {tmp_path / 'g.dot'}\n")
    assert code == 1  # the one bad statement
    assert "defined matvec" in out and "defined pairwise_matvec" in out
    assert "pairwise_matvec  function  vmap(vmap(matvec" in out
    assert "vmap levels" in out and "abc,dc->adb" in out
    assert "Complete contraction" in out and "def axcomp_" in out and "rename(" in out
    # the error is a caret report against the typed line, and the session went on
    assert "unknown name 'matvecc'" in out and "^^^^^^^" in out and "did you mean 'matvec'" in out
    assert "output: shape (3, 4, 2), dtype float64" in out
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    # the saved session is a valid .ax module that loads again
    mod = axcomp.load(saved)
    assert list(mod) == ["matvec", "pairwise_matvec"]
    code, out = scripted(f":load {saved}\n:explain pairwise_matvec 2,2,3 5,3\n")
    assert code == 0, out
    assert "-> float64[2,5,2]" in out


@needs_dsl
def test_redefinition_and_errors_keep_the_session(tmp_path: Path) -> None:
    code, out = scripted(
        "kernel f(a[i]) = sum[i](a[i])\n"
        "g = vmap(f)\n"
        "kernel f(a[i]) = max[i](a[i])\n"  # redefine: g now uses the new f
        "kernel h(a[i]) = sum[i](a[i]) +\n"  # continues on the next line...
        "  * 2\n"  # ...where the error is
        ":explain g 4,3\n"
    )
    assert code == 1
    assert "unexpected '*'" in out and "^" in out
    assert "max axes" in out  # g was recompiled against the new f


@needs_dsl
def test_scripted_session_through_a_pipe(tmp_path: Path) -> None:
    seed = tmp_path / "seed.ax"
    seed.write_text("kernel matvec(M[m, n], v[n]) -> [m] = sum[n](M[m, n] * v[n])\n")
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"))
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, "-m", "axcomp", "repl", str(seed)],
        input="pm = vmap(vmap(matvec, in_axes=(None, 0)), in_axes=(0, None))\n"
        ":explain pm 3,2,3 4,3\n:equations\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "defined matvec" in proc.stdout and "defined pm" in proc.stdout
    assert proc.stdout.rstrip().endswith("abc,dc->adb")
    assert "ax>" not in proc.stdout  # no prompts when scripted
    assert not (tmp_path / "data").exists()  # no history file for scripted sessions


@needs_dsl
def test_load_reads_toml_and_yaml_configs_with_a_byte_order_mark(tmp_path: Path) -> None:
    toml = tmp_path / "k.toml"
    toml.write_bytes('\ufeff[kernels]\ntwice = "(x[n]) -> [n] = 2 * x[n]"\n'.encode())
    yaml = tmp_path / "k.yaml"
    yaml.write_bytes("\ufefffunctions:\n  batched: vmap(twice)\n".encode())
    code, out = scripted(f":load {toml}\n:load {yaml}\n:explain batched 4,3\n")
    assert code == 0, out
    assert "defined twice" in out and "defined batched" in out and "float64[4,3]" in out


@pytest.mark.parametrize("has_tomli", [True, False])
def test_load_toml_without_tomllib_uses_tomli_or_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, has_tomli: bool
) -> None:
    # Python 3.10 has no tomllib; a None in sys.modules makes an import fail the same way
    if has_tomli:
        pytest.importorskip("tomli")  # a dependency on Python 3.10 only
    else:
        monkeypatch.setitem(sys.modules, "tomli", None)
    monkeypatch.setitem(sys.modules, "tomllib", None)
    path = tmp_path / "k.toml"
    path.write_text('[kernels]\ntwice = "(x) = 2 * x"\n')
    code, out = scripted(f":load {path}\n:names\n")
    if has_tomli:
        assert code == 0 and "defined twice" in out, out
    else:
        assert code == 1 and "tomli" in out and "ModuleNotFoundError" not in out, out
        with pytest.raises(axcomp.AxcompError, match="pip install tomli"):
            axcomp.load(path)


# --- a pseudo-terminal ---------------------------------------------------------------------
pexpect = pytest.importorskip("pexpect")


def spawn(tmp_path: Path, *args: str) -> pexpect.spawn:
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"), TERM="xterm")
    env["PROMPT_TOOLKIT_NO_CPR"] = "1"  # pexpect answers no cursor-position requests
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "axcomp", "repl", *args],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 160),
        preexec_fn=_default_sigint,
    )
    child.expect("ax>")
    return child


def _default_sigint() -> None:
    # a terminal's REPL gets Ctrl-C as SIGINT; but a test run started in the background
    # (`cmd &` in a script, as CI may do) ignores SIGINT, the child would inherit that, and
    # Python turns SIGINT into KeyboardInterrupt only when it was not ignored at start
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def completed(typed: str, rest: str) -> str:
    """A pattern for ``typed + rest`` on the terminal: when the machine is slow the typed
    part is drawn first and the completion after it, with colour codes in between."""
    # (prompt_toolkit 3.0.0, the floor, also draws a space and backs over it: " \x08")
    codes = r"(?:\x1b\[[0-9;?]*[A-Za-z]| \x08)*"
    return re.escape(typed) + codes + codes.join(re.escape(c) for c in rest)


def test_tty_completion_history_and_multiline(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    try:
        child.send(":exp\t")  # command completion
        child.expect(completed(":exp", "lain"))
        child.send("\x15")  # Ctrl-U: clear the line
        child.send("value_a\t")  # keyword completion
        child.expect(completed("value_a", "nd_grad"))
        child.send("\x15")
        child.send("kernel f(a[i]) =\r")  # incomplete: Enter continues the input
        child.expect(r"\.\.\.")
        child.send("\x03")  # Ctrl-C drops it, the session goes on
        child.expect("ax>")
        child.send(":names\r")
        child.expect("no names yet")
        child.send(":quit\r")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    history = tmp_path / "data" / "axcomp" / "history"
    assert ":names" in history.read_text()
    # a second session recalls the first one's inputs with Up
    child = spawn(tmp_path)
    try:
        # prompt_toolkit loads the history file in the background: an Up pressed before
        # that finished does nothing, so press again until the last input shows up.
        for _ in range(10):
            child.send("\x1b[A")
            if child.expect(["quit", "names", pexpect.TIMEOUT], timeout=2) != 2:
                break
        if child.after == "quit":  # the last input; one more Up for the one before
            child.send("\x1b[A")  # (only the changed part of the line is redrawn)
            child.expect("names")
        child.send("\r")
        child.expect("no names yet")
        child.expect("ax>")
        child.send("\x04")  # Ctrl-D at an empty prompt leaves
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


@needs_dsl
def test_tty_completes_session_names(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    try:
        child.send("kernel pairwise_thing(a[i]) = sum[i](a[i])\r")
        child.expect("defined pairwise_thing")
        child.send(":explain pairw\t")
        child.expect("pairwise_thing")
        child.send(" 3\r")
        child.expect("flops")
        child.send("bad = vmap(nope)\r")  # an error shows the caret report, session goes on
        child.expect(r"\^\^\^\^")
        child.send(":quit\r")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


def test_session_object_output_goes_to_its_stream() -> None:
    out = io.StringIO()
    session = Session(out=out)
    assert session.handle(":help")
    assert not session.handle(":quit")
    assert ":save FILE" in out.getvalue()


def test_command_after_an_open_bracket_abandons_the_statement() -> None:
    code, out = scripted(
        "kernel s(x[i]) = sum[i](x[i])\noops = vmap(nothing\n:names\nt = vmap(s)\n:names\n"
    )
    assert code == 1  # the abandoned statement counts as a failed input
    assert "abandoned the unfinished statement 'oops = vmap(nothing' to run :names" in out
    assert "oops" not in out.split("abandoned", 1)[1].split("\n", 1)[1]  # never defined
    assert "defined t" in out and out.count("s  kernel") == 2  # the session went on
    assert is_complete("oops = vmap(nothing\n:names") and not is_complete("oops = vmap(nothing")


@needs_dsl
def test_tty_ctrl_c_during_run_cancels_it_and_the_session_goes_on(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    try:
        # exp keeps the chain out of fused loops (they stay NumPy), so the run is chunked
        child.send("kernel d(a[k], b[k]) = sum[k](exp(a[k] - b[k]))\r")
        child.expect("defined d")
        # a chunked run on two threads that takes a minute or so: 2,000 x 3,000 pairs of
        # length 1,000
        child.send(
            "p = jit(vmap(vmap(d, in_axes=(None, 0)), in_axes=(0, None)), "
            'memory_limit="64MiB", threads=2)\r'
        )
        child.expect("defined p")
        started = time.monotonic()
        child.send(":run p 2000,1000 3000,1000\r")
        time.sleep(2)  # let it compile and start the blocks
        child.send("\x03")
        child.expect("interrupted", timeout=20)
        child.expect("ax>")
        assert time.monotonic() - started < 20
        child.send(":names\r")  # the session and its names are still there
        child.expect(r"p\s+function")
        child.send(":quit\r")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
