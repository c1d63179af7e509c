"""Fuzzer 2: chunked, dask and pmap runs against the unchunked run and a NumPy loop.

A case is a random kernel (:mod:`fuzz_kernels`) mapped pairwise,
``vmap(vmap(kernel, (None, 0)), (0, None))`` over ``A[a, n]`` and ``B[b, n]``, followed
inside one ``jit`` by a post-op on the ``(a, b, ...)`` result (:data:`POST_OPS`). The
program runs

* ``chunked``: under a ``memory_limit`` of 50-80% of the unchunked program's
  predicted temporaries (which forces chunking wherever the chunker can split) on 1-3
  threads;
* ``dask``: on a dask array ``A`` (random chunks), then computed;
* ``pmap``: the rows mapped by ``ax.pmap`` on 1-3 local devices (no post-op).

Each must equal the unchunked ``jit`` run to 1e-12, which in turn must match the loop
oracle (NumPy kernel, tests/oracle.py) with the post-op applied by NumPy.

:data:`ORDER_DEPENDENT` post-ops read the vmap axis in an order (cumulative sums, sorts,
flips, gathers, negative slices): chunking splits that axis, so they are only right when
the chunker refuses to split it. The CI slice tracks them separately.
"""

from __future__ import annotations

import importlib.util
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from fuzz_harness import Outcome, run_axcomp, run_oracle, verdict
from fuzz_kernels import AXCOMP, NUMPY, KernelProgram, random_kernel
from oracle import loop_vmap

import axcomp as ax
from axcomp.compiler.memory import temporary_peak

ROWS = np.array([3, 0, 0, 2, 1])  # for take along the vmap axis (sizes are >= 4)


@dataclass(frozen=True)
class PostOp:
    text: str  # with {r} for the pairwise result
    run: Callable[[Any, Any], Any]  # (namespace, result) -> value


POST_OPS: dict[str, PostOp] = {
    "none": PostOp("{r}", lambda ns, r: r),
    "affine": PostOp("{r} * 2.0 + 1.0", lambda ns, r: r * 2.0 + 1.0),
    "sum0": PostOp("anp.sum({r}, axis=0)", lambda ns, r: ns.sum(r, axis=0)),
    "max1": PostOp("anp.max({r}, axis=1)", lambda ns, r: ns.max(r, axis=1)),
    "swap": PostOp("anp.swapaxes({r}, 0, 1)", lambda ns, r: ns.swapaxes(r, 0, 1)),
    "cumsum0": PostOp("anp.cumsum({r}, axis=0)", lambda ns, r: ns.cumsum(r, axis=0)),
    "cumsum1": PostOp("anp.cumsum({r}, axis=1)", lambda ns, r: ns.cumsum(r, axis=1)),
    "sort0": PostOp("anp.sort({r}, axis=0)", lambda ns, r: ns.sort(r, axis=0)),
    "flip0": PostOp("{r}[::-1]", lambda ns, r: r[::-1]),
    "take0": PostOp("anp.take({r}, ROWS, axis=0)", lambda ns, r: ns.take(r, ROWS, axis=0)),
    "negslice": PostOp("{r}[-3:]", lambda ns, r: r[-3:]),
}
#: Post-ops that read the (chunked) vmap axis in order: wrong on main until the chunker
#: splits only axes proven independent (the lead's fix).
ORDER_DEPENDENT = frozenset({"cumsum0", "cumsum1", "sort0", "flip0", "take0", "negslice"})
MODES = ("chunked", "chunked", "dask", "pmap")
HAVE_DASK = importlib.util.find_spec("dask") is not None  # optional: the test extra has it


