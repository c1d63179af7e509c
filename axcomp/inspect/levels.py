"""The vmap levels of a compiled spec, as ``explain`` and the pictures report them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MappedAxis:
    """One argument axis that a vmap level maps."""

    argument: str  # the vmapped function's parameter, with its pytree path (e.g. ``v``)
    axis: int  # the logical axis of that argument, as the vmapped function sees it
    source: str  # the graph's name for that axis before mapping, e.g. ``M.0`` (input M, axis 0)

    def __str__(self) -> str:
        origin = _source_text(self.source)
        text = f"{self.argument} axis {self.axis}"
        return text if not origin or origin == text else f"{text} (= {origin})"


@dataclass(frozen=True)
class LevelInfo:
    """One vmap call: what it maps and where its batch axis ends up."""

    depth: int  # 0 for the outermost level
    axis_name: str  # the batch axis's name in the axis graph
    size: int
    function: str  # the function being vmapped
    in_axes: Any
    out_axes: Any
    mapped: tuple[MappedAxis, ...]
    # Position of the batch axis in each output of the vmapped function itself (out_axes
    # resolved; None where out_axes was None).
    placed: tuple[int | None, ...]
    # Position of the batch axis in each output of the whole program; None where it was
    # reduced away by an enclosing kernel (or never reached that output).
    output_axes: tuple[int | None, ...]

    @property
    def output_axis(self) -> int | None:
        """The batch axis's position in the program's (first) output."""
        return self.output_axes[0] if self.output_axes else None

    def __str__(self) -> str:
        maps = ", ".join(str(m) for m in self.mapped) or f"nothing (axis_size={self.size})"
        lands = positions_text(self.output_axes)
        return (
            f"level {self.depth + 1} '{self.axis_name}' (size {self.size}): vmap({self.function}, "
            f"in_axes={self.in_axes!r}, out_axes={self.out_axes!r}) maps {maps}; "
            f"output axis {lands}"
        )


def _source_text(source: str) -> str:
    m = re.fullmatch(r"(.+)\.(\d+)", source)
    return f"{m.group(1)} axis {m.group(2)}" if m else source


def positions_text(positions: Sequence[int | None]) -> str:
    texts = ["reduced" if p is None else str(p) for p in positions]
    if len(texts) == 1:
        return texts[0]
    return ", ".join(f"out[{k}]: {t}" for k, t in enumerate(texts))
