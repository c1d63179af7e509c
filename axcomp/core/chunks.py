"""A chunked program: the Plan of one block, run over slices of one vmap axis.

When a program's temporaries exceed its memory budget (or are large enough that blocks
run faster, on several threads), the compiler splits the batch axis of one vmap level into
blocks: each block runs the block Plan on slices of the inputs that carry the axis and
writes its slice of every (preallocated) output. Blocks are independent, which is what
vmap means, so they may run on a thread pool.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .plan import Plan


@dataclass(frozen=True)
class ChunkPlan:
    level: str  # the vmap level's axis name in the axis graph
    size: int  # that axis's length
    chunk: int  # the block length (the last block may be shorter)
    in_axes: tuple[int | None, ...]  # per flat input: the axis that is sliced, or None
    out_axes: tuple[int | None, ...]  # per flat output: the axis a block writes a slice of
    combine: tuple[str, ...]  # per flat output: "slice", or how blocks accumulate: sum/min/max
    out_shapes: tuple[tuple[int, ...], ...]
    out_dtypes: tuple[np.dtype, ...]
    block: Plan  # the plan of a full block
    tail: Plan | None  # the plan of the shorter last block, if there is one
    threads: int
    full_temporaries: int  # predicted temporaries of the unchunked program
    block_temporaries: int  # predicted temporaries of one block
    budget: int
    # "memory" (over budget), "speed" (large temporaries, several threads) or "loop" (a
    # sequential loop's independent rows, one block per thread)
    reason: str
    # block-invariant work (``compiler/hoist.py``): run once before the blocks on the inputs
    # at ``prologue_args``; its results follow the inputs of every full block
    prologue: Plan | None = None
    prologue_args: tuple[int, ...] = ()
    hoisted_bytes: int = 0  # the prologue's results, alive while the blocks run
    vmapped: bool = True  # ``level`` is a vmap level's name; False: an input axis's name

    @property
    def axis_text(self) -> str:
        """The split axis, as messages name it."""
        return f"{'vmap axis' if self.vmapped else 'input axis'} '{self.level}'"

    @property
    def n_blocks(self) -> int:
        return math.ceil(self.size / self.chunk) if self.size else 0

    @property
    def output_bytes(self) -> int:
        return sum(
            math.prod(s) * np.dtype(d).itemsize for s, d in zip(self.out_shapes, self.out_dtypes)
        )

    @property
    def peak_temporaries(self) -> int:
        """Temporaries alive at once: one block's per thread that runs a block, and the
        values hoisted out of the blocks."""
        return (
            self.block_temporaries * min(self.threads, max(self.n_blocks, 1)) + self.hoisted_bytes
        )

    def describe(self) -> str:
        return (
            f"chunked over {self.axis_text} (size {self.size}) in {self.n_blocks} "
            f"blocks of {self.chunk} on {min(self.threads, self.n_blocks)} thread(s) "
            f"({self.reason}): temporaries {self.full_temporaries:,} B unchunked, "
            f"{self.block_temporaries:,} B per block, budget {self.budget:,} B"
            + (
                f"; {len(self.prologue.outputs)} block-invariant value(s) computed once"
                if self.prologue is not None
                else ""
            )
        )
