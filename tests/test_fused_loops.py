"""Fused loops (compiler/fusion.py, backends/fused_loops.py) equal the NumPy path.

Every fused kernel is compared with the same function compiled with ``AXCOMP_FUSE=0`` (the
plain NumPy plan) and with an independent NumPy formula: sums within a few ulps per term
(the loop sums in another order), max, min and integer sums exactly. Few, small kernels,
compiled once per session into a temporary cache directory and shared by the tests.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axcomp as ax
import axcomp.lax as alax
import axcomp.nn as nn
import axcomp.numpy as anp
from axcomp.backends import fused_loops
from axcomp.backends.numpy_backend import fused_steps
from axcomp.compiler import fusion_cost
from axcomp.core.fused import CAST, FusedLoop, Instruction
from axcomp.core.plan import PlanError, Ref, call
from axcomp.core.plan_types import array_type, expr_type

numba = pytest.importorskip("numba")
pytestmark = pytest.mark.usefixtures("shared_kernel_cache")

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def compiled(f: Callable[..., Any], fuse: str, *args: Any) -> tuple[Any, Any]:
    """(result, Compiled) of a fresh ``jit(f)`` with ``AXCOMP_FUSE=fuse``."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AXCOMP_FUSE", fuse)
        jf = ax.jit(f)
        return jf(*args), jf.lower(*args)


def fused_and_plain(f: Callable[..., Any], *args: Any) -> tuple[Any, Any]:
    """``f(*args)`` fused (every fusible region, whatever its size) and plain; asserts the
    first ran a fused loop and the second none."""
    got, c = compiled(f, "always", *args)
    want, plain = compiled(f, "0", *args)
    assert fused_steps(c.plan), c.source
    assert not fused_steps(plain.plan), plain.source
    assert got.dtype == want.dtype and got.shape == want.shape
    return np.asarray(got), np.asarray(want)


def pairwise(kernel: Callable[..., Any]) -> Any:
    return ax.vmap(ax.vmap(kernel, in_axes=(None, 0)), in_axes=(0, None))


def l1(a: Any, b: Any) -> Any:
    return anp.sum(anp.abs(a - b))


def chebyshev(a: Any, b: Any) -> Any:
    return anp.max(anp.abs(a - b))


def hamming(a: Any, b: Any) -> Any:
    return anp.sum(a != b)


RNG = np.random.default_rng(7)
A = RNG.standard_normal((37, 9))
B = RNG.standard_normal((23, 9))
B[:, :4] = A[:23, :4]  # equal entries, so the Hamming distances vary


def test_pairwise_l1_equals_the_numpy_path_and_the_formula() -> None:
    got, want = fused_and_plain(pairwise(l1), A, B)
    formula = np.abs(A[:, None, :] - B[None, :, :]).sum(-1)
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=0)
    np.testing.assert_allclose(got, formula, rtol=1e-14, atol=0)


def test_pairwise_chebyshev_and_hamming_are_exact() -> None:
    got, want = fused_and_plain(pairwise(chebyshev), A, B)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, np.abs(A[:, None, :] - B[None, :, :]).max(-1))
    got, want = fused_and_plain(pairwise(hamming), A, B)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, (A[:, None, :] != B[None, :, :]).sum(-1))


@pytest.mark.slow
def test_float32_keeps_its_dtype_and_sums_to_float32_accuracy() -> None:
    a, b = A.astype(np.float32), B.astype(np.float32)
    got, want = fused_and_plain(pairwise(l1), a, b)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=0)


def test_nan_and_inf_propagate_as_numpy_does() -> None:
    a, b = A.copy(), B.copy()
    a[0, 3], a[1, 5], b[2, 0] = np.nan, np.inf, -np.inf
    for kernel in (l1, chebyshev):
        got, want = fused_and_plain(pairwise(kernel), a, b)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=0)


@pytest.mark.slow
def test_masked_row_sums_with_literals_equal_the_numpy_path() -> None:
    x = RNG.standard_normal((40, 30))

    def masked(x: Any) -> Any:
        return anp.sum(anp.where(x > 0.25, x * 2.0, 0.0), axis=1)

    got, want = fused_and_plain(masked, x)
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(got, np.where(x > 0.25, x * 2.0, 0.0).sum(1), rtol=1e-14)


@pytest.mark.slow
def test_a_reduction_over_the_outer_axis_accumulates_along_the_rows() -> None:
    x = RNG.standard_normal((50, 33))

    def column_minimum(x: Any) -> Any:
        return anp.min(anp.sqrt(anp.abs(x) + 1.0), axis=0)

    got, want = fused_and_plain(column_minimum, x)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, np.sqrt(np.abs(x) + 1.0).min(0))


