"""One traced signature through the pipeline: simplify, expand, lower to a Plan, emit, compile."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import pytree
from ..backends.target import NUMPY_TARGET, Target
from ..compiler import expand, lower, simplify
from ..core.chunks import ChunkPlan
from ..core.graph import Graph
from ..core.plan import Plan
from ..tracing.trace import LevelRecord

#: Set AXCOMP_VERIFY=1 to check the graph after tracing and after every pass (the test
#: suite does); a failure is a compiler bug, reported as ``GraphError``.
VERIFY = os.environ.get("AXCOMP_VERIFY", "") not in ("", "0")


@dataclass(frozen=True)
class Traced:
    """The result of tracing a function for one signature."""

    graph: Graph
    out_treedef: pytree.TreeDef
    arg_names: tuple[str, ...]
    levels: tuple[LevelRecord, ...] = ()  # every vmap call, outermost first (for explain)
    # an eager trace's guards: the concrete values its Python control flow read, in order
    # (the graph's outputs are then ``(outputs, guards)``)
    guards: tuple[Any, ...] = ()


@dataclass(frozen=True, eq=False)
class Compiled:
    """A compiled program for one signature: graph, plan and generated code."""

    name: str
    graph: Graph
    plan: Plan
    source: str
    function: Callable[..., Any]
    out_treedef: pytree.TreeDef
    call_flat: Callable[..., Any]
    levels: tuple[LevelRecord, ...] = ()  # every vmap call, outermost first (for explain)
    target: Target = NUMPY_TARGET  # where it runs (transforms.targets.choose_target)
    chunks: ChunkPlan | None = None  # set when the program runs in blocks (transforms.chunking)
    traced: Graph | None = None  # the graph before the passes (what blocked runs are proven on)

    @property
    def backend(self) -> str:
        """The emitter that printed the code (``numpy`` or ``array_api``)."""
        return self.target.emitter

    @property
    def namespace(self) -> str:
        """The array library of the arguments."""
        return self.target.namespace

    def run(self, leaves: list[Any]) -> Any:
        return self.call_flat(*leaves)

    @property
    def equations(self) -> list[str]:
        return [s.contraction.equation for s in self.plan.contractions if s.contraction]


def compile_traced(traced: Traced, name: str, target: Target | None = None) -> Compiled:
    """Compile for ``target`` (``targets.choose_target``; NumPy by default): the program
    its blocks run (``Target.block``), with that target's passes and emitter."""
    target = target.block if target is not None else NUMPY_TARGET
    if VERIFY:
        traced.graph.verify()
    graph = simplify(traced.graph, verify=VERIFY)
    if target.expand_gemm:
        graph = expand.expand(graph, verify=VERIFY)
    plan = lower(graph, traced.arg_names)
    source, fn = target.build(plan, name)
    call_flat = _output_adapter(fn, traced.out_treedef, len(plan.outputs))
    return Compiled(
        name,
        graph,
        plan,
        source,
        fn,
        traced.out_treedef,
        call_flat,
        traced.levels,
        target,
        traced=traced.graph,
    )


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
