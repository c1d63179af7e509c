"""Whole loops compiled as one loop nest (compiler/loop_nests.py,
backends/loop_nest_kernels.py) equal the NumPy path.

Each compiled loop is compared with the same function compiled with ``AXCOMP_FUSE=0``
(every step a few NumPy calls) and with an independent NumPy loop: arithmetic,
comparisons and selection exactly, sums and libm functions within a few ulps. Few small
kernels, compiled once per module into a temporary cache directory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp import lax
from axcomp.backends import kernel_loading, loop_nest_kernels
from axcomp.backends.numpy_backend import loop_nest_steps
from axcomp.compiler import loop_nests

numba = pytest.importorskip("numba")
pytestmark = pytest.mark.usefixtures("shared_kernel_cache")

STEPS = 80  # past lax's unrolling (64 steps)
RNG = np.random.default_rng(11)


def compiled(f: Callable[..., Any], fuse: str, *args: Any) -> tuple[Any, Any]:
    """(result, Compiled) of a fresh ``jit(f)`` with ``AXCOMP_FUSE=fuse``."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AXCOMP_FUSE", fuse)
        jf = ax.jit(f)
        return jf(*args), jf.lower(*args)


def nested_and_plain(f: Callable[..., Any], *args: Any, loops: int = 1) -> tuple[list, list]:
    """``f(*args)`` with its loops compiled and with NumPy steps (leaves as arrays);
    asserts the first compiled ``loops`` loops and the second none."""
    got, c = compiled(f, "always", *args)
    want, plain = compiled(f, "0", *args)
    assert len(loop_nest_steps(c.plan)) == loops, c.source
    assert not loop_nest_steps(plain.plan)
    got_l, want_l = ax.tree_util.tree_leaves(got), ax.tree_util.tree_leaves(want)
    for g, w in zip(got_l, want_l, strict=True):
        assert np.asarray(g).dtype == np.asarray(w).dtype and np.shape(g) == np.shape(w)
    return [np.asarray(g) for g in got_l], [np.asarray(w) for w in want_l]


def rnn(h0: Any, xs: Any, w: Any, u: Any, b: Any) -> Any:
    def step(h: Any, x: Any) -> Any:
        h = anp.tanh(h @ w + x @ u + b)
        return h, (h[0], anp.sum(h * h))

    return lax.scan(step, h0, xs)


def np_rnn(h0: Any, xs: Any, w: Any, u: Any, b: Any) -> Any:
    h, firsts, norms = h0, [], []
    for x in xs:
        h = np.tanh(h @ w + x @ u + b)
        firsts.append(h[0])
        norms.append(np.sum(h * h))
    return h, np.array(firsts), np.array(norms)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scan_with_xs_and_stacked_ys_equals_numpy(dtype: Any) -> None:
    args = [
        RNG.normal(size=8),
        RNG.normal(size=(STEPS, 3)),
        0.4 * RNG.normal(size=(8, 8)),
        RNG.normal(size=(3, 8)),
        RNG.normal(size=8),
    ]
    args = [a.astype(dtype) for a in args]
    got, want = nested_and_plain(rnn, *args)
    tol = 2e-5 if dtype == np.float32 else 1e-12
    for g, w, ref in zip(got, want, np_rnn(*args), strict=True):
        assert g.dtype == dtype
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)
        np.testing.assert_allclose(g, ref, rtol=tol, atol=tol)


def mixed(c: Any, xs: Any) -> Any:
    """Two carries, an einsum, a reduction, stacking and selection, run in reverse."""

    def step(carry: Any, x: Any) -> Any:
        a, m = carry
        y = anp.einsum("ij,j->i", x, a)
        a = anp.where(y > 0, 0.5 * a + 0.1 * y, a - 0.25 * anp.abs(y))
        m = anp.maximum(m, anp.max(y))
        z = anp.stack([a[1], -a[0], anp.sqrt(anp.abs(a[2]))])
        return (a, m), anp.concatenate([z, a[::-1]])

    return lax.scan(step, (c, anp.asarray(-np.inf, c.dtype)), xs, reverse=True)