@pytest.mark.slow
def test_a_full_reduction_to_a_scalar() -> None:
    x = RNG.standard_normal((20, 64))

    def total(x: Any) -> Any:
        return anp.sum(anp.sqrt(anp.abs(x - 1.0)))

    got, want = fused_and_plain(total, x)
    assert got.shape == ()
    np.testing.assert_allclose(got, want, rtol=1e-13)
    np.testing.assert_allclose(got, np.sqrt(np.abs(x - 1.0)).sum(), rtol=1e-13)

    def flat_max(x: Any) -> Any:  # one loop axis: the lanes' slice and its tail
        return anp.max(anp.abs(x.reshape(-1)[3:] - 1.0))

    got, want = fused_and_plain(flat_max, x)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, np.abs(x.reshape(-1)[3:] - 1.0).max())


def test_logsumexp_rows_fuse_their_exp_and_sum_within_ulps_of_numpy() -> None:
    # the loop's exp is backends/vector_math.py's (within 2 ulp), its sum in another order
    x = RNG.standard_normal((20, 64)) * 30

    def lse(x: Any) -> Any:
        m = anp.max(x, axis=1, keepdims=True)
        return anp.log(anp.sum(anp.exp(x - m), axis=1)) + m[:, 0]

    got, want = fused_and_plain(lse, x)
    m = x.max(1, keepdims=True)
    np.testing.assert_allclose(got, want, rtol=1e-14)
    np.testing.assert_allclose(got, np.log(np.exp(x - m).sum(1)) + m[:, 0], rtol=1e-14)


def ulps(got: np.ndarray, want: np.ndarray) -> float:
    """The largest difference in ulps of ``want`` (NaN where both are NaN counts 0)."""
    same = (np.isnan(got) & np.isnan(want)) | (got == want)
    with np.errstate(invalid="ignore"):
        diff = np.where(same, 0.0, np.abs(got - want))
        spacing = np.spacing(np.abs(np.where(np.isfinite(want), want, 1)))
    return float(np.max(diff / spacing, initial=0.0))


def epilogue(x: Any, w: Any, b: Any) -> Any:  # a contraction's output through tanh, one pass
    return anp.tanh(x @ w + b) * 2.0


def test_a_tanh_epilogue_with_special_values_equals_the_numpy_path() -> None:
    x, w = RNG.standard_normal((6, 5)), RNG.standard_normal((5, 9))
    b = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-310, 25.0, -0.3, 1.0])
    got, want = fused_and_plain(epilogue, x, w, b)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    assert ulps(got, want) <= 2  # tanh within 2 ulp (as NumPy's), the product exact
    with np.errstate(invalid="ignore"):
        formula = np.tanh((x @ w + b).astype(np.longdouble)).astype(np.float64) * 2.0
    assert ulps(got, formula) <= 2


@pytest.mark.slow
@settings(max_examples=8, deadline=None)
@given(
    n=st.integers(1, 7),
    d=st.integers(1, 19),
    dtype=st.sampled_from(["float64", "float32"]),
    special=st.sampled_from([None, np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-310, 25.0]),
    seed=st.integers(0, 2**16),
)
def test_a_tanh_epilogue_is_one_map_loop_equal_to_the_numpy_path_within_2_ulp(
    n: int, d: int, dtype: str, special: float | None, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 5)).astype(dtype)
    w = rng.standard_normal((5, d)).astype(dtype)
    b = (3 * rng.standard_normal(d)).astype(dtype)
    if special is not None:
        b[rng.integers(d)] = special
    got, want = fused_and_plain(epilogue, x, w, b)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    assert ulps(got, want) <= 2  # tanh within 2 ulp (as NumPy's), the rest exact
    z = x @ w + b
    with np.errstate(invalid="ignore"):
        formula = np.tanh(z.astype(np.longdouble)).astype(dtype) * 2
    assert ulps(got, formula.astype(dtype)) <= 2


def test_a_sigmoid_is_one_map_loop_with_its_divisions_and_selects() -> None:
    x = np.concatenate([RNG.standard_normal(40) * 30, [0.0, -0.0, np.inf, -np.inf, np.nan]])
    x = np.concatenate([x, [-745.0, 709.0, -1e-310, 40.0]]).reshape(7, 7)
    got, c = compiled(nn.sigmoid, "always", x)
    want, _ = compiled(nn.sigmoid, "0", x)
    ((_, loop),) = fused_steps(c.plan)
    assert {"exp", "true_divide", "where"} <= {ins.fn for ins in loop.body}
    got, want = np.asarray(got), np.asarray(want)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    assert ulps(got, want) <= 2
    with np.errstate(over="ignore"):
        formula = (1 / (1 + np.exp(-x.astype(np.longdouble)))).astype(np.float64)
    assert ulps(got, formula) <= 3  # exp's 2 ulp, an add and a division