@dataclass(frozen=True)
class ChunkCase:
    kernel: KernelProgram
    post: str
    mode: str  # chunked | dask | pmap
    a: int
    b: int
    percent: int  # the memory limit: this percentage of the unchunked temporaries' peak
    threads: int  # threads (chunked), devices (pmap), dask chunk length (dask)
    seed: int

    def inputs(self) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(self.seed)
        n = self.kernel.n
        return rng.normal(size=(self.a, n)) * 0.7, rng.normal(size=(self.b, n)) * 0.7

    def memory_limit(self) -> int:
        """Bytes: a fraction of the temporaries the unchunked program is predicted to need
        (a fixed tiny limit would leave most small programs whole)."""
        whole = ax.jit(self.program(AXCOMP, ax.vmap)).lower(*self.inputs())
        return max(64, temporary_peak(whole.plan) * self.percent // 100)

    def program(self, backend: Any, vmap: Callable[..., Any]) -> Callable[..., Any]:
        pairwise = vmap(vmap(self.kernel.function(backend), (None, 0)), (0, None))
        post = POST_OPS[self.post].run
        return lambda A, B: post(backend.np, pairwise(A, B))

    def repro(self) -> str:
        pair = "ax.vmap(ax.vmap(kernel, (None, 0)), (0, None))"
        lines = [self.kernel.source(), f"ROWS = np.array({ROWS.tolist()})"]
        if self.mode == "pmap":
            lines.append(
                f"f = ax.pmap(ax.vmap(kernel, (None, 0)), in_axes=(0, None), "
                f"devices={self.threads}, shards_per_worker={-(-self.a // self.threads)})"
            )
        else:
            post = POST_OPS[self.post].text.format(r=f"{pair}(A, B)")
            threads = f", threads={self.threads}" if self.mode == "chunked" else ""
            lines.append(
                f"f = ax.jit(lambda A, B: {post}, memory_limit={self.memory_limit()}{threads})"
            )
        lines.append(
            f"A, B = (np.random.default_rng({self.seed}).normal(size=s) * 0.7 for s in "
            f"(({self.a}, {self.kernel.n}), ({self.b}, {self.kernel.n})))"
        )
        if self.mode == "dask":
            lines.append(f"A = dask.array.from_array(A, chunks=({self.threads}, -1))")
            lines.append("B = dask.array.from_array(B)")
        lines.append("f(A, B)  # against ax.jit(lambda A, B: ...)(A, B) without memory_limit")
        return "\n".join(lines)

    def smaller(self) -> list[ChunkCase]:
        out = [replace(self, kernel=k) for k in self.kernel.shrunk()]
        if self.post != "none" and self.mode != "pmap":
            out.append(replace(self, post="none"))
        if self.a > 4:
            out.append(replace(self, a=max(4, self.a // 2)))
        if self.b > 4:
            out.append(replace(self, b=max(4, self.b // 2)))
        return out


def draw(rng: random.Random) -> ChunkCase:
    mode = rng.choice(MODES)
    return ChunkCase(
        kernel=random_kernel(rng, max_steps=4),
        post="none" if mode == "pmap" else rng.choice(sorted(POST_OPS)),
        mode=mode,
        a=rng.randint(4, 40),
        b=rng.randint(4, 30),
        percent=rng.choice([50, 65, 80]),
        threads=rng.randint(1, 3) if mode != "dask" else rng.randint(1, 9),
        seed=rng.randrange(1 << 30),
    )


def _run(case: ChunkCase, A: np.ndarray, B: np.ndarray) -> Any:
    if case.mode == "pmap":
        row = ax.vmap(case.kernel.function(AXCOMP), (None, 0))
        shards = -(-case.a // case.threads)  # enough shards per device for every row
        return ax.pmap(row, in_axes=(0, None), devices=case.threads, shards_per_worker=shards)(A, B)
    f = case.program(AXCOMP, ax.vmap)
    if case.mode == "chunked":
        return ax.jit(f, memory_limit=case.memory_limit(), threads=case.threads)(A, B)
    import dask.array as da

    dA, dB = da.from_array(A, chunks=(case.threads, -1)), da.from_array(B)
    return ax.jit(f, memory_limit=case.memory_limit())(dA, dB)


def check(case: ChunkCase) -> Outcome:
    if case.mode == "dask" and not HAVE_DASK:
        return Outcome("invalid", "dask is not installed")
    A, B = case.inputs()
    want, bad = run_oracle(lambda: case.program(NUMPY, loop_vmap)(A, B))
    if bad is not None:
        return bad
    whole, failed = run_axcomp(lambda: ax.jit(case.program(AXCOMP, ax.vmap))(A, B))
    if failed is not None:
        return failed
    first = verdict(whole, want, rtol=1e-9, atol_scale=1e-11, what="unchunked vs loop: ")
    if first.failed:
        return first
    got, failed = run_axcomp(lambda: _run(case, A, B))
    if failed is not None:
        return failed
    if case.mode == "dask":
        import dask.array as da

        if not isinstance(got, da.Array):
            return Outcome("wrong", f"dask arrays in gave {type(got).__name__} out")
        got, failed = run_axcomp(lambda: got.compute(scheduler="synchronous"))
        if failed is not None:
            return failed
    return verdict(got, whole, rtol=1e-12, atol_scale=1e-12, what=f"{case.mode} vs unchunked: ")


def order_dependent(case: ChunkCase) -> bool:
    return case.post in ORDER_DEPENDENT


def known_issue(case: ChunkCase) -> str | None:
    """No subset is known to fail any more (the soak counts every case)."""
    return None