def np_mixed(c: Any, xs: Any) -> Any:
    a, m, ys = c, np.asarray(-np.inf, c.dtype), [None] * len(xs)
    for t in range(len(xs) - 1, -1, -1):
        y = xs[t] @ a
        a = np.where(y > 0, c.dtype.type(0.5) * a + c.dtype.type(0.1) * y, a - 0.25 * np.abs(y))
        m = np.maximum(m, np.max(y))
        z = np.stack([a[1], -a[0], np.sqrt(np.abs(a[2]))])
        ys[t] = np.concatenate([z, a[::-1]])
    return a, m, np.stack(ys)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_reverse_scan_with_two_carries_equals_numpy(dtype: Any) -> None:
    c = RNG.normal(size=3).astype(dtype)
    xs = (0.5 * RNG.normal(size=(STEPS, 3, 3))).astype(dtype)
    got, want = nested_and_plain(mixed, c, xs)
    tol = 1e-5 if dtype == np.float32 else 1e-13  # the einsum may add in another order
    for g, w, ref in zip(got, want, np_mixed(c, xs), strict=True):
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol * 1e-3)
        np.testing.assert_allclose(g, ref, rtol=tol, atol=tol * 1e-3)


def logistic(x: Any, r: Any) -> Any:
    return lax.fori_loop(0, STEPS * 10, lambda i, v: r * v * (1 - v) + (i % 3) * 1e-3, x)


def test_fori_loop_with_a_static_trip_count_is_exact() -> None:
    x, r = RNG.uniform(0.2, 0.8, size=16), np.linspace(2.5, 3.4, 16)
    (got,), (want,) = nested_and_plain(logistic, x, r)
    ref = x.copy()
    for i in range(STEPS * 10):
        ref = r * ref * (1 - ref) + (i % 3) * 1e-3
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, ref)


def test_fori_loop_with_a_traced_trip_count_and_int_carries() -> None:
    def count(n: Any, x: Any) -> Any:
        def body(i: Any, c: Any) -> Any:
            k, s = c
            k = k + anp.sum(s > 1.0).astype(anp.int32) * (i % 2)
            return k, anp.where(s > 1.0, s - 1.0, s + x)

        return lax.fori_loop(0, n, body, (anp.int32(0), anp.zeros_like(x)))

    x = RNG.uniform(0.1, 0.9, size=5)
    got, want = nested_and_plain(count, 500, x)
    k, s = 0, np.zeros_like(x)
    for i in range(500):
        k, s = k + int(np.sum(s > 1.0)) * (i % 2), np.where(s > 1.0, s - 1.0, s + x)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    assert got[0].dtype == np.int32 and int(got[0]) == k
    np.testing.assert_array_equal(got[1], s)


def bisect(target: Any) -> Any:
    def cond(c: Any) -> Any:
        lo, hi = c
        return hi - lo > 1e-12

    def body(c: Any) -> Any:
        lo, hi = c
        mid = (lo + hi) / 2
        high = mid * mid * mid > target
        return anp.where(high, lo, mid), anp.where(high, mid, hi)

    return lax.while_loop(cond, body, (anp.zeros_like(target), target + 1.0))


def test_batched_while_loop_stops_each_example_as_numpy() -> None:
    t = RNG.uniform(0.5, 20.0, size=7)
    got, want = nested_and_plain(ax.vmap(bisect), t)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    np.testing.assert_allclose(got[0], np.cbrt(t), rtol=1e-11)


def test_vmap_of_a_scan_compiles_with_batched_carries() -> None:
    h0 = RNG.normal(size=(4, 8))
    xs = RNG.normal(size=(4, STEPS, 3))
    w, u, b = 0.4 * RNG.normal(size=(8, 8)), RNG.normal(size=(3, 8)), RNG.normal(size=8)
    f = ax.vmap(rnn, in_axes=(0, 0, None, None, None))
    got, want = nested_and_plain(f, h0, xs, w, u, b)
    for k in range(4):
        for g, ref in zip(got, np_rnn(h0[k], xs[k], w, u, b), strict=True):
            np.testing.assert_allclose(g[k], ref, rtol=1e-12, atol=1e-12)
    for g, wnt in zip(got, want, strict=True):
        np.testing.assert_allclose(g, wnt, rtol=1e-12, atol=1e-12)


