"""Automatic chunking to a memory budget: chunked programs equal unchunked ones and the
per-example loop, blocks that do not divide the axis, size-0/1 axes, several outputs,
threads, progress, the budget error, and the memory actually used (tracemalloc)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.transforms import options

RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _numpy_path(monkeypatch):
    """The NumPy path's temporaries are what chunking splits: a fused loop (numba installed)
    leaves the pairwise L1 below none to split (tests/test_fused_loops.py chunks one)."""
    monkeypatch.setenv("AXCOMP_FUSE", "0")


def l1(a, b):
    return anp.sum(anp.abs(a - b))


def pairwise(f, **kw):
    return ax.jit(ax.vmap(ax.vmap(f, in_axes=(None, 0)), in_axes=(0, None)), **kw)


def loop_pairwise(f, A, B):
    return np.array([[f(a, b) for b in B] for a in A]).reshape(len(A), len(B))


def traced_call(f, *args):
    """``f(*args)`` and the peak bytes ``tracemalloc`` saw during the call."""
    tracemalloc.start()
    try:
        got = f(*args)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return got, peak


def test_chunked_equals_whole_and_the_loop():
    A, B = RNG.normal(size=(37, 16)), RNG.normal(size=(23, 16))
    whole = pairwise(l1)
    small = pairwise(l1, memory_limit="20KiB", threads=1)
    got = small(A, B)
    chunks = small.lower(A, B).chunks
    assert whole.lower(A, B).chunks is None and chunks is not None
    assert chunks.reason == "memory" and chunks.size == 37 and 37 % chunks.chunk  # a tail
    np.testing.assert_allclose(got, whole(A, B))
    np.testing.assert_allclose(got, loop_pairwise(lambda a, b: np.abs(a - b).sum(), A, B))
    assert "_run_blocks" in small.lower(A, B).source


@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_small_axes(n):
    A, B = RNG.normal(size=(n, 8)), RNG.normal(size=(6, 8))
    got = pairwise(l1, memory_limit="2KiB", threads=1)(A, B)
    assert got.shape == (n, 6)
    np.testing.assert_allclose(got, np.abs(A[:, None] - B[None]).sum(-1))


def test_several_outputs_mapped_axis_one_and_an_unmapped_input():
    def kernel(x, w):
        d = x - w  # x: one example (a column of X), w: shared
        e = anp.exp(d)
        return anp.sum(d * e), anp.sin(d) + e

    f = ax.jit(ax.vmap(kernel, in_axes=(1, None), out_axes=(0, 1)), memory_limit="4KiB", threads=1)
    X, w = RNG.normal(size=(50, 31)), RNG.normal(size=50)
    s, e = f(X, w)
    assert f.lower(X, w).chunks is not None
    d = X - w[:, None]
    np.testing.assert_allclose(s, (d * np.exp(d)).sum(0))
    np.testing.assert_allclose(e, np.sin(d) + np.exp(d))


def test_threads_give_the_same_result_and_progress_is_reported():
    A, B = RNG.normal(size=(64, 32)), RNG.normal(size=(48, 32))
    seen: list[tuple[int, int]] = []
    f = pairwise(l1, memory_limit="64KiB", threads=2, progress=lambda d, t: seen.append((d, t)))
    got = f(A, B)
    chunks = f.lower(A, B).chunks
    assert chunks is not None and chunks.threads == 2
    np.testing.assert_array_equal(got, pairwise(l1, memory_limit="64KiB", threads=1)(A, B))
    total = chunks.n_blocks
    assert seen == [(k, total) for k in range(1, total + 1)]


def test_nearest_neighbour_min_is_exact_with_ties_and_nans():
    def nearest(x, B):
        return anp.min(ax.vmap(l1, in_axes=(None, 0))(x, B))

    A, B = RNG.integers(0, 3, size=(40, 4)).astype(float), RNG.integers(0, 3, size=(30, 4)) * 1.0
    A[3, 1] = np.nan
    f = ax.jit(ax.vmap(nearest, in_axes=(0, None)), memory_limit="4KiB", threads=1)
    got = f(A, B)
    assert f.lower(A, B).chunks is not None
    want = np.abs(A[:, None] - B[None]).sum(-1).min(1)
    np.testing.assert_array_equal(got, want)  # ties, and the NaN row stays NaN


def test_per_example_gradients_chunk_too():
    def loss(w, x):
        return anp.sum(anp.tanh(x * w) ** 2)

    f = ax.jit(ax.vmap(ax.grad(loss), in_axes=(None, 0)), memory_limit="2KiB", threads=1)
    w, X = RNG.normal(size=64), RNG.normal(size=(20, 64))
    got = f(w, X)
    assert f.lower(w, X).chunks is not None
    t = np.tanh(X * w)
    np.testing.assert_allclose(got, 2 * t * (1 - t**2) * X, rtol=1e-12, atol=1e-14)


def test_budget_that_cannot_be_met_is_a_compile_time_error():
    def kernel(a):
        return anp.exp(a) * anp.sin(a) + 1.0  # two 8 KB temporaries per example

    with pytest.raises(ax.MemoryBudgetError, match=r"memory_limit=1.0 KiB") as info:
        ax.jit(kernel, memory_limit="1KiB")(np.ones(1000))
    assert isinstance(info.value, ValueError) and "largest step" in str(info.value)
    with pytest.raises(ax.MemoryBudgetError, match="one-element chunks"):
        ax.jit(ax.vmap(kernel), memory_limit="1KiB")(np.ones((4, 1000)))


def test_memory_used_stays_within_the_budget():
    A, B = RNG.normal(size=(200, 64)), RNG.normal(size=(150, 64))
    budget = 1 << 20
    f = pairwise(l1, memory_limit=budget, threads=1)
    f.lower(A, B)  # compile outside the measurement
    whole = 2 * 200 * 150 * 64 * 8  # the unchunked difference and its absolute value
    got, peak = traced_call(f, A, B)
    assert peak <= got.nbytes + budget * 1.1 < whole / 5
    np.testing.assert_allclose(got, np.abs(A[:, None] - B[None]).sum(-1))


def test_large_temporaries_chunk_for_speed_on_several_threads(monkeypatch):
    from axcomp.transforms import chunking

    monkeypatch.setattr(chunking, "SPEED_MIN", 1 << 20)  # the same rule at test sizes
    monkeypatch.setattr(chunking, "BLOCK_TARGET", 1 << 18)
    A, B = RNG.normal(size=(128, 64)), RNG.normal(size=(128, 64))
    f = pairwise(l1, threads=2)
    chunks = f.lower(A, B).chunks
    assert chunks is not None and chunks.reason == "speed" and chunks.n_blocks >= 2
    assert pairwise(l1, threads=1).lower(A, B).chunks is None
    np.testing.assert_allclose(f(A, B), np.abs(A[:, None] - B[None]).sum(-1))


def checks_its_rows(A, B):
    """A function that checks its own batch: traced for a block, it raises."""
    if A.shape[0] != 128:
        raise ValueError(f"expected 128 rows, got {A.shape[0]}")
    return ax.vmap(ax.vmap(l1, in_axes=(None, 0)), in_axes=(0, None))(A, B)


def test_a_function_that_checks_its_batch_runs_whole_or_says_why_it_cannot(monkeypatch):
    from axcomp.transforms import chunking

    monkeypatch.setattr(chunking, "SPEED_MIN", 1 << 20)  # would chunk for speed
    A, B = RNG.normal(size=(128, 64)), RNG.normal(size=(96, 64))
    f = ax.jit(checks_its_rows, threads=2)
    assert f.lower(A, B).chunks is None
    np.testing.assert_allclose(f(A, B), np.abs(A[:, None] - B[None]).sum(-1))
    with pytest.raises(ax.MemoryBudgetError, match="cannot be traced for a block") as info:
        ax.jit(checks_its_rows, memory_limit="1MiB")(A, B)
    assert "ValueError: expected 128 rows, got" in str(info.value)


def test_explain_shows_the_chunks():
    A, B = RNG.normal(size=(30, 16)), RNG.normal(size=(20, 16))
    text = str(ax.explain(pairwise(l1, memory_limit="8KiB", threads=1), A, B))
    assert "chunked (memory): vmap axis 'a' (size 30)" in text


@pytest.mark.parametrize(
    ("text", "size"),
    [("512MiB", 512 << 20), ("2 GB", 2 * 10**9), ("1.5KiB", 1536), (4096, 4096), ("10", 10)],
)
def test_parse_bytes(text, size):
    assert options.parse_bytes(text) == size


@pytest.mark.parametrize("bad", ["lots", "-1MiB", 0, -5, 1.5, True, "3 parsecs"])
def test_parse_bytes_refuses(bad):
    with pytest.raises(ax.AxcompError, match="memory_limit"):
        options.parse_bytes(bad)


def test_set_options_is_the_default_and_can_be_restored():
    before = ax.set_options(memory_limit="8KiB", threads=1)
    try:
        A, B = RNG.normal(size=(30, 16)), RNG.normal(size=(20, 16))
        assert pairwise(l1).lower(A, B).chunks is not None
    finally:
        options.restore(before)
    assert options.defaults() == before


def test_reductions_over_the_chunked_axis_accumulate():
    pw = ax.vmap(ax.vmap(l1, in_axes=(None, 0)), in_axes=(0, None))
    A, B = RNG.normal(size=(70, 16)), RNG.normal(size=(50, 16))
    A[5, 2] = np.nan  # min propagates NaN as NumPy's does, also across blocks
    f = ax.jit(
        lambda A, B: (anp.sum(pw(A, B)), anp.max(pw(A, B)), anp.min(pw(A, B), axis=0), pw(A, B)),
        memory_limit="16KiB",
        threads=2,
    )
    total, top, col_min, full = f(A, B)
    chunks = f.lower(A, B).chunks
    assert chunks is not None and chunks.combine == ("sum", "max", "min", "slice")
    ref = np.abs(A[:, None] - B[None]).sum(-1)
    np.testing.assert_allclose(total, ref.sum())  # NaN, like NumPy
    np.testing.assert_array_equal(top, ref.max())
    np.testing.assert_array_equal(col_min, ref.min(0))
    np.testing.assert_allclose(full, ref)
    assert isinstance(total, np.ndarray) and total.shape == ()
    B2 = A[:3].copy()
    A2 = np.nan_to_num(A)
    got = ax.jit(lambda A, B: anp.sum(pw(A, B)), memory_limit="4KiB", threads=1)(A2, B2)
    np.testing.assert_allclose(got, np.abs(A2[:, None] - B2[None]).sum())


def test_outputs_that_do_not_accumulate_or_inputs_used_whole_are_not_chunked():
    pw = ax.vmap(ax.vmap(l1, in_axes=(None, 0)), in_axes=(0, None))
    A, B = RNG.normal(size=(70, 16)), RNG.normal(size=(50, 16))
    with pytest.raises(ax.MemoryBudgetError, match="no vmap axis"):
        ax.jit(lambda A, B: anp.mean(pw(A, B)), memory_limit="16KiB")(A, B)
    X = RNG.normal(size=(64, 100))

    def uses_x_whole(X):
        return ax.vmap(lambda x: anp.exp(x) * 2.0)(X) + X.sum(0)  # X.sum(0) mixes examples

    with pytest.raises(ax.MemoryBudgetError, match="no vmap axis"):
        ax.jit(uses_x_whole, memory_limit="256B")(X)
    np.testing.assert_allclose(ax.jit(uses_x_whole)(X), np.exp(X) * 2 + X.sum(0))


def test_a_config_file_sets_the_memory_limit(tmp_path):
    cfg = tmp_path / "l1.toml"
    cfg.write_text(
        "[kernels]\n"
        'l1 = "(a[d], b[d]) = sum[d](abs(a[d] - b[d]))"\n'
        "[functions]\n"
        'f = "jit(vmap(vmap(l1, in_axes=(None, 0)), in_axes=(0, None)), memory_limit=\\"8KiB\\",'
        ' threads=1)"\n'
    )
    mod = ax.load(cfg)
    A, B = RNG.normal(size=(40, 16)), RNG.normal(size=(30, 16))
    np.testing.assert_allclose(mod.f(A, B), np.abs(A[:, None] - B[None]).sum(-1))
    chunks = ax.explain(mod.f, A, B).chunks
    assert chunks is not None and chunks.budget == 8 << 10 and chunks.threads == 1


def sqdist(a, b):
    return anp.sum((a - b) ** 2)


def nearest_index(**kw):
    f = ax.vmap(lambda x, B: anp.argmin(ax.vmap(sqdist, in_axes=(None, 0))(x, B)), (0, None))
    return ax.jit(f, **kw)


@pytest.mark.parametrize("threads", [1, 2])
def test_block_invariant_norms_are_computed_once_before_the_blocks(threads):
    # the GEMM expansion's norms of B do not depend on the split axis: one prologue
    A, B = RNG.normal(size=(97, 8)), RNG.normal(size=(70, 8))
    f = nearest_index(memory_limit="16KiB", threads=threads)
    compiled = f.lower(A, B)
    chunks = compiled.chunks
    assert chunks is not None and chunks.prologue is not None and chunks.tail is not None
    assert chunks.prologue_args == (1,) and chunks.hoisted_bytes == 70 * 8
    prologue = compiled.source.split("_prologue(B):")[1]
    block = compiled.source.split("_block(x, B, hoisted0):")[1].split("\ndef ")[0]
    assert "B.reshape((70, 1, 8))" in prologue and "B.reshape((70, 1, 8))" not in block
    got = f(A, B)
    whole = nearest_index()(A, B)
    assert nearest_index().lower(A, B).chunks is None
    np.testing.assert_array_equal(got, whole)
    np.testing.assert_array_equal(got, ((A[:, None] - B[None]) ** 2).sum(-1).argmin(1))
    assert "block-invariant value(s)" in str(ax.explain(f, A, B))


def test_a_hoisted_block_program_is_lowered_once_and_never_emitted_alone(monkeypatch):
    # blocks for speed (two threads): the block program is planned from its graph, lowered
    # once with its invariant work hoisted (the prologue and the block), and emitted only
    # inside the chunk driver
    from axcomp.backends import numpy_backend
    from axcomp.compiler import hoist as hoist_module
    from axcomp.transforms import compile as compile_module

    lowered, built = [], []
    for module in (compile_module, hoist_module):
        real = module.lower
        monkeypatch.setattr(
            module, "lower", lambda *a, real=real, **k: lowered.append(1) or real(*a, **k)
        )
    real_build = numpy_backend.build
    monkeypatch.setattr(
        numpy_backend, "build", lambda *a, **k: built.append(1) or real_build(*a, **k)
    )
    A, B = RNG.normal(size=(2048, 64)), RNG.normal(size=(2048, 64))
    compiled = nearest_index(threads=2).lower(A, B)
    chunks = compiled.chunks
    assert chunks is not None and chunks.prologue is not None and chunks.tail is None
    assert len(lowered) == 3 and len(built) == 1  # the whole program, prologue, block
    got = compiled.call_flat(A, B)
    np.testing.assert_array_equal(got, nearest_index(threads=1)(A, B))


def test_hoisted_values_count_against_the_budget_and_views_are_not_hoisted():
    A, B = RNG.normal(size=(200, 64)), RNG.normal(size=(150, 64))
    f = nearest_index(memory_limit=1 << 18, threads=1)
    f.lower(A, B)
    got, peak = traced_call(f, A, B)
    chunks = f.lower(A, B).chunks
    assert chunks is not None and chunks.peak_temporaries <= chunks.budget
    assert peak <= got.nbytes + (1 << 18) * 1.1
    np.testing.assert_array_equal(got, ((A[:, None] - B[None]) ** 2).sum(-1).argmin(1))
    # pairwise L1 reads B only through views: nothing to hoist
    l1_chunks = pairwise(l1, memory_limit="64KiB", threads=1).lower(A[:30], B[:20]).chunks
    assert l1_chunks is not None and l1_chunks.prologue is None


def test_a_gemm_along_the_split_axis_gets_gemm_sized_blocks(monkeypatch):
    from axcomp.transforms import chunking

    monkeypatch.setattr(chunking, "SPEED_MIN", 1 << 16)  # the same rules at test sizes
    monkeypatch.setattr(chunking, "BLOCK_TARGET", 1 << 12)
    monkeypatch.setattr(chunking, "GEMM_ROWS", 64)
    A, B = RNG.normal(size=(300, 16)), RNG.normal(size=(200, 16))
    f = nearest_index(threads=2)
    chunks = f.lower(A, B).chunks
    assert chunks is not None and chunks.reason == "speed" and chunks.chunk == 64
    np.testing.assert_array_equal(f(A, B), nearest_index(threads=1)(A, B))
    # without a GEMM (pairwise L1) the cache-sized rule stands
    l1_chunks = pairwise(l1, threads=2).lower(A, B).chunks
    assert l1_chunks is not None and l1_chunks.chunk < 64
    # the budget still bounds the rows: two threads' blocks fit in it
    tight = nearest_index(threads=2, memory_limit=1 << 16).lower(A, B).chunks
    assert tight is not None and tight.chunk < 64 and tight.peak_temporaries <= 1 << 16


def test_an_exported_chunked_program_carries_its_prologue():
    import types

    A, B = RNG.normal(size=(50, 8)), RNG.normal(size=(40, 8))
    f = nearest_index(memory_limit="8KiB", threads=1)
    assert f.lower(A, B).chunks.prologue is not None
    module = types.ModuleType("exported_nearest")
    exec(compile(ax.export(f, A, B, name="nearest"), "exported_nearest", "exec"), module.__dict__)
    np.testing.assert_array_equal(module.nearest(A, B), f(A, B))
