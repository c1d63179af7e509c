"""Automatic chunking: fit a program's temporaries into its memory budget.

After a signature compiles, ``memory.temporary_peak`` predicts the bytes its temporaries
need at once. When that exceeds the budget, or when it is large (``SPEED_MIN``) and
several threads are allowed, the batch axis of the outermost vmap level is split into
blocks: the same function is compiled for a block's shapes (so every rewrite and fusion
applies per block) and a driver runs the blocks, on a thread pool when allowed, writing
slices of preallocated outputs (the target's driver: ``backends.numpy_chunks``, or
``backends.array_api_chunks``, which joins the blocks' results and runs them one after
the other, since the standard's arrays cannot be written in place). The block length is
the largest whose temporaries, times the threads running at once, fit the budget; when
chunking for speed it also aims at ``BLOCK_TARGET`` bytes per block (cache-sized blocks
beat one huge broadcast) and at least one block per thread.

A level can be chunked when the vmap maps axes of the program's own inputs (not of values
computed inside it) and the split is proven independent: every primitive on the way
declares how its axes flow (``core/independence.py``), so a ``cumsum``, ``sort``, ``flip``
or ``take`` along the axis, which keep its name but mix its positions, is never split.
Each output either carries the axis (each block writes a slice) or reduces it away by a
sum or a min/max (blocks' parts are then accumulated: summed, or combined with min/max,
which keeps NumPy's NaN propagation).
A budget that even one-element blocks cannot meet is a ``MemoryBudgetError`` at compile
time, never a ``MemoryError`` mid-run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace

import numpy as np

from ..backends.numpy_backend import fused_steps
from ..backends.target import ChunkedTarget
from ..compiler.hoist import Hoisted, hoist
from ..compiler.memory import temporary_peak
from ..core.chunks import ChunkPlan
from ..core.graph import Graph, Node, describe
from ..core.independence import NotIndependent, Partial, Sliced, State, split_states
from ..core.leaves import const_p
from ..core.plan import Plan, format_bytes
from ..errors import MemoryBudgetError
from ..tracing.trace import LevelRecord
from .compile import BlockProgram, Compiled, _output_adapter
from .options import Options, available_memory
from .progress import ProgressBar

#: Chunk for speed only above this many bytes of temporaries (small programs run whole).
SPEED_MIN = 16 << 20
#: The temporaries per block that chunking for speed aims at.
BLOCK_TARGET = 4 << 20
#: The rows a block gives a GEMM along the split axis when the budget allows: below a few
#: hundred rows BLAS runs a skinny product well under its peak, and each block pays its
#: Python dispatch again (hand-written blocked code uses 256-1024 rows).
GEMM_ROWS = 512

Shape = tuple[int, ...]
#: The function a blocked run compiles a block with: input shapes, runs a call -> program.
CompileShapes = Callable[[tuple[Shape, ...], int], BlockProgram]


@dataclass(frozen=True)
class LevelSplit:
    """How a vmap level splits into blocks: the axis of each input it maps, the axis of each
    output a block writes a slice of (None for an output that reduces the level away), and
    how each output's blocks join ("slice", or "sum"/"min"/"max" of the blocks' parts)."""

    in_axes: tuple[int | None, ...]
    out_axes: tuple[int | None, ...]
    combine: tuple[str, ...]


def split_graph(
    graph: Graph, in_axes: tuple[int | None, ...], level: str | None
) -> tuple[LevelSplit, dict[Node, State]]:
    """The split of ``graph`` along ``in_axes`` (one axis of some inputs, all of vmap level
    ``level``, or of no vmap level: None), proven by the primitives' axis relations
    (``core/independence.py``), with the state of every node, those of loop and cond
    bodies included; raises ``NotIndependent`` naming the first node that mixes it."""
    states: dict[Node, State] = {}
    split_states(graph, [None if k is None else Sliced(k) for k in in_axes], level, states)
    out_axes: list[int | None] = []
    hows: list[str] = []
    for node in graph.outputs:
        state = states[node]
        if isinstance(state, Sliced):
            out_axes.append(state.axis)
            hows.append("slice")
        elif isinstance(state, Partial):
            out_axes.append(None)
            hows.append(state.combine)
        else:
            raise NotIndependent(node, "is an output that does not depend on the split axis")
    return LevelSplit(in_axes, tuple(out_axes), tuple(hows)), states


def block_matches(full: Compiled, block: Compiled | BlockProgram, levels: Sequence[str]) -> bool:
    """Whether ``block`` (the same function traced for a block's shapes along vmap
    ``levels``) is the program the proof was made on: node by node the same operations,
    every node that depends on no split axis the same (constants included: a Python
    ``x.shape[0]`` would differ), the others differing only along their split axes."""
    if full.traced is None or block.traced is None:
        return False
    per_level = []
    for level in levels:
        in_axes = _mapped_axes(full, level)
        if in_axes is None:
            return False
        try:
            per_level.append(split_graph(full.traced, in_axes, level)[1])
        except NotIndependent:
            return False
    return same_program(full, block, per_level)


def same_program(
    full: Compiled, block: Compiled | BlockProgram, per_split: Sequence[dict[Node, State]]
) -> bool:
    """Whether ``block`` is ``full``'s program traced for a block's shapes, given each
    split's state of every node of ``full.traced`` (``block_matches``)."""
    if full.traced is None or block.traced is None:
        return False
    return _same_graph(full.traced, block.traced, per_split)