def test_a_log_likelihood_row_sum_fuses_its_log() -> None:
    x = np.abs(RNG.standard_normal((30, 40))) + 1e-3
    x[0, 0], x[1, 1], x[2, 2] = 0.0, np.inf, 1e-310  # -inf, inf, a subnormal

    def loglik(x: Any) -> Any:
        return anp.sum(anp.log(x), axis=1)

    with np.errstate(divide="ignore"):  # (NumPy's log(0) warns; a loop's does not)
        got, want = fused_and_plain(loglik, x)
        formula = np.log(x).sum(1)
    np.testing.assert_array_equal(got[:2], [-np.inf, np.inf])
    np.testing.assert_allclose(got, want, rtol=1e-14)
    np.testing.assert_allclose(got, formula, rtol=1e-14)


def test_empty_arrays_are_never_fused() -> None:
    x = np.zeros((0, 5))
    for f in (epilogue_of_empty, l1_rows):
        got, c = compiled(f, "always", x)
        assert not fused_steps(c.plan)
        assert got.shape == np.asarray(compiled(f, "0", x)[0]).shape


def epilogue_of_empty(x: Any) -> Any:
    return anp.tanh(x + 1.0) * 2.0


def l1_rows(x: Any) -> Any:
    return anp.sum(anp.abs(x - 1.0), axis=0)


def test_a_softmax_row_fuses_its_exp_and_equals_the_numpy_path() -> None:
    x = RNG.standard_normal((30, 50)) * 20

    def softmax(x: Any) -> Any:
        e = anp.exp(x - anp.max(x, axis=1, keepdims=True))
        return e / anp.sum(e, axis=1, keepdims=True)

    got, want = fused_and_plain(softmax, x)
    np.testing.assert_allclose(got, want, rtol=4e-16 * 8, atol=0)
    e = np.exp(x - x.max(1, keepdims=True))
    np.testing.assert_allclose(got, e / e.sum(1, keepdims=True), rtol=4e-16 * 8, atol=0)


def rnn(W: Any, b: Any, xs: Any, h0: Any) -> Any:
    def step(h: Any, x: Any) -> tuple[Any, None]:
        return anp.tanh(h @ W + x + b), None

    return alax.scan(step, h0, xs)[0]


RNN_ARGS = (
    RNG.standard_normal((8, 8)) / 3,
    0.1 * RNG.standard_normal(8),
    RNG.standard_normal((100, 4, 8)),
    np.zeros((4, 8)),
)
# a body region fuses when it pays (steps x saving), even under AXCOMP_FUSE=always: smaller
# bodies are left whole to the loop-nest compiler
BIG_RNN_ARGS = (
    RNG.standard_normal((64, 64)) / 8,
    0.1 * RNG.standard_normal(64),
    RNG.standard_normal((200, 128, 64)),
    np.zeros((128, 64)),
)


def test_a_loop_bodys_elementwise_region_is_a_fused_call_per_step() -> None:
    assert fusion_cost.BODY_MIN_ELEMENTS == fused_loops.MIN_ELEMENTS
    got, want = fused_and_plain(rnn, *BIG_RNN_ARGS)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
    W, b, xs, h = BIG_RNN_ARGS
    for x in xs:
        h = np.tanh(h @ W + x + b)
    np.testing.assert_allclose(got, h, rtol=1e-13, atol=1e-15)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AXCOMP_FUSE", "always")
        report = ax.explain(ax.jit(rnn), *BIG_RNN_ARGS)
        _, small = compiled(rnn, "always", *RNN_ARGS)
    assert any("map(add -> add -> tanh)" in line for line in report.fused), report.fused
    assert "_loop_nest_" in small.source and not fused_steps(small.plan)  # 4x8: a nest


def test_the_cost_model_fuses_tanh_chains_in_loops_but_not_small_cheap_chains() -> None:
    # the same 256x64 step: 200 runs of a tanh chain pay, one run does not
    tanh_step = FusedLoop(
        (256, 64),
        ((0, 1), (1,)),
        ("float64", "float64"),
        (
            Instruction("add", (("operand", 0), ("operand", 1)), "float64"),
            Instruction("tanh", (("value", 0),), "float64"),
        ),
        "map",
        (),
        (0, 1),
        "float64",
    )
    threshold = fused_loops.MIN_ELEMENTS
    assert fusion_cost.saving_ns(tanh_step) > 0
    assert fusion_cost.worth_fusing(tanh_step, threshold, repeat=200)
    assert not fusion_cost.worth_fusing(tanh_step, threshold, repeat=1)
    assert fusion_cost.worth_fusing(tanh_step, 0)  # AXCOMP_FUSE=always
    cheap = FusedLoop(
        (256, 64),
        ((0, 1), (0, 1)),
        ("float64", "float64"),
        (Instruction("add", (("operand", 0), ("operand", 1)), "float64"),),
        "map",
        (),
        (0, 1),
        "float64",
    )
    assert fusion_cost.saving_ns(cheap) < 0  # one cheap pass is NumPy's own
    # unless NumPy's pass broadcasts: a row broadcast saves a little, too little to fuse
    row = replace(cheap, operands=((0, 1), (1,)))
    assert 0 < fusion_cost.saving_ns(row) < threshold * fusion_cost.CHEAP_SAVING_NS
    assert not fusion_cost.worth_fusing(row, threshold)
    _, auto = compiled(rnn, "", *RNN_ARGS)  # 4x8 steps: too small even 100 times
    assert not fused_steps(auto.plan)


