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
computed inside it) and its axis appears in every output. A budget that even one-element
blocks cannot meet is a ``MemoryBudgetError`` at compile time, never a ``MemoryError``
mid-run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from ..backends.numpy_chunks import build_chunked
from ..compiler.memory import temporary_peak
from ..core.chunks import ChunkPlan
from ..core.graph import describe
from ..core.plan import Plan
from ..errors import MemoryBudgetError
from ..tracing.trace import LevelRecord
from .compile import Compiled, _output_adapter
from .options import Options

#: Chunk for speed only above this many bytes of temporaries (small programs run whole).
SPEED_MIN = 64 << 20
#: The temporaries per block that chunking for speed aims at.
BLOCK_TARGET = 32 << 20

Shape = tuple[int, ...]


def _bytes(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def _chunkable(compiled: Compiled) -> tuple[LevelRecord, tuple[int | None, ...]] | None:
    """The outermost vmap level that can be split, with the sliced axis of each input."""
    graph = compiled.graph
    outer = [rec for rec in compiled.levels if rec.depth == 0]
    for rec in sorted(outer, key=lambda r: -r.size):
        if not rec.mapped or sum(1 for r in outer if r.name == rec.name) > 1:
            continue
        sources = {src for _, _, src in rec.mapped}
        in_axes = tuple(
            next((k for k, a in enumerate(node.axes) if a in sources), None)
            for node in graph.inputs
        )
        found = {graph.inputs[i].axes[k] for i, k in enumerate(in_axes) if k is not None}
        if found != sources:
            continue  # the level maps a value computed inside the program
        if all(rec.name in node.axes for node in graph.outputs):
            return rec, in_axes
    return None


def _largest_step(plan: Plan) -> str:
    if not plan.steps:
        return "no step"
    step = max(plan.steps, key=lambda s: s.nbytes)
    return f"%{step.index} {describe(step.node)} ({_bytes(step.nbytes)})"


def maybe_chunk(
    compiled: Compiled,
    shapes: tuple[Shape, ...],
    compile_shapes: Callable[[tuple[Shape, ...]], Compiled],
    options: Options,
) -> Compiled:
    """``compiled``, or a chunked program computing the same when its temporaries call for
    it. ``compile_shapes`` compiles the same function for other input shapes."""
    budget, threads = options.memory_limit, options.threads
    full = temporary_peak(compiled.plan)
    over = full > budget
    if not over and (threads <= 1 or full < SPEED_MIN):
        return compiled
    found = _chunkable(compiled)
    if found is None:
        if not over:
            return compiled
        raise MemoryBudgetError(
            f"{compiled.name}: the program's temporaries need {_bytes(full)} at once (largest "
            f"step {_largest_step(compiled.plan)}), over memory_limit={_bytes(budget)}, and no "
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
                f"{_bytes(per_block)} of temporaries (largest step "
                f"{_largest_step(block.plan)}), over memory_limit={_bytes(budget)}; raise "
                "memory_limit (jit(f, memory_limit=...) or axcomp.set_options)"
            )
        chunk = max(1, min(chunk - 1, chunk * budget // max(per_block * running, 1)))
    threads = max(1, min(threads, budget // max(per_block, 1), math.ceil(size / chunk)))
    out_axes = tuple(node.axes.index(rec.name) for node in compiled.graph.outputs)
    for node, axis, got in zip(compiled.graph.outputs, out_axes, block.graph.outputs):
        want = node.shape[:axis] + (chunk,) + node.shape[axis + 1 :]
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
        f"{compiled.name}: the program's temporaries need {_bytes(full)}, over "
        f"memory_limit={_bytes(budget)}, and its blocks do not compute slices of its outputs"
    )