def _same_graph(
    mine_graph: Graph, theirs_graph: Graph, per_split: Sequence[dict[Node, State]]
) -> bool:
    mine, theirs = mine_graph.ordered(), theirs_graph.ordered()
    if len(mine) != len(theirs):
        return False
    where = {node: k for k, node in enumerate(mine)}
    there = {node: k for k, node in enumerate(theirs)}
    for a, b in zip(mine, theirs):
        if a.op is not b.op or a.dtype != b.dtype or a.axes != b.axes:
            return False
        if [where[i] for i in a.inputs] != [there[i] for i in b.inputs]:
            return False
        found = [states.get(a) for states in per_split]
        split = {s.axis for s in found if isinstance(s, Sliced)}
        if any(k not in split and m != n for k, (m, n) in enumerate(zip(a.shape, b.shape))):
            return False
        if a.op.split is not None:  # loops and conds: their bodies, node by node
            if not _same_bodies(a, b, per_split):
                return False
        elif all(s is None for s in found) and not _same_params(a, b):
            return False
    return True


def _same_bodies(a: Node, b: Node, per_split: Sequence[dict[Node, State]]) -> bool:
    """Loop or cond nodes: the same settings and, graph by graph, the same bodies (a body
    may read a block's shapes, which a vmap level hides but an input's own axis does not)."""
    if type(a.params) is not type(b.params):
        return False
    for f in fields(a.params):
        x, y = getattr(a.params, f.name), getattr(b.params, f.name)
        graphs = [x] if isinstance(x, Graph) else x if isinstance(x, tuple) else []
        if graphs and all(isinstance(g, Graph) for g in graphs):
            others = [y] if isinstance(y, Graph) else y
            if len(graphs) != len(others) or not all(
                _same_graph(g, h, per_split) for g, h in zip(graphs, others)
            ):
                return False
        elif f.name not in _BODY_FREE:
            try:
                if not bool(x == y):
                    return False
            except (TypeError, ValueError):
                return False
    return True


#: Loop and cond settings that differ between a block and the whole: the result shapes
#: (compared on the nodes) and the identity that groups one loop's result nodes.
_BODY_FREE = frozenset(("out_shapes", "group"))


def _same_params(a: Node, b: Node) -> bool:
    if a.op is const_p:
        x, y = np.asarray(a.params.value), np.asarray(b.params.value)
        return x.dtype == y.dtype and x.shape == y.shape and bool(np.array_equal(x, y, True))
    try:
        return bool(a.params == b.params)
    except (TypeError, ValueError):
        return False


def _mapped_axes(compiled: Compiled, level: str) -> tuple[int | None, ...] | None:
    """The axis of each input that vmap level ``level`` maps, when it maps axes of the
    program's own inputs (not of values computed inside it)."""
    graph = compiled.graph
    found_rec = next((r for r in compiled.levels if r.name == level), None)
    if found_rec is None:
        return None
    rec = found_rec
    sources = {src for _, _, src in rec.mapped}
    same_name = [r for r in compiled.levels if r.name == rec.name]
    if not rec.mapped or any(
        r.size != rec.size or {src for _, _, src in r.mapped} != sources for r in same_name
    ):
        return None  # vmaps that share an axis name must map the same input axes
    in_axes = tuple(
        next((k for k, a in enumerate(node.axes) if a in sources), None) for node in graph.inputs
    )
    found = {graph.inputs[i].axes[k] for i, k in enumerate(in_axes) if k is not None}
    if found != sources:
        return None  # the level maps a value computed inside the program
    return in_axes


