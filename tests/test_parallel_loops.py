"""Loops over independent rows run as one block of rows per thread
(``transforms/parallel_loops.py``), and only where the split is proven.

Each split program is compared with the same function on one thread (the whole loop: the
same per-element arithmetic, so the same bits, except where blocks' partial sums are
added) and with a NumPy loop; the programs that must not split are checked to run whole
and right, among them a body that reads its own batch length, which a split would scale.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp import lax
from axcomp.backends.numpy_backend import loop_nest_steps
from axcomp.transforms import parallel_loops

pytest.importorskip("numba")
pytestmark = pytest.mark.usefixtures("shared_kernel_cache")

ROWS, FEATURES, STEPS = 24, 4, 80  # past lax's unrolling (64 steps)
RNG = np.random.default_rng(5)
W = RNG.standard_normal(FEATURES)
XS = RNG.standard_normal((STEPS, ROWS, FEATURES))
H0 = RNG.standard_normal((ROWS, FEATURES))


@pytest.fixture(autouse=True)
def small_loops_split(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small loops compiled as loop nests in the first call, and split however short."""
    monkeypatch.setenv("AXCOMP_FUSE", "always")
    monkeypatch.setattr(parallel_loops, "BLOCK_ELEMENT_STEPS", 1)


def rnn(w: Any, xs: Any, h0: Any) -> Any:
    return lax.scan(lambda h, x: (anp.tanh(h * w + x), None), h0, xs)[0]


def rnn_reference(w: np.ndarray, xs: np.ndarray, h0: np.ndarray) -> np.ndarray:
    h = h0
    for x in xs:
        h = np.tanh(h * w + x)
    return h


def split_and_whole(f: Callable[..., Any], *args: Any) -> tuple[Any, Any, Any]:
    """(the result on two threads, on one, the two-thread program's ``ChunkPlan``)."""
    two, one = ax.jit(f, threads=2), ax.jit(f, threads=1)
    got, want = two(*args), one(*args)
    assert ax.explain(one, *args).chunks is None
    return got, want, ax.explain(two, *args).chunks


def test_rows_of_a_loop_run_as_blocks_on_threads() -> None:
    got, want, chunks = split_and_whole(rnn, W, XS, H0)
    assert chunks is not None and chunks.reason == "loop" and chunks.n_blocks == 2
    assert chunks.in_axes == (None, 1, 0) and chunks.out_axes == (0,)
    assert not chunks.vmapped and chunks.tail is None
    np.testing.assert_array_equal(got, want)  # the same loop nest arithmetic per row
    np.testing.assert_allclose(got, rnn_reference(W, XS, H0), rtol=1e-13, atol=1e-15)
    text = str(ax.explain(ax.jit(rnn, threads=2), W, XS, H0))
    assert "chunked (loop): input axis 'xs.1' (size 24) in 2 blocks of 12 on 2 thread(s)" in text


def test_an_odd_row_count_runs_a_shorter_last_block() -> None:
    xs, h0 = XS[:, :23], H0[:23]
    got, want, chunks = split_and_whole(rnn, W, xs, h0)
    assert chunks is not None and chunks.chunk == 12 and chunks.tail is not None
    np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(got, rnn_reference(W, xs, h0), rtol=1e-13, atol=1e-15)


def test_stacked_outputs_and_sums_over_the_rows_are_joined() -> None:
    def stacked(w: Any, xs: Any, h0: Any) -> Any:
        return lax.scan(lambda h, x: (anp.tanh(h * w + x), anp.sum(h, axis=1)), h0, xs)

    (got_h, got_ys), (want_h, want_ys), chunks = split_and_whole(stacked, W, XS, H0)
    assert chunks is not None and chunks.out_axes == (0, 1)
    np.testing.assert_array_equal(got_h, want_h)
    np.testing.assert_array_equal(got_ys, want_ys)

    def total(w: Any, xs: Any, h0: Any) -> Any:
        return anp.sum(rnn(w, xs, h0) ** 2)

    got, want, chunks = split_and_whole(total, W, XS, H0)
    assert chunks is not None and chunks.combine == ("sum",)  # each block's part, added
    np.testing.assert_allclose(got, np.sum(rnn_reference(W, XS, H0) ** 2), rtol=1e-13)
    np.testing.assert_allclose(got, want, rtol=1e-13)


def test_a_vmapped_scan_splits_its_batch() -> None:
    def one_sequence(w: Any, xs: Any, h: Any) -> Any:
        return lax.scan(lambda h, x: (anp.tanh(h * w + x), None), h, xs)[0]

    batched = ax.vmap(one_sequence, in_axes=(None, 1, 0))
    got, want, chunks = split_and_whole(batched, W, XS, H0)
    assert chunks is not None and chunks.reason == "loop"
    np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(got, rnn_reference(W, XS, H0), rtol=1e-13, atol=1e-15)


