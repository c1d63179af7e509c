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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import numpy as np

from .. import pytree
from ..compiler.memory import temporary_peak
from ..core.chunks import ChunkPlan
from ..errors import AxisSpecError, AxisSpecTypeError, UnsupportedError
from ..tracing.trace import current_trace
from .chunking import combine, level_in_axes
from .compile import Compiled
from .dask import Program
from .namespaces import NUMPY
from .staging import Signature, is_array_leaf, signature_of
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


class PmappedFunction(VmappedFunction):
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

    def __repr__(self) -> str:
        return super().__repr__().replace("vmap(", "pmap(", 1)

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

    def _analyse(self, sig: Signature) -> tuple[Compiled, Any, tuple[int | None, ...]]:
        full = self._compile_plain(sig)
        rec = next(r for r in full.levels if r.depth == 0)
        sources = {src for _, _, src in rec.mapped}
        in_axes = tuple(
            next((k for k, a in enumerate(n.axes) if a in sources), None) for n in full.graph.inputs
        )
        return full, rec, in_axes

    def _program(self, sig: Signature, in_axes: Any, length: int) -> tuple[Compiled, Program]:
        arrays = tuple(
            (s if k is None else s[:k] + (length,) + s[k + 1 :], dt)
            for (s, dt), k in zip(sig.arrays, in_axes)
        )
        key = (sig, length)
        found = self._shard_programs.get(key)
        if found is None:
            compiled = self._compile_plain(Signature(sig.treedef, arrays, sig.statics, NUMPY))
            found = self._shard_programs[key] = (compiled, Program.of(compiled))
            while len(self._shard_programs) > 64:
                self._shard_programs.pop(next(iter(self._shard_programs)))
        return found

    # --- calls -----------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if current_trace() is not None:
            return self._inline(args, kwargs)  # inside another trace: a vmap
        sig = signature_of(args, kwargs)
        if sig.namespace != NUMPY:
            raise UnsupportedError(
                f"pmap takes NumPy arrays (got {sig.namespace} arrays); call a vmap on dask "
                "arrays for a lazy blockwise graph instead"
            )
        leaves = [np.asarray(x) for x in pytree.flatten((args, kwargs))[0] if is_array_leaf(x)]
        full, rec, in_axes = self._analyse(sig)
        client, devices = self._devices()
        where = f"{len(devices)} {'dask worker' if client is not None else 'local thread'}(s)"
        length, n_shards = self._shards(rec.size, len(devices), where)
        if n_shards == 0 or level_in_axes(full, rec) is None:
            # examples depend on each other (a collective over the pmapped name, an input
            # also used whole): the shards could not run apart, so the program runs whole
            return full.run(leaves)
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
            if rec.name in node.axes:
                axis = node.axes.index(rec.name)
                outs.append(np.concatenate([r[k] for r in results], axis=axis))
            else:  # reduced over the pmapped axis: the shards' partials add up
                how = combine(node, rec.name) or "sum"
                parts = np.stack([np.asarray(r[k]) for r in results])
                total = getattr(np, how)(parts, axis=0)  # np.sum, np.min or np.max
                outs.append(np.asarray(total).astype(node.dtype, copy=False))
        return pytree.unflatten(full.out_treedef, outs)

    def lower(self, *args: Any, **kwargs: Any) -> Compiled:
        """The program for the whole arguments, with the shard plan as its ``chunks``
        (``explain`` shows it: one shard per block, devices as threads)."""
        sig = signature_of(args, kwargs)
        full, rec, in_axes = self._analyse(sig)
        client, devices = self._devices()
        where = f"{len(devices)} {'dask worker' if client is not None else 'local thread'}(s)"
        length, n_shards = self._shards(rec.size, len(devices), where)
        if n_shards == 0 or level_in_axes(full, rec) is None:
            return full  # runs whole (see __call__): no shard plan to show
        shard = self._program(sig, in_axes, length)[0]
        tail = None
        if rec.size % length:
            tail = self._program(sig, in_axes, rec.size % length)[0].plan
        outs = full.graph.outputs
        out_axes = tuple(n.axes.index(rec.name) if rec.name in n.axes else None for n in outs)
        plan = ChunkPlan(
            rec.name,
            rec.size,
            length,
            in_axes,
            out_axes,
            tuple(
                "slice" if k is not None else combine(n, rec.name) or "sum"
                for n, k in zip(outs, out_axes)
            ),
            tuple(n.shape for n in outs),
            tuple(n.dtype for n in outs),
            shard.plan,
            tail,
            len(devices),
            temporary_peak(full.plan),
            temporary_peak(shard.plan),
            self.options.memory_limit,
            f"pmap: {n_shards} shard(s) of {length} on {where}",
        )
        return replace(full, chunks=plan)


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
