"""The DSL's syntax tree: frozen dataclasses, each with the position of its token."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .source import Pos, Source

# ---------------------------------------------------------------- index expressions


@dataclass(frozen=True)
class Label:
    """An index name: in a parameter's axes, an occurrence, a reduction or the output."""

    pos: Pos
    name: str


@dataclass(frozen=True)
class Number:
    pos: Pos
    value: int | float


@dataclass(frozen=True)
class Ref:
    """A bare name: a scalar parameter, or a whole array passed to a call."""

    pos: Pos
    name: str


@dataclass(frozen=True)
class Indexed:
    """``x[i, j]``: a parameter with one index name per axis."""

    pos: Pos
    name: str
    labels: tuple[Label, ...]


@dataclass(frozen=True)
class Negate:
    pos: Pos
    operand: Expr


@dataclass(frozen=True)
class Binary:
    """``+ - * / **`` and comparisons; ``op`` is the operator's text."""

    pos: Pos
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Reduction:
    """``sum[i, j](body)`` and the other reducers."""

    pos: Pos
    fn: str
    labels: tuple[Label, ...]
    body: Expr


@dataclass(frozen=True)
class Call:
    """``f(a, b)`` or ``f(a, b)[i, j]``: a built-in function or another kernel."""

    pos: Pos
    name: str
    args: tuple[Expr, ...]
    labels: tuple[Label, ...] | None


@dataclass(frozen=True)
class WindowOption:
    """``stride=2``, ``padding="SAME"``, ``window=(2, 2)`` in a window function."""

    pos: Pos
    name: str
    value: Any  # an int, float, str or a tuple of them


@dataclass(frozen=True)
class Window:
    """``conv[t:k, ...](x, w, ...)`` and the pools ``max_pool[t, ...](x, window=...)``: a
    function over windows along the named indices (``kernels``: each one's kernel index,
    ``t:k``'s ``k``, None where none is written)."""

    pos: Pos
    fn: str
    labels: tuple[Label, ...]
    kernels: tuple[Label | None, ...]
    operands: tuple[Expr, ...]
    options: tuple[WindowOption, ...]


Expr = Number | Ref | Indexed | Negate | Binary | Reduction | Call | Window

# ---------------------------------------------------------------- transform expressions


@dataclass(frozen=True)
class Literal:
    """An int, float, string, None, True or False in a transform expression."""

    pos: Pos
    value: int | float | str | bool | None


@dataclass(frozen=True)
class Container:
    """A tuple, list or dict literal; dict items are (key, value) pairs."""

    pos: Pos
    kind: str  # "tuple" | "list" | "dict"
    items: tuple[Value, ...] | tuple[tuple[Value, Value], ...]


@dataclass(frozen=True)
class FunctionRef:
    pos: Pos
    name: str


@dataclass(frozen=True)
class Argument:
    pos: Pos
    keyword: str | None
    value: Value


@dataclass(frozen=True)
class TransformCall:
    """``vmap(f, in_axes=...)`` and friends."""

    pos: Pos
    name: str
    args: tuple[Argument, ...]


Value = Literal | Container | FunctionRef | TransformCall

# ---------------------------------------------------------------- statements


@dataclass(frozen=True)
class Param:
    pos: Pos
    name: str
    axes: tuple[Label, ...]  # empty for a scalar


@dataclass(frozen=True)
class KernelDef:
    pos: Pos  # of the kernel's name
    name: str
    params: tuple[Param, ...]
    output: tuple[Label, ...]  # empty for a scalar result
    body: Expr
    origin: Source = field(compare=False, repr=False)


@dataclass(frozen=True)
class Binding:
    pos: Pos  # of the bound name
    name: str
    value: Value
    origin: Source = field(compare=False, repr=False)


Statement = KernelDef | Binding
