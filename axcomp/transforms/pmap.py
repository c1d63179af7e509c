"""``pmap``: JAX's ``pmap`` where the devices are the workers of a dask cluster.

``pmap(f)(x)`` computes what ``vmap(f)(x)`` computes (same ``in_axes``, ``out_axes`` and
``axis_name``), with the mapped axis split into shards that run on different devices:
the workers of a ``dask.distributed`` ``Client`` (passed as ``client=``, or the current
one), else local threads (``devices=`` of them, by default one per CPU). As in JAX the
mapped axis may not be longer than the number of devices (one example per device) unless
``shards_per_worker=k`` is given: the axis is then cut into up to ``k`` contiguous shards
per device, of any length. Each shard runs the program compiled for its shapes (the same
function vmapped over a shard: at most two programs, a full shard and a shorter last
one); the programs travel as picklable source (``transforms.dask.Program``) and are
rebuilt once per worker process. NumPy arrays in, NumPy arrays out.

Called inside another trace (``jit(pmap(f))``) a pmap is a vmap. Collectives over the
pmapped axis name (``psum`` and friends) are not provided here.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import numpy as np

from .. import pytree
from ..backends.target import PmapTarget
from ..compiler.memory import temporary_peak
from ..core.chunks import ChunkPlan
from ..core.graph import Graph, Node, topological
from ..core.independence import Reduced
from ..core.leaves import InputParams, input_p
from ..errors import AxisSpecError, AxisSpecTypeError, UnsupportedError
from ..tracing.trace import current_trace
from .chunking import LevelSplit, block_matches, level_split
from .compile import Compiled
from .dask import Program
from .staging import Signature, is_array_leaf, is_traced_scalar, signature_of
from .targets import choose_target
from .vmap import VmappedFunction, _check_spec_types


def _current_client() -> Any:
    try:
        from distributed import get_client
    except ImportError:
        return None
    try:
        return get_client()
    except ValueError:
        return None


#: the namespace of the shards' programs (the pmap target's block target)
_SHARD_NAMESPACE = PmapTarget().block.namespace

#: (whole program, pmapped level, each input's pmapped axis, the shards' split or None)
_Analysis = tuple[Compiled, Any, tuple[int | None, ...], LevelSplit | None]


class PmappedFunction(VmappedFunction[..., Any]):
    """The result of ``axcomp.pmap``."""

    def __init__(
        self,
        fun: Callable[..., Any],
        in_axes: Any,
        out_axes: Any,
        axis_name: str | None,
        client: Any,
        devices: int | None,
        shards_per_worker: int | None,
    ) -> None:
        super().__init__(fun, in_axes, out_axes, None, axis_name)
        self.client = client
        self.devices = devices
        self.shards_per_worker = shards_per_worker
        self._shard_programs: dict[Any, tuple[Compiled, Program]] = {}
        self._staged: dict[Any, list[list[Program]] | None] = {}
        self._analysed: dict[Signature, _Analysis] = {}
        self._extent = threading.local()  # (global size, offset) while a shard is traced

    def __repr__(self) -> str:
        return super().__repr__().replace("vmap(", "pmap(", 1)

    def _shard_extent(self, depth: int) -> tuple[int | None, int]:
        extent = getattr(self._extent, "value", None)
        return extent if extent is not None and depth == 0 else (None, 0)

    # --- collectives across shards -----------------------------------------------------------
    def _rounds(
        self, sig: Signature, in_axes: Any, bounds: list[tuple[int, int]], size: int
    ) -> list[list[Program]] | None:
        """Per round, one program per shard, for a program with collectives over the pmapped
        axis; None when it has none it can split at (it then runs whole)."""
        key = (sig, tuple(bounds))
        if key in self._staged:
            return self._staged[key]
        per_shard: list[list[Program]] = []
        try:
            for lo, hi in bounds:
                arrays = tuple(
                    (s if k is None else s[:k] + (hi - lo,) + s[k + 1 :], dt)
                    for (s, dt), k in zip(sig.arrays, in_axes)
                )
                self._extent.value = (size, lo)
                try:
                    shard = self._compile_plain(
                        Signature(sig.treedef, arrays, sig.statics, _SHARD_NAMESPACE)
                    )
                finally:
                    self._extent.value = None
                per_shard.append(_round_programs(shard, self.axis_name))
        except UnsupportedError:
            per_shard = []  # all_gather, psum_scatter: the shards cannot run apart
        rounds = None
        if per_shard and len(per_shard[0]) > 1:
            rounds = [[progs[r] for progs in per_shard] for r in range(len(per_shard[0]))]
        self._staged[key] = rounds
        while len(self._staged) > 64:
            self._staged.pop(next(iter(self._staged)))
        return rounds

    # --- devices and shards ----------------------------------------------------------------
    def _devices(self) -> tuple[Any, list[Any]]:
        """(client or None, one entry per device: worker addresses, or thread slots)."""
        client = self.client if self.client is not None else None
        if client is None and self.devices is None:
            client = _current_client()
        if client is not None:
            workers = sorted(client.scheduler_info()["workers"])
            if workers:
                return client, workers
        return None, list(range(self.devices or os.cpu_count() or 1))

    def _shards(self, size: int, n_devices: int, where: str) -> tuple[int, int]:
        """(shard length, number of shards) for a mapped axis of ``size``."""
        if self.shards_per_worker is None:
            if size > n_devices:
                raise AxisSpecError(
                    f"pmap: the mapped axis has size {size} but only {n_devices} devices "
                    f"({where}) are available (one example per device); pass shards_per_worker= "
                    "to run several examples per device, or use vmap"
                )
            return 1, size
        most = n_devices * self.shards_per_worker
        length = max(1, math.ceil(size / max(most, 1)))
        return length, math.ceil(size / length) if size else 0

    def _analyse(self, sig: Signature) -> _Analysis:
        """(whole program, pmapped level, each input's pmapped axis, how the shards split
        when the examples are proven to run apart), traced once per signature."""
        found = self._analysed.get(sig)
        if found is not None:
            return found
        full = self._compile_plain(sig)
        rec = next(r for r in full.levels if r.depth == 0)
        sources = {src for _, _, src in rec.mapped}
        in_axes = tuple(
            next((k for k, a in enumerate(n.axes) if a in sources), None) for n in full.graph.inputs
        )
        split = level_split(full, rec)
        found = (full, rec, in_axes, split if isinstance(split, LevelSplit) else None)
        self._analysed[sig] = found
        while len(self._analysed) > 64:
            self._analysed.pop(next(iter(self._analysed)))
        return found

    def _program(self, sig: Signature, in_axes: Any, length: int) -> tuple[Compiled, Program]:
        arrays = tuple(
            (s if k is None else s[:k] + (length,) + s[k + 1 :], dt)
            for (s, dt), k in zip(sig.arrays, in_axes)
        )
        key = (sig, length)
        found = self._shard_programs.get(key)
        if found is None:
            compiled = self._compile_plain(
                Signature(sig.treedef, arrays, sig.statics, _SHARD_NAMESPACE)
            )
            found = self._shard_programs[key] = (compiled, Program.of(compiled))
            while len(self._shard_programs) > 64:
                self._shard_programs.pop(next(iter(self._shard_programs)))
        return found

    # --- calls -----------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if current_trace() is not None:
            return self._inline(args, kwargs)  # inside another trace: a vmap
        sig = signature_of(args, kwargs, True)  # Python scalars traced (weak), as under jit
        choose_target(sig.namespace, pmap=True)  # refuses what pmap cannot run
        leaves = [
            np.asarray(x)
            for x in pytree.flatten((args, kwargs))[0]
            if is_array_leaf(x) or is_traced_scalar(x)
        ]
        full, rec, in_axes, apart = self._analyse(sig)
        client, devices = self._devices()
        where = f"{len(devices)} {'dask worker' if client is not None else 'local thread'}(s)"
        length, n_shards = self._shards(rec.size, len(devices), where)
        if n_shards == 0:
            return full.run(leaves)
        bounds = [(s * length, min(rec.size, (s + 1) * length)) for s in range(n_shards)]
        if apart is None:
            # examples depend on each other: collectives over the pmapped name run as rounds
            # of shard programs whose partial results the caller combines; anything else
            # (an input also used whole, all_gather) runs whole
            rounds = self._rounds(sig, in_axes, bounds, rec.size) if self.axis_name else None
            if rounds is None:
                return full.run(leaves)
            return self._run_rounds(full, rec, rounds, bounds, in_axes, leaves, client, devices)
        lengths = {min(rec.size, (s + 1) * length) - s * length for s in range(n_shards)}
        if not all(
            block_matches(full, self._program(sig, in_axes, n)[0], [rec.name]) for n in lengths
        ):
            return full.run(leaves)  # traced per shard, the function reads its own shapes
        calls = []
        for s in range(n_shards):
            lo, hi = s * length, min(rec.size, (s + 1) * length)
            prog = self._program(sig, in_axes, hi - lo)[1]
            shard = [
                x if k is None else x[(slice(None),) * k + (slice(lo, hi),)]
                for x, k in zip(leaves, in_axes)
            ]
            calls.append((prog, shard))
        if client is not None:
            futures = [
                client.submit(prog, *shard, workers=[devices[s % len(devices)]], pure=False)
                for s, (prog, shard) in enumerate(calls)
            ]
            results = client.gather(futures)
        else:
            with ThreadPoolExecutor(max_workers=min(len(devices), n_shards)) as pool:
                results = list(pool.map(lambda c: c[0](*c[1]), calls))
        outs = []
        for k, node in enumerate(full.graph.outputs):
            axis, how = apart.out_axes[k], apart.combine[k]
            if axis is not None:
                outs.append(np.concatenate([r[k] for r in results], axis=axis))
            else:  # reduced over the pmapped axis: the shards' partials combine
                parts = np.stack([np.asarray(r[k]) for r in results])
                total = getattr(np, how)(parts, axis=0)  # np.sum, np.min or np.max
                outs.append(np.asarray(total).astype(node.dtype, copy=False))
        return pytree.unflatten(full.out_treedef, outs)

    def _run_rounds(
        self,
        full: Compiled,
        rec: Any,
        rounds: list[list[Program]],
        bounds: list[tuple[int, int]],
        in_axes: Any,
        leaves: list[np.ndarray],
        client: Any,
        devices: list[Any],
    ) -> Any:
        shards = [
            [
                x if k is None else x[(slice(None),) * k + (slice(lo, hi),)]
                for x, k in zip(leaves, in_axes)
            ]
            for lo, hi in bounds
        ]
        combined: list[np.ndarray] = []  # every collective's value so far, in round order
        results: list[tuple[np.ndarray, ...]] = []
        for r, programs in enumerate(rounds):
            calls = [(prog, [*shard, *combined]) for prog, shard in zip(programs, shards)]
            if client is not None:
                futures = [
                    client.submit(prog, *args, workers=[devices[s % len(devices)]], pure=False)
                    for s, (prog, args) in enumerate(calls)
                ]
                results = client.gather(futures)
            else:
                with ThreadPoolExecutor(max_workers=min(len(devices), len(calls))) as pool:
                    results = list(pool.map(lambda c: c[0](*c[1]), calls))
            if r < len(rounds) - 1:  # partials of this round's collectives: combine them
                for k, how in enumerate(programs[0].combine):
                    parts = np.stack([np.asarray(res[k]) for res in results])
                    combined.append(getattr(np, how)(parts, axis=0).astype(parts.dtype))
        outs = []
        for k, node in enumerate(full.graph.outputs):
            if rec.name in node.axes:
                axis = node.axes.index(rec.name)
                outs.append(np.concatenate([res[k] for res in results], axis=axis))
            else:
                outs.append(np.asarray(results[0][k]))
        return pytree.unflatten(full.out_treedef, outs)

    def lower(self, *args: Any, **kwargs: Any) -> Compiled:
        """The program for the whole arguments, with the shard plan as its ``chunks``
        (``explain`` shows it: one shard per block, devices as threads)."""
        sig = signature_of(args, kwargs, True)
        choose_target(sig.namespace, pmap=True)
        full, rec, in_axes, apart = self._analyse(sig)
        client, devices = self._devices()
        where = f"{len(devices)} {'dask worker' if client is not None else 'local thread'}(s)"
        length, n_shards = self._shards(rec.size, len(devices), where)
        if n_shards == 0:
            return full
        target = PmapTarget(shards=f"{n_shards} shard(s) of {length} on {where}")
        if apart is None:
            bounds = [(s * length, min(rec.size, (s + 1) * length)) for s in range(n_shards)]
            rounds = self._rounds(sig, in_axes, bounds, rec.size) if self.axis_name else None
            if rounds is None:
                return full  # runs whole (see __call__): no shard plan to show
            outs = full.graph.outputs
            plan = ChunkPlan(
                rec.name,
                rec.size,
                length,
                in_axes,
                tuple(n.axes.index(rec.name) if rec.name in n.axes else None for n in outs),
                tuple("slice" for _ in outs),
                tuple(n.shape for n in outs),
                tuple(n.dtype for n in outs),
                full.plan,
                None,
                len(devices),
                temporary_peak(full.plan),
                temporary_peak(full.plan),
                self.options.memory_limit,
                f"pmap: {target.shards}, in {len(rounds)} rounds: "
                f"the collectives over {self.axis_name!r} combine the shards' partials "
                "between rounds",
            )
            return replace(full, chunks=plan, target=target)
        shard = self._program(sig, in_axes, length)[0]
        tail = None
        if rec.size % length:
            tail = self._program(sig, in_axes, rec.size % length)[0].plan
        outs = full.graph.outputs
        plan = ChunkPlan(
            rec.name,
            rec.size,
            length,
            in_axes,
            apart.out_axes,
            apart.combine,
            tuple(n.shape for n in outs),
            tuple(n.dtype for n in outs),
            shard.plan,
            tail,
            len(devices),
            temporary_peak(full.plan),
            temporary_peak(shard.plan),
            self.options.memory_limit,
            f"pmap: {target.shards}",
        )
        return replace(full, chunks=plan, target=target)


def pmap(
    fun: Callable[..., Any],
    axis_name: str | None = None,
    *,
    in_axes: Any = 0,
    out_axes: Any = 0,
    client: Any = None,
    devices: int | None = None,
    shards_per_worker: int | None = None,
    memory_limit: Any = None,
) -> PmappedFunction:
    """Map ``fun`` over an axis split across devices, like ``jax.pmap``: the workers of a
    dask ``client`` (or the current one), else ``devices`` local threads."""
    if not callable(fun):
        raise AxisSpecTypeError(f"pmap expects a callable as its first argument, got {fun!r}")
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)
    _check_spec_types(in_axes, "in_axes")
    _check_spec_types(out_axes, "out_axes")
    if axis_name is not None and (not isinstance(axis_name, str) or not axis_name.isidentifier()):
        raise AxisSpecTypeError(f"pmap axis_name must be an identifier string, got {axis_name!r}")
    for what, value in (("devices", devices), ("shards_per_worker", shards_per_worker)):
        if value is not None and (type(value) is not int or value < 1):
            raise AxisSpecTypeError(f"pmap {what} must be a positive int, got {value!r}")
    mapped = PmappedFunction(fun, in_axes, out_axes, axis_name, client, devices, shards_per_worker)
    mapped._set_options(memory_limit, None, None)
    return mapped


def _collective_combine(node: Node, axis_name: str | None) -> str | None:
    """How shards' partial values of ``node`` combine, when it is a collective over
    ``axis_name``: its declared reduction over the examples (a psum's sum)."""
    if axis_name is None or getattr(node.params, "axis_name", None) != axis_name:
        return None
    flows = node.op.axes(node)[0] if node.op.axes is not None else ()
    hows = {f.combine for f in flows if isinstance(f, Reduced)}
    return hows.pop() if len(hows) == 1 else None


def _round_programs(shard: Compiled, axis_name: str | None) -> list[Program]:
    """The shard's program cut at its collectives over ``axis_name``: round ``r`` takes the
    shard's inputs plus the combined values of the collectives of earlier rounds and
    returns the shard's partials of the collectives of round ``r``; the last round returns
    the outputs. One program when there is no such collective."""
    graph = shard.graph
    order = graph.nodes()
    hows = {n: _collective_combine(n, axis_name) for n in order}
    cuts = [n for n in order if hows[n] is not None]
    if not cuts:
        return [Program.from_graph(graph, shard.name, [])]
    depth: dict[Node, int] = {}
    for n in order:  # a collective's round: one more than the latest collective it reads
        below = max((depth[i] for i in n.inputs), default=0)
        depth[n] = below + 1 if n in cuts else below
    n_rounds = max(depth[c] for c in cuts)
    programs = []
    earlier: list[Node] = []
    for r in range(1, n_rounds + 2):
        current = [c for c in cuts if depth[c] == r]
        outputs = current if r <= n_rounds else list(graph.outputs)
        cut = _substitute(graph, earlier, outputs)
        programs.append(
            Program.from_graph(cut, f"{shard.name}_round{r}", [str(hows[c]) for c in current])
        )
        earlier += current
    return programs


def _substitute(graph: Graph, cut: list[Node], outputs: list[Node]) -> Graph:
    """``graph`` computing ``outputs`` with each node of ``cut`` read from a new input."""
    new: dict[Node, Node] = {}
    extra = []
    for k, node in enumerate(cut):
        params = InputParams(len(graph.inputs) + k, f"collective{k}")
        new[node] = Node(input_p, (), params, node.shape, node.dtype, node.axes)
        extra.append(new[node])
    for node in topological(outputs):
        if node in new:
            continue
        inputs = tuple(new.get(i, i) for i in node.inputs)
        changed = any(a is not b for a, b in zip(inputs, node.inputs))
        new[node] = node.replace_inputs(inputs) if changed else node
    return Graph(graph.inputs + tuple(extra), tuple(new[o] for o in outputs))
