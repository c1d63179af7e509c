"""The one TOML reader of the package (config files and the REPL's ``:load``).

Python 3.11+ has ``tomllib``; on 3.10 the ``tomli`` package (a declared dependency there)
provides the same API. Either way a bad file is a ``ConfigError`` naming the file.
"""

from __future__ import annotations

from typing import Any

from .errors import ConfigError


def parse_toml(text: str, file: str) -> dict[str, Any]:
    """The table ``text`` holds; ``file`` names it in errors."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib
        except ModuleNotFoundError:
            raise ConfigError(
                f"reading {file} needs Python 3.11+ or the tomli package",
                hint="pip install tomli",
                source_name=file,
            ) from None
    try:
        table: dict[str, Any] = tomllib.loads(text)  # (Any to mypy: 3.10 has no tomllib)
        return table
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"invalid TOML: {exc}", hint="check the quoting of the values", source_name=file
        ) from None