def body_reads_its_rows(w: Any, xs: Any, h0: Any) -> Any:
    # a block's trace sees its own row count: split, each block would scale by half
    return lax.scan(lambda h, x: (anp.tanh(h * w + x) * (h.shape[0] / ROWS), None), h0, xs)[0]


def rows_mixed_by_a_cumsum(w: Any, xs: Any, h0: Any) -> Any:
    return lax.scan(lambda h, x: (anp.tanh(anp.cumsum(h, axis=0) * w + x), None), h0, xs)[0]


MIX = RNG.standard_normal((FEATURES, FEATURES)) / FEATURES


def rows_mixed_by_a_product(m: Any, xs: Any, h0: Any) -> Any:
    # rows meet in m @ h, columns in h @ MIX: no axis is independent
    return lax.scan(lambda h, x: (anp.tanh(m @ h @ MIX + x), None), h0, xs)[0]


def test_a_loop_splits_along_the_axis_its_rows_do_not_meet() -> None:
    def columns(m: Any, xs: Any, h0: Any) -> Any:
        return lax.scan(lambda h, x: (anp.tanh(m @ h + x), None), h0, xs)[0]

    m = RNG.standard_normal((ROWS, ROWS)) / ROWS
    got, want, chunks = split_and_whole(columns, m, XS, H0)
    assert chunks is not None and chunks.in_axes == (None, 2, 1) and chunks.out_axes == (1,)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
    h = H0
    for x in XS:
        h = np.tanh(m @ h + x)
    np.testing.assert_allclose(got, h, rtol=1e-12, atol=1e-14)


def reference_of(f: Callable[..., Any], *args: np.ndarray) -> np.ndarray:
    """``f`` on plain NumPy arrays, step by step (the loop unrolled by hand)."""
    w, xs, h0 = args
    h = h0
    for x in xs:
        if f is body_reads_its_rows:
            h = np.tanh(h * w + x) * (h.shape[0] / ROWS)
        elif f is rows_mixed_by_a_cumsum:
            h = np.tanh(np.cumsum(h, axis=0) * w + x)
        else:
            h = np.tanh(w @ h @ MIX + x)
    return h


@pytest.mark.parametrize(
    "f", [body_reads_its_rows, rows_mixed_by_a_cumsum, rows_mixed_by_a_product], ids=repr
)
def test_loops_whose_rows_meet_run_whole(f: Callable[..., Any]) -> None:
    first = RNG.standard_normal((ROWS, ROWS)) / ROWS if f is rows_mixed_by_a_product else W
    got, want, chunks = split_and_whole(f, first, XS, H0)
    assert chunks is None
    np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(got, reference_of(f, first, XS, H0), rtol=1e-12, atol=1e-14)


def test_a_function_that_checks_its_batch_runs_whole() -> None:
    def checked(w: Any, xs: Any, h0: Any) -> Any:
        if h0.shape[0] != ROWS:  # a block's trace sees 12 rows
            raise ValueError(f"expected {ROWS} rows, got {h0.shape[0]}")
        return rnn(w, xs, h0)

    got, want, chunks = split_and_whole(checked, W, XS, H0)
    assert chunks is None
    np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="expected 24 rows, got 23"):
        ax.jit(checked, threads=2)(W, XS[:, :23], H0[:23])