def level_split(compiled: Compiled, rec: LevelRecord) -> LevelSplit | str:
    """How vmap level ``rec`` splits into blocks (any nesting depth), or why it cannot: each
    block must compute a slice of every output, or a part that ``combine`` joins."""
    if (compiled.traced or compiled.graph).effects:
        # blocks would each run the callbacks, on parts of the values
        return "the program runs a callback (jax.debug.print/callback), which needs whole values"
    in_axes = _mapped_axes(compiled, rec.name)
    if in_axes is None:
        return f"vmap axis '{rec.name}' does not map axes of the program's inputs"
    try:
        return split_graph(compiled.traced or compiled.graph, in_axes, rec.name)[0]
    except NotIndependent as e:
        return f"vmap axis '{rec.name}' cannot be split: {e}"


def level_in_axes(compiled: Compiled, rec: LevelRecord) -> tuple[int | None, ...] | None:
    """The axis of each input that ``rec`` maps, when the level can be split into blocks."""
    found = level_split(compiled, rec)
    return found.in_axes if isinstance(found, LevelSplit) else None


def chunkable_levels(compiled: Compiled) -> list[tuple[LevelRecord, LevelSplit]]:
    """Every vmap level (one record per axis name, outermost first) that ``level_split``
    can split. Levels map disjoint input axes, so they can be split together (a grid of
    blocks: ``transforms.dask``) when each alone is proven independent: a node that mixes
    one level's positions is refused for that level whatever the other does."""
    out: list[tuple[LevelRecord, LevelSplit]] = []
    seen: set[str] = set()
    for rec in sorted(compiled.levels, key=lambda r: r.depth):
        if rec.name in seen:
            continue
        seen.add(rec.name)
        found = level_split(compiled, rec)
        if isinstance(found, LevelSplit):
            out.append((rec, found))
    return out


def _chunkable(compiled: Compiled) -> tuple[LevelRecord, LevelSplit] | str:
    """The vmap level to split (outermost first, the largest of a depth first), or why
    none can be: when the outer axis is mixed (a cumsum over it), an inner one may not be."""
    why = "the program has no vmap axis"
    for rec in sorted(compiled.levels, key=lambda r: (r.depth, -r.size)):
        found = level_split(compiled, rec)
        if isinstance(found, LevelSplit):
            return rec, found
        why = found
    return why


def check_outputs_fit(compiled: Compiled) -> None:
    """Refuse, before anything is allocated, a call whose outputs alone exceed the memory
    the machine has (run at the first call of a signature; ``explain`` never allocates)."""
    need = sum(math.prod(n.shape) * n.dtype.itemsize for n in compiled.graph.outputs)
    free = available_memory()
    if free is not None and need > free:
        shapes = ", ".join(f"{n.dtype.name}{list(n.shape)}" for n in compiled.graph.outputs)
        raise MemoryBudgetError(
            f"{compiled.name}: its outputs alone need {format_bytes(need)} ({shapes}), more than "
            f"the {format_bytes(free)} of memory available; nothing was allocated"
        )


def _allocation_bound(plan: Plan) -> int:
    """An upper bound of the bytes a plan can hold at once: every statement allocating as
    much as the largest array any step makes."""
    largest = 1
    for step in plan.steps:
        largest = max(largest, step.nbytes)
        if step.contraction is not None:
            largest = max(largest, step.contraction.largest_intermediate * step.node.dtype.itemsize)
    largest = max([largest, *(i.dtype.itemsize * math.prod(i.shape) for i in plan.graph.inputs)])
    return largest * sum(len(s.statements) + 1 for s in plan.steps)


def _largest_step(plan: Plan) -> str:
    if not plan.steps:
        return "no step"
    step = max(plan.steps, key=lambda s: s.nbytes)
    return f"%{step.index} {describe(step.node)} ({format_bytes(step.nbytes)})"


