"""One traced signature through the pipeline: simplify, expand, lower to a Plan, emit, compile."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import pytree
from ..backends import BACKENDS
from ..compiler import expand, lower, simplify
from ..core.chunks import ChunkPlan
from ..core.graph import Graph
from ..core.plan import Plan
from ..errors import UnsupportedError
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
    backend: str = "numpy"
    namespace: str = "numpy"  # the array library the code runs on
    chunks: ChunkPlan | None = None  # set when the program runs in blocks (transforms.chunking)
    traced: Graph | None = None  # the graph before the passes (what blocked runs are proven on)

    def run(self, leaves: list[Any]) -> Any:
        return self.call_flat(*leaves)

    @property
    def equations(self) -> list[str]:
        return [s.contraction.equation for s in self.plan.contractions if s.contraction]


def compile_traced(traced: Traced, name: str, namespace: str = "numpy") -> Compiled:
    """Compile for arrays of ``namespace`` (``namespaces.namespace_of``)."""
    backend = "numpy" if namespace == "numpy" else "array_api"
    if VERIFY:
        traced.graph.verify()
    graph = simplify(traced.graph, verify=VERIFY)
    if backend == "numpy":
        # the GEMM expansion's refine step scatters into flat buffers in place (NumPy only);
        # other namespaces compute pairwise squared forms directly
        graph = expand.expand(graph, verify=VERIFY)
    plan = lower(graph, traced.arg_names)
    if backend not in BACKENDS:
        raise UnsupportedError(f"no emitter for arrays of {namespace} yet")
    source, fn = BACKENDS[backend].build(plan, name, namespace)
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
        backend,
        namespace,
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
