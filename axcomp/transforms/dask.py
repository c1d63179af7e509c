"""dask arrays in, lazy dask arrays out, blockwise.

A call on dask arrays builds dask's own operations, so it runs on whatever scheduler
computes it (threads, processes, a ``dask.distributed`` cluster) and nothing runs before
``.compute()``:

* The program is compiled for the NumPy shapes of the arguments and
  ``chunking.chunkable_levels`` finds every vmap level that can be split (the level maps
  axes of the program's inputs; each output keeps it or reduces it by a sum or min/max).
* Blocks follow the dask chunks of the inputs along those axes: one ``da.blockwise`` task
  per block of the grid (for a pairwise spec, output block ``(i, j)`` from block ``i`` of
  one input and block ``j`` of the other), each running the program compiled for that
  block's shapes (once per distinct block shape: a full chunk and a remainder).
* An output that reduces a split level gets one partial result per block along a new
  axis, and dask's tree reduction (``sum``/``min``/``max``) combines them.
* The memory budget holds per task: when one block's predicted temporaries
  (``memory.temporary_peak``) exceed the function's ``memory_limit``, the inputs are
  rechunked along the split axes until a block fits, so a worker never receives a block
  larger than the budget allows. Axes that are not split travel whole (one chunk).
* Without a splittable level the call is one lazy task (``dask.delayed``); a program
  over the budget then is a ``MemoryBudgetError`` when the call is made.

Tasks carry a ``Program``: the generated source, constants and fused loops of a compiled
block, which pickle (cloudpickle sends them to worker processes) and are rebuilt once per
process where they run. Generated functions themselves never travel. A block program is
compiled with the passes of an in-process one, fused loops included (``fused_loops``: a
worker compiles or loads a loop's kernel itself, running it on NumPy meanwhile).
"""

from __future__ import annotations

import operator
import threading
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .. import pytree
from ..backends import fused_loops, numpy_backend
from ..backends.numpy_backend import HELPERS, NP, function_name, fused_steps
from ..backends.source import compile_source
from ..backends.target import NUMPY_TARGET, DaskGrid, DaskTarget, NumpyTarget
from ..compiler import lower
from ..compiler.memory import temporary_peak
from ..core.fused import FusedLoop
from ..core.graph import Graph
from ..core.plan import Plan, format_bytes
from ..errors import MemoryBudgetError
from .chunking import LevelSplit, _largest_step, block_matches, chunkable_levels
from .compile import Compiled
from .targets import choose_target

#: Generated functions rebuilt from their source in this process, by ``Program.key``.
BUILT_MAX = 256
#: A level whose dask chunks have more distinct lengths than this is rechunked regularly
#: (each distinct block shape is one more compile).
MAX_BLOCK_SHAPES = 4

_built: OrderedDict[str, Callable[..., Any]] = OrderedDict()
_built_lock = threading.Lock()


def _remember(key: str, fn: Callable[..., Any]) -> None:
    with _built_lock:
        _built[key] = fn
        _built.move_to_end(key)
        while len(_built) > BUILT_MAX:
            _built.popitem(last=False)


