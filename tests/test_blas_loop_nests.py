"""Loops whose steps multiply matrices large enough for BLAS (``core.loop_nest.blas_matmul``)
compiled as one loop nest calling a GEMM each step (compiler/loop_nests.py,
backends/loop_nest_kernels.py): equal to the NumPy path (``AXCOMP_FUSE=0``) and to an
independent NumPy loop within a few ulps (the GEMM's sums are BLAS's, ``tanh`` is
``vector_math``'s), for float32 and float64, transposed and strided operands, reverse
scans, stacked outputs and reverse mode; the default policy runs the NumPy steps until the
kernel is compiled. BLAS nests exist only while BLAS runs one thread and SciPy (whose BLAS
numba calls) is importable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp import lax
from axcomp.backends import kernel_loading, loop_nest_kernels
from axcomp.backends.numpy_backend import loop_nest_steps

pytest.importorskip("numba")
pytest.importorskip("scipy")
threadpoolctl = pytest.importorskip("threadpoolctl")
pytestmark = pytest.mark.usefixtures("shared_kernel_cache")

RNG = np.random.default_rng(5)
STEPS = 70  # past lax's unrolling (64 steps)


@pytest.fixture(autouse=True)
def _one_blas_thread() -> Iterator[None]:
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        yield


def compiled(f: Callable[..., Any], fuse: str | None, *args: Any) -> tuple[list[Any], Any]:
    """(result leaves, Compiled) of a fresh ``jit(f)`` under ``AXCOMP_FUSE=fuse``."""
    with pytest.MonkeyPatch.context() as mp:
        if fuse is None:
            mp.delenv("AXCOMP_FUSE", raising=False)
        else:
            mp.setenv("AXCOMP_FUSE", fuse)
        jf = ax.jit(f)
        leaves = ax.tree_util.tree_leaves(jf(*args))
        return [np.asarray(x) for x in leaves], jf.lower(*args)


def blas_nests(c: Any) -> int:
    return sum(1 for _, loop in loop_nest_steps(c.plan) if loop.nest.blas)


def assert_close(got: list[Any], want: list[Any], dtype: Any) -> None:
    tol = 3e-5 if dtype == np.float32 else 1e-12
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


def rnn(h0: Any, xs: Any, w: Any, u: Any, b: Any, reverse: bool = False) -> Any:
    def step(h: Any, x: Any) -> Any:
        h = anp.tanh(h @ w + x @ u + b)
        return h, (h[0], anp.sum(h * h, axis=1))

    return lax.scan(step, h0, xs, reverse=reverse)


def np_rnn(h0: Any, xs: Any, w: Any, u: Any, b: Any, reverse: bool = False) -> list[Any]:
    h, firsts, norms = h0, [], []
    for x in xs[::-1] if reverse else xs:
        h = np.tanh(h @ w + x @ u + b)
        firsts.append(h[0])
        norms.append(np.sum(h * h, axis=1))
    order = slice(None, None, -1) if reverse else slice(None)
    return [h, np.array(firsts)[order], np.array(norms)[order]]


def rnn_args(dtype: Any, batch: int = 64, hidden: int = 32, inputs: int = 5) -> list[Any]:
    args = [
        RNG.normal(size=(batch, hidden)),
        RNG.normal(size=(STEPS, batch, inputs)),
        0.3 * RNG.normal(size=(hidden, hidden)),
        RNG.normal(size=(inputs, hidden)),
        RNG.normal(size=hidden),
    ]
    return [a.astype(dtype) for a in args]


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scan_calling_blas_equals_numpy(dtype: Any, reverse: bool) -> None:
    args = rnn_args(dtype)

    def f(*a: Any) -> Any:
        return rnn(*a, reverse=reverse)

    got, c = compiled(f, "always", *args)
    want, plain = compiled(f, "0", *args)
    assert blas_nests(c) == 1 and "_np.dot(" in "".join(_sources(c)), c.source
    assert not loop_nest_steps(plain.plan)
    assert_close(got, want, dtype)
    assert_close(got, np_rnn(*args, reverse=reverse), dtype)


def _sources(c: Any) -> list[str]:
    return [loop_nest_kernels.source(loop) for _, loop in loop_nest_steps(c.plan)]


def test_transposed_and_strided_operands_equal_numpy() -> None:
    h0, _, w, u, b = rnn_args(np.float64, inputs=6)
    wide = RNG.normal(size=(STEPS, 64, 12))
    strided = wide[:, :, ::2]  # a scanned operand that is no contiguous array
    w_t = np.asfortranarray(w).T  # a transposed view: h @ w.T reads w's transpose

    def f(h0: Any, xs: Any, w: Any, u: Any, b: Any) -> Any:
        def step(h: Any, x: Any) -> Any:
            # h @ w.T: a transposed matrix; x.T.T @ u: the slice's transpose back
            return anp.tanh(h @ w.T + (x.T).T @ u - b * h), None

        return lax.scan(step, h0, xs)[0]

    got, c = compiled(f, "always", h0, strided, w_t, u, b)
    want, _ = compiled(f, "0", h0, strided, w_t, u, b)
    assert blas_nests(c) == 1
    assert_close(got, want, np.float64)
    h = h0
    for x in strided:
        h = np.tanh(h @ w_t.T + x @ u - b * h)
    assert_close(got, [h], np.float64)


def test_batch_one_keeps_explicit_sums_and_equals_numpy() -> None:
    args = rnn_args(np.float64, batch=1)  # 1 x 32 x 32 multiply-adds: below BLAS's size
    got, c = compiled(rnn, "always", *args)
    assert blas_nests(c) == 0 and len(loop_nest_steps(c.plan)) == 1
    assert_close(got, np_rnn(*args), np.float64)


def test_carry_swaps_and_reads_after_the_update_equal_numpy() -> None:
    # the step's last value is a carry's new value that also reads that carry (no write in
    # place), and two carries trade places (the old values are read after the update)
    a0, b0 = RNG.normal(size=(48, 32)), RNG.normal(size=(48, 32))
    w = 0.2 * RNG.normal(size=(32, 32))

    def f(a0: Any, b0: Any, w: Any) -> Any:
        def step(c: Any, _: Any) -> Any:
            a, b = c
            return (b, 0.5 * a + anp.tanh(a @ w)), a[0]

        return lax.scan(step, (a0, b0), None, length=STEPS)

    got, c = compiled(f, "always", a0, b0, w)
    assert blas_nests(c) == 1
    a, b, firsts = a0, b0, []
    for _ in range(STEPS):
        firsts.append(a[0])
        a, b = b, 0.5 * a + np.tanh(a @ w)
    assert_close(got, [a, b, np.array(firsts)], np.float64)


def test_reverse_mode_loops_call_blas_and_match_the_plain_gradient() -> None:
    def loss(w: Any, u: Any, b: Any, h0: Any, xs: Any) -> Any:
        h, (_, norms) = rnn(h0, xs, w, u, b)
        return anp.sum(h * h) + 0.01 * anp.sum(norms)

    h0, xs, w, u, b = rnn_args(np.float64)
    vg = ax.value_and_grad(loss, argnums=(0, 1, 2))
    got, c = compiled(vg, "always", w, u, b, h0, xs)
    want, _ = compiled(vg, "0", w, u, b, h0, xs)
    assert blas_nests(c) >= 1
    assert_close(got, want, np.float64)
    d = RNG.normal(size=w.shape)  # central differences along one direction
    eps = 1e-6
    plain = ax.jit(loss)
    numeric = (plain(w + eps * d, u, b, h0, xs) - plain(w - eps * d, u, b, h0, xs)) / (2 * eps)
    np.testing.assert_allclose(np.sum(got[1] * d), numeric, rtol=1e-6)


def final_state(h0: Any, xs: Any, w: Any, u: Any, b: Any) -> Any:
    return lax.scan(lambda h, x: (anp.tanh(h @ w + x @ u + b), None), h0, xs)[0]


def test_the_default_policy_runs_numpy_steps_until_the_kernel_is_compiled() -> None:
    args = rnn_args(np.float64, batch=48)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("AXCOMP_FUSE", raising=False)
        stacking = ax.jit(rnn).lower(*args)  # stacked outputs: NumPy steps write in place
        assert not loop_nest_steps(stacking.plan)
        f = ax.jit(final_state)
        first = [np.asarray(x) for x in ax.tree_util.tree_leaves(f(*args))]
        assert blas_nests(f.lower(*args)) == 1
        kernel_loading.wait_all(120)
        second = [np.asarray(x) for x in ax.tree_util.tree_leaves(f(*args))]
        ((_, loop),) = loop_nest_steps(f.lower(*args).plan)
    names = {s.name for s in kernel_loading._slots.values() if s.kernel is not None}
    assert loop_nest_kernels.call_name(loop) in names  # the second call ran the kernel
    want = np_rnn(*args)[:1]
    assert_close(first, want, np.float64)
    assert_close(second, want, np.float64)


def test_several_blas_threads_keep_the_numpy_steps() -> None:
    args = rnn_args(np.float64)
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        _, c = compiled(rnn, "always", *args)
    assert blas_nests(c) == 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gemms_in_row_blocks_equal_whole_ones_bit_for_bit(
    dtype: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # each row of a step's GEMM is the same sum in any block of rows: the measured block
    # (gemm_blocks) changes the time only; 200 rows: blocks of 64 leave a short last one
    from axcomp.backends import gemm_blocks

    args = rnn_args(dtype, batch=200, hidden=64, inputs=16)
    got = {}
    for block in (None, 128, 64):
        monkeypatch.setattr(kernel_loading, "_slots", {})  # compiled again: blocks again
        if block is not None:
            fixed = lambda gemms, b=block: np.array([b] * len(gemms), np.int64)  # noqa: E731
            monkeypatch.setattr(gemm_blocks, "row_blocks", fixed)
        got[block], c = compiled(rnn, "always", *args)
        assert blas_nests(c) == 1
        assert "for _g0 in _range(0, 200, _rows[0]):" in _sources(c)[0]
    for block in (128, 64):
        for g, w in zip(got[block], got[None], strict=True):
            np.testing.assert_array_equal(g, w)
    assert_close(got[None], np_rnn(*args), dtype)
