"""``axcomp.load``: modules from .ax, .toml and .yaml/.yml files.

A config file holds DSL text only: a ``[kernels]`` table (name → kernel text without the
``kernel NAME`` prefix), a ``[functions]`` table (name → transform expression) and an
optional ``source`` (a whole module). Python reaches the text only through the caller's
``kernels=`` registry: nothing is imported and nothing is evaluated.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import ast
from .errors import ConfigError, DslError, error
from .module import Module, Registry, build_module
from .parser import parse_function, parse_kernel, parse_module
from .source import Pos, Source
from .suggest import did_you_mean
from .toml_text import parse_toml

KEYS = ("source", "kernels", "functions")


@dataclass(frozen=True)
class Entry:
    """One string from a config file, and where its text starts in the file (1-based)."""

    key: str  # "kernels.matvec", "functions.pairwise" or "source"
    text: str
    line: int | None = None
    column: int | None = None


def load(path: str | os.PathLike[str], *, kernels: Registry | None = None) -> Module:
    """Read a module from a ``.ax``, ``.toml``, ``.yaml`` or ``.yml`` file."""
    file = Path(path)
    name = str(path)
    try:
        text = file.read_text(encoding="utf-8-sig")  # -sig: a leading BOM is not text
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{name} is not UTF-8 text ({exc.reason})",
            hint="save the file as UTF-8",
            source_name=name,
        ) from None
    suffix = file.suffix.lower()
    if suffix == ".ax":
        return build_module(parse_module(Source(text, name)), kernels, name)
    if suffix == ".toml":
        entries = _toml_entries(text, name)
    elif suffix in (".yaml", ".yml"):
        entries = _yaml_entries(text, name)
    else:
        raise ConfigError(
            f"cannot load {name}: unknown file type {suffix or '(none)'!r}",
            hint="use .ax, .toml, .yaml or .yml",
            source_name=name,
        )
    return build_module(_statements(entries, name), kernels, name)


def _statements(entries: list[Entry], file: str) -> tuple[ast.Statement, ...]:
    out: list[ast.Statement] = []
    for e in entries:
        src = Source(e.text, f"{file}, key {e.key!r}", e.line, e.column)
        if e.key == "source":
            out.extend(parse_module(src))
            continue
        table, name = e.key.split(".", 1)
        if table == "kernels":
            kdef = parse_kernel(src, name)
            if kdef.name != name:
                raise error(
                    ConfigError,
                    f"kernel text names {kdef.name!r} under key {name!r}",
                    src,
                    kdef.pos,
                    "drop the `kernel NAME` prefix; the key names it",
                )
            out.append(kdef)
        else:
            out.append(ast.Binding(Pos(1, 1, len(e.text)), name, parse_function(src), src))
    return tuple(out)


def _check_layout(data: Any, file_src: Source, where: dict[str, Pos]) -> list[tuple[str, Any]]:
    """(key, value) pairs of the config, checked against the documented layout; ``where``
    gives each key's position in the file when the format reports it."""
    file = file_src.name

    def fail(message: str, key: str, hint: str) -> DslError:
        return error(ConfigError, f"{message} (key {key!r})", file_src, where.get(key), hint)

    if not isinstance(data, dict):
        raise ConfigError(
            f"{file} must hold a table/mapping at the top",
            hint="use keys source, kernels and functions",
            source_name=file,
        )
    pairs: list[tuple[str, Any]] = []
    for key, value in data.items():
        if key not in KEYS:
            raise fail(
                f"unknown key {key!r}",
                str(key),
                did_you_mean(str(key), KEYS, "allowed keys: " + ", ".join(KEYS)),
            )
        if key == "source":
            if not isinstance(value, str):
                raise fail("source must be a string of DSL text", key, 'source = """..."""')
            pairs.append((key, value))
            continue
        if not isinstance(value, dict):
            raise fail(
                f"{key} must be a table mapping names to DSL text",
                key,
                f'[{key}] with lines like  name = "..."',
            )
        for name, text in value.items():
            full = f"{key}.{name}"
            if not isinstance(name, str) or not name.isidentifier():
                raise fail(f"{name!r} is not a usable name", full, "use an identifier")
            if not isinstance(text, str):
                kind = text.kind if isinstance(text, _Opaque) else type(text).__name__
                raise fail(
                    f"the value must be a string of DSL text, got {kind}", full, f'{name} = "..."'
                )
            pairs.append((full, text))
    return pairs


