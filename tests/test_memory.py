"""compiler/memory.py: the predicted peak is the peak ``tracemalloc`` measures (NumPy reports
its data allocations to it), within 15% both ways, for kernels whose arrays are 1-8 MiB."""

from __future__ import annotations

import importlib
import re
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.compiler import inplace, memory

expand = importlib.import_module("axcomp.compiler.expand")  # the module, not the function

MiB = 1 << 20


@pytest.fixture(autouse=True)
def _numpy_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model is checked against NumPy's buffers: the kernels' temporaries, which a fused
    loop (numba installed) would not allocate (tests/test_fused_loops.py checks its peak)."""
    monkeypatch.setenv("AXCOMP_FUSE", "0")


def matvec(M: Any, v: Any) -> Any:
    return anp.dot(M, v)


def l1(a: Any, b: Any) -> Any:
    return anp.sum(anp.abs(a - b))


def softmax(x: Any) -> Any:
    e = anp.exp(x - anp.max(x))
    return e / anp.sum(e)


def attention(q: Any, k: Any, v: Any) -> Any:
    return softmax_rows(q @ k.T / anp.sqrt(q.shape[-1])) @ v


def softmax_rows(s: Any) -> Any:
    e = anp.exp(s - anp.max(s, axis=-1, keepdims=True))
    return e / anp.sum(e, axis=-1, keepdims=True)


def rbf(a: Any, b: Any) -> Any:
    return anp.exp(-anp.sum((a - b) ** 2) / 2)


def distance(a: Any, b: Any) -> Any:
    return anp.sqrt(anp.sum((a - b) ** 2))


def pairwise(f: Callable[..., Any]) -> Any:
    return ax.vmap(ax.vmap(f, in_axes=(None, 0)), in_axes=(0, None))


def sum_of_distances(a: Any, b: Any) -> Any:
    return anp.sum(pairwise(distance)(a, b))


def _rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random(shape)


KERNELS: dict[str, tuple[Callable[..., Any], Callable[[], tuple[np.ndarray, ...]]]] = {
    "pairwise_matvec": (ax.jit(pairwise(matvec)), lambda: (_rand(32, 128, 64), _rand(256, 64))),
    "pairwise_l1": (ax.jit(pairwise(l1)), lambda: (_rand(128, 16), _rand(256, 16))),
    "softmax": (ax.jit(ax.vmap(softmax)), lambda: (_rand(512, 1024),)),
    "attention": (
        ax.jit(ax.vmap(ax.vmap(attention))),
        lambda: tuple(_rand(4, 4, 256, 32, seed=k) for k in range(3)),
    ),
    "rbf": (ax.jit(pairwise(rbf)), lambda: (_rand(512, 32), _rand(1024, 32))),
    "grad_sum_of_distances": (
        # one thread: with two, its 16 MiB of temporaries are split into blocks for speed,
        # and the blocks' peak depends on how the threads interleave
        ax.jit(ax.grad(sum_of_distances, argnums=0), threads=1),
        lambda: (_rand(256, 16), _rand(512, 16, seed=1)),
    ),
    "cumsum": (ax.jit(ax.vmap(lambda x: anp.cumsum(x[::-1]))), lambda: (_rand(512, 1024),)),
    "concatenate": (
        ax.jit(ax.vmap(lambda x, y: anp.concatenate([anp.exp(x), y * 2]))),
        lambda: (_rand(512, 512), _rand(512, 512)),
    ),
}


def measured_peak(fun: Callable[..., Any], args: tuple[np.ndarray, ...]) -> int:
    """tracemalloc's peak during one call, above what was allocated before it."""
    fun(*args)  # compile outside the measurement
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = fun(*args)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    del result
    return peak


def predicted_peak(fun: Callable[..., Any], args: tuple[np.ndarray, ...]) -> int:
    return ax.explain(fun, *args).peak_bytes


@pytest.mark.parametrize("name", list(KERNELS))
def test_predicted_peak_matches_tracemalloc(name: str) -> None:
    fun, make = KERNELS[name]
    args = make()
    predicted, measured = predicted_peak(fun, args), measured_peak(fun, args)
    assert MiB <= measured <= 64 * MiB  # big enough that Python objects are noise
    assert 0.85 * measured <= predicted <= 1.15 * measured, (name, predicted, measured)


def test_temporary_peak_leaves_outputs_out() -> None:
    fun, make = KERNELS["pairwise_matvec"]
    args = make()
    plan = ax.explain(fun, *args).compiled.plan
    assert memory.peak_bytes(plan) == 32 * 256 * 128 * 8  # the matmul's result only
    assert memory.temporary_peak(plan) == 0
    fun, make = KERNELS["softmax"]
    plan = ax.explain(fun, *make()).compiled.plan
    assert 0 < memory.temporary_peak(plan) < memory.peak_bytes(plan)