@dataclass(frozen=True, eq=False)
class Program:
    """A compiled (NumPy) program that pickles: its source and constants, rebuilt once per
    process that calls it. Calling it returns a tuple of its flat outputs."""

    key: str  # unique per compile: the per-process cache key and the dask token
    name: str
    source: str
    constants: tuple[tuple[str, Any], ...]
    n_out: int
    combine: tuple[str, ...] = ()  # pmap rounds: how each output's shard partials combine
    fused: tuple[FusedLoop, ...] = ()  # the fused loops the source calls
    threads: int | None = None  # what those loops may use (None: every core)

    @classmethod
    def from_graph(cls, graph: Graph, name: str, combine: list[str]) -> Program:
        """A program computing ``graph`` (lowered and emitted for NumPy here, fused loops
        included, as an in-process NumPy program)."""
        plan = lower(graph, tuple(n.params.name for n in graph.inputs), NUMPY_TARGET.fuse_min)
        source, fn = numpy_backend.build(plan, name)
        prog = cls(
            uuid.uuid4().hex,
            name,
            source,
            tuple(plan.constants),
            len(plan.outputs),
            tuple(combine),
            _loops(plan),
        )
        _remember(prog.key, fn)
        return prog

    @classmethod
    def of(cls, compiled: Compiled, threads: int | None = None) -> Program:
        """The program of ``compiled`` (compiled with ``threads`` for its fused loops)."""
        if not isinstance(compiled.target, NumpyTarget):
            raise ValueError("internal: only plain NumPy programs travel to dask tasks")
        prog = cls(
            uuid.uuid4().hex,
            compiled.name,
            compiled.source,
            tuple(compiled.plan.constants),
            len(compiled.graph.outputs),
            fused=_loops(compiled.plan),
            threads=threads,
        )
        _remember(prog.key, compiled.function)  # this process needs no rebuild
        return prog

    def function(self) -> Callable[..., Any]:
        fn = _built.get(self.key)
        if fn is None:
            namespace: dict[str, Any] = {NP: np, **HELPERS, **dict(self.constants)}
            for loop in self.fused:
                caller = fused_loops.caller(loop, self.threads)
                namespace.setdefault(fused_loops.call_name(loop), caller)
            fn = compile_source(self.source, function_name(self.name), namespace)
            _remember(self.key, fn)
        return fn

    def __call__(self, *arrays: Any) -> tuple[np.ndarray, ...]:
        out = self.function()(*[np.asarray(a) for a in arrays])
        return tuple(out) if self.n_out > 1 else (out,)

    def __dask_tokenize__(self) -> str:
        return self.key


def _loops(plan: Plan) -> tuple[FusedLoop, ...]:
    return tuple(loop for _, loop in fused_steps(plan))


@dataclass(frozen=True, eq=False)
class BlockTask:
    """The function of one blockwise task: picks the program compiled for the blocks'
    lengths along the split levels, runs it, and gives every output that reduces a split
    level one trailing length-1 axis per such level (the partial results' axes)."""

    programs: dict[tuple[int, ...], Program]  # block length per level -> program
    level_axes: tuple[tuple[int | None, ...], ...]  # per level: the axis of each input
    reduced: tuple[int, ...]  # per output: how many partial axes to append
    only: int | None  # return this output alone (else the tuple of all)

    def __call__(self, *blocks: Any) -> Any:
        lengths = tuple(
            next(b.shape[k] for b, k in zip(blocks, axes) if k is not None)
            for axes in self.level_axes
        )
        out = self.programs[lengths](*blocks)
        out = tuple(
            np.asarray(r).reshape(np.shape(r) + (1,) * n) for r, n in zip(out, self.reduced)
        )
        return out if self.only is None else out[self.only]

    def __dask_tokenize__(self) -> tuple[Any, ...]:
        keys = tuple(sorted((k, p.key) for k, p in self.programs.items()))
        return ("axcomp.BlockTask", keys, self.level_axes, self.reduced, self.only)


@dataclass(frozen=True)
class Level:
    """One split vmap level of a dask call."""

    name: str
    split: LevelSplit  # the axis of each input it maps, of each output, how outputs join
    chunks: tuple[int, ...]  # dask chunks along the level's axis

    @property
    def in_axes(self) -> tuple[int | None, ...]:
        return self.split.in_axes