def cache_blocked(plan: Plan) -> bool:
    """Whether ``plan`` runs faster in cache-sized blocks on one thread too: a fused
    softmax reads its rows three times, and in blocks the steps around it (an attention's
    score product, which writes the rows, and the product reading the result) meet them in
    the cache instead of memory (B8, one thread: 48 -> 39 ms of CPU)."""
    top = {id(step) for step in plan.steps}
    return any(loop.reduction == "softmax" and id(step) in top for step, loop in fused_steps(plan))


def gemm_rows(plan: Plan, level: str) -> int:
    """``GEMM_ROWS`` when the program's work is mostly a contraction whose result carries
    vmap axis ``level`` as a row of a matrix product (other free axes beside it), else 1:
    such a program wants blocks of many rows, not cache-sized ones."""
    steps = plan.contractions
    total = sum(s.contraction.flops for s in steps if s.contraction is not None)
    for step in steps:
        c, axes, region = step.contraction, step.node.axes, step.region
        if c is None or region is None or level not in axes or 2 * c.flops < total:
            continue
        summed = {x for sub in region.subscripts for x in sub} - set(region.out)
        if sum(1 for sub in region.subscripts if sub) < 2 or not summed:
            continue  # a reduction of one array (a sum along an axis), not a product
        label = region.out[axes.index(level)]
        if all(label in sub for sub in region.subscripts):
            continue  # a batch axis of the product: a block's GEMMs are the whole one's
        others = math.prod(n for a, n in zip(axes, step.node.shape) if a != level)
        if others >= GEMM_ROWS:
            return GEMM_ROWS
    return 1


def sliced_shapes(
    shapes: Sequence[Shape], in_axes: Sequence[int | None], length: int
) -> tuple[Shape, ...]:
    """The input shapes of a block of ``length`` along each input's ``in_axes`` axis."""
    return tuple(
        s if k is None else s[:k] + (length,) + s[k + 1 :] for s, k in zip(shapes, in_axes)
    )