def test_scalar_arguments_and_strided_operands() -> None:
    x = RNG.standard_normal((30, 20))

    def shifted_max(x: Any, s: Any) -> Any:  # s: a 0-d operand; x.T: a strided one
        return anp.max(anp.abs(x.T - s), axis=1)

    for s in (np.float64(0.5), np.asarray(-1.5)):
        got, want = fused_and_plain(shifted_max, x, s)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(got, np.abs(x.T - s).max(1))


def test_an_integer_compared_with_a_float_literal_is_compared_as_numpy_does() -> None:
    a = RNG.integers(-3, 3, size=(30, 20)).astype(np.int32)

    def counts(a: Any) -> Any:  # NumPy compares in float64: -0.5 and 0.5 are not 0
        return anp.sum(a > -0.5, axis=1) * 100 + anp.sum(a == 0.5, axis=1)

    got, want = fused_and_plain(counts, a)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, (a > -0.5).sum(1) * 100 + (a == 0.5).sum(1))


@settings(max_examples=12, deadline=None)
@given(
    n=st.integers(1, 9),
    m=st.integers(1, 9),
    d=st.integers(1, 20),
    special=st.sampled_from([None, np.nan, np.inf, 0.0]),
    seed=st.integers(0, 2**16),
)
def test_fused_pairwise_distances_equal_the_numpy_path_on_any_shape(
    n: int, m: int, d: int, special: float | None, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((n, d)), rng.standard_normal((m, d))
    if special is not None:
        a[rng.integers(n), rng.integers(d)] = special
    for kernel, exact in ((l1, False), (chebyshev, True), (hamming, True)):
        got, want = fused_and_plain(pairwise(kernel), a, b)
        if exact:
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)


def test_small_loops_stay_numpy_and_the_switch_turns_fusion_off() -> None:
    f = pairwise(l1)
    _, auto = compiled(f, "", A, B)  # 37*23*9 iterations: below the cost rule's minimum
    assert not fused_steps(auto.plan)
    big_a, big_b = np.zeros((128, 64)), np.zeros((128, 64))
    assert fused_loops.MIN_ELEMENTS <= 128 * 128 * 64
    _, auto = compiled(f, "", big_a, big_b)
    assert fused_steps(auto.plan)
    _, off = compiled(f, "0", big_a, big_b)
    assert not fused_steps(off.plan)


def test_explain_names_the_fused_region_and_export_stays_numpy_only() -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AXCOMP_FUSE", "always")
        report = ax.explain(pairwise(l1), A, B)
        text = str(report)
        module = ax.export(pairwise(l1), A, B)
    assert report.fused and "sum(subtract -> absolute)" in report.fused[0]
    assert report.peak_bytes == A.shape[0] * B.shape[0] * 8  # the result, no temporaries
    assert "fused loops (numba):" in text
    assert "_fused_" not in module and "numba" not in module
    namespace: dict[str, Any] = {}
    exec(module, namespace)
    np.testing.assert_allclose(namespace["l1"](A, B), np.abs(A[:, None] - B[None]).sum(-1))


@pytest.mark.slow
def test_chunked_blocks_run_the_fused_loop_on_threads() -> None:
    a = RNG.standard_normal((200, 16))
    b = RNG.standard_normal((150, 16))

    def l1_and_max(a: Any, b: Any) -> Any:  # the difference, read twice, stays a temporary
        d = a - b
        return anp.sum(anp.abs(d)) + anp.max(d)

    f = ax.jit(pairwise(l1_and_max), memory_limit="64KiB", threads=2)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AXCOMP_FUSE", "always")
        c = f.lower(a, b)
        got = f(a, b)
    assert c.chunks is not None and fused_steps(c.chunks.block)
    d = a[:, None] - b[None]
    np.testing.assert_allclose(got, np.abs(d).sum(-1) + d.max(-1), rtol=1e-14)


def test_the_kernel_source_holds_no_user_text() -> None:
    def weird(lambda_: Any, _np: Any) -> Any:  # names a user might pick
        return anp.sum(anp.abs(lambda_ - _np))

    _, c = compiled(pairwise(weird), "always", A, B)
    ((_, loop),) = fused_steps(c.plan)
    text = fused_loops.source(loop)
    assert "lambda" not in text and "weird" not in text
    assert "def _loop(x0, x1, _out, n0, n1, n2, _lo, _hi):" in text