def test_reverse_mode_runs_the_forward_and_reverse_loops_compiled() -> None:
    def loss(w: Any, h0: Any, xs: Any, u: Any, b: Any) -> Any:
        h, (_, norms) = rnn(h0, xs, w, u, b)
        return anp.sum(h) + anp.sum(norms) * 0.01

    args = (
        0.4 * RNG.normal(size=(8, 8)),
        RNG.normal(size=8),
        RNG.normal(size=(STEPS, 3)),
        RNG.normal(size=(3, 8)),
        RNG.normal(size=8),
    )
    got, want = nested_and_plain(ax.value_and_grad(loss), *args, loops=2)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-11, atol=1e-12)
    # an independent check of the gradient: central differences along one direction
    d = RNG.normal(size=(8, 8))
    eps = 1e-6
    plain = ax.jit(loss)
    numeric = (plain(args[0] + eps * d, *args[1:]) - plain(args[0] - eps * d, *args[1:])) / (
        2 * eps
    )
    np.testing.assert_allclose(np.sum(got[1] * d), numeric, rtol=1e-6)


def indexed(x: Any, y: Any) -> Any:
    """Reads at the step's index: ``x[i]``, ``dynamic_slice``, ``.at[].add``, clipping."""

    def body(i: Any, c: Any) -> Any:
        acc, s = c
        s = s + x[i] * y[i % 3] + lax.dynamic_slice(x, (i,), (2,)).sum()
        acc = acc.at[i % 4].add(anp.where(i == 9, anp.nan, x[i]))  # reset below
        acc = anp.where(anp.isnan(acc), 0.0, anp.clip(acc, -30.0, 30.0))
        return acc, s

    return lax.fori_loop(0, STEPS, body, (anp.zeros(4), 0.0))


def test_indices_computed_in_the_loop_read_as_numpy() -> None:
    x, y = RNG.normal(size=STEPS + 1), RNG.normal(size=3)
    got, want = nested_and_plain(indexed, x, y)
    acc, s = np.zeros(4), 0.0
    for i in range(STEPS):
        s = s + x[i] * y[i % 3] + (x[i] + x[i + 1])
        acc[i % 4] += np.nan if i == 9 else x[i]
        acc = np.where(np.isnan(acc), 0.0, np.clip(acc, -30.0, 30.0))
    for g, w, ref in zip(got, want, (acc, s), strict=True):
        np.testing.assert_array_equal(g, w)
        np.testing.assert_allclose(g, ref, rtol=1e-13)
    assert np.isfinite(s) and acc[1] != 0


def newton_per_step(c0: Any, xs: Any) -> Any:
    """A scan whose body runs a loop: the inner loop compiles, the outer runs as NumPy."""

    def step(c: Any, x: Any) -> Any:
        t = x + c * c
        r = lax.fori_loop(0, STEPS, lambda i, r: 0.5 * (r + t / r), t + 1.0)  # sqrt(t)
        return 0.5 * c + 0.1 * r, r

    return lax.scan(step, c0, xs)


def test_a_loop_in_the_body_of_a_loop_compiles_on_its_own() -> None:
    c0, xs = np.float64(0.5), RNG.uniform(1.0, 2.0, size=STEPS)
    got, want = nested_and_plain(newton_per_step, c0, xs)
    c, rs = 0.5, []
    for x in xs:
        rs.append(np.sqrt(x + c * c))
        c = 0.5 * c + 0.1 * rs[-1]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    np.testing.assert_allclose(got[1], rs, rtol=1e-14)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AXCOMP_FUSE", "always")
        text = str(ax.explain(newton_per_step, c0, xs))
    assert f"loop ({STEPS} steps) of 4 statements" in text


def many_functions(x: Any) -> Any:
    """One body over most of the printer's vocabulary (one kernel for all of it)."""

    def body(i: Any, v: Any) -> Any:
        a = anp.exp(-anp.abs(v)) + anp.log1p(anp.abs(v)) + anp.sin(v) * anp.cos(v)
        b = anp.arctan2(v, 1.5) + anp.hypot(v, 0.5) - anp.sqrt(anp.square(v) + 1.0)
        c = anp.minimum(anp.maximum(v, -0.5), 0.5) + anp.power(anp.abs(v) + 1.0, 0.5)
        d = anp.tanh(v) + anp.floor(v * 3.0) / 7.0 - anp.expm1(-anp.abs(v)) / anp.cosh(v)
        return 0.25 * (a + b + c + d) - 0.3 * v

    return lax.fori_loop(0, STEPS, body, x)


