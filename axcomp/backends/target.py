"""Targets: one per way of running a compiled program.

A target says which compiler passes apply to its programs, which emitter prints their Plans,
which driver runs them in blocks, and how ``explain`` names it. The targets are

* ``NumpyTarget``: the whole program as NumPy code (the default);
* ``ArrayApiTarget``: the whole program through the Array API emitter, for any other
  namespace (array-api-strict, PyTorch, JAX, CuPy, ...);
* ``ChunkedTarget``: one of those two run block by block by a chunk driver, when the
  program's temporaries call for it (``transforms.chunking``);
* ``DaskTarget``: a NumPy block program mapped over the dask chunks of the arguments
  (``transforms.dask``);
* ``PmapTarget``: a NumPy program per shard on the devices of a ``pmap``
  (``transforms.pmap``).

Pass selection is declarative: ``transforms.compile`` reads ``expand_gemm`` and
``orients_gemms``, ``transforms.staging`` reads ``chunking`` and ``host_memory``. Which
target a call gets is decided in one place, ``transforms.targets.choose_target``; the dask
and pmap runtimes, which need the tracing machinery, live in ``transforms`` and are named by
these targets only for ``explain``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..core.chunks import ChunkPlan
from ..core.plan import Plan, format_bytes
from . import array_api, array_api_chunks, fused_loops, numpy_backend, numpy_chunks
from .blas_threads import blas_threads

NUMPY = "numpy"

Built = tuple[str, Callable[..., Any]]  # (source, compiled function)


@dataclass(frozen=True)
class Target:
    """Where a program runs. ``namespace`` is the name of the arguments' array library."""

    namespace: str = NUMPY

    #: the name ``explain`` prints first
    name = "numpy"
    #: the GEMM expansion (``compiler.expand``) applies to its programs
    expand_gemm = True
    #: over its memory budget a program may run in blocks (``transforms.chunking``)
    chunking = True
    #: its arrays live in this process's memory (outputs are checked against what is free)
    host_memory = True

    @property
    def emitter(self) -> str:
        """The ``backends.BACKENDS`` key of the emitter that prints this target's Plans."""
        return "numpy"

    @property
    def fuse_min(self) -> int | None:
        """Reductions of elementwise chains this long or longer become fused loops
        (``compiler.fusion``); None: never. NumPy programs fuse when numba is installed and
        ``AXCOMP_FUSE`` allows it (``fused_loops.policy``)."""
        return fused_loops.policy() if self.emitter == "numpy" else None

    @property
    def orients_gemms(self) -> bool:
        """Whether its GEMMs may run transposed where OpenBLAS is faster that way
        (``compiler.gemm_orientation``): NumPy programs, while BLAS runs one thread (the
        rule's table is one thread's; the Array API namespaces have their own libraries)."""
        return self.emitter == "numpy" and blas_threads() == 1

    @property
    def block(self) -> Target:
        """The target of the program a block (or the whole call) runs: itself, or the
        plain target a driver calls."""
        return self

    def build(self, plan: Plan, name: str, threads: int | None = None) -> Built:
        """Generate and compile ``plan``: (source, function); ``threads``: what its fused
        loops may use (None: ``AXCOMP_THREADS`` or every core)."""
        return numpy_backend.build(plan, name, threads=threads)

    def build_chunked(
        self, chunks: ChunkPlan, name: str, progress: Callable[[int, int], Any] | None
    ) -> Built:
        """The driver running ``chunks`` block by block, with its block functions."""
        return numpy_chunks.build_chunked(chunks, name, progress)

    def block_threads(self, threads: int) -> int:
        """How many threads may run blocks at once, of the ``threads`` the options allow."""
        return threads

    def describe(self) -> str:
        return self.name


@dataclass(frozen=True)
class NumpyTarget(Target):
    """The whole program as NumPy code."""


#: the default target (a shared instance: targets are immutable)
NUMPY_TARGET = NumpyTarget()