def test_malformed_loops_and_calls_are_refused() -> None:
    body = (Instruction("absolute", (("operand", 0),), "float64"),)
    with pytest.raises(ValueError, match="a map reduces no axis"):
        FusedLoop((4, 5), ((0, 1),), ("float64",), body, "sum", (), (0, 1), "float64")
    with pytest.raises(ValueError, match="reads operand 1"):
        bad = (Instruction("absolute", (("operand", 1),), "float64"),)
        FusedLoop((4, 5), ((0, 1),), ("float64",), bad, "sum", (1,), (0,), "float64")
    loop = FusedLoop((4, 5), ((0, 1),), ("float64",), body, "sum", (1,), (0,), "float64")
    c = call("fused", Ref("x"), loop=loop)
    good = expr_type(c, lambda name: array_type((4, 5), np.float64))
    assert good.shape == (4,) and good.dtype == np.float64
    with pytest.raises(PlanError, match="operand 0"):
        expr_type(c, lambda name: array_type((5, 4), np.float64))
    with pytest.raises(PlanError, match="attribute loop"):
        call("fused", Ref("x"), loop="not a loop")


@pytest.mark.slow
def test_a_new_process_loads_the_kernel_from_the_disk_cache(shared_kernel_cache: Path) -> None:
    compiled(pairwise(l1), "always", A, B)  # compiled (or loaded) here: now on disk
    script = (
        "import numpy as np, axcomp as ax, axcomp.numpy as anp\n"
        "from axcomp.backends import fused_loops\n"
        "from axcomp.backends.numpy_backend import fused_steps\n"
        "f = ax.jit(ax.vmap(ax.vmap(lambda a, b: anp.sum(anp.abs(a - b)), (None, 0)), (0, None)))\n"
        "a, b = np.ones((37, 9)), np.ones((23, 9))\n"
        "f(a, b)\n"
        "(_, loop), = fused_steps(f.lower(a, b).plan)\n"
        "k = fused_loops.kernel(loop)\n"
        "print(sum(k.stats.cache_hits.values()), sum(k.stats.cache_misses.values()))\n"
    )
    env = {**os.environ, "AXCOMP_FUSE": "always", "AXCOMP_CACHE_DIR": str(shared_kernel_cache)}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    hits, misses = map(int, out.stdout.split())
    assert hits >= 1 and misses == 0, out.stdout


def test_a_kernel_made_under_another_cache_directory_is_made_again_for_this_one(
    tmp_path: Path,
) -> None:
    # the process already holds this kernel (compiled under the module's directory): a
    # new AXCOMP_CACHE_DIR must get its own module file, or numba caches it elsewhere
    _, c = compiled(pairwise(l1), "always", A, B)
    ((_, loop),) = fused_steps(c.plan)
    first = fused_loops.kernel(loop)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AXCOMP_CACHE_DIR", str(tmp_path))
        again = fused_loops.kernel(loop)
    assert again is not first
    assert Path(sys.modules[again.py_func.__module__].__file__ or "").parent == tmp_path
    assert fused_loops.kernel(loop) is first  # back under the first directory


def test_a_cache_directory_others_may_write_is_not_used(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # numba would load machine code others could have written
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AXCOMP_CACHE_DIR", str(shared))
        path = fused_loops._module_path("# a module\n")
    assert shared not in path.parents and path.read_text() == "# a module\n"


@pytest.mark.slow
def test_without_a_cache_directory_the_loop_compiles_in_memory() -> None:
    def refuse(text: str) -> Path:
        raise OSError("read-only")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fused_loops, "_module_path", refuse)
        mp.setattr(fused_loops, "_kernels", {})
        got, want = fused_and_plain(pairwise(chebyshev), A, B)
    np.testing.assert_array_equal(got, want)


def test_the_threads_option_bounds_the_loops_threads() -> None:
    a, b = RNG.standard_normal((128, 64)), RNG.standard_normal((128, 64))
    assert fused_loops.PARALLEL_ELEMENTS <= 128 * 128 * 64
    seen: list[int] = []

    def recording(block: Any, size: int, chunk: int, threads: int) -> None:
        seen.append(threads)
        for start in range(0, size, chunk):
            block(start, min(start + chunk, size))

    want = np.abs(a[:, None] - b[None]).sum(-1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AXCOMP_FUSE", "always")
        mp.setattr(fused_loops, "run_blocks", recording)
        for threads in (1, 3):
            got = ax.jit(pairwise(l1), threads=threads)(a, b)
            np.testing.assert_allclose(got, want, rtol=1e-14)
    assert seen == [3]  # one thread runs the loop itself; three take slices of its rows


def test_without_numba_the_numpy_path_runs() -> None:
    a, b = np.zeros((128, 64)), np.ones((128, 64))  # big enough to fuse
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fused_loops, "available", lambda: False)
        mp.delenv("AXCOMP_FUSE", raising=False)
        assert fused_loops.policy() is None
        got, c = compiled(pairwise(l1), "always", a, b)  # even when asked for
    assert not fused_steps(c.plan)
    np.testing.assert_array_equal(got, np.full((128, 128), 64.0))