def test_profile_frees_after_last_reader() -> None:
    fun, make = KERNELS["attention"]
    args = make()
    plan = ax.explain(fun, *args).compiled.plan
    rows = memory.profile(plan)
    scores = 4 * 4 * 256 * 256 * 8
    # never more than two score-sized arrays at once (a ufunc's operand and its result)
    assert max(r.peak for r in rows) <= 2 * scores + 4 * 4 * 256 * 32 * 8 + scores // 8
    assert rows[-1].live == 4 * 4 * 256 * 32 * 8  # only the output is left


def test_views_keep_their_base_alive() -> None:
    # a reshape of a transposed temporary must copy; the transpose itself is a view
    f = ax.jit(ax.vmap(lambda x: anp.reshape(anp.exp(x).T, (-1,))))
    x = _rand(256, 64, 32)
    predicted, measured = predicted_peak(f, (x,)), measured_peak(f, (x,))
    assert 0.85 * measured <= predicted <= 1.15 * measured


def table() -> str:
    """The predicted-vs-measured table (``python -c 'import tests.test_memory as t;
    print(t.table())'``)."""
    rows = ["kernel                  predicted     measured   ratio"]
    for name, (fun, make) in KERNELS.items():
        args = make()
        p, m = predicted_peak(fun, args), measured_peak(fun, args)
        rows.append(f"{name:22s} {p / MiB:9.3f} MiB {m / MiB:9.3f} MiB  {p / m:.3f}")
    return "\n".join(rows)


# --- in-place epilogues (compiler/inplace.py) --------------------------------------------
EPILOGUE = re.compile(r"_np\.(negative|true_divide|exp)\((\w+)(, [\w.]+)?, out=\2\)")


def _rbf_jit() -> Any:
    return ax.jit(pairwise(rbf))


def test_rbf_epilogue_runs_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = _rand(256, 32), _rand(256, 32, seed=1)
    fun = _rbf_jit()
    exp = ax.explain(fun, a, b)
    # (the negation is folded into the GEMM refine: no pass of its own)
    assert {m.group(1) for m in EPILOGUE.finditer(exp.source)} == {
        "true_divide",
        "exp",
    }, exp.source
    assert "negated=True" in exp.source
    got = fun(a, b)
    want = np.exp(-((a[:, None, :] - b[None, :, :]) ** 2).sum(-1) / 2)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    # the same values as without the GEMM expansion, and as without the in-place rewrite
    monkeypatch.setattr(expand, "ENABLED", False)
    direct = _rbf_jit()
    assert "out=" in ax.explain(direct, a, b).source
    np.testing.assert_allclose(direct(a, b), got, rtol=1e-12)
    monkeypatch.setattr(inplace, "ENABLED", False)
    fresh = _rbf_jit()
    assert "out=" not in ax.explain(fresh, a, b).source
    np.testing.assert_array_equal(fresh(a, b), direct(a, b))


def test_in_place_ops_allocate_nothing() -> None:
    a, b = _rand(256, 32), _rand(256, 32, seed=1)
    plan = ax.explain(_rbf_jit(), a, b).compiled.plan
    rows = memory.profile(plan)
    tail = [r for r in rows if plan.steps[r.step].node.op.name == "elementwise"]
    assert tail and all(r.allocated == 0 for r in tail)
    assert memory.peak_bytes(plan) < 2 * 256 * 256 * 8


def test_in_place_never_writes_inputs_outputs_or_live_temporaries() -> None:
    x = _rand(128, 128)  # above inplace.MIN_BYTES: small plans are left as they are
    keep = x.copy()
    f = ax.jit(ax.vmap(lambda v: anp.exp(v) * 2))  # exp(x) is a temporary: in place
    np.testing.assert_allclose(f(x), np.exp(keep) * 2)
    np.testing.assert_array_equal(x, keep)
    source = ax.explain(f, x).source
    assert "_np.exp(v)" in source  # never out= an input
    assert "_np.multiply(t0, 2, out=t0)" in source  # the scaling reuses exp's buffer

    def two(v: Any) -> Any:
        s = anp.exp(v)
        return s, anp.sqrt(s)  # s is an output: sqrt must not overwrite it

    s, r = ax.jit(ax.vmap(two))(x)
    np.testing.assert_allclose(s, np.exp(keep))
    np.testing.assert_allclose(r, np.sqrt(np.exp(keep)))

    def reused(v: Any) -> Any:
        e = anp.exp(v)
        return anp.sqrt(e) + e  # e is read again after sqrt

    np.testing.assert_allclose(ax.jit(ax.vmap(reused))(x), np.sqrt(np.exp(keep)) + np.exp(keep))
    # a transposed (non-contiguous) input: reshapes of it are never written in place
    xt = np.asfortranarray(_rand(64, 32))
    g = ax.jit(lambda v: anp.exp(anp.reshape(v.T, (-1,))))
    np.testing.assert_allclose(g(xt), np.exp(xt.T.reshape(-1)))
    np.testing.assert_allclose(g(np.ascontiguousarray(xt)), np.exp(xt.T.reshape(-1)))


