"""Products (multilinear regions with no sum) inside fused loops: the loop multiplies as the
contraction would, so arithmetic-only chains equal the NumPy path exactly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import axcomp as ax
import axcomp.nn as nn
import axcomp.numpy as anp
from axcomp.backends.numpy_backend import fused_steps

pytest.importorskip("numba")
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

RNG = np.random.default_rng(7)


def run(f: Callable[..., Any], fuse: str, *args: Any) -> tuple[np.ndarray, Any]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AXCOMP_FUSE", fuse)
        jf = ax.jit(f)
        return np.asarray(jf(*args)), jf.lower(*args)


def fused_and_plain(f: Callable[..., Any], *args: Any) -> tuple[np.ndarray, np.ndarray, list]:
    got, c = run(f, "always", *args)
    want, plain = run(f, "0", *args)
    assert not fused_steps(plain.plan)
    assert got.dtype == want.dtype and got.shape == want.shape
    return got, want, [loop for _, loop in fused_steps(c.plan)]


def bodies(loops: list) -> list[list[str]]:
    return [[ins.fn for ins in loop.body] for loop in loops]


def test_a_scaled_operand_is_one_loop_with_its_multiply() -> None:
    x = RNG.standard_normal((33, 17))
    got, want, loops = fused_and_plain(lambda x: anp.tanh(x * 0.5) + 1.0, x)
    assert bodies(loops) == [["multiply", "tanh", "add"]]
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)
    np.testing.assert_allclose(got, np.tanh(x * 0.5) + 1.0, rtol=1e-15)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int32", "int64"])
def test_products_of_two_arrays_and_literals_round_as_the_contraction(dtype: str) -> None:
    """The literal product folds where ``lower_contraction`` folds it: into the smaller
    operand of a broadcast product, into the product of two full ones."""
    x = (RNG.standard_normal((9, 13)) * 7).astype(dtype)
    y = (RNG.standard_normal((9, 13)) * 7).astype(dtype)
    r = (RNG.standard_normal(13) * 7).astype(dtype)
    c = (RNG.standard_normal(9) * 7).astype(dtype)
    k = 3 if dtype.startswith("int") else 0.1

    def full(x: Any, y: Any, r: Any, c: Any) -> Any:
        return x * y * k - x

    def row(x: Any, y: Any, r: Any, c: Any) -> Any:
        return (x * r) * k + y

    def outer(x: Any, y: Any, r: Any, c: Any) -> Any:
        return k * (c[:, None] * r[None, :]) - y

    for f in (full, row, outer):
        got, want, loops = fused_and_plain(f, x, y, r, c)
        assert loops and "multiply" in bodies(loops)[0], f.__name__
        np.testing.assert_array_equal(got, want)


def test_a_product_of_three_arrays_stays_a_contraction_and_gelu_equals_numpy() -> None:
    x = RNG.standard_normal((64, 32))
    got, want, loops = fused_and_plain(lambda x: anp.tanh(x * x * x), x)
    assert bodies(loops) == [["tanh"]]  # x*x*x: the contraction's path decides the order
    np.testing.assert_allclose(got, want, rtol=1e-15)
    got, want, loops = fused_and_plain(nn.gelu, x)
    assert bodies(loops) == [["add", "multiply", "tanh", "add", "multiply", "multiply"]]
    # 1 + tanh(z) cancels where tanh is near -1: tanh's last bit, absolutely
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=4e-16)


def test_a_product_read_twice_or_returned_is_computed_once() -> None:
    x, y = RNG.standard_normal((2, 40, 30))

    def twice(x: Any, y: Any) -> Any:
        p = x * y
        return anp.tanh(p) + anp.exp(p)

    got, want, _ = fused_and_plain(twice, x, y)
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=1e-15)  # (tanh + exp cancels)

    def returned(x: Any, y: Any) -> Any:
        p = x * y * 2.0
        return anp.tanh(p), p

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AXCOMP_FUSE", "always")
        t, p = ax.jit(returned)(x, y)
    np.testing.assert_array_equal(p, x * y * 2.0)
    np.testing.assert_allclose(t, np.tanh(x * y * 2.0), rtol=1e-15)


def test_a_reduction_and_a_softmax_take_their_products() -> None:
    x, y = RNG.standard_normal((2, 24, 70))
    got, want, loops = fused_and_plain(lambda x, y: anp.sum(anp.abs(x * y * 0.5), -1), x, y)
    assert bodies(loops) == [["multiply", "multiply", "absolute"]]
    np.testing.assert_allclose(got, want, rtol=1e-14)
    got, want, loops = fused_and_plain(lambda x: nn.softmax(x * 0.125), x)
    assert [loop.reduction for loop in loops] == ["softmax"] and bodies(loops) == [["multiply"]]
    np.testing.assert_allclose(got, want, rtol=1e-14)


def test_vmapped_and_transposed_products_read_each_operand_at_its_axes() -> None:
    A, B = RNG.standard_normal((5, 7)), RNG.standard_normal((7, 5))
    f = ax.vmap(ax.vmap(lambda a, b: anp.exp(a * b * 0.25), (0, None)), (None, 1))
    got, want, loops = fused_and_plain(f, A, B)
    assert loops
    ref = np.exp(A[None, :, :] * B.T[:, None, :] * 0.25)
    np.testing.assert_allclose(got, ref, rtol=1e-15)
    np.testing.assert_allclose(got, want, rtol=1e-15)
    got, want, _ = fused_and_plain(lambda a, b: anp.tanh(a.T * b * 3.0), A, B)
    np.testing.assert_allclose(got, want, rtol=1e-15)


_OPS: list[tuple[str, Callable[..., Any]]] = [
    ("scale", lambda v, y, r: v * 0.75),
    ("times y", lambda v, y, r: v * y),
    ("times row", lambda v, y, r: v * r),
    ("scaled row", lambda v, y, r: 2.5 * (r * v)),
    ("shift", lambda v, y, r: v - 1.25),
    ("abs", lambda v, y, r: anp.abs(v)),
    ("select", lambda v, y, r: anp.where(v > y, v, y * -0.5)),
    ("max", lambda v, y, r: anp.maximum(v, r)),
]


def test_random_arithmetic_chains_with_products_are_exactly_numpys() -> None:
    fused: list[bool] = []

    @settings(max_examples=25, deadline=None, derandomize=True)
    @given(
        st.lists(st.integers(0, len(_OPS) - 1), min_size=1, max_size=6),
        st.sampled_from(["float64", "float32"]),
        st.booleans(),
    )
    def check(ops: list[int], dtype: str, reduce: bool) -> None:
        x, y = RNG.standard_normal((2, 11, 6)).astype(dtype)
        r = RNG.standard_normal(6).astype(dtype)

        def chain(x: Any, y: Any, r: Any) -> Any:
            v = x
            for k in ops:
                v = _OPS[k][1](v, y, r)
            return anp.max(v, -1) if reduce else v

        with np.errstate(all="ignore"):
            got, c = run(chain, "always", x, y, r)
            want, _ = run(chain, "0", x, y, r)
        np.testing.assert_array_equal(got, want)
        assert got.dtype == np.dtype(dtype)
        fused.append(bool(fused_steps(c.plan)))

    check()
    assert sum(fused) >= 5, fused  # (a lone cheap function or product is its NumPy pass)


def test_a_lone_product_fuses_where_numpys_pass_broadcasts() -> None:
    """A map of one product is NumPy's own pass when its operands have the result's shape;
    a broadcasting one (a per-example outer product) is a loop from the default size on,
    with NumPy's bits. Measured against NumPy's broadcast: fusion_cost.NUMPY_BROADCAST_NS."""
    d, a = RNG.standard_normal((256, 128)), RNG.standard_normal((256, 64))
    x, y = RNG.standard_normal((128, 128, 64)), RNG.standard_normal((128, 128, 64))

    def outer(d: Any, a: Any) -> Any:  # vmap(jnp.outer): 'ab,ac->abc'
        return ax.vmap(anp.outer)(d, a)

    def same(x: Any, y: Any) -> Any:
        return x * y

    auto = ax.jit(outer)
    got = np.asarray(auto(d, a))
    loops = [loop for _, loop in fused_steps(auto.lower(d, a).plan)]
    assert bodies(loops) == [["multiply"]] and loops[0].shape == (256, 128, 64)
    np.testing.assert_array_equal(got, d[:, :, None] * a[:, None, :])
    assert not fused_steps(ax.jit(same).lower(x, y).plan)  # one same-shape pass: NumPy's
    small = RNG.standard_normal((8, 16)), RNG.standard_normal((8, 16))
    assert not fused_steps(auto.lower(*small).plan)  # too small to win a compile back


@pytest.mark.parametrize("blas", [1, 2])
def test_a_program_calling_blas_on_threads_runs_its_loops_on_one(
    blas: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OpenBLAS's workers spin after a GEMM: loops right after one share the cores with
    them, so a program with a matmul keeps its loops on one thread while BLAS runs two."""
    from axcomp.backends import fused_loops, numpy_backend

    asked: list[int | None] = []
    real = fused_loops.caller

    def caller(loop: Any, threads: int | None = None) -> Any:
        asked.append(threads)
        return real(loop, threads)

    monkeypatch.setattr(numpy_backend, "blas_threads", lambda: blas)
    monkeypatch.setattr(fused_loops, "caller", caller)
    d, a, W = (RNG.standard_normal(s) for s in ((256, 128), (256, 64), (128, 128)))

    def with_gemm(d: Any, a: Any, W: Any) -> Any:  # (the tanh: a product of its own)
        return ax.vmap(anp.outer)(anp.tanh(d @ W), a)

    def without(d: Any, a: Any, W: Any) -> Any:
        return ax.vmap(anp.outer)(d, a)

    got = np.asarray(ax.jit(with_gemm, threads=2)(d, a, W))
    np.testing.assert_allclose(got, np.tanh(d @ W)[:, :, None] * a[:, None, :], rtol=1e-14)
    ax.jit(without, threads=2)(d, a, W)
    assert asked == [1 if blas > 1 else 2, 2]