@pytest.mark.parametrize("threads", [1, 2])
def test_a_loop_longer_than_one_slice_runs_in_slices_with_the_same_result(threads: int) -> None:
    # slices keep a long loop interruptible (Ctrl-C is seen between them); with a tiny
    # slice every row is its own call, on one thread or on two
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fused_loops, "SLICE_ELEMENTS", 9 * 23 * 5)  # five rows a slice
        mp.setattr(fused_loops, "PARALLEL_ELEMENTS", 0)  # threads even for this small loop
        mp.setenv("AXCOMP_THREADS", str(threads))
        got, want = fused_and_plain(pairwise(chebyshev), A, B)
        mapped, plain = fused_and_plain(pairwise(lambda a, b: anp.tanh(a - b)), A, B)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, np.abs(A[:, None, :] - B[None, :, :]).max(-1))
    assert mapped.shape == (37, 23, 9) and ulps(mapped, plain) <= 2  # a map, sliced too


def attention(q: Any, k: Any, v: Any) -> Any:  # one head: the softmax written out
    s = q @ k.T / math.sqrt(q.shape[-1])
    e = anp.exp(s - anp.max(s, axis=-1, keepdims=True))
    return e / anp.sum(e, axis=-1, keepdims=True) @ v


def attention_by_head(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The reference: a NumPy loop over the (batch, head) pairs."""
    out = np.empty(q.shape, q.dtype)
    for b, h in np.ndindex(*q.shape[:2]):
        s = q[b, h] @ k[b, h].T / q.dtype.type(np.sqrt(q.shape[-1]))
        e = np.exp(s - s.max(-1, keepdims=True))
        out[b, h] = e / e.sum(-1, keepdims=True) @ v[b, h]
    return out


def softmax_loops(c: Any) -> list[FusedLoop]:
    return [loop for _, loop in fused_steps(c.plan) if loop.reduction == "softmax"]


@pytest.mark.parametrize("dtype", ["float64", pytest.param("float32", marks=pytest.mark.slow)])
def test_attention_softmax_is_one_loop_equal_to_numpy_and_a_loop_over_heads(dtype: str) -> None:
    q, k, v = (RNG.standard_normal((3, 2, 5, 4)).astype(dtype) for _ in range(3))
    f = ax.vmap(ax.vmap(attention))
    got, c = compiled(f, "always", q, k, v)
    assert [loop.body[0].fn for loop in softmax_loops(c)] == ["true_divide"], c.source
    got, want = fused_and_plain(f, q, k, v)
    assert got.dtype == np.dtype(dtype)
    tol = 1e-13 if dtype == "float64" else 2e-6
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    np.testing.assert_allclose(got, attention_by_head(q, k, v), rtol=tol, atol=tol)


def softmax(x: Any) -> Any:
    e = anp.exp(x - anp.max(x, axis=-1, keepdims=True))
    return e / anp.sum(e, axis=-1, keepdims=True)


def test_softmax_rows_with_masks_inf_and_nan_are_numpys() -> None:
    x = RNG.standard_normal((6, 7)) * 20
    x[1, ::2] = -np.inf  # a masked row
    x[2] = -np.inf  # all masked: NaN, as in NumPy and JAX
    x[3, 4] = np.nan
    x[4, 1] = np.inf
    with np.errstate(invalid="ignore"):
        e = np.exp(x - x.max(-1, keepdims=True))
        formula = e / e.sum(-1, keepdims=True)
        for f in (softmax, lambda x: softmax(x * 0.5)):  # c an input, and c a chain
            got, want = fused_and_plain(f, x)
            assert softmax_loops(compiled(f, "always", x)[1])
            np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
            np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-300)
        np.testing.assert_allclose(got, fused_and_plain(softmax, x * 0.5)[1], rtol=1e-14)
        np.testing.assert_allclose(fused_and_plain(softmax, x)[0], formula, rtol=1e-14)
    assert np.isnan(got[2]).all() and np.isnan(got[3]).all() and got[1, 0] == 0.0


def test_nn_softmax_is_one_loop_whose_infinite_max_shifts_by_zero_as_in_jax() -> None:
    """``jax.nn.softmax`` shifts by ``where(isfinite(max), max, 0)``: a row holding +inf
    gives 0 at its finite entries (a shift by the max would give NaN everywhere)."""
    x = RNG.standard_normal((6, 7)) * 20
    x[1, ::2] = -np.inf
    x[2] = -np.inf
    x[3, 4] = np.nan
    x[4, 1] = np.inf
    with np.errstate(invalid="ignore"):
        top = x.max(-1, keepdims=True)
        e = np.exp(x - np.where(np.isfinite(top), top, 0.0))
        formula = e / e.sum(-1, keepdims=True)
        for f in (nn.softmax, lambda x: nn.softmax(x * 0.5)):
            (loop,) = softmax_loops(compiled(f, "always", x)[1])
            assert loop.finite_shift and "shifts by 0" in loop.describe()
            got, want = fused_and_plain(f, x)
            np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
            np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-300)
        np.testing.assert_allclose(fused_and_plain(nn.softmax, x)[0], formula, rtol=1e-14)
    assert np.isnan(got[4, 1]) and (got[4, [0, 2, 3, 4, 5, 6]] == 0).all()
    assert np.isnan(got[2]).all() and np.isnan(got[3]).all()
    assert not softmax_loops(compiled(softmax, "always", x)[1])[0].finite_shift


def test_the_numpy_evaluator_of_a_finite_shift_softmax_equals_its_kernel() -> None:
    body = (Instruction(CAST, (("operand", 0),), "float64"),)
    rows = ((4, 9), ((0, 1),), ("float64",), body, "softmax", (1,), (0, 1), "float64")
    loop = FusedLoop(*rows, finite_shift=True)
    x = RNG.standard_normal((4, 9))
    x[0, 3], x[1], x[2, 5] = np.inf, -np.inf, np.nan
    kernel, plain = kernel_and_evaluator(loop, x)
    np.testing.assert_array_equal(np.isnan(kernel), np.isnan(plain))
    np.testing.assert_allclose(kernel, plain, rtol=1e-14)
    assert kernel[0, 0] == 0.0 and np.isnan(kernel[0, 3]) and np.isnan(kernel[1]).all()
    with pytest.raises(ValueError, match="finite shift"):
        FusedLoop((4, 9), ((0, 1),), ("float64",), body, "map", (), (0, 1), "float64", True)


@pytest.mark.parametrize("shape", [(5,), (4, 1), (3, 9)])
def test_softmax_of_one_row_rows_of_one_and_odd_lengths(shape: tuple[int, ...]) -> None:
    x = RNG.standard_normal(shape)
    got, want = fused_and_plain(softmax, x)
    np.testing.assert_allclose(got, want, rtol=1e-14)
    e = np.exp(x - x.max(-1, keepdims=True))
    np.testing.assert_allclose(got, e / e.sum(-1, keepdims=True), rtol=1e-14)


def test_a_softmax_whose_exp_is_also_read_elsewhere_is_not_one_loop() -> None:
    def both(x: Any) -> Any:
        e = anp.exp(x - anp.max(x, axis=-1, keepdims=True))
        return e / anp.sum(e, axis=-1, keepdims=True), e

    x = RNG.standard_normal((4, 6))
    (got, e), c = compiled(both, "always", x)
    assert not softmax_loops(c)
    np.testing.assert_allclose(got, np.asarray(e) / np.asarray(e).sum(-1, keepdims=True))


def test_an_empty_batch_and_the_gradient_through_attention_equal_the_numpy_path() -> None:
    f = ax.vmap(ax.vmap(attention))
    empty = np.zeros((0, 2, 5, 4))
    got, _ = compiled(f, "always", empty, empty, empty)
    assert got.shape == (0, 2, 5, 4)
    q, k, v = (RNG.standard_normal((2, 2, 5, 4)) for _ in range(3))

    def loss(q: Any, k: Any, v: Any) -> Any:
        return anp.sum(f(q, k, v) ** 2)

    (value, grads), _ = compiled(ax.value_and_grad(loss, argnums=(0, 1, 2)), "always", q, k, v)
    (want_value, want), _ = compiled(ax.value_and_grad(loss, argnums=(0, 1, 2)), "0", q, k, v)
    np.testing.assert_allclose(value, want_value, rtol=1e-13)
    for g, w in zip(grads, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


def kernel_and_evaluator(loop: FusedLoop, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``loop`` on ``x`` by its numba kernel and by ``fused_numpy``'s evaluator."""
    from axcomp.backends import fused_numpy

    evaluate = fused_numpy.evaluator(loop)
    assert evaluate is not None
    with pytest.MonkeyPatch.context() as mp, np.errstate(invalid="ignore"):
        mp.setenv("AXCOMP_FUSE", "always")
        return fused_loops.caller(loop)(x), evaluate(x)


def test_the_numpy_evaluator_of_a_softmax_loop_equals_its_kernel() -> None:
    loop = FusedLoop(
        (3, 4, 130),
        ((0, 1, 2),),
        ("float64",),
        (Instruction("multiply", (("operand", 0), ("literal", 3.0)), "float64"),),
        "softmax",
        (2,),
        (0, 1, 2),
        "float64",
    )
    x = RNG.standard_normal((3, 4, 130))
    x[1, 2] = -np.inf
    kernel, plain = kernel_and_evaluator(loop, x)
    with np.errstate(invalid="ignore"):
        e = np.exp(3 * x - (3 * x).max(-1, keepdims=True))
    np.testing.assert_allclose(kernel, plain, rtol=1e-14)
    np.testing.assert_allclose(plain, e / e.sum(-1, keepdims=True), rtol=1e-15)
    assert np.isnan(kernel[1, 2]).all()
    with pytest.raises(ValueError, match="softmax"):
        FusedLoop((3, 4), ((0, 1),), ("float64",), loop.body, "softmax", (0,), (0, 1), "float64")


@pytest.mark.parametrize("threads", [1, 2])
def test_a_large_attention_runs_in_cache_sized_blocks_with_its_softmax_fused(
    threads: int,
) -> None:
    # scores of 16 MiB: one thread blocks the program too, for the cache; every block
    # (the cost model counts the blocks' runs) fuses its softmax
    q, k, v = (RNG.standard_normal((16, 8, 128, 8)) for _ in range(3))
    f = ax.jit(ax.vmap(ax.vmap(attention)), threads=threads)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AXCOMP_FUSE", "always")
        got, c = f(q, k, v), f.lower(q, k, v)
    assert c.chunks is not None and c.chunks.chunk < 16, c.source
    assert any(loop.reduction == "softmax" for _, loop in fused_steps(c.chunks.block))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AXCOMP_FUSE", "0")
        plain = ax.jit(ax.vmap(ax.vmap(attention)), threads=1)
        want = plain(q, k, v)
        assert plain.lower(q, k, v).chunks is None  # no softmax loop: one thread runs whole
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got, attention_by_head(q, k, v), rtol=1e-12, atol=1e-15)