@pytest.mark.parametrize(
    "dtype", [pytest.param(np.float32, marks=pytest.mark.slow), np.float64]
)  # about 4 s of numba compiling each
def test_libm_functions_agree_with_numpy_within_ulps(dtype: Any) -> None:
    x = RNG.normal(size=6).astype(dtype)
    (got,), (want,) = nested_and_plain(many_functions, x)
    np.testing.assert_allclose(got, want, rtol=1e-4 if dtype == np.float32 else 1e-12)


def test_transcendental_functions_of_floats_call_the_vectorisable_versions() -> None:
    """float64 ``tanh``/``exp``/``expm1``/``log1p`` are ``vector_math``'s, ``sin`` libm's."""
    x = RNG.normal(size=6)
    _, c = compiled(many_functions, "always", x)
    ((_, loop),) = loop_nest_steps(c.plan)
    text = loop_nest_kernels.source(loop)
    for fn in ("exp", "expm1", "log1p"):
        assert f"_vm.{fn}_f64(" in text and f"_np.{fn}(" not in text
    # six elements a step: the tanh whose two polynomials are independent chains
    assert "_vm.tanh_low_latency_f64(" in text and "_np.tanh(" not in text
    assert "_np.sin(" in text and "from axcomp.backends import vector_math as _vm" in text


def test_the_default_policy_runs_numpy_steps_until_the_nest_is_compiled() -> None:
    """A first call never waits for numba: it runs the loop's NumPy steps and starts the
    kernel's compile on a thread; a later call runs the kernel; both are NumPy's."""
    x, r = RNG.uniform(0.2, 0.8, size=37), np.linspace(2.5, 3.4, 37)  # (a shape of its own)

    def long_logistic(x: Any, r: Any) -> Any:
        return lax.fori_loop(0, 30_000, lambda i, v: r * v * (1.0 - v), x)

    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("AXCOMP_FUSE", raising=False)
        f = ax.jit(long_logistic, threads=1)  # (two threads would run blocks of the rows)
        ((_, loop),) = loop_nest_steps(f.lower(x, r).plan)
        name = loop_nest_kernels.call_name(loop)
        assert name not in {s.name for s in kernel_loading._slots.values() if s.kernel}
        first = np.asarray(f(x, r))
        kernel_loading.wait_all(120)
        assert name in {s.name for s in kernel_loading._slots.values() if s.kernel}
        second = np.asarray(f(x, r))
    want = x.copy()
    for _ in range(30_000):
        want = r * want * (1.0 - want)
    np.testing.assert_array_equal(first, want)
    np.testing.assert_array_equal(second, want)


