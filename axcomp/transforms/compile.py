"""One traced signature through the pipeline: simplify, expand, lower to a Plan, emit, compile."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import pytree
from ..backends.source import compile_source
from ..backends.target import NUMPY_TARGET, Target
from ..compiler import expand, lower, simplify
from ..config import config as _CONFIG
from ..core.array_impl import ArrayImpl, as_array
from ..core.chunks import ChunkPlan
from ..core.float_errors import quiet, restore
from ..core.graph import Graph
from ..core.plan import Plan
from ..core.plan_verify import verify_plan
from ..tracing.trace import LevelRecord

#: Set AXCOMP_VERIFY=1 to check the graph after tracing and after every pass (the test
#: suite does); a failure is a compiler bug, reported as ``GraphError``. JAX's
#: ``jax_enable_checks`` turns the same checks on, and the plan's (``verify_plan``).
VERIFY = os.environ.get("AXCOMP_VERIFY", "") not in ("", "0")


def _checking() -> bool:
    return VERIFY or bool(_CONFIG.jax_enable_checks)


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


@dataclass(frozen=True, eq=False)
class BlockProgram:
    """A chunked call's block program through the graph passes, lowered only when its
    ``plan`` is first read and never emitted: the chunk driver emits the blocks' code
    itself, and a block whose invariant work is hoisted (``compiler.hoist``) runs a plan
    lowered from ``graph`` there, so the plain plan is often never needed."""

    graph: Graph  # after simplify and the target's rewrites
    traced: Graph  # before them (what block_matches compares)
    arg_names: tuple[str, ...]
    target: Target
    runs: int  # how often a call runs it (the fused loops' cost model)

    @functools.cached_property
    def plan(self) -> Plan:
        return lower(
            self.graph,
            self.arg_names,
            fuse_min=self.target.fuse_min,
            repeat=self.runs,
            orient_gemms=functools.cache(lambda: self.target.orients_gemms),
        )


def block_program(traced: Traced, target: Target | None = None, runs: int = 1) -> BlockProgram:
    """``traced`` through the passes of ``target`` (``targets.choose_target``; NumPy by
    default) for the program its blocks run (``Target.block``); ``runs``: how often a call
    runs the program (a chunked call's blocks), for the fused loops' cost model."""
    target = target.block if target is not None else NUMPY_TARGET
    checks = _checking()
    if checks:
        traced.graph.verify()
    graph = simplify(traced.graph, verify=checks)
    if target.expand_gemm:
        graph = expand.expand(graph, verify=checks)
    return BlockProgram(graph, traced.graph, traced.arg_names, target, runs)


def compile_traced(
    traced: Traced,
    name: str,
    target: Target | None = None,
    threads: int | None = None,
    runs: int = 1,
) -> Compiled:
    """Compile for ``target`` (``targets.choose_target``; NumPy by default): the program
    its blocks run (``Target.block``), with that target's passes and emitter; ``threads``
    bounds the threads its fused loops use (the ``threads`` option); ``runs``: how often a
    call runs the program (a chunked call's blocks), for the fused loops' cost model."""
    program = block_program(traced, target, runs)
    graph, plan, target = program.graph, program.plan, program.target
    if _CONFIG.jax_enable_checks:  # (AXCOMP_VERIFY checks every plan as it is lowered)
        verify_plan(plan)
    source, fn = target.build(plan, name, threads)
    call_flat = _output_adapter(
        fn, traced.out_treedef, len(plan.outputs), target.emitter, len(plan.inputs)
    )
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
    fn: Callable[..., Any],
    treedef: pytree.TreeDef,
    n_out: int,
    emitter: str = "numpy",
    n_in: int | None = None,
) -> Callable[..., Any]:
    """The call that runs a program and returns its outputs in their pytree. For NumPy
    programs, ``ArrayImpl`` arguments enter as plain ndarrays (the generated code's
    ufuncs and methods must be NumPy's, not the array type's) and outputs leave as
    ``ArrayImpl``s: one view each; the program runs with NumPy's floating-point errors
    ignored, as JAX computes (``core.float_errors``: 0.3 us a call, with the views the
    per-call cost)."""
    if emitter != "numpy":
        return _structured(fn, treedef, n_out)
    if treedef.kind == "leaf":
        if n_in is not None and n_in <= _MAX_ENTRY_INPUTS:
            return _entry_maker(n_in)(
                fn, type, ArrayImpl, np.ndarray.view, np.ndarray, as_array, quiet, restore
            )
        return _one_array(fn)
    if treedef.kind == "tuple" and all(c.kind == "leaf" for c in treedef.children) and n_out > 1:
        return _array_tuple(fn)
    return _structured(lambda *leaves: _all_arrays(fn, leaves, n_out), treedef, n_out)


def _plain_leaves(leaves: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple([x.view(np.ndarray) if type(x) is ArrayImpl else x for x in leaves])


def _entering(leaves: tuple[Any, ...]) -> tuple[Any, ...]:
    for x in leaves:
        if type(x) is ArrayImpl:
            return _plain_leaves(leaves)
    return leaves


#: programs with up to this many inputs get a generated entry (``_entry_maker``)
_MAX_ENTRY_INPUTS = 32
_ENTRY_MAKERS: dict[int, Callable[..., Callable[..., Any]]] = {}


def _entry_maker(n: int) -> Callable[..., Callable[..., Any]]:
    """A factory of ``_one_array``'s call for programs of ``n`` inputs, generated once per
    ``n``: named parameters instead of ``*leaves``, the input check unrolled, helpers in
    closure cells. A cached call pays one frame, one ``view`` for the array type and the
    switch of NumPy's error state (B2). Its names are all ours (``a0``.., ``_``-names):
    no user text enters it."""
    make = _ENTRY_MAKERS.get(n)
    if make is None:
        params = ", ".join(f"a{i}" for i in range(n))
        lines = [
            "def _make(_fn, _type, _impl, _view, _nd, _as_array, _quiet, _restore):",
            f"    def _entry({params}):",
        ]
        for i in range(n):
            lines += [f"        if _type(a{i}) is _impl:", f"            a{i} = _view(a{i}, _nd)"]
        lines += [
            "        _token = _quiet()",
            "        try:",
            f"            _out = _fn({params})",
            "        finally:",
            "            _restore(_token)",
            "        return _view(_out, _impl) if _type(_out) is _nd else _as_array(_out)",
            "    return _entry",
        ]
        make = _ENTRY_MAKERS[n] = compile_source("\n".join(lines) + "\n", "_make", {})
    return make


def _one_array(fn: Callable[..., Any]) -> Callable[..., Any]:
    ndarray, impl = np.ndarray, ArrayImpl

    def call(*leaves: Any) -> Any:
        for x in leaves:  # (_entering, inlined: this is every cached call's path)
            if type(x) is impl:
                leaves = _plain_leaves(leaves)
                break
        token = quiet()
        try:
            out = fn(*leaves)
        finally:
            restore(token)
        return out.view(impl) if type(out) is ndarray else as_array(out)

    return call


def _array_tuple(fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(*leaves: Any) -> Any:
        token = quiet()
        try:
            out = fn(*_entering(leaves))
        finally:
            restore(token)
        return tuple([as_array(x) for x in out])

    return call


def _all_arrays(fn: Callable[..., Any], leaves: tuple[Any, ...], n_out: int) -> Any:
    token = quiet()
    try:
        out = fn(*_entering(leaves))
    finally:
        restore(token)
    return as_array(out) if n_out == 1 else tuple([as_array(x) for x in out])


def _structured(fn: Callable[..., Any], treedef: pytree.TreeDef, n_out: int) -> Callable[..., Any]:
    if treedef.kind == "leaf":
        return fn
    if treedef.kind == "tuple" and all(c.kind == "leaf" for c in treedef.children) and n_out > 1:
        return fn

    def call(*leaves: Any) -> Any:
        out = fn(*leaves)
        return pytree.unflatten(treedef, (out,) if n_out == 1 else out)

    return call