def test_a_long_elementwise_chain_is_searched_in_linear_work(monkeypatch):
    # every node of the chain is a root whose loop is tried; the walk back from each stops
    # once it is longer than a loop may be (it walked the whole chain: 22.8 s to compile
    # 1,000 steps, now 0.4 s), and the program found is the same (tests above)
    import heapq

    from axcomp.compiler import fusion

    pops = [0]

    class CountingHeap:
        heapify = staticmethod(heapq.heapify)
        heappush = staticmethod(heapq.heappush)

        @staticmethod
        def heappop(heap):
            pops[0] += 1
            return heapq.heappop(heap)

    monkeypatch.setattr(fusion, "heapq", CountingHeap)

    def chain(x):
        for _ in range(500):
            x = anp.abs(x - 0.5)
        return x

    x = np.linspace(-3.0, 3.0, 8)
    got = ax.jit(chain)(x)
    want = x
    for _ in range(500):
        want = np.abs(want - 0.5)
    np.testing.assert_array_equal(got, want)
    assert 0 < pops[0] <= 2 * fusion.MAX_INSTRUCTIONS * 1000  # 751,000 when walked whole


@pytest.mark.parametrize("shape", [(70, 70), (3, 33, 33), (31, 31)])
def test_maps_reading_across_rows_run_in_tiles_and_equal_numpy(shape: tuple[int, ...]) -> None:
    """A map reading a transpose (a gradient's symmetrisation ``g * k + g.T * k.T``) runs
    its last two axes in tiles (``fused_loops.TILE``), edges shorter than a tile
    included; each element is the same arithmetic, so the NumPy path's bits."""
    g, k = RNG.standard_normal(shape), RNG.standard_normal(shape)

    def symmetrised(g: Any, k: Any) -> Any:
        gt, kt = anp.swapaxes(g, -1, -2), anp.swapaxes(k, -1, -2)
        return g * k + gt * kt - g

    got, want = fused_and_plain(symmetrised, g, k)
    np.testing.assert_array_equal(got, want)
    gt, kt = np.swapaxes(g, -1, -2), np.swapaxes(k, -1, -2)
    np.testing.assert_array_equal(got, g * k + gt * kt - g)
    (_, loop), *_ = fused_steps(compiled(symmetrised, "always", g, k)[1].plan)
    text = fused_loops.source(loop)
    assert fused_loops._crosses(loop) and f"+ {fused_loops.TILE}, n{len(shape) - 1})" in text


def test_maps_along_rows_and_broadcast_columns_are_not_tiled() -> None:
    a, col = RNG.standard_normal((40, 50)), RNG.standard_normal((40, 1))
    got, want = fused_and_plain(lambda a, c: anp.exp(a - c) * 2.0, a, col)
    np.testing.assert_allclose(got, want, rtol=1e-15)  # (exp within an ulp or two)
    (_, loop), *_ = fused_steps(
        compiled(lambda a, c: anp.exp(a - c) * 2.0, "always", a, col)[1].plan
    )
    assert not fused_loops._crosses(loop) and "_t" not in fused_loops.source(loop)
