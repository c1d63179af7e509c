"""README.md (and docs/*.md) are true line by line: every fenced block is executed and
every output it shows is compared with what runs.

* ``python`` blocks run in order, in one namespace (the README is one session), in a
  scratch directory that has the repository's ``examples/``. Each ``print(...)`` must show
  its output: a trailing ``# comment`` on its last line (one line of output) or the comment
  lines right after it (several); the printed text must equal it. An expression statement
  whose value is shown by nothing (not printed, not None) fails, so no claim goes unchecked.
* ``axcomp`` blocks (the DSL) compile with ``axcomp.compile``.
* ``bash`` blocks run through bash with the installed ``axcomp`` entry point first on PATH;
  every command must exit 0. The quick start's two commands set up a virtual environment
  (not done here); their last commands run here (``axcomp demo``), and the test command is
  the one ``.ci/run`` runs. Without Graphviz, a ``.svg`` picture is written as ``.dot``.
* ``text`` blocks whose lines start with ``ax>`` are REPL transcripts: each input is typed
  into a REPL session and its output must equal the transcript's. Other ``text`` blocks are
  diagrams (listed in ``DIAGRAMS``).
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)
LANGUAGES = {"python", "bash", "axcomp", "text"}
# the one diagram per file that is a picture, not code (told by a line it contains)
DIAGRAMS = {"README.md": "--tracing-->", "architecture.md": "──tracing──"}


@dataclass(frozen=True)
class Block:
    language: str
    text: str
    line: int  # the line of the opening fence
    section: str


def blocks(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    out = []
    for m in FENCE.finditer(text):
        before = text[: m.start()]
        headings = re.findall(r"^#+ (.*)$", before, re.M)
        out.append(
            Block(m.group(1), m.group(2), before.count("\n") + 1, headings[-1] if headings else "")
        )
    return out


def test_every_block_says_its_language() -> None:
    for path in [README, *DOCS]:
        for block in blocks(path):
            assert block.language in LANGUAGES, f"{path.name}:{block.line}: ```{block.language}"
            if block.language == "text" and not block.text.startswith("ax> "):
                assert DIAGRAMS.get(path.name, "\0") in block.text, f"{path.name}:{block.line}"


# --- python blocks ---------------------------------------------------------------------------
def _comments(code: str) -> dict[int, str]:
    """Line number -> the text of the comment on that line (tokenize, so '#' in strings is
    not one)."""
    found = {}
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.COMMENT:
            found[tok.start[0]] = tok.string[1:].removeprefix(" ")
    return found


def _shown_output(code: str, stmt: ast.stmt) -> str | None:
    """The output a print statement shows: its trailing comment, or the comment lines that
    follow it."""
    lines = code.splitlines()
    comments = _comments(code)
    end = stmt.end_lineno or stmt.lineno
    if end in comments and lines[end - 1].lstrip()[:1] != "#":
        return comments[end]
    shown = []
    for number in range(end + 1, len(lines) + 1):
        if not lines[number - 1].lstrip().startswith("#"):
            break
        shown.append(comments[number])
    return "\n".join(shown) if shown else None


def _is_print(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Call)
        and isinstance(stmt.value.func, ast.Name)
        and stmt.value.func.id == "print"
    )


def run_python(block: Block, namespace: dict[str, object], where: str) -> int:
    """Run one block statement by statement; returns how many outputs it checked."""
    tree = ast.parse(block.text)
    checked = 0
    for stmt in tree.body:
        line = f"{where}:{block.line + stmt.lineno}"
        code = compile(ast.Module([stmt], type_ignores=[]), line, "exec")
        if _is_print(stmt):
            expected = _shown_output(block.text, stmt)
            assert expected is not None, f"{line}: a print shows no output (# ... after it)"
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(code, namespace)  # our own README's code, not user text
            got = "\n".join(ln.rstrip() for ln in out.getvalue().rstrip("\n").splitlines())
            assert got == expected, f"{line}: printed\n{got}\nbut the README shows\n{expected}"
            checked += 1
        elif isinstance(stmt, ast.Expr):
            value = eval(compile(ast.Expression(stmt.value), line, "eval"), namespace)
            assert value is None, f"{line}: shows a value nothing checks; print it: {value!r}"
        else:
            exec(code, namespace)
    return checked


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory with the repository's examples, as the README's commands expect."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    (tmp_path / "docs").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.slow  # the whole README in one session: a few seconds, a local dask client
def test_the_readme_python_runs_and_prints_what_it_shows(scratch: Path) -> None:
    namespace: dict[str, object] = {"__name__": "readme"}
    checked = 0
    try:
        for block in blocks(README):
            if block.language == "python":
                checked += run_python(block, namespace, "README.md")
            elif block.language == "axcomp":
                import axcomp

                module = axcomp.compile(block.text, name=f"README.md:{block.line}")
                assert list(module), f"README.md:{block.line}: the block binds no names"
    finally:
        client = namespace.get("client")
        if client is not None:
            client.close()  # type: ignore[attr-defined]
    assert checked >= 20  # the README shows its outputs; a rewrite that drops them fails here


# --- bash blocks -----------------------------------------------------------------------------
def _environment(scratch: Path) -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    return dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))


def test_the_quick_start_is_two_commands_ci_runs(scratch: Path) -> None:
    (block,) = [b for b in blocks(README) if b.section == "Quick start"]
    assert block.language == "bash"
    commands = [ln.split("#", 1)[0].strip() for ln in block.text.splitlines() if ln.strip()]
    assert len(commands) == 2, commands
    setup = "python3 -m venv .venv && .venv/bin/pip install "
    assert commands[0] == setup + ". && .venv/bin/axcomp demo"
    assert commands[1] == setup + '".[test]" && .venv/bin/python -m pytest -q'
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^python -m pytest -q$", ci, re.M), ".ci/run runs the README's tests"
    assert 'pip install --quiet \\\n  --disable-pip-version-check ".[test]"' in ci
    # the first command's last step, on the installed entry point
    demo = subprocess.run(
        ["axcomp", "demo"], env=_environment(scratch), capture_output=True, text=True, timeout=120
    )
    assert demo.returncode == 0, demo.stderr
    assert "abc,dc->adb" in demo.stdout


@pytest.mark.slow  # several `axcomp` processes
def test_the_readme_command_lines_run(scratch: Path) -> None:
    script = "\n".join(
        b.text for b in blocks(README) if b.language == "bash" and b.section != "Quick start"
    )
    assert "axcomp explain" in script and "axcomp repl" in script
    if shutil.which("dot") is None:  # no Graphviz here: the same picture as DOT text
        script = re.sub(r"(-o \S+)\.svg", r"\1.dot", script)
    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        env=_environment(scratch),
        cwd=scratch,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert list((scratch / "docs").glob("pairwise_matvec.*"))


# --- REPL transcripts ------------------------------------------------------------------------
def transcript(text: str) -> list[tuple[str, str]]:
    """(input, expected output) pairs of an ``ax>`` transcript."""
    pairs: list[tuple[list[str], list[str]]] = []
    for line in text.splitlines():
        if line.startswith("ax> "):
            pairs.append(([line[4:]], []))
        elif line.startswith("... ") and pairs and not pairs[-1][1]:
            pairs[-1][0].append(line[4:])
        else:
            pairs[-1][1].append(line)
    return [("\n".join(i), "\n".join(o)) for i, o in pairs]


def test_the_repl_transcript_is_what_the_repl_prints(scratch: Path) -> None:
    from axcomp.cli.repl import Session

    scripts = [b for b in blocks(README) if b.language == "text" and b.text.startswith("ax> ")]
    assert scripts
    for block in scripts:
        out = io.StringIO()
        session = Session(out=out)
        for typed, expected in transcript(block.text):
            out.seek(0)
            out.truncate()
            session.handle(typed)
            got = out.getvalue().rstrip("\n")
            assert got == expected, f"README.md:{block.line}: {typed!r} printed\n{got}"


# --- claims about the code -------------------------------------------------------------------
def test_every_environment_variable_is_documented() -> None:
    used = set()
    for path in (ROOT / "axcomp").rglob("*.py"):
        used |= set(re.findall(r"\bAXCOMP_[A-Z_]+\b", path.read_text(encoding="utf-8")))
    assert used, "the scan found none: the pattern is wrong"
    section = README.read_text().split("## Environment variables", 1)[1].split("\n## ", 1)[0]
    for name in sorted(used):
        assert f"`{name}" in section, f"README's environment variables lack {name}"


def test_the_language_block_is_the_example_file() -> None:
    (block,) = [b for b in blocks(README) if b.language == "axcomp"]
    assert block.text == (ROOT / "examples" / "readme.ax").read_text(encoding="utf-8")


def test_the_readme_picture_shows_what_axcomp_graph_draws() -> None:
    """docs/pairwise_matvec.svg (rendered by Graphviz from `axcomp graph`) holds the labels
    the DOT of today's code has, so the picture cannot drift from the tool."""
    import html

    import axcomp
    from axcomp.cli.common import explain_function, parse_shapes

    assert "](docs/pairwise_matvec.svg)" in README.read_text()
    mod = axcomp.load(ROOT / "examples" / "seed.ax")
    dot = explain_function(
        "pairwise_matvec", mod.pairwise_matvec, parse_shapes("3,2,3 4,3")
    ).to_dot()
    drawn = set()
    for label in re.findall(r'label="((?:[^"\\]|\\.)*)"', dot):
        drawn |= {part for part in re.split(r"\\[nl]", label.replace('\\"', '"')) if part}
    svg = (ROOT / "docs" / "pairwise_matvec.svg").read_text(encoding="utf-8")
    shown = {html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)}
    assert shown == drawn, shown ^ drawn