def maybe_chunk(
    compiled: Compiled,
    shapes: tuple[Shape, ...],
    compile_shapes: CompileShapes,
    options: Options,
) -> Compiled:
    """``compiled``, or a chunked program computing the same when its temporaries call for
    it. ``compile_shapes(shapes, runs)`` passes the same function for other input shapes,
    run ``runs`` times a call, through the graph passes (each block program is lowered
    once: hoisted, or plain)."""
    budget = options.memory_limit
    threads = compiled.target.block_threads(options.threads)
    if _allocation_bound(compiled.plan) <= min(budget, SPEED_MIN):
        return compiled  # cannot exceed either threshold: skip the simulation
    full = temporary_peak(compiled.plan)
    over = full > budget
    if not over and (full < SPEED_MIN or (threads <= 1 and not cache_blocked(compiled.plan))):
        return compiled
    found = _chunkable(compiled)
    if isinstance(found, str):
        if not over:
            return compiled
        raise MemoryBudgetError(
            f"{compiled.name}: the program's temporaries need {format_bytes(full)} at once "
            f"(largest step {_largest_step(compiled.plan)}), over "
            f"memory_limit={format_bytes(budget)}, and no vmap axis of its inputs can be split "
            f"into chunks ({found}); raise memory_limit (jit(f, memory_limit=...) or "
            "axcomp.set_options) or map the large axis with vmap"
        )
    rec, split = found
    in_axes = split.in_axes
    size = rec.size
    # cache-sized blocks, or GEMM-sized ones where a GEMM carries the split axis; at least
    # one block per thread, and never over the budget per thread (the loop below)
    target = min(budget // max(threads, 1), BLOCK_TARGET)
    rows = max(size * target // max(full, 1), gemm_rows(compiled.plan, rec.name))
    chunk = max(1, min(size, rows, math.ceil(size / threads)))

    sliced = [k is not None for k in in_axes]
    while True:
        try:
            block = compile_shapes(sliced_shapes(shapes, in_axes, chunk), size // chunk)
        except Exception as exc:  # the function checks its own shapes
            return compiled if not over else _untraceable(compiled, full, budget, exc)
        running = min(threads, math.ceil(size / chunk))
        block_plan, per_block, hoisted = hoisted_block_plan(block, sliced, running, budget)
        hoisted_bytes = 0 if hoisted is None else hoisted.nbytes
        room = budget - hoisted_bytes
        if per_block * running <= room or (per_block <= room and chunk == 1):
            break
        if chunk == 1:
            raise MemoryBudgetError(
                f"{compiled.name}: even one-element chunks of vmap axis '{rec.name}' need "
                f"{format_bytes(per_block)} of temporaries (largest step "
                f"{_largest_step(block.plan)}), over memory_limit={format_bytes(budget)}; raise "
                "memory_limit (jit(f, memory_limit=...) or axcomp.set_options)"
            )
        chunk = max(1, min(chunk - 1, chunk * budget // max(per_block * running, 1)))
    if not block_matches(compiled, block, [rec.name]):
        # the function traced for a block is not the program that was proven (it reads its
        # own shapes): run whole, or refuse
        return compiled if not over else _refuse(compiled, full, budget)
    threads = max(1, min(threads, room // max(per_block, 1), math.ceil(size / chunk)))
    outputs = compiled.graph.outputs
    out_axes = split.out_axes
    for node, axis, got in zip(outputs, out_axes, block.graph.outputs):
        want = node.shape if axis is None else node.shape[:axis] + (chunk,) + node.shape[axis + 1 :]
        if got.shape != want or got.dtype != node.dtype:
            return compiled if not over else _refuse(compiled, full, budget)
    tail = None
    if size % chunk:
        try:
            last = compile_shapes(sliced_shapes(shapes, in_axes, size % chunk), 1)
        except Exception as exc:
            return compiled if not over else _untraceable(compiled, full, budget, exc)
        if not block_matches(compiled, last, [rec.name]):
            return compiled if not over else _refuse(compiled, full, budget)
        tail = last.plan
    chunks = ChunkPlan(
        rec.name,
        size,
        chunk,
        in_axes,
        out_axes,
        split.combine,
        tuple(n.shape for n in compiled.graph.outputs),
        tuple(n.dtype for n in compiled.graph.outputs),
        block_plan,
        tail,
        threads,
        full,
        per_block,
        budget,
        "memory" if over else "speed",
        prologue=None if hoisted is None else hoisted.prologue,
        prologue_args=() if hoisted is None else hoisted.prologue_args,
        hoisted_bytes=hoisted_bytes,
    )
    return run_in_blocks(compiled, chunks, options)


def run_in_blocks(compiled: Compiled, chunks: ChunkPlan, options: Options) -> Compiled:
    """``compiled`` run block by block as ``chunks`` says, by its target's driver."""
    progress = options.progress
    if isinstance(progress, ProgressBar) and progress.desc is None:
        progress = progress.named(compiled.name)
    source, fn = compiled.target.build_chunked(chunks, compiled.name, progress)
    call_flat = _output_adapter(
        fn, compiled.out_treedef, len(compiled.plan.outputs), compiled.target.emitter
    )
    chunked = ChunkedTarget(compiled.target.namespace, compiled.target, chunks)
    return replace(
        compiled, source=source, function=fn, call_flat=call_flat, chunks=chunks, target=chunked
    )


def hoisted_block_plan(
    block: BlockProgram, sliced: Sequence[bool], running: int, budget: int
) -> tuple[Plan, int, Hoisted | None]:
    """The plan a block runs and its temporaries' peak: with its invariant work hoisted out
    (``compiler.hoist``; the NumPy driver runs the prologue, the Array API one does not)
    when the hoisted values fit beside ``running`` blocks, else the plain plan."""
    if block.target.emitter == "numpy":
        hoisted = hoist(block.graph, block.arg_names, sliced)
        if hoisted is not None:
            per_hoisted = temporary_peak(hoisted.block)
            if per_hoisted * running + hoisted.nbytes <= budget:
                return hoisted.block, per_hoisted, hoisted
    return block.plan, temporary_peak(block.plan), None


def _untraceable(compiled: Compiled, full: int, budget: int, exc: Exception) -> Compiled:
    raise MemoryBudgetError(
        f"{compiled.name}: the program's temporaries need {format_bytes(full)}, over "
        f"memory_limit={format_bytes(budget)}, and the function cannot be traced for a block "
        f"of its vmap axis (it raised {type(exc).__name__}: {exc}); raise memory_limit "
        "(jit(f, memory_limit=...) or axcomp.set_options)"
    ) from exc


def _refuse(compiled: Compiled, full: int, budget: int) -> Compiled:
    raise MemoryBudgetError(
        f"{compiled.name}: the program's temporaries need {format_bytes(full)}, over "
        f"memory_limit={format_bytes(budget)}, and its blocks do not compute slices of its outputs"
    )
