"""DSL error classes. All are ``SpecSyntaxError`` (so ``AxcompError`` and ``ValueError``)
and show the line, column, the offending line with a caret, and a one-line hint."""

from __future__ import annotations

from ..errors import (
    AxisSpecTypeError,
    ShapeError,
    SpecSyntaxError,
    UnboundAxisError,
    UnsupportedError,
)
from .source import Pos, Source


class DslError(SpecSyntaxError):
    """Base of every positioned DSL error."""

    def _render(self) -> str:
        # "<where>, line L, column C: message", then the caret excerpt and the hint
        parts = [p for p in (self.source_name,) if p]
        if self.line is not None:
            parts.append(f"line {self.line}, column {self.column}")
        text = f"{', '.join(parts)}: {self.message}" if parts else self.message
        if self.context:
            text += "\n" + self.context.rstrip("\n")
        if self.hint:
            text += f"\nhint: {self.hint}"
        return text


class DslSyntaxError(DslError):
    """The text does not parse."""


class DslNestingError(DslSyntaxError):
    """The text nests deeper than ``axcomp.dsl.MAX_NESTING``."""


class DslNameError(DslError):
    """An undefined, reserved or twice-bound name, or a cycle of calls."""


class DslIndexError(DslError):
    """Index names that break the Einstein convention or a declared rank."""


class DslCallError(DslError):
    """A call with the wrong number or kind of arguments, or failing inside the callee."""


class DslShapeError(DslError, ShapeError):
    """Arrays whose ranks or axis sizes do not fit a kernel's declared axes (at call time)."""


class DslUnboundAxisError(DslError, UnboundAxisError):
    """A collective names an axis that no enclosing ``vmap(..., axis_name=...)`` binds (at
    call time; also a ``NameError``, like JAX)."""


class DslAxisSpecError(DslError, AxisSpecTypeError):
    """A transform expression with a bad keyword or in_axes/out_axes/argnums value."""


class DslUnsupportedError(DslError, UnsupportedError):
    """Parsed, but not available in this build (grad before axcomp.autodiff exists)."""


class ConfigError(DslError):
    """A config file (TOML/YAML) whose layout is wrong; names the file and the key."""


def error(
    cls: type[DslError], message: str, source: Source, pos: Pos | None, hint: str
) -> DslError:
    """Build a positioned error of class ``cls`` for ``pos`` in ``source``."""
    if pos is None:
        return cls(message, hint=hint, source_name=source.name)
    return cls(
        message,
        line=pos.line,
        column=pos.column,
        context=source.excerpt(pos),
        hint=hint,
        source_name=source.where(pos),
    )
