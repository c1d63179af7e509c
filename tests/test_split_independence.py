"""Blocked runs split only axes proven independent.

Random programs: a pairwise kernel over two vmap levels, then random post-operations over
the batch axes (cumulative sums, sorts, flips, gathers, transposes, reductions, centring,
shape-dependent Python arithmetic...). Each runs whole, then forced into blocks (a tiny
``memory_limit`` with one to three threads), on dask arrays, and per example under
``pmap`` with collectives; every blocked answer must equal the whole one, or the call must
be refused with an ``AxcompError``. A silent difference is the bug this file exists for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import axcomp as ax
import axcomp.numpy as anp
from axcomp.core.independence import MIXED, Carried, reshape_relations

KERNELS: dict[str, Callable[[Any, Any], Any]] = {
    "l1": lambda a, b: anp.sum(anp.abs(a - b)),
    "sqdist": lambda a, b: anp.sum((a - b) ** 2),
    "dot": lambda a, b: anp.dot(a, b),
    "cosine": lambda a, b: anp.dot(a, b) / (anp.linalg.norm(a) * anp.linalg.norm(b) + 1.0),
}

# post-operations on the (n, m) pairwise matrix: axis 0 is the outer vmap level, axis 1
# the inner one; many of them mix one of the two
POST: dict[str, Callable[[Any], Any]] = {
    "identity": lambda P: P,
    "cumsum0": lambda P: anp.cumsum(P, axis=0),
    "cumsum1": lambda P: anp.cumsum(P, axis=1),
    "cumprod0": lambda P: anp.cumprod(anp.tanh(P), axis=0),
    "sort0": lambda P: anp.sort(P, axis=0),
    "sort1": lambda P: anp.sort(P, axis=1),
    "argsort0": lambda P: anp.argsort(P, axis=0),
    "flip0": lambda P: P[::-1],
    "flip1": lambda P: P[:, ::-1],
    "roll0": lambda P: anp.roll(P, 1, axis=0),
    "slice0": lambda P: P[1:],
    "take0": lambda P: anp.take(P, np.arange(P.shape[0])[::-1] % 3, axis=0),
    "transpose_cumsum": lambda P: anp.cumsum(P.T, axis=1),
    "sum0": lambda P: anp.sum(P, axis=0),
    "sum1": lambda P: anp.sum(P, axis=1),
    "max0": lambda P: anp.max(P, axis=0),
    "min1": lambda P: anp.min(P, axis=1),
    "argmin0": lambda P: anp.argmin(P, axis=0),
    "center0": lambda P: P - anp.mean(P, axis=0),
    "softmax1": lambda P: ax.nn.softmax(P, axis=1),
    "by_rows": lambda P: P / P.shape[0],  # Python reads the whole run's shape
    "positions0": lambda P: P * anp.arange(P.shape[0])[:, None],
    "ravel": lambda P: anp.reshape(P, (-1,)),
    "exp": lambda P: anp.exp(-P),
    "total": lambda P: anp.sum(P),
}
SHAPE_KEEPING = [
    "identity",
    "cumsum0",
    "cumsum1",
    "sort0",
    "flip0",
    "flip1",
    "roll0",
    "center0",
    "softmax1",
    "by_rows",
    "positions0",
    "exp",
    "transpose_cumsum",
]


def _program(kernel: str, first: str, second: str) -> Callable[[Any, Any], Any]:
    pairwise = ax.vmap(ax.vmap(KERNELS[kernel], (None, 0)), (0, None))

    def program(A: Any, B: Any) -> Any:
        return POST[second](POST[first](pairwise(A, B)))

    return program


def _same(got: Any, want: Any) -> None:
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype
    if np.issubdtype(want.dtype, np.integer):
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-11)


programs = st.tuples(
    st.sampled_from(sorted(KERNELS)),
    st.sampled_from(SHAPE_KEEPING),
    st.sampled_from(sorted(POST)),
    st.integers(4, 11),
    st.integers(3, 9),
    st.integers(0, 2**32 - 1),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs, st.sampled_from(["1KiB", "2KiB", "6KiB"]), st.integers(1, 3))
def test_chunked_runs_equal_the_whole_run(case: Any, budget: str, threads: int) -> None:
    kernel, first, second, n, m, seed = case
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(n, 3)), rng.normal(size=(m, 3))
    program = _program(kernel, first, second)
    want = ax.jit(program, threads=1)(A, B)
    blocked = ax.jit(program, memory_limit=budget, threads=threads)
    try:
        got = blocked(A, B)
    except ax.MemoryBudgetError:
        return  # refusing is allowed; a wrong number is not
    _same(got, want)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs, st.integers(2, 4), st.integers(2, 4))
def test_dask_blocks_equal_the_whole_run(case: Any, row_chunk: int, col_chunk: int) -> None:
    da = pytest.importorskip("dask.array")
    kernel, first, second, n, m, seed = case
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(n, 3)), rng.normal(size=(m, 3))
    program = _program(kernel, first, second)
    want = ax.jit(program, threads=1)(A, B)
    lazy = ax.jit(program)(
        da.from_array(A, chunks=(row_chunk, 3)), da.from_array(B, (col_chunk, 3))
    )
    _same(lazy.compute(scheduler="synchronous"), want)


COLLECTIVE_POST: dict[str, Callable[[Any], Any]] = {
    "none": lambda r: r,
    "cumsum": lambda r: anp.cumsum(r),  # along the example's own axis: per example
    "centre": lambda r: r - ax.lax.pmean(r, "i"),
    "scaled": lambda r: r / ax.lax.psum(1.0, "i"),
    "index": lambda r: r * ax.lax.axis_index("i"),
    "gather": lambda r: ax.lax.all_gather(r, "i").sum(0),
    "max": lambda r: r - ax.lax.pmax(r, "i"),
}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(KERNELS)),
    st.sampled_from(sorted(COLLECTIVE_POST)),
    st.integers(2, 9),
    st.integers(1, 3),
    st.integers(0, 2**32 - 1),
)
def test_pmap_shards_equal_the_whole_run(
    kernel: str, post: str, n: int, per_worker: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(n, 3)), rng.normal(size=(5, 3))
    row = ax.vmap(KERNELS[kernel], (None, 0))

    def per_example(a: Any, B: Any) -> Any:
        return COLLECTIVE_POST[post](row(a, B))

    want = ax.jit(ax.vmap(per_example, (0, None), axis_name="i"))(A, B)
    sharded = ax.pmap(per_example, "i", in_axes=(0, None), devices=2, shards_per_worker=per_worker)
    _same(sharded(A, B), want)


def test_the_reported_cumsum_over_a_pairwise_result_is_exact():
    # the example: a cumsum along the outer vmap axis of a 6000 x 1500 L1 matrix,
    # whose 1.1 GiB of temporaries exceed the default budget (it was wrong by 3.7e4)
    l1 = ax.vmap(ax.vmap(lambda a, b: anp.sum(anp.abs(a - b)), (None, 0)), (0, None))
    rng = np.random.default_rng(0)
    A, B = rng.random((600, 16)), rng.random((150, 16))
    f = ax.jit(lambda A, B: anp.cumsum(l1(A, B), axis=0), memory_limit="100KiB")
    want = np.cumsum(np.abs(A[:, None] - B[None]).sum(-1), axis=0)
    np.testing.assert_allclose(f(A, B), want, rtol=1e-12)
    chunks = f.lower(A, B).chunks
    assert chunks is not None and chunks.level != "a"  # split along the inner axis instead


def test_a_mixed_only_axis_is_refused_naming_the_step():
    l1 = ax.vmap(lambda a, B: anp.sum(anp.abs(a - B), axis=1), (0, None))
    f = ax.jit(lambda A, B: anp.sort(l1(A, B).T, axis=1), memory_limit="8KiB")
    A, B = np.ones((40, 8)), np.ones((5, 8))
    with pytest.raises(ax.MemoryBudgetError, match=r"cannot be split: .*sort"):
        f(A, B)


def test_reshape_carries_only_whole_factors():
    assert reshape_relations((4, 6), (4, 2, 3)) == (Carried(0), MIXED)
    assert reshape_relations((4, 6), (24,)) == (MIXED, MIXED)
    assert reshape_relations((4, 1, 6), (4, 6, 1)) == (Carried(0), MIXED, Carried(1))
    assert reshape_relations((2, 3), (3, 2)) == (MIXED, MIXED)


def test_every_primitive_declares_its_axes():
    from axcomp.core.primitive import registered

    undeclared = [
        name
        for name, p in registered().items()
        if p.axes is None and p.split is None and p.arity != 0
    ]
    assert undeclared == []
