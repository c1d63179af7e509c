"""The axcomp REPL: DSL statements go into a session module; ``:commands`` inspect it.

    ax> kernel matvec(M[m, n], v[n]) -> [m] = sum[n](M[m, n] * v[n])
    ax> pairwise_matvec = vmap(vmap(matvec, in_axes=(None, 0)), in_axes=(0, None))
    ax> :explain pairwise_matvec 3,2,3 4,3

On a terminal it uses prompt_toolkit (history file, tab completion, highlighting,
multi-line input); otherwise it reads plain lines, so sessions can be scripted through a
pipe. An error prints its report and the session goes on; a scripted session exits 1 if
any input failed.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from .. import dsl
from ..dsl import prelude
from ..dsl.parser import ends_in_operator
from ..dsl.toml_text import parse_toml
from ..errors import AxcompError
from ..inspect.dot import write_picture
from .common import (
    UsageError,
    explain_function,
    format_error,
    module_names,
    parameters,
    parse_shapes,
    run_function,
)

PROMPT = "ax> "
CONTINUATION = "... "

KEYWORDS = ("kernel",)
# The language's own tables, so highlighting and completion know every name it knows.
TRANSFORMS = tuple(sorted(prelude.TRANSFORMS))
TRANSFORM_KEYWORDS = ("in_axes", "out_axes", "axis_size", "axis_name", "argnums")
CONSTANTS = ("None", "True", "False")
REDUCTIONS = tuple(sorted(prelude.AXIS_FUNCTIONS | prelude.REDUCTIONS | prelude.COLLECTIVES))
FUNCTIONS = tuple(sorted(prelude.FUNCTIONS))
WINDOW_FUNCTIONS = tuple(sorted(prelude.WINDOW_FUNCTIONS))

COMMAND_HELP: dict[str, str] = {
    ":explain": ":explain NAME SHAPES...   report for NAME at these shapes, e.g. 3,2,3 4,3"
    " (dtype=float32 sets the dtype)",
    ":equations": ":equations                einsum equations of the last :explain",
    ":path": ":path                     opt_einsum path tables of the last :explain",
    ":source": ":source                   generated NumPy code of the last :explain",
    ":graph": ":graph                    the axis graph (text) of the last :explain",
    ":dot": ":dot FILE                 write the last :explain's axis graph (.dot, .svg, .png)",
    ":run": ":run NAME SHAPES...       run NAME on random inputs (add seed=N to choose them)",
    ":load": ":load FILE                add an .ax/.toml/.yaml module to the session",
    ":save": ":save FILE                write the session as an .ax module",
    ":names": ":names                    the names bound in the session",
    ":help": ":help                     this list",
    ":quit": ":quit                     leave (also Ctrl-D)",
}
COMMANDS = tuple(COMMAND_HELP)
ALIASES = {":q": ":quit", ":exit": ":quit", ":h": ":help", ":?": ":help"}


# --- statements ------------------------------------------------------------------------------
_HEAD = re.compile(r"\s*(?:kernel\s+([A-Za-z_]\w*)|([A-Za-z_]\w*)\s*=(?!=))")


def _code_part(line: str) -> str:
    """The line without its comment (the DSL has strings only in axis names: no '#' there)."""
    return line.split("#", 1)[0]


def is_complete(text: str) -> bool:
    """Whether the input can be submitted: brackets balanced, no trailing operator, and not
    a kernel header still waiting for its ``=``. A ``:command`` line always submits (it
    abandons an unfinished statement above it, see ``Session.handle``)."""
    lines = [ln for ln in text.splitlines() if _code_part(ln).strip()]
    if lines and lines[-1].lstrip().startswith(":"):
        return True
    depth = 0
    for line in text.splitlines() or [""]:
        for ch in _code_part(line):
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
    if depth > 0:
        return False
    code_lines = [_code_part(ln).rstrip() for ln in text.splitlines() if _code_part(ln).strip()]
    last = code_lines[-1] if code_lines else ""
    if last.startswith(":"):
        return True
    return not ends_in_operator(last)


def split_statements(text: str) -> list[tuple[str | None, str]]:
    """Top-level statements of DSL text with the name each binds (None if unrecognised).
    A statement starts on a line outside brackets; continuation lines join it."""
    out: list[tuple[str | None, list[str]]] = []
    depth = 0
    pending: list[str] = []  # comments/blank lines waiting for the next statement
    continuing = False
    for line in text.splitlines():
        code = _code_part(line)
        starts = depth == 0 and not continuing and code.strip() != ""
        if starts:
            m = _HEAD.match(code)
            out.append((m.group(1) or m.group(2) if m else None, pending + [line]))
            pending = []
        elif out and (depth > 0 or continuing):
            out[-1][1].append(line)
        else:
            pending.append(line)
        for ch in code:
            depth += ch in "([{"
            depth -= ch in ")]}"
        depth = max(depth, 0)
        continuing = depth > 0 or (bool(code.strip()) and ends_in_operator(code))
    return [(name, "\n".join(lines).strip("\n")) for name, lines in out]


def config_to_ax(path: Path) -> str:
    """A TOML/YAML config (``source``, ``[kernels]``, ``[functions]``) as .ax text, so the
    session stays one module that ``:save`` can write."""
    if path.suffix.lower() == ".toml":
        data = parse_toml(path.read_text(encoding="utf-8-sig"), str(path))
    else:
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    if not isinstance(data, dict):
        raise UsageError(f"{path}: expected a table with source/kernels/functions")
    parts: list[str] = []
    if isinstance(data.get("source"), str):
        parts.append(data["source"].strip())
    for name, body in (data.get("kernels") or {}).items():
        body = str(body).strip()
        parts.append(body if body.startswith("kernel ") else f"kernel {name}{body}")
    for name, expr in (data.get("functions") or {}).items():
        parts.append(f"{name} = {str(expr).strip()}")
    return "\n".join(parts)


# --- the session -----------------------------------------------------------------------------
@dataclass
class Session:
    """The session module (statements by name, in order) and the last explanation."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    statements: dict[str, str] = field(default_factory=dict)
    module: Any = None
    last: Any = None  # the last Explanation
    failures: int = 0

    def print(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    @property
    def text(self) -> str:
        return "\n".join(self.statements.values())

    def names(self) -> list[str]:
        names = module_names(self.module) if self.module is not None else []
        return names + [n for n in self.statements if n not in names]

    def _compile(self, text: str, name: str, kernels: dict[str, Any] | None = None) -> Any:

        return dsl.compile(text, kernels=kernels, name=name)

    # --- input ----------------------------------------------------------------------------
    def handle(self, text: str, origin: str = "<input>", first_line: int = 1) -> bool:
        """Run one input (statements or a command). Returns False when the user quits.
        ``origin`` and ``first_line`` say where the text came from, so an error names that
        line (a script's line, not line 1 of each input)."""
        lines = [ln for ln in text.splitlines() if _code_part(ln).strip()]
        if not lines:
            return True  # blank lines and comments
        if len(lines) > 1 and lines[-1].lstrip().startswith(":"):
            # a command typed while a statement was still open: drop the statement, say so
            self.failures += 1
            first = lines[0].strip()
            self.print(f"abandoned the unfinished statement {first!r} to run {lines[-1].strip()}")
            text = lines[-1]
        stripped = text.strip()
        try:
            if stripped.startswith(":"):
                return self.command(stripped)
            self.add(text, origin, first_line)
        except BrokenPipeError:
            raise  # the output is gone: end the session (the CLI exits quietly)
        except Exception as exc:  # the session survives every error
            self.failures += 1
            self.print(format_error(exc, hint=False).removeprefix("axcomp: "))
        return True

    def add(
        self, text: str, origin: str = "<input>", first_line: int = 1, *, loading: bool = False
    ) -> None:
        """Add (or replace) statements. The whole session is recompiled, so later names see
        new definitions; on an error the session is left unchanged. With ``loading`` (a
        ``:load``), a name the session already binds differently is replaced with a warning."""
        pieces = split_statements(text)
        new = dict(self.statements)
        for k, (name, piece) in enumerate(pieces):
            new[name if name is not None else f"<statement {len(new) + k}>"] = piece
        try:
            module = self._compile("\n".join(new.values()), "<session>")
        except AxcompError as whole:
            # Prefer the error of the typed text alone, earlier names passed in as kernels:
            # its line numbers and caret then refer to what was typed (blank lines in front
            # put a script's statement at its own line number).
            defined = {n for n, _ in pieces}
            earlier = {n: self.module[n] for n in self.names() if n not in defined}
            try:
                self._compile("\n" * (first_line - 1) + text, origin, earlier)
            except AxcompError as alone:
                raise alone from None
            raise whole from None
        if loading:
            for name, piece in pieces:
                old = self.statements.get(name) if name is not None else None
                if old is not None and _code(old) != _code(piece):
                    self.print(f"warning: {origin} replaces {name!r}, defined earlier as:")
                    code_lines = [ln for ln in old.splitlines() if _code_part(ln).strip()]
                    self.print("    " + "\n    ".join(code_lines))
        self.statements, self.module = new, module
        bound = [n for n, _ in pieces if n]
        if bound:
            self.print("defined " + ", ".join(bound))

    def function(self, name: str) -> Any:
        if self.module is None or name not in self.names():
            import difflib

            close = difflib.get_close_matches(name, self.names(), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(f"no name {name!r} in the session{hint} (see :names)")
        return self.module[name]

    # --- commands -------------------------------------------------------------------------
    def command(self, line: str) -> bool:
        try:
            words = shlex.split(line)
        except ValueError as exc:
            raise UsageError(f"cannot split {line!r}: {exc}") from None
        cmd, args = ALIASES.get(words[0], words[0]), words[1:]
        if cmd not in COMMAND_HELP:
            import difflib

            close = difflib.get_close_matches(cmd, COMMANDS, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise UsageError(f"unknown command {cmd}{hint} (:help lists them)")
        if cmd == ":quit":
            return False
        getattr(self, "cmd_" + cmd[1:])(args)
        return True

    def _need(self, args: list[str], n: int, usage: str) -> None:
        if len(args) < n:
            raise UsageError(f"usage: {usage}")

    def _shapes(self, args: list[str]) -> tuple[list[Any], dict[str, str]]:
        opts = dict(a.split("=", 1) for a in args if "=" in a)
        shapes = " ".join(a for a in args if "=" not in a)
        return parse_shapes(shapes, opts.get("dtype", "float64")), opts

    def _need_shapes(self, command: str, args: list[str]) -> None:
        """A NAME and at least one shape; without shapes, the usage for that function."""
        self._need(args, 1, COMMAND_HELP[command].split("  ")[0])
        if any("=" not in a for a in args[1:]):
            return
        params = parameters(self.function(args[0]))
        of = f" ({', '.join(params)})" if params else ""
        raise UsageError(
            f"usage: {command} {args[0]} SHAPES...: one shape per parameter{of}, such as "
            "3,2,3 for an array of shape (3, 2, 3) and () for a scalar"
        )

    def cmd_explain(self, args: list[str]) -> None:
        self._need_shapes(":explain", args)
        specs, _ = self._shapes(args[1:])
        self.last = explain_function(args[0], self.function(args[0]), specs)
        self.print(str(self.last))

    def _explained(self) -> Any:
        if self.last is None:
            raise UsageError("nothing explained yet: run :explain NAME SHAPES... first")
        return self.last

    def cmd_equations(self, args: list[str]) -> None:
        eqs = self._explained().equations
        self.print("\n".join(eqs) if eqs else "(no contractions)")

    def cmd_path(self, args: list[str]) -> None:
        paths = self._explained().path
        self.print("\n\n".join(str(p) for p in paths) if paths else "(no contractions)")

    def cmd_source(self, args: list[str]) -> None:
        self.print(self._explained().source.rstrip())

    def cmd_graph(self, args: list[str]) -> None:
        self.print(self._explained().graph)

    def cmd_dot(self, args: list[str]) -> None:

        self._need(args, 1, ":dot FILE")
        self.print(f"wrote {write_picture(self._explained().to_dot(), args[0])}")

    def cmd_run(self, args: list[str]) -> None:
        self._need_shapes(":run", args)
        specs, opts = self._shapes(args[1:])
        try:
            seed = int(opts.get("seed", 0))
        except ValueError:
            raise UsageError(f"seed must be an integer, got {opts['seed']!r}") from None
        self.print(run_function(args[0], self.function(args[0]), specs, seed))

    def cmd_load(self, args: list[str]) -> None:
        self._need(args, 1, ":load FILE")
        path = Path(args[0]).expanduser()
        if not path.is_file():
            raise UsageError(f"no such file: {args[0]!r}")
        text = (
            path.read_text(encoding="utf-8-sig")
            if path.suffix.lower() == ".ax"
            else config_to_ax(path)
        )
        self.add(text, str(path), loading=True)

    def cmd_save(self, args: list[str]) -> None:
        self._need(args, 1, ":save FILE")
        path = Path(args[0]).expanduser()
        path.write_text("# axcomp session\n" + self.text + ("\n" if self.text else ""))
        self.print(f"wrote {path} ({len(self.statements)} statements)")

    def cmd_names(self, args: list[str]) -> None:
        if not self.statements:
            self.print("(no names yet)")
            return
        width = max(len(n) for n in self.statements)
        for name, text in self.statements.items():
            code = "\n".join(_code_part(ln) for ln in text.splitlines())
            first = " ".join(code.split())
            kind = "kernel" if first.startswith("kernel ") else "function"
            body = first.split("=", 1)[1].strip() if "=" in first else first
            if kind == "kernel":
                body = first.removeprefix("kernel ").removeprefix(name).strip()
            self.print(f"{name.ljust(width)}  {kind:8}  {_shorten(body, 70)}")

    def cmd_help(self, args: list[str]) -> None:
        self.print("Type DSL statements (kernel NAME(...) = ..., NAME = vmap(...)); a statement")
        self.print(
            "goes on to the next line while brackets are open or a line ends in an operator."
        )
        self.print("Commands:")
        for text in COMMAND_HELP.values():
            self.print("  " + text)


def _code(statement: str) -> str:
    """A statement's code, without comments or layout (to tell a real redefinition)."""
    return " ".join(" ".join(_code_part(ln) for ln in statement.splitlines()).split())


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


# --- the terminal front end --------------------------------------------------------------------
def history_path() -> Path:
    """``$XDG_DATA_HOME/axcomp/history`` (default ``~/.local/share/axcomp/history``)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "share"
    )
    return Path(base) / "axcomp" / "history"


_TOKEN = re.compile(
    r"(?P<comment>#.*)|(?P<string>\"[^\"]*\"?|'[^']*'?)|(?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)"
    r"|(?P<name>[A-Za-z_]\w*)|(?P<command>^\s*:\w*)|(?P<op>->|\*\*|[-+*/=<>!]=?)|(?P<other>.)"
)
STYLE = {
    "class:keyword": "bold #c678dd",
    "class:transform": "bold #61afef",
    "class:kwarg": "#d19a66",
    "class:constant": "#d19a66",
    "class:builtin": "#56b6c2",
    "class:defined": "#e5c07b",
    "class:number": "#98c379",
    "class:string": "#98c379",
    "class:comment": "italic #7f848e",
    "class:command": "bold #e06c75",
    "class:operator": "#abb2bf",
}


def tokenize(line: str, names: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(style, text) fragments for one line of DSL input (no Pygments needed)."""
    known = set(names)
    out: list[tuple[str, str]] = []
    for m in _TOKEN.finditer(line):
        kind, text = m.lastgroup, m.group()
        style = ""
        if kind == "name":
            if text in KEYWORDS:
                style = "class:keyword"
            elif text in TRANSFORMS:
                style = "class:transform"
            elif text in TRANSFORM_KEYWORDS:
                style = "class:kwarg"
            elif text in CONSTANTS:
                style = "class:constant"
            elif text in REDUCTIONS or text in FUNCTIONS or text in WINDOW_FUNCTIONS:
                style = "class:builtin"
            elif text in known:
                style = "class:defined"
        elif kind in ("comment", "number", "string", "command"):
            style = f"class:{kind}"
        elif kind == "op":
            style = "class:operator"
        out.append((style, text))
    return out


def _prompt_toolkit_parts(session: Session) -> tuple[Any, Any, Any, Any]:
    from prompt_toolkit.completion import Completer, Completion, PathCompleter
    from prompt_toolkit.document import Document
    from prompt_toolkit.formatted_text import StyleAndTextTuples
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.lexers import Lexer
    from prompt_toolkit.styles import Style

    class DslLexer(Lexer):
        def lex_document(self, document: Document) -> Callable[[int], StyleAndTextTuples]:
            lines = document.lines
            names = session.names()

            def get_line(lineno: int) -> StyleAndTextTuples:
                return list(tokenize(lines[lineno], names)) if lineno < len(lines) else []

            return get_line

    class DslCompleter(Completer):
        paths = PathCompleter(expanduser=True)

        def get_completions(self, document: Document, complete_event: Any) -> Iterator[Completion]:
            line = document.current_line_before_cursor
            words = line.split()
            if line.lstrip().startswith(":") and (len(words) <= 1 and not line.endswith(" ")):
                word = line.lstrip()
                for cmd in COMMANDS:
                    if cmd.startswith(word):
                        yield Completion(cmd, -len(word))
                return
            if (
                words
                and words[0] in (":load", ":save", ":dot")
                and (len(words) > 1 or line.endswith(" "))
            ):
                path_text = "" if line.endswith(" ") else words[-1]
                yield from self.paths.get_completions(
                    Document(path_text, len(path_text)), complete_event
                )
                return
            m = re.search(r"[A-Za-z_]\w*$", line)
            word = m.group() if m else ""
            if not word:
                return
            candidates = list(session.names())
            if not line.lstrip().startswith(":"):
                candidates += [
                    *KEYWORDS,
                    *TRANSFORMS,
                    *TRANSFORM_KEYWORDS,
                    *CONSTANTS,
                    *REDUCTIONS,
                    *FUNCTIONS,
                    *WINDOW_FUNCTIONS,
                ]
            seen: set[str] = set()
            for cand in candidates:
                if cand.startswith(word) and cand != word and cand not in seen:
                    seen.add(cand)
                    yield Completion(cand, -len(word))

    bindings = KeyBindings()

    @bindings.add("enter")
    def _enter(event: Any) -> None:
        buf = event.current_buffer
        # Submit a complete statement; otherwise keep typing on a new line (long kernels).
        if is_complete(buf.text):
            buf.validate_and_handle()
        else:
            buf.insert_text("\n")

    @bindings.add("escape", "enter")
    def _newline(event: Any) -> None:
        event.current_buffer.insert_text("\n")

    return (
        DslLexer(),
        DslCompleter(),
        bindings,
        Style.from_dict({k.removeprefix("class:"): v for k, v in STYLE.items()}),
    )


def _interactive(session: Session) -> None:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    hist = history_path()
    hist.parent.mkdir(parents=True, exist_ok=True)
    lexer, completer, bindings, style = _prompt_toolkit_parts(session)
    prompt: PromptSession[str] = PromptSession(
        history=FileHistory(str(hist)),
        lexer=lexer,
        completer=completer,
        key_bindings=bindings,
        style=style,
        multiline=True,
        complete_while_typing=False,
        prompt_continuation=lambda width, line_number, is_soft_wrap: CONTINUATION.rjust(width),
    )
    session.print("axcomp REPL: type DSL statements, :help for commands, :quit or Ctrl-D to leave")
    while True:
        try:
            text = prompt.prompt(PROMPT)
        except KeyboardInterrupt:
            continue  # Ctrl-C drops the current input, as in Python's REPL
        except EOFError:
            break
        try:
            if not session.handle(text):
                break
        except KeyboardInterrupt:
            # Ctrl-C during :run or a long compile cancels that input, not the session;
            # handle() changes the session only when an input completes
            session.print("interrupted")


def _scripted(session: Session, stream: TextIO) -> None:
    origin = getattr(stream, "name", None)
    origin = origin if isinstance(origin, str) and origin != "<stdin>" else "<stdin>"
    buffer: list[str] = []
    first_line = 1  # the script's line number of the buffer's first line
    for number, line in enumerate(stream, start=1):
        if not buffer:
            first_line = number
        buffer.append(line.rstrip("\n"))
        text = "\n".join(buffer)
        if not is_complete(text):
            continue
        buffer = []
        if not session.handle(text, origin, first_line):
            return
    if buffer and any(ln.strip() for ln in buffer):
        # an unfinished statement at EOF: report its error
        session.handle("\n".join(buffer), origin, first_line)


def run_repl(
    file: str | None = None, *, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    """Start the REPL; returns the exit code (1 if a scripted session had an error)."""
    stdin = stdin or sys.stdin
    session = Session(out=stdout or sys.stdout)
    if file:
        session.handle(f":load {shlex.quote(file)}")
    interactive = stdin.isatty() and (stdout or sys.stdout).isatty()
    if interactive:
        _interactive(session)
        return 0
    _scripted(session, stdin)
    return 1 if session.failures else 0
