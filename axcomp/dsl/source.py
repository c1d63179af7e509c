"""Text with a name, and the caret excerpts that every DSL error shows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pos:
    """A 1-based position in a Source; ``width`` is how many carets to draw."""

    line: int
    column: int
    width: int = 1


@dataclass(frozen=True)
class Source:
    """DSL text plus where it came from (a file, a config key, a string).

    ``file_line`` / ``file_column`` locate line 1, column 1 of this text inside an
    enclosing file (a config file's value), when the format lets us know it.
    """

    text: str
    name: str = "<string>"
    file_line: int | None = None
    file_column: int | None = None

    def line_text(self, line: int) -> str:
        lines = self.text.splitlines()
        return lines[line - 1] if 1 <= line <= len(lines) else ""

    def excerpt(self, pos: Pos) -> str:
        """The offending line with a caret under the token (tabs kept so columns line up)."""
        text = self.line_text(pos.line)
        pad = "".join(c if c == "\t" else " " for c in text[: max(pos.column - 1, 0)])
        width = max(1, min(pos.width, max(len(text) - pos.column + 1, 1)))
        return f"    {text}\n    {pad}{'^' * width}"

    def where(self, pos: Pos) -> str:
        """The source name, plus the position inside the enclosing file when known."""
        if self.file_line is None:
            return self.name
        line = self.file_line + pos.line - 1
        if pos.line == 1 and self.file_column is not None:
            return f"{self.name} (file line {line}, column {self.file_column + pos.column - 1})"
        return f"{self.name} (file line {line})"