@dataclass(frozen=True)
class DaskPlan:
    """How one call signature (with its dask chunks) runs: for ``explain``-style reports
    and tests (``plan_dask``)."""

    levels: tuple[Level, ...]
    programs: dict[tuple[int, ...], Program]
    block_temporaries: int  # predicted temporaries of the largest block
    budget: int
    rechunked: bool  # whether the budget made the blocks smaller than the dask chunks
    full: Compiled  # the program for the whole shapes (never run when levels are split)
    block: Compiled  # the program of the largest block (the whole one when nothing splits)

    @property
    def grid(self) -> DaskGrid:
        """The blocks, for the target's description."""
        levels = tuple((lv.name, lv.chunks) for lv in self.levels)
        return DaskGrid(levels, self.block_temporaries, self.budget, self.rechunked)

    def describe(self) -> str:
        if not self.levels:
            return "one dask task (no vmap level of the inputs can be split)"
        grid = " x ".join(f"'{lv.name}' {len(lv.chunks)}" for lv in self.levels)
        why = ", rechunked to fit the budget" if self.rechunked else ""
        return (
            f"dask blockwise over vmap level(s) {grid} blocks ({len(self.programs)} block "
            f"program(s)); temporaries {format_bytes(self.block_temporaries)} per task, "
            f"memory_limit {format_bytes(self.budget)}{why}"
        )


# --- planning -------------------------------------------------------------------------------
_plans: weakref.WeakKeyDictionary[Any, OrderedDict[Any, DaskPlan]] = weakref.WeakKeyDictionary()
_plans_lock = threading.Lock()
PLANS_MAX = 64


