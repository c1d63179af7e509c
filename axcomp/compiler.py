"""Lowering plus code generation for one traced signature, packaged as ``Compiled``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import pytree
from .codegen import build_function
from .ir import Graph
from .lowering import Program, lower
from .simplify import simplify
from .staging import Traced
from .tracing import LevelRecord


@dataclass(frozen=True, eq=False)
class Compiled:
    """A compiled program for one signature: graph, lowered statements and generated code."""

    name: str
    graph: Graph
    program: Program
    source: str
    function: Callable[..., Any]
    out_treedef: pytree.TreeDef
    call_flat: Callable[..., Any]
    levels: tuple[LevelRecord, ...] = ()  # every vmap call, outermost first (for explain)

    def run(self, leaves: list[Any]) -> Any:
        return self.call_flat(*leaves)

    @property
    def equations(self) -> list[str]:
        return [s.contraction.equation for s in self.program.contractions if s.contraction]


def compile_traced(traced: Traced, name: str) -> Compiled:
    graph = simplify(traced.graph)
    program = lower(graph, traced.arg_names)
    source, fn = build_function(program, name)
    call_flat = _output_adapter(fn, traced.out_treedef, len(program.outputs))
    return Compiled(name, graph, program, source, fn, traced.out_treedef, call_flat, traced.levels)


def _output_adapter(
    fn: Callable[..., Any], treedef: pytree.TreeDef, n_out: int
) -> Callable[..., Any]:
    if treedef.kind == "leaf":
        return fn  # generated code returns the single array itself: no wrapper on the hot path
    if treedef.kind == "tuple" and all(c.kind == "leaf" for c in treedef.children) and n_out > 1:
        return fn

    def call(*leaves: Any) -> Any:
        out = fn(*leaves)
        return pytree.unflatten(treedef, (out,) if n_out == 1 else out)

    return call