def test_long_loops_run_in_interruptible_chunks_with_the_same_results(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A kernel call runs at most ``CHUNK_STEPS`` steps (Ctrl-C is seen between calls);
    the carries, the stacks, reverse order and the stop carry across calls."""
    monkeypatch.setattr(loop_nest_kernels, "CHUNK_STEPS", 7)
    c = RNG.normal(size=3)
    xs = 0.5 * RNG.normal(size=(STEPS, 3, 3))
    got, want = nested_and_plain(mixed, c, xs)  # reverse, stacked, 80 = 11 * 7 + 3 steps
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-13, atol=1e-16)
    t = RNG.uniform(0.5, 20.0, size=3)
    got, want = nested_and_plain(ax.vmap(bisect), t)  # about 45 iterations
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


def test_explain_lists_compiled_loops_and_short_loops_keep_numpy() -> None:
    x, r = RNG.uniform(0.2, 0.8, size=16), np.linspace(2.5, 3.4, 16)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AXCOMP_FUSE", "always")
        text = str(ax.explain(logistic, x, r))
        assert "compiled loops (numba):" in text and "800 steps" in text
        mp.setenv("AXCOMP_FUSE", "")  # the default: too short to pay for compiling
        assert "compiled loops" not in str(ax.explain(logistic, x, r))
        mp.setenv("AXCOMP_FUSE", "0")
        assert "compiled loops" not in str(ax.explain(logistic, x, r))


def test_the_default_policy_weighs_a_step_against_its_dispatches() -> None:
    """Long loops compile unless a step's work beats NumPy's per-call cost; short ones
    never (explain only: nothing here runs a kernel)."""

    def scan(h0: Any, xs: Any, w: Any, fn: Callable[[Any], Any]) -> Any:
        return lax.scan(lambda h, x: (fn(h @ w + x), None), h0, xs)[0]

    def counted(batch: int, hidden: int, steps: int, fn: Callable[[Any], Any]) -> int:
        h0, xs = np.zeros((batch, hidden)), np.zeros((steps, batch, hidden))
        w = np.eye(hidden)
        c = ax.explain(lambda *a: scan(*a, fn), h0, xs, w).compiled
        # loops computing their products as explicit sums (one BLAS thread and SciPy make
        # the large ones BLAS nests: tests/test_blas_loop_nests.py)
        return sum(1 for _, loop in loop_nest_steps(c.plan) if not loop.nest.blas)

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AXCOMP_FUSE", "")
        assert counted(1, 8, 20_000, anp.tanh) == 1
        assert counted(1, 8, 1_000, anp.tanh) == 0  # 3,000 NumPy calls: not worth a compile
        assert counted(16, 16, 20_000, anp.tanh) == 1  # vector_math's tanh: 1 ns an element
        assert counted(32, 32, 20_000, anp.tanh) == 0  # a 32x32x32 product a step: BLAS
        assert counted(16, 16, 20_000, anp.sin) == 0  # 256 libm calls a step: NumPy's SIMD
        assert counted(16, 16, 20_000, lambda v: 0.5 * v) == 1
        assert counted(64, 64, 20_000, lambda v: 0.5 * v) == 0  # BLAS wins
        x = np.zeros(50_000)  # a long series read by the step's index: a large operand
        indexing = ax.explain(lambda x: lax.fori_loop(0, 50_000, lambda i, c: c + x[i], 0.0), x)
        assert len(loop_nest_steps(indexing.compiled.plan)) == 1
        # a long body saves many calls a step but compiles for seconds (about 25 ms a
        # statement): it must run MIN_STEPS steps a call too, however many calls it saves
        v = np.ones(8)
        for steps, nests in ((300, 0), (loop_nests.MIN_STEPS, 1)):
            long_body = ax.explain(lambda v, n=steps: lax.fori_loop(0, n, _long_body, v), v)
            assert len(loop_nest_steps(long_body.compiled.plan)) == nests, steps
        mp.setenv("AXCOMP_FUSE", "always")
        assert counted(16, 16, 100, anp.tanh) == 1


def _long_body(i: Any, h: Any) -> Any:
    # 160 statements a step: 300 steps save 48,000 NumPy calls, past MIN_DISPATCHES
    for j in range(40):
        h = h * 0.999 + anp.abs(h) * (0.001 * j)
    return h


def test_the_kernel_source_holds_no_user_text() -> None:
    def weird(lambda_: Any, _np: Any) -> Any:  # names a user might pick
        return logistic(lambda_, _np)

    x, r = RNG.uniform(0.2, 0.8, size=16), np.linspace(2.5, 3.4, 16)
    _, c = compiled(weird, "always", x, r)
    ((_, loop),) = loop_nest_steps(c.plan)
    text = loop_nest_kernels.source(loop)
    assert "lambda" not in text and "weird" not in text and "carry" not in text
    assert "def _nest(a0, a1, a2, o0, _lo, _hi):" in text  # x, r, the constant 1e-3; x after
    # an exported module needs only NumPy: its loop is plain Python again
    assert "_loop_nest_" not in ax.export(weird, x, r)


#: One step's operations for random programs: (name, the traced op, the NumPy op).
_STEP_OPS: list[tuple[str, Callable[..., Any], Callable[..., Any]]] = [
    ("add", lambda v, c, m: v + c, lambda v, c, m: v + c),
    ("scale", lambda v, c, m: -0.75 * v, lambda v, c, m: v.dtype.type(-0.75) * v),
    ("product", lambda v, c, m: v * c, lambda v, c, m: v * c),
    (
        "select",
        lambda v, c, m: anp.where(v > c, v - c, c),
        lambda v, c, m: np.where(v > c, v - c, c),
    ),
    ("abs", lambda v, c, m: anp.abs(v) - 0.5, lambda v, c, m: np.abs(v) - v.dtype.type(0.5)),
    ("flip", lambda v, c, m: v[::-1], lambda v, c, m: v[::-1]),
    ("matvec", lambda v, c, m: m @ v, lambda v, c, m: m @ v),
    ("max", lambda v, c, m: v - anp.max(v), lambda v, c, m: v - np.max(v)),
    ("roll", lambda v, c, m: anp.concatenate([v[1:], v[:1]]), lambda v, c, m: np.roll(v, -1)),
]


@pytest.mark.slow  # a numba compile per program
def test_random_small_programs_equal_numpy() -> None:
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies

    @hypothesis.settings(max_examples=5, deadline=None, derandomize=True)
    @hypothesis.given(
        st.lists(st.integers(0, len(_STEP_OPS) - 1), min_size=1, max_size=5),
        st.sampled_from([np.float32, np.float64]),
    )
    def check(ops: list[int], dtype: Any) -> None:
        def body(i: Any, v: Any, c: Any, m: Any) -> Any:
            for k in ops:
                v = _STEP_OPS[k][1](v, c, m)
            return anp.minimum(anp.maximum(v, -2.0), 2.0)

        def f(v: Any, c: Any, m: Any) -> Any:
            return lax.fori_loop(0, STEPS, lambda i, v: body(i, v, c, m), v)

        rng = np.random.default_rng(len(ops))
        v, c = rng.normal(size=5).astype(dtype), rng.normal(size=5).astype(dtype)
        m = (0.4 * rng.normal(size=(5, 5))).astype(dtype)
        (got,), (want,) = nested_and_plain(f, v, c, m)
        ref = v
        for _ in range(STEPS):
            for k in ops:
                ref = _STEP_OPS[k][2](ref, c, m)
            ref = np.minimum(np.maximum(ref, dtype(-2.0)), dtype(2.0))
        tol = 1e-4 if dtype == np.float32 else 1e-10  # a product adds in another order
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
        np.testing.assert_allclose(got, ref, rtol=tol, atol=tol)

    check()


def _runs_of(f: Callable[..., Any], *args: Any) -> tuple[Any, list[list[int]]]:
    """The compiled loop of ``f`` and its body's runs (``element_runs``)."""
    _, c = compiled(f, "always", *args)
    ((_, loop),) = loop_nest_steps(c.plan)
    statements = [s for step in loop.body for s in step.statements]
    return loop, loop_nest_kernels.element_runs(statements)


def test_a_long_elementwise_body_is_one_loop_of_locals() -> None:
    v = RNG.uniform(0.1, 0.9, size=8)
    f = lambda v: lax.fori_loop(0, 700, _long_body, v)  # noqa: E731
    loop, runs = _runs_of(f, v)
    assert [len(r) for r in runs] == [160]
    text = loop_nest_kernels.source(loop)
    assert text.count("for k0 in") == 1 and "b1 = " not in text  # no buffer per value
    (got,), (want,) = nested_and_plain(f, v)
    np.testing.assert_array_equal(got, want)


def test_a_run_never_overwrites_the_carry_it_reads_at_another_element() -> None:
    # the step's last statement may write the carry in place; here the run before it reads
    # the carry reversed, so element 0's new value must not land before element 7 is read
    # (a mixing map: no fixed point that a wrong order would converge to as well)
    def body(i: Any, v: Any) -> Any:
        return anp.mod(v[::-1] * 1.7 + v * 0.3 + 0.1, 1.0)

    v = RNG.uniform(size=8)
    f = lambda v: lax.fori_loop(0, 700, body, v)  # noqa: E731
    loop, runs = _runs_of(f, v)
    assert len(runs[-1]) > 1  # one run ends the step, and it writes a fresh buffer
    assert "o0[k0] = _e" not in loop_nest_kernels.source(loop)
    (got,), (want,) = nested_and_plain(f, v)
    ref = v
    for _ in range(700):
        ref = np.mod(ref[::-1] * 1.7 + ref * 0.3 + 0.1, 1.0)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, ref)