def _regular(size: int, chunk: int) -> tuple[int, ...]:
    if size == 0:
        return (0,)
    chunk = max(1, min(chunk, size))
    return (chunk,) * (size // chunk) + ((size % chunk,) if size % chunk else ())


def _block_shapes(
    shapes: tuple[tuple[int, ...], ...], levels: list[Level], lengths: tuple[int, ...]
) -> tuple[tuple[int, ...], ...]:
    out = []
    for i, shape in enumerate(shapes):
        s = list(shape)
        for lv, n in zip(levels, lengths):
            k = lv.in_axes[i]
            if k is not None:
                s[k] = n
        out.append(tuple(s))
    return tuple(out)


def plan_dask(staged: Any, sig: Any, chunks: tuple[tuple[tuple[int, ...], ...], ...]) -> DaskPlan:
    """The blockwise plan of ``staged`` for signature ``sig`` (NumPy namespace) on inputs
    with dask ``chunks`` (cached per function, signature, chunks and memory limit)."""
    budget = staged.options.memory_limit
    key = (sig, chunks, budget)
    with _plans_lock:
        cache = _plans.setdefault(staged, OrderedDict())
        found = cache.get(key)
        if found is not None:
            cache.move_to_end(key)
            return found
    plan = _make_plan(staged, sig, chunks, budget)
    with _plans_lock:
        cache[key] = plan
        while len(cache) > PLANS_MAX:
            cache.popitem(last=False)
    return plan


def _make_plan(staged: Any, sig: Any, chunks: Any, budget: int) -> DaskPlan:
    shapes = tuple(shape for shape, _ in sig.arrays)

    def compile_shapes(block: tuple[tuple[int, ...], ...]) -> Compiled:
        arrays = tuple((s, dt) for s, (_, dt) in zip(block, sig.arrays))
        compiled: Compiled = staged._compile_plain(
            type(sig)(sig.treedef, arrays, sig.statics, sig.namespace)
        )
        return compiled

    full = staged._compile_plain(sig)
    levels = []
    for rec, split in chunkable_levels(full):
        i = next(i for i, k in enumerate(split.in_axes) if k is not None)
        levels.append(Level(rec.name, split, tuple(chunks[i][split.in_axes[i]])))
    if not levels:
        return _whole(full, budget, staged.options.threads)

    # the budget, per task: shrink the largest block until its temporaries fit
    rechunked = False
    while True:
        largest = tuple(max(lv.chunks) for lv in levels)
        block = compile_shapes(_block_shapes(shapes, levels, largest))
        per_block = temporary_peak(block.plan)
        if per_block <= budget:
            break
        j = max(range(len(levels)), key=lambda j: largest[j])
        if largest[j] <= 1:
            raise MemoryBudgetError(
                f"{full.name}: even one-element blocks of vmap levels "
                f"{', '.join(repr(lv.name) for lv in levels)} need {format_bytes(per_block)} of "
                f"temporaries per dask task (largest step {_largest_step(block.plan)}), over "
                f"memory_limit={format_bytes(budget)}; raise memory_limit"
            )
        n = largest[j]
        n = max(1, min(n - 1, n * budget // max(per_block, 1)))
        size = sum(levels[j].chunks)
        levels[j] = Level(levels[j].name, levels[j].split, _regular(size, n))
        rechunked = True
    for j, lv in enumerate(levels):
        if len(set(lv.chunks)) > MAX_BLOCK_SHAPES:
            levels[j] = Level(lv.name, lv.split, _regular(sum(lv.chunks), max(lv.chunks)))
    programs: dict[tuple[int, ...], Program] = {}
    names = [lv.name for lv in levels]
    for lengths in _product([sorted(set(lv.chunks)) for lv in levels]):
        compiled = (
            block if lengths == largest else compile_shapes(_block_shapes(shapes, levels, lengths))
        )
        if not block_matches(full, compiled, names):
            # traced for a block, the function is another program (it reads its shapes)
            return _whole(full, budget, staged.options.threads)
        programs[lengths] = Program.of(compiled, staged.options.threads)
    return DaskPlan(tuple(levels), programs, per_block, budget, rechunked, full, block)


def _whole(full: Compiled, budget: int, threads: int | None = None) -> DaskPlan:
    """The program as one task, when no vmap level can be split."""
    peak = temporary_peak(full.plan)
    if peak > budget:
        raise MemoryBudgetError(
            f"{full.name}: on dask arrays the program runs as one task, whose temporaries "
            f"need {format_bytes(peak)} (largest step {_largest_step(full.plan)}), over "
            f"memory_limit={format_bytes(budget)}, and no vmap axis of its inputs can be split "
            "into blocks; raise memory_limit or map the large axis with vmap"
        )
    return DaskPlan((), {(): Program.of(full, threads)}, peak, budget, False, full, full)


def _product(options: list[list[int]]) -> list[tuple[int, ...]]:
    out: list[tuple[int, ...]] = [()]
    for opts in options:
        out = [o + (n,) for o in out for n in opts]
    return out


def _plan_of(staged: Any, sig: Any, leaves: list[Any]) -> DaskPlan:
    """The plan of a call on dask arrays ``leaves``: its blocks run the program of the dask
    target's block target (NumPy)."""
    block_namespace = choose_target(sig.namespace).block.namespace
    block_sig = type(sig)(sig.treedef, sig.arrays, sig.statics, block_namespace)
    chunks = tuple(tuple(tuple(c) for c in x.chunks) for x in leaves)
    return plan_dask(staged, block_sig, chunks)


def lower_dask(staged: Any, sig: Any, leaves: list[Any]) -> Compiled:
    """What a call on dask arrays ``leaves`` runs, for ``explain`` and ``export``: the
    program of its largest block, with the block grid in its ``DaskTarget``."""
    plan = _plan_of(staged, sig, leaves)
    return replace(plan.block, target=DaskTarget(sig.namespace, plan.grid))


# --- the graph ------------------------------------------------------------------------------
def run_dask(staged: Any, sig: Any, leaves: list[Any]) -> Any:
    """``staged`` (a ``Staged``) applied to dask arrays ``leaves``, the array leaves of one
    call with signature ``sig``: a lazy dask array (or pytree of them)."""
    import dask
    import dask.array as da

    plan = _plan_of(staged, sig, leaves)
    full = plan.full
    outputs = full.graph.outputs
    if not plan.levels:  # one task, lazily
        task = BlockTask(plan.programs, (), (0,) * len(outputs), None)
        value = dask.delayed(task, nout=len(outputs), pure=True)(*leaves)
        parts = [
            da.from_delayed(value[k], shape=node.shape, dtype=node.dtype)
            for k, node in enumerate(outputs)
        ]
        return pytree.unflatten(full.out_treedef, parts)

    letters = [f"l{j}" for j in range(len(plan.levels))]
    args: list[Any] = []
    for i, x in enumerate(leaves):
        spec: dict[int, Any] = {}
        ind = []
        for k in range(x.ndim):
            j = next((j for j, lv in enumerate(plan.levels) if lv.in_axes[i] == k), None)
            spec[k] = -1 if j is None else plan.levels[j].chunks
            ind.append(f"i{i}_{k}" if j is None else letters[j])
        args += [x.rechunk(spec) if x.ndim else x, tuple(ind)]

    def out_index(k: int) -> tuple[tuple[str, ...], dict[str, int], dict[str, Any], list[Any]]:
        node = outputs[k]
        index = [f"o{k}_{d}" for d in range(node.ndim)]
        new_axes = {}
        reduce: list[Any] = []  # (trailing axis, how) per reduced level
        adjust: dict[str, Any] = {}
        for j, lv in enumerate(plan.levels):
            axis = lv.split.out_axes[k]
            if axis is not None:
                index[axis] = letters[j]
            else:
                reduce.append(lv.split.combine[k])
                adjust[letters[j]] = (1,) * len(lv.chunks)
        for d, name in enumerate(index):
            if name.startswith("o"):
                new_axes[name] = node.shape[d]
        index += [letters[j] for j, lv in enumerate(plan.levels) if lv.split.out_axes[k] is None]
        return tuple(index), new_axes, adjust, reduce

    reduced = tuple(len(out_index(k)[3]) for k in range(len(outputs)))
    parts = []
    if len(outputs) == 1:
        index, new_axes, adjust, reduce = out_index(0)
        task = BlockTask(plan.programs, tuple(lv.in_axes for lv in plan.levels), reduced, 0)
        blocks = [_blockwise(da, task, index, args, new_axes, adjust, outputs[0].dtype)]
    else:
        task = BlockTask(plan.programs, tuple(lv.in_axes for lv in plan.levels), reduced, None)
        tmp = da.blockwise(
            task,
            tuple(letters),
            *args,
            concatenate=True,
            dtype=object,
            meta=np.empty((0,) * len(letters), dtype=object),
        )
        blocks = []
        for k, node in enumerate(outputs):
            index, new_axes, adjust, _ = out_index(k)
            blocks.append(
                _blockwise(
                    da,
                    operator.itemgetter(k),
                    index,
                    [tmp, tuple(letters)],
                    new_axes,
                    adjust,
                    node.dtype,
                )
            )
    for k, (node, part) in enumerate(zip(outputs, blocks)):
        reduce = out_index(k)[3]
        # one dask tree reduction over the partial axes (one per reduced level)
        groups = [reduce] if len(set(reduce)) <= 1 else [[how] for how in reversed(reduce)]
        for group in groups:
            if not group:
                continue
            axes = tuple(range(part.ndim - len(group), part.ndim))
            if group[0] == "sum":
                part = part.sum(axis=axes, dtype=node.dtype)
            else:
                part = getattr(part, group[0])(axis=axes)
        parts.append(part)
    return pytree.unflatten(full.out_treedef, parts)


def _blockwise(
    da: Any,
    fn: Any,
    index: tuple[str, ...],
    args: list[Any],
    new_axes: dict[str, int],
    adjust: dict[str, Any],
    dtype: Any,
) -> Any:
    return da.blockwise(
        fn,
        index,
        *args,
        new_axes=new_axes or None,
        adjust_chunks=adjust or None,
        concatenate=True,
        dtype=dtype,
        meta=np.empty((0,) * len(index), dtype=dtype),
    )


def n_tasks(x: Any) -> int:
    """How many tasks the dask graph of ``x`` holds (tests and benchmarks)."""
    return len(x.__dask_graph__())


__all__ = ["BlockTask", "DaskPlan", "Program", "lower_dask", "n_tasks", "plan_dask", "run_dask"]
