"""The two corpora (main/ and heldout/) and running one program of them.

A program is a standalone file written with JAX imports; it defines ``main()``, which
prints and returns a pytree of arrays and numbers. Running it executes the file as a
fresh module (its top level included) with stdout captured, then calls ``main()``.
"""

from __future__ import annotations

import contextlib
import io
import runpy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CORPORA = ("main", "heldout")


@dataclass(frozen=True)
class Program:
    corpus: str
    name: str
    path: Path

    @property
    def key(self) -> str:
        return f"{self.corpus}/{self.name}"


def programs(corpus: str) -> list[Program]:
    if corpus not in CORPORA:
        raise ValueError(f"corpus must be one of {CORPORA}, got {corpus!r}")
    folder = HERE / corpus
    return [
        Program(corpus, p.stem, p)
        for p in sorted(folder.glob("*.py"))
        if not p.name.startswith("_")
    ]


def source_line(program: Program) -> str:
    """The program's first comment line, which names where it was translated from."""
    first = program.path.read_text(encoding="utf-8").splitlines()[0]
    return first.removeprefix("#").strip()


#: a program with this comment line is judged on what it prints too (jax.debug.print)
STDOUT_MARKER = "# Compare: stdout"


def compares_stdout(program: Program) -> bool:
    return STDOUT_MARKER in program.path.read_text(encoding="utf-8").splitlines()


@dataclass(frozen=True)
class Ran:
    result: Any
    stdout: str


def run(program: Program) -> Ran:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        namespace = runpy.run_path(str(program.path), run_name=f"corpus_{program.name}")
        result = namespace["main"]()
    return Ran(result, buffer.getvalue())