# ---------------------------------------------------------------- TOML


def _toml_entries(text: str, file: str) -> list[Entry]:
    data = parse_toml(text, file)
    lines = text.splitlines()
    where: dict[str, Pos] = {}
    entries = []
    for key, value in _check_layout(data, Source(text, file), where):
        located = _toml_locate(lines, key, value)
        entries.append(Entry(key, value, *(located or (None, None))))
    return entries


def _toml_locate(lines: list[str], key: str, value: str) -> tuple[int, int] | None:
    """Where ``value``'s text starts in the file (best effort: plain keys only)."""
    section, _, name = key.rpartition(".")
    current = ""
    for i, line in enumerate(lines, start=1):
        header = re.match(r"\s*\[\s*([A-Za-z0-9_.\-]+)\s*\]", line)
        if header:
            current = header.group(1)
            continue
        m = re.match(rf"\s*{re.escape(name)}\s*=\s*", line)
        if m is None or current != section:
            continue
        rest = line[m.end() :]
        if rest[:3] in ('"""', "'''"):
            if not rest[3:].strip():
                return i + 1, 1  # TOML drops the newline right after the opening quotes
            return i, m.end() + 4
        first = value.splitlines()[0] if value else ""
        at = rest.find(first)
        return (i, m.end() + at + 1) if at >= 0 else None
    return None


# ---------------------------------------------------------------- YAML


def _yaml_entries(text: str, file: str) -> list[Entry]:
    import yaml

    try:
        # compose() builds plain nodes with positions and never constructs Python objects
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(
            f"invalid YAML{at}: {getattr(exc, 'problem', exc)}",
            hint="check the indentation and quoting",
            source_name=file,
        ) from None
    where: dict[str, Pos] = {}
    starts: dict[str, tuple[int, int]] = {}
    file_src = Source(text, file)
    data = _yaml_value(root, "", where, starts, file_src)
    pairs = _check_layout(data, file_src, where)
    return [Entry(key, value, *starts.get(key, (None, None))) for key, value in pairs]


def _yaml_value(
    node: Any,
    key: str,
    where: dict[str, Pos],
    starts: dict[str, tuple[int, int]],
    file_src: Source,
) -> Any:
    import yaml

    if node is None:
        return None
    where.setdefault(key, Pos(node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode) and key.count(".") < 1:
        out: dict[str, Any] = {}
        for k, v in node.value:
            name = k.value if isinstance(k, yaml.ScalarNode) else repr(k)
            full = f"{key}.{name}" if key else name
            where[full] = Pos(k.start_mark.line + 1, k.start_mark.column + 1)
            if name in out:
                raise error(
                    ConfigError,
                    f"key {full!r} appears twice",
                    file_src,
                    where[full],
                    "a module binds each name once",
                )
            out[name] = _yaml_value(v, full, where, starts, file_src)
        return out
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str":
        starts[key] = _yaml_text_start(node)
        return node.value
    return _Opaque(node.tag.rsplit(":", 1)[-1])


class _Opaque:
    """A YAML value that is not a string or a mapping; only its type is reported."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __repr__(self) -> str:
        return self.kind


def _yaml_text_start(node: Any) -> tuple[int, int]:
    mark = node.start_mark
    if node.style in ("|", ">"):
        lines = mark.buffer.splitlines() if mark.buffer else []
        nxt = lines[mark.line + 1] if mark.line + 1 < len(lines) else ""
        return mark.line + 2, len(nxt) - len(nxt.lstrip(" ")) + 1
    if node.style in ('"', "'"):
        return mark.line + 1, mark.column + 2
    return mark.line + 1, mark.column + 1