@dataclass(frozen=True)
class ArrayApiTarget(Target):
    """The whole program through the Array API emitter, for arrays of ``namespace``."""

    name = "array_api"
    # the expansion's refine step gathers and scatters into flat buffers in place, which the
    # standard cannot express (no in-place writes, no flatnonzero/unravel_index); fused loops
    # are compiled for NumPy arrays (``fuse_min`` reads the emitter)
    expand_gemm = False
    host_memory = False  # a device's memory, which ``available_memory`` does not measure

    @property
    def emitter(self) -> str:
        return "array_api"

    def build(self, plan: Plan, name: str, threads: int | None = None) -> Built:
        return array_api.build(plan, name, self.namespace)

    def build_chunked(
        self, chunks: ChunkPlan, name: str, progress: Callable[[int, int], Any] | None
    ) -> Built:
        return array_api_chunks.build_chunked(chunks, name, self.namespace, progress)

    def block_threads(self, threads: int) -> int:
        # blocks run one after the other: not every Array API library is thread-safe
        return 1

    def describe(self) -> str:
        return f"array_api ({self.namespace})"


@dataclass(frozen=True, eq=False)
class ChunkedTarget(Target):
    """``inner`` (a NumPy or Array API target) run block by block by a chunk driver."""

    inner: Target = NUMPY_TARGET
    chunks: ChunkPlan | None = None

    chunking = False  # already in blocks

    @property
    def name(self) -> str:  # type: ignore[override]
        return self.inner.name

    @property
    def expand_gemm(self) -> bool:  # type: ignore[override]
        return self.inner.expand_gemm

    @property
    def host_memory(self) -> bool:  # type: ignore[override]
        return self.inner.host_memory

    @property
    def emitter(self) -> str:
        return self.inner.emitter

    @property
    def block(self) -> Target:
        return self.inner

    def build(self, plan: Plan, name: str, threads: int | None = None) -> Built:
        return self.inner.build(plan, name, threads)

    def build_chunked(
        self, chunks: ChunkPlan, name: str, progress: Callable[[int, int], Any] | None
    ) -> Built:
        return self.inner.build_chunked(chunks, name, progress)

    def describe(self) -> str:
        c = self.chunks
        if c is None:
            return f"{self.inner.describe()} (chunked)"
        return (
            f"{self.inner.describe()} (chunked: {c.n_blocks} blocks of {c.chunk} along "
            f"{c.axis_text}, {min(c.threads, c.n_blocks)} thread(s))"
        )


@dataclass(frozen=True)
class DaskGrid:
    """The blocks a dask call runs: per split vmap level its name and the block lengths
    along it (its dask chunks, rechunked to fit the budget)."""

    levels: tuple[tuple[str, tuple[int, ...]], ...]
    block_temporaries: int  # predicted temporaries of the largest block's program
    budget: int
    rechunked: bool

    def describe(self) -> str:
        if not self.levels:
            return "one task (no vmap level of the inputs can be split)"
        grid = " x ".join(str(len(lengths)) for _, lengths in self.levels)
        along = ", ".join(f"'{name}' (blocks of {max(lengths)})" for name, lengths in self.levels)
        why = ", rechunked to fit the budget" if self.rechunked else ""
        return (
            f"{grid} blocks along vmap level(s) {along}, "
            f"{format_bytes(self.block_temporaries)} temporaries per block, memory_limit "
            f"{format_bytes(self.budget)}{why}"
        )


@dataclass(frozen=True)
class DaskTarget(Target):
    """A NumPy block program mapped over the dask chunks of the arguments, lazily; ``grid``
    is set once the call's chunks are known (``transforms.dask.plan_dask``)."""

    grid: DaskGrid | None = None

    name = "dask"
    chunking = False  # dask's own chunks are the blocks
    host_memory = False  # nothing is computed before .compute()

    @property
    def block(self) -> Target:
        return NUMPY_TARGET  # dask hands each task NumPy blocks

    def describe(self) -> str:
        if self.grid is None:
            return "dask (blockwise, per-block program numpy)"
        return f"dask (blockwise: {self.grid.describe()}; per-block program numpy)"


@dataclass(frozen=True)
class PmapTarget(Target):
    """A NumPy program per shard of the pmapped axis, on dask workers or local threads."""

    shards: str = ""  # e.g. "4 shard(s) of 25 on 4 local thread(s)"

    name = "pmap"
    chunking = False  # the shards are the blocks

    @property
    def block(self) -> Target:
        return NUMPY_TARGET

    def describe(self) -> str:
        return f"pmap ({self.shards}; per-shard program numpy)" if self.shards else "pmap"