def test_a_run_reads_the_carry_at_its_own_element_and_overwrites_it() -> None:
    def body(i: Any, v: Any) -> Any:
        return 3.7 * v * (1.0 - v)

    v = RNG.uniform(0.1, 0.9, size=16)
    f = lambda v: lax.fori_loop(0, 700, body, v)  # noqa: E731
    loop, runs = _runs_of(f, v)
    assert len(runs) == 1 and len(runs[0]) > 1
    assert "o0[k0] = _e" in loop_nest_kernels.source(loop)  # the carry itself, in place
    (got,), (want,) = nested_and_plain(f, v)
    np.testing.assert_array_equal(got, want)


def test_runs_keep_each_values_dtype() -> None:
    # int32 wraps at each statement, comparisons give bools, float32 rounds at each step:
    # a run's locals are cast as the buffers' stores were
    def body(i: Any, c: Any) -> Any:
        n, x, flags = c
        n2 = n * 1103515245 + 12345
        big = anp.logical_and(n2 > 0, x < 0.5)
        x2 = anp.where(big, x * 1.5, x * 0.25) + 0.125
        return n2, x2, anp.logical_xor(flags, big)

    n = RNG.integers(-(2**31), 2**31 - 1, size=6).astype(np.int32)
    x = RNG.uniform(0, 1, size=6).astype(np.float32)
    flags = np.zeros(6, bool)
    f = lambda n, x, fl: lax.fori_loop(0, 700, body, (n, x, fl))  # noqa: E731
    _, runs = _runs_of(f, n, x, flags)
    assert max(len(r) for r in runs) > 2
    got, want = nested_and_plain(f, n, x, flags)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