def test_in_place_never_writes_read_only_broadcast_views(monkeypatch: pytest.MonkeyPatch) -> None:
    # third derivatives of cumprod reshape a same-shape ``broadcast_to`` (read-only even
    # with no broadcast axis) and scale it: the product must allocate, not write into it
    x = np.array([0.3, -0.2, 0.5])
    got = ax.jacrev(ax.jacrev(ax.jacrev(anp.cumprod)))(x)
    want = np.zeros((3, 3, 3, 3))
    for i in range(3):  # d^3 prod_{k<=i} x_k / dx_a dx_b dx_c: the other factors, or 0
        for a in range(3):
            for b in range(3):
                for c in range(3):
                    if len({a, b, c}) == 3 and max(a, b, c) <= i:
                        others = [x[k] for k in range(i + 1) if k not in (a, b, c)]
                        want[i, a, b, c] = np.prod(others)
    np.testing.assert_allclose(got, want, atol=1e-12)
    monkeypatch.setattr(inplace, "ENABLED", False)
    np.testing.assert_allclose(ax.jacrev(ax.jacrev(ax.jacrev(anp.cumprod)))(x), want, atol=1e-12)


def test_per_example_clipped_gradients_match_a_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    # DP-SGD: per-example gradients clipped by their global norm (a broadcast norm scales
    # each gradient; it used to be the ``out=`` of that product)
    rng = np.random.default_rng(0)
    w1, w2, xs = rng.normal(size=(8, 16)), rng.normal(size=(16, 1)), rng.normal(size=(256, 8))
    bound = 1.0

    def clipped(w1: Any, w2: Any, x: Any) -> Any:
        g1, g2 = ax.grad(lambda a, b: anp.sum(anp.tanh(x @ a) @ b), argnums=(0, 1))(w1, w2)
        norm = anp.sqrt(anp.sum(g1**2) + anp.sum(g2**2))
        scale = anp.minimum(1, bound / norm)
        return g1 * scale, g2 * scale

    got = ax.vmap(clipped, (None, None, 0))(w1, w2, xs)
    for n, x in enumerate(xs):  # the gradients by hand, clipped
        h = np.tanh(x @ w1)
        g1, g2 = np.outer(x, (1 - h**2) * w2[:, 0]), h[:, None]
        scale = min(1.0, bound / np.sqrt((g1**2).sum() + (g2**2).sum()))
        np.testing.assert_allclose(got[0][n], g1 * scale, rtol=1e-10)
        np.testing.assert_allclose(got[1][n], g2 * scale, rtol=1e-10)
    monkeypatch.setattr(inplace, "ENABLED", False)
    plain = ax.vmap(clipped, (None, None, 0))(w1, w2, xs)
    for a, b in zip(got, plain, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("limit", [None, 32 << 10])
def test_take_of_a_pairwise_table_runs_through_the_memory_model(limit: int | None) -> None:
    # ``take`` lowers to ``take_along_axis`` with indices shorter than the taken axis: the
    # memory model's shape rule broadcast the two shapes whole and failed
    pw = ax.vmap(ax.vmap(lambda a, b: anp.sum(a * b), (None, 0)), (0, None))
    a, b = _rand(50, 3), _rand(40, 3, seed=1)
    rows, cols = np.array([1, 3, 7]), np.array([[1, 2], [3, 4]])
    f = ax.jit(lambda a, b, i: anp.take(pw(a, b), i, axis=0), memory_limit=limit)
    np.testing.assert_allclose(f(a, b, rows), (a @ b.T)[rows], rtol=1e-12)
    g = ax.jit(lambda a, b, i: anp.take(pw(a, b), i, axis=1), memory_limit=limit)
    np.testing.assert_allclose(g(a, b, cols), (a @ b.T)[:, cols], rtol=1e-12)
    report = ax.explain(f, a, b, rows)
    assert report.compiled.plan is not None
    assert report.peak_bytes >= 50 * 40 * 8  # the table itself is materialised


def test_gather_with_a_shorter_index_axis_fits_a_budget() -> None:
    # take_along_axis' index is shorter than the operand along the gathered axis (here
    # x.at[perm].set within a pairwise vmap): the peak model used to broadcast the two
    # shapes and raise a raw ValueError as soon as a memory_limit was set
    perm = np.array([0, 2, 1])

    def overwrite(x: Any, y: Any) -> Any:
        return x.at[perm].set(y[perm])

    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(6, 4)), rng.normal(size=(5, 4))
    want = np.empty((6, 5, 4))
    for i, a in enumerate(A):
        for j, b in enumerate(B):
            want[i, j] = a
            want[i, j, perm] = b[perm]
    pairwise = ax.vmap(ax.vmap(overwrite, (None, 0)), (0, None))
    got = ax.jit(pairwise, memory_limit=4096, threads=1)(A, B)
    np.testing.assert_array_equal(got, want)