def test_one_thread_and_short_loops_run_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ax.explain(ax.jit(rnn, threads=1), W, XS, H0).chunks is None
    # work for one block of BLOCK_ELEMENT_STEPS: whole; for three, on four threads: three
    monkeypatch.setattr(parallel_loops, "BLOCK_ELEMENT_STEPS", STEPS * ROWS * FEATURES)
    assert ax.explain(ax.jit(rnn, threads=2), W, XS, H0).chunks is None
    monkeypatch.setattr(parallel_loops, "BLOCK_ELEMENT_STEPS", STEPS * ROWS * FEATURES // 3)
    chunks = ax.explain(ax.jit(rnn, threads=4), W, XS, H0).chunks
    assert chunks is not None and chunks.n_blocks == 3 and chunks.threads == 3


def test_loops_of_numpy_steps_run_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    # without loop nests each step's NumPy calls would take turns on the interpreter lock
    monkeypatch.setenv("AXCOMP_FUSE", "0")
    f = ax.jit(rnn, threads=2)
    assert ax.explain(f, W, XS, H0).chunks is None
    np.testing.assert_allclose(f(W, XS, H0), rnn_reference(W, XS, H0), rtol=1e-13, atol=1e-15)


def test_blocks_run_their_gemms_in_the_loop_nest_on_one_blas_thread() -> None:
    """B9's RNN: the blocks are lowered as BLAS runs them (one thread), so their loops are
    BLAS nests, whatever threads BLAS has while the program compiles."""
    pytest.importorskip("scipy")  # numba's np.dot calls SciPy's BLAS
    hidden = 64
    w = RNG.standard_normal((hidden, hidden)) / 8
    u = RNG.standard_normal((hidden, FEATURES)) / 2
    b = RNG.standard_normal(hidden) / 10

    def gemm_rnn(w: Any, u: Any, b: Any, xs: Any, h0: Any) -> Any:
        step = lambda h, x: (anp.tanh(h @ w.T + x @ u.T + b), None)  # noqa: E731
        return lax.scan(step, h0, xs)[0]

    h0 = RNG.standard_normal((ROWS, hidden))
    got, want, chunks = split_and_whole(gemm_rnn, w, u, b, XS, h0)
    assert chunks is not None and chunks.reason == "loop"
    ((_, loop),) = loop_nest_steps(chunks.block)
    assert loop.nest is not None and loop.nest.blas
    h = h0
    for x in XS:
        h = np.tanh(h @ w.T + x @ u.T + b)
    np.testing.assert_allclose(got, h, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


# --- random bodies: a split is taken only along an axis no operation mixes -------------

MIX_COLUMNS = RNG.standard_normal((FEATURES, FEATURES)) / FEATURES
MIX_ROWS = RNG.standard_normal((ROWS, ROWS)) / ROWS


def _op_table() -> list[tuple[str, Callable[[Any, Any], Any], Callable[[Any, Any], Any]]]:
    """(what the operation mixes, axcomp, NumPy): one step's update of the carry ``h``
    given the step's slice ``x``."""
    return [
        ("", lambda h, x: anp.tanh(h + x), lambda h, x: np.tanh(h + x)),
        ("", lambda h, x: h * 0.5 - x * 0.25, lambda h, x: h * 0.5 - x * 0.25),
        # a constant along the columns: a column block would meet all of it
        ("columns", lambda h, x: h + x * W, lambda h, x: h + x * W),
        ("", lambda h, x: anp.where(h > 0, h, 0.1 * x), lambda h, x: np.where(h > 0, h, 0.1 * x)),
        ("columns", lambda h, x: anp.tanh(h @ MIX_COLUMNS), lambda h, x: np.tanh(h @ MIX_COLUMNS)),
        (
            "columns",
            lambda h, x: h - anp.max(h, axis=1, keepdims=True),
            lambda h, x: h - np.max(h, axis=1, keepdims=True),
        ),
        ("rows", lambda h, x: anp.tanh(MIX_ROWS @ h), lambda h, x: np.tanh(MIX_ROWS @ h)),
        (
            "rows",
            lambda h, x: anp.cumsum(h, axis=0) / ROWS,
            lambda h, x: np.cumsum(h, axis=0) / ROWS,
        ),
        ("rows", lambda h, x: h - anp.mean(h, axis=0), lambda h, x: h - np.mean(h, axis=0)),
        ("rows", lambda h, x: h[::-1] + x, lambda h, x: h[::-1] + x),
    ]


OPS = _op_table()


@pytest.mark.slow  # numba compiles per program
def test_random_bodies_split_only_along_axes_they_do_not_mix() -> None:
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies

    @hypothesis.settings(max_examples=8, deadline=None, derandomize=True)
    @hypothesis.given(st.lists(st.integers(0, len(OPS) - 1), min_size=1, max_size=4))
    @hypothesis.example([0, 4])  # columns mixed: rows split
    @hypothesis.example([6, 1])  # rows mixed: columns split
    @hypothesis.example([5, 7])  # both mixed: whole
    def check(picks: list[int]) -> None:
        ops = [OPS[k] for k in picks]

        def program(xs: Any, h0: Any) -> Any:
            def step(h: Any, x: Any) -> Any:
                for _, op, _ in ops:
                    h = op(h, x)
                return h, None

            return lax.scan(step, h0, xs)[0]

        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("AXCOMP_FUSE", "always")
            mp.setattr(parallel_loops, "BLOCK_ELEMENT_STEPS", 1)
            got, want, chunks = split_and_whole(program, XS, H0)
            whole = ax.jit(program, threads=1).lower(XS, H0).plan
        mixed = {what for what, _, _ in ops}
        if chunks is not None:
            axis = chunks.in_axes[1]  # of h0
            assert (axis == 0 and "rows" not in mixed) or (axis == 1 and "columns" not in mixed)
        elif loop_nest_steps(whole):  # (a loop of NumPy steps, a cumsum's, runs whole)
            assert {"rows", "columns"} <= mixed, "an independent axis was not split"
        h = H0
        for x in XS:
            for _, _, op in ops:
                h = op(h, x)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(got, h, rtol=1e-10, atol=1e-12)

    check()
