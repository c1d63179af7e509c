"""Automatic chunking: fit a program's temporaries into its memory budget.

After a signature compiles, ``memory.temporary_peak`` predicts the bytes its temporaries
need at once. When that exceeds the budget, or when it is large (``SPEED_MIN``) and
several threads are allowed, the batch axis of the outermost vmap level is split into
blocks: the same function is compiled for a block's shapes (so every rewrite and fusion
applies per block) and a driver runs the blocks, on a thread pool when allowed, writing
slices of preallocated outputs. The block length is the largest whose temporaries, times
the threads running at once, fit the budget; when chunking for speed it also aims at
``BLOCK_TARGET`` bytes per block (cache-sized blocks beat one huge broadcast) and at least
one block per thread.

A level can be chunked when the vmap maps axes of the program's own inputs (not of values
computed inside it) and every output either carries its axis (each block writes a slice)
or reduces it away by a sum or a min/max of per-example values (blocks' results are then
accumulated: summed, or combined with min/max, which keeps NumPy's NaN propagation).
A budget that even one-element blocks cannot meet is a ``MemoryBudgetError`` at compile
time, never a ``MemoryError`` mid-run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from ..backends.numpy_chunks import build_chunked
from ..compiler.memory import temporary_peak
from ..core.chunks import ChunkPlan
from ..core.graph import Graph, Node, describe, topological
from ..core.plan import Plan, format_bytes
from ..errors import MemoryBudgetError
from ..primitives.contraction import einsum_p, is_permutation
from ..primitives.reductions import reduce_p
from ..tracing.trace import LevelRecord
from .compile import Compiled, _output_adapter
from .options import Options, available_memory

#: Chunk for speed only above this many bytes of temporaries (small programs run whole).
SPEED_MIN = 16 << 20
#: The temporaries per block that chunking for speed aims at.
BLOCK_TARGET = 4 << 20

Shape = tuple[int, ...]


def consumers_of(graph: Graph) -> dict[Node, list[Node]]:
    users: dict[Node, list[Node]] = {}
    for n in graph.nodes():
        for i in n.inputs:
            users.setdefault(i, []).append(n)
    return users


def _per_example(node: Node, level: str) -> bool:
    """Whether everything below ``node`` keeps ``level``'s axis once it has it: no value
    below mixes examples, so a block of examples computes exactly its part."""
    for n in topological(list(node.inputs)):
        if any(level in i.axes for i in n.inputs) and level not in n.axes:
            return False
    return True


def combine(node: Node, level: str) -> str | None:
    """How blocks' results of an output that reduces ``level`` away add up, if they do:
    a sum (an einsum summing the axis) or a min/max reduction over it, possibly behind
    axis permutations (which commute with combining the blocks)."""
    while is_permutation(node) and level not in node.axes and level not in node.inputs[0].axes:
        node = node.inputs[0]
    if level in node.axes or not any(level in i.axes for i in node.inputs):
        return None
    if node.op is einsum_p:
        how = "sum"
    elif node.op is reduce_p and node.params.fn in ("min", "max"):
        (inp,) = node.inputs
        if inp.axes.index(level) not in node.params.axes:
            return None
        how = node.params.fn
    else:
        return None
    return how if _per_example(node, level) else None


def level_in_axes(compiled: Compiled, rec: LevelRecord) -> tuple[int | None, ...] | None:
    """The axis of each input that vmap level ``rec`` maps, when the level can be split
    into blocks (each block computes a slice of every output that keeps the level, or a
    partial result that ``combine`` adds up), else None. Any nesting depth: an inner
    level qualifies when it maps axes of the program's own inputs."""
    graph = compiled.graph
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
    users = consumers_of(graph)
    sliced = [graph.inputs[i] for i, k in enumerate(in_axes) if k is not None]
    if not all(is_permutation(u) and rec.name in u.axes for x in sliced for u in users.get(x, ())):
        return None  # an input is also used whole (e.g. summed over outside the vmap)
    if all(
        (rec.name in node.axes and _per_example(node, rec.name))
        or combine(node, rec.name) is not None
        for node in graph.outputs
    ):
        return in_axes
    return None


def chunkable_levels(
    compiled: Compiled,
) -> list[tuple[LevelRecord, tuple[int | None, ...]]]:
    """Every vmap level (one record per axis name, outermost first) that ``level_in_axes``
    can split, with the axis of each input it maps. Levels map disjoint input axes, so
    they can be split together (a grid of blocks: ``transforms.dask``)."""
    out: list[tuple[LevelRecord, tuple[int | None, ...]]] = []
    seen: set[str] = set()
    for rec in sorted(compiled.levels, key=lambda r: r.depth):
        if rec.name in seen:
            continue
        seen.add(rec.name)
        in_axes = level_in_axes(compiled, rec)
        if in_axes is not None:
            out.append((rec, in_axes))
    return out


