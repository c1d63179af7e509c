"""A sequential loop over independent rows runs as one block of rows per thread.

A ``scan``/``fori_loop`` takes its steps one after the other, so however many cores there
are, it runs on one: BLAS's threads split each step's small GEMM and wait for each other at
every step (B9's RNN, 200 steps of a (256, 64) state, ran no faster on two cores than on
one). When an axis of the inputs is carried through the whole program position by position
(a batch of sequences: each row of an RNN's state depends only on its own rows of the
inputs), its rows split into one block per thread, each running the whole loop on its rows
with BLAS held to one thread (``backends.runtime.run_blocks``).

The split is proven as a vmap level's is (``chunking.split_graph``: every primitive's axis
relations, loop bodies included), on an axis of the inputs' own shapes: the one axis of
each input that has the split length (an input with two is not split that way). The block
program is the same function traced for a block's shapes, so it must be the proven program
node by node, bodies included (a body that reads ``x.shape[0]`` would differ), or the
program runs whole. It is used only where each block's loops run as compiled loop nests
(``compiler.loop_nests``), whose steps hold no interpreter lock: a loop of NumPy steps on
two threads would take turns dispatching them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from ..backends.blas_threads import one_blas_thread
from ..compiler.memory import temporary_peak
from ..core.chunks import ChunkPlan
from ..core.graph import Graph, Node
from ..core.independence import NotIndependent, Sliced, State
from ..core.plan import Loop, Plan
from ..primitives.control import loop_p
from .chunking import (
    CompileShapes,
    LevelSplit,
    hoisted_block_plan,
    run_in_blocks,
    same_program,
    sliced_shapes,
    split_graph,
)
from .compile import Compiled
from .options import Options

#: The element-steps (a loop's steps times the elements of its carries) a block must get,
#: about half a millisecond of a loop nest's work: fewer, and starting its thread costs a
#: good part of what it saves. A program runs as ``element-steps // BLOCK_ELEMENT_STEPS``
#: blocks at the most (one per thread), and whole below two.
BLOCK_ELEMENT_STEPS = 1 << 19

Shape = tuple[int, ...]


def maybe_split_loops(
    compiled: Compiled,
    shapes: tuple[Shape, ...],
    compile_shapes: CompileShapes,
    options: Options,
) -> Compiled:
    """``compiled``, or the same program run as one block of rows per thread when its loops
    carry an input axis position by position (``compile_shapes`` as ``maybe_chunk``'s)."""
    graph = compiled.traced
    if (
        compiled.chunks is not None
        or compiled.target.emitter != "numpy"
        or graph is None
        or graph.effects
    ):
        return compiled
    blocks = min(
        compiled.target.block_threads(options.threads),
        _element_steps(compiled.plan) // BLOCK_ELEMENT_STEPS,
    )
    found = _row_split(graph, blocks) if blocks > 1 else None
    if found is None:
        return compiled
    split, states, size = found
    in_axes = split.in_axes
    chunk = math.ceil(size / blocks)

    sliced = [k is not None for k in in_axes]
    budget = options.memory_limit
    running = math.ceil(size / chunk)
    # the blocks run with BLAS on one thread: lowered so (GEMMs in loop nests, oriented)
    try:
        with one_blas_thread():
            block = compile_shapes(sliced_shapes(shapes, in_axes, chunk), 1)
            if not same_program(compiled, block, [states]):
                return compiled  # (before lowering it)
            block_plan, per_block, hoisted = hoisted_block_plan(block, sliced, running, budget)
            tail = None
            if size % chunk:
                last = compile_shapes(sliced_shapes(shapes, in_axes, size % chunk), 1)
                if not same_program(compiled, last, [states]) or not _nested(last.plan):
                    return compiled
                tail = last.plan
    except Exception:  # the function refuses a block's shapes (it checks its batch): whole
        return compiled
    hoisted_bytes = 0 if hoisted is None else hoisted.nbytes
    if per_block * running + hoisted_bytes > budget or not _nested(block_plan):
        return compiled
    for node, axis, got in zip(graph.outputs, split.out_axes, block.traced.outputs):
        want = node.shape if axis is None else node.shape[:axis] + (chunk,) + node.shape[axis + 1 :]
        if got.shape != want or got.dtype != node.dtype:
            return compiled
    first = next(k for k, axis in enumerate(in_axes) if axis is not None)
    chunks = ChunkPlan(
        graph.inputs[first].axes[in_axes[first] or 0],
        size,
        chunk,
        in_axes,
        split.out_axes,
        split.combine,
        tuple(n.shape for n in compiled.graph.outputs),
        tuple(n.dtype for n in compiled.graph.outputs),
        block_plan,
        tail,
        running,
        temporary_peak(compiled.plan),
        per_block,
        budget,
        "loop",
        prologue=None if hoisted is None else hoisted.prologue,
        prologue_args=() if hoisted is None else hoisted.prologue_args,
        hoisted_bytes=hoisted_bytes,
        vmapped=False,
    )
    return run_in_blocks(compiled, chunks, options)


def _element_steps(plan: Plan) -> int:
    """The element-steps of the plan's top-level loops of static length: per loop its steps
    times the elements of what it carries."""
    total = 0
    for loop in _loops(plan):
        if loop.length is None:
            continue
        carried = {name for name, _ in loop.update}
        total += loop.length * sum(math.prod(s) for name, s, _ in loop.outs if name in carried)
    return total


def _loops(plan: Plan) -> Iterator[Loop]:
    for step in plan.steps:
        for st in step.statements:
            if isinstance(st, Loop):
                yield st


def _nested(plan: Plan) -> bool:
    """Whether every top-level loop of ``plan`` runs as a compiled loop nest."""
    loops = list(_loops(plan))
    return bool(loops) and all(loop.nest is not None for loop in loops)


def _row_split(graph: Graph, blocks: int) -> tuple[LevelSplit, dict[Node, State], int] | None:
    """The split along one axis of the inputs that carries a loop position by position:
    (the split, every node's state, the axis length), trying the longest axes first; None
    when no axis of at least two rows per thread is proven. (A vmap level's axis is split
    as an input axis: an axis of its name that no split input reaches would have the
    whole length in the block's trace, which ``same_program`` refuses.)"""
    sizes = sorted(
        {n for node in graph.inputs for n in node.shape if n >= 2 * blocks}, reverse=True
    )
    for size in sizes:
        in_axes: list[int | None] = []
        for node in graph.inputs:
            at = [k for k, n in enumerate(node.shape) if n == size]
            if len(at) > 1:
                break  # two axes of one input could be the split one
            in_axes.append(at[0] if at else None)
        else:
            try:
                split, states = split_graph(graph, tuple(in_axes), None)
            except NotIndependent:
                continue
            if any(isinstance(states[n], Sliced) for n in states if n.op is loop_p):
                return split, states, size
    return None