def test_a_run_stores_what_is_read_after_it() -> None:
    # e is stacked and summed after the run; the run's other values stay locals
    def step(h: Any, x: Any) -> Any:
        e = anp.exp(-(h * h)) + x
        return 0.5 * e + 0.25 * h, (e, anp.sum(e))

    h0, xs = RNG.normal(size=8), RNG.normal(size=(STEPS, 8))
    f = lambda h0, xs: lax.scan(step, h0, xs)  # noqa: E731
    got, want = nested_and_plain(f, h0, xs)
    ref_h, es = h0, []
    for x in xs:
        e = np.exp(-(ref_h * ref_h)) + x
        es.append(e)
        ref_h = 0.5 * e + 0.25 * ref_h
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(got[0], ref_h, rtol=1e-13)
    np.testing.assert_allclose(got[1], np.array(es), rtol=1e-13)


#: Ops for random bodies of runs: exact in both paths, several reading the carry at
#: other elements (``v[::-1]``, ``v[0]``) or breaking a run (a reduction, a concatenation).
_RUN_OPS: list[tuple[str, Callable[..., Any]]] = [
    ("add", lambda xp, v, c: v + c),
    ("scale", lambda xp, v, c: v * -0.75 + 0.25),
    ("select", lambda xp, v, c: xp.where(v > c, v - c, c * 0.5)),
    ("abs", lambda xp, v, c: xp.abs(v) - 0.5),
    ("square", lambda xp, v, c: v * v - c),
    ("flip", lambda xp, v, c: v[::-1] + 0.125 * v),
    ("first", lambda xp, v, c: v[0] * 0.5 + v),
    ("float32", lambda xp, v, c: v.astype(np.float32).astype(np.float64) * 1.5),
    ("max", lambda xp, v, c: v - xp.max(v)),
    ("roll", lambda xp, v, c: xp.concatenate([v[1:], v[:1]]) - 0.25 * v),
]


@pytest.mark.slow  # a numba compile per program
def test_random_bodies_of_runs_equal_numpy_exactly() -> None:
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies

    @hypothesis.settings(max_examples=6, deadline=None, derandomize=True)  # + the examples
    @hypothesis.given(st.lists(st.integers(0, len(_RUN_OPS) - 1), min_size=2, max_size=9))
    @hypothesis.example([5, 0])  # the carry reversed in the run that overwrites it
    @hypothesis.example([0, 6, 2])  # its first element
    @hypothesis.example([7, 3, 8, 5, 4])  # casts, a reduction, then the reversed carry
    @hypothesis.example([9, 1, 5])  # a concatenation, then the reversed carry
    def check(ops: list[int]) -> None:
        def step(xp: Any, v: Any, c: Any) -> Any:
            for k in ops:
                v = _RUN_OPS[k][1](xp, v, c)
            return xp.mod(v + 2.0, 4.0) - 2.0  # bounded, and no fixed point to settle in

        def f(v: Any, c: Any) -> Any:
            return lax.fori_loop(0, STEPS, lambda i, v: step(anp, v, c), v)

        rng = np.random.default_rng(len(ops))
        v, c = rng.normal(size=6), rng.normal(size=6)
        (got,), (want,) = nested_and_plain(f, v, c)
        ref = v
        for _ in range(STEPS):
            ref = step(np, ref, c)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(got, ref)

    check()