def _chunkable(compiled: Compiled) -> tuple[LevelRecord, tuple[int | None, ...]] | None:
    """The outermost vmap level that can be split, with the sliced axis of each input."""
    outer = [rec for rec in compiled.levels if rec.depth == 0]
    for rec in sorted(outer, key=lambda r: -r.size):
        in_axes = level_in_axes(compiled, rec)
        if in_axes is not None:
            return rec, in_axes
    return None


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


def maybe_chunk(
    compiled: Compiled,
    shapes: tuple[Shape, ...],
    compile_shapes: Callable[[tuple[Shape, ...]], Compiled],
    options: Options,
) -> Compiled:
    """``compiled``, or a chunked program computing the same when its temporaries call for
    it. ``compile_shapes`` compiles the same function for other input shapes."""
    budget, threads = options.memory_limit, options.threads
    if _allocation_bound(compiled.plan) <= min(budget, SPEED_MIN):
        return compiled  # cannot exceed either threshold: skip the simulation
    full = temporary_peak(compiled.plan)
    over = full > budget
    if not over and (threads <= 1 or full < SPEED_MIN):
        return compiled
    found = _chunkable(compiled)
    if found is None:
        if not over:
            return compiled
        raise MemoryBudgetError(
            f"{compiled.name}: the program's temporaries need {format_bytes(full)} at once "
            f"(largest step {_largest_step(compiled.plan)}), over "
            f"memory_limit={format_bytes(budget)}, and no "
            "vmap axis of its inputs that reaches every output can be split into chunks; "
            "raise memory_limit (jit(f, memory_limit=...) or axcomp.set_options) or map the "
            "large axis with vmap"
        )
    rec, in_axes = found
    size = rec.size
    # cache-sized blocks, at least one per thread, and never over the budget per thread
    target = min(budget // max(threads, 1), BLOCK_TARGET)
    chunk = max(1, min(size, size * target // max(full, 1), math.ceil(size / threads)))

    def block_shapes(length: int) -> tuple[Shape, ...]:
        return tuple(
            s if k is None else s[:k] + (length,) + s[k + 1 :] for s, k in zip(shapes, in_axes)
        )

    while True:
        block = compile_shapes(block_shapes(chunk))
        per_block = temporary_peak(block.plan)
        running = min(threads, math.ceil(size / chunk))
        if per_block * running <= budget or (per_block <= budget and chunk == 1):
            break
        if chunk == 1:
            raise MemoryBudgetError(
                f"{compiled.name}: even one-element chunks of vmap axis '{rec.name}' need "
                f"{format_bytes(per_block)} of temporaries (largest step "
                f"{_largest_step(block.plan)}), over memory_limit={format_bytes(budget)}; raise "
                "memory_limit (jit(f, memory_limit=...) or axcomp.set_options)"
            )
        chunk = max(1, min(chunk - 1, chunk * budget // max(per_block * running, 1)))
    threads = max(1, min(threads, budget // max(per_block, 1), math.ceil(size / chunk)))
    outputs = compiled.graph.outputs
    out_axes = tuple(n.axes.index(rec.name) if rec.name in n.axes else None for n in outputs)
    hows = tuple(
        "slice" if k is not None else combine(n, rec.name) for n, k in zip(outputs, out_axes)
    )
    for node, axis, got in zip(outputs, out_axes, block.graph.outputs):
        want = node.shape if axis is None else node.shape[:axis] + (chunk,) + node.shape[axis + 1 :]
        if got.shape != want or got.dtype != node.dtype:
            return compiled if not over else _refuse(compiled, full, budget)
    tail = None
    if size % chunk:
        tail = compile_shapes(block_shapes(size % chunk)).plan
    chunks = ChunkPlan(
        rec.name,
        size,
        chunk,
        in_axes,
        out_axes,
        tuple(c or "slice" for c in hows),
        tuple(n.shape for n in compiled.graph.outputs),
        tuple(n.dtype for n in compiled.graph.outputs),
        block.plan,
        tail,
        threads,
        full,
        per_block,
        budget,
        "memory" if over else "speed",
    )
    source, fn = build_chunked(chunks, compiled.name, options.progress)
    call_flat = _output_adapter(fn, compiled.out_treedef, len(compiled.plan.outputs))
    return replace(compiled, source=source, function=fn, call_flat=call_flat, chunks=chunks)


def _refuse(compiled: Compiled, full: int, budget: int) -> Compiled:
    raise MemoryBudgetError(
        f"{compiled.name}: the program's temporaries need {format_bytes(full)}, over "
        f"memory_limit={format_bytes(budget)}, and its blocks do not compute slices of its outputs"
    )
