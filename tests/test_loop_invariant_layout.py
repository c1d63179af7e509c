"""A transposing view that a long loop reads only in contractions (``W.T`` in an RNN step
``tanh(h @ W.T + x @ U.T + b)``) is copied to C order once before the loop
(``primitives/control.py:_contiguous_invariants``): every result equals the same program
without the copies (to the rounding of BLAS kernels for the other layout: a few ulp), the
plain path (``AXCOMP_FUSE=0``) and a NumPy loop."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from gradcheck import numeric_grad

import axcomp as ax
import axcomp.lax as alax
import axcomp.numpy as anp
from axcomp.primitives import control

RNG = np.random.default_rng(12)


def rnn(W: Any, U: Any, b: Any, xs: Any, h0: Any, reverse: bool = False) -> Any:
    def step(h: Any, x: Any) -> tuple[Any, Any]:
        h = anp.tanh(h @ W.T + x @ U.T + b)
        return h, h[0]

    return alax.scan(step, h0, xs, reverse=reverse)


def numpy_rnn(W: Any, U: Any, b: Any, xs: Any, h0: Any, reverse: bool = False) -> Any:
    h, ys = h0, []
    for x in xs[::-1] if reverse else xs:
        h = np.tanh(h @ W.T + x @ U.T + b)
        ys.append(h[0])
    return h, np.stack(ys[::-1] if reverse else ys)


def args(steps: int, batch: int, dtype: Any) -> tuple[np.ndarray, ...]:
    W = RNG.standard_normal((8, 8)) / 3
    U = RNG.standard_normal((8, 3)) / 2
    b = 0.1 * RNG.standard_normal(8)
    xs = RNG.standard_normal((steps, batch, 3))
    h0 = 0.1 * RNG.standard_normal((batch, 8))
    return tuple(a.astype(dtype) for a in (W, U, b, xs, h0))


def without_copies(monkeypatch: pytest.MonkeyPatch, f: Any, *a: Any) -> tuple[Any, str]:
    with monkeypatch.context() as m:
        m.setattr(control, "CONTIGUOUS_INVARIANT_BYTES", 0)
        return ax.jit(f)(*a), ax.explain(f, *a).source


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch", [1, 5])
@pytest.mark.parametrize("reverse", [False, True])
def test_copied_invariants_change_no_result(
    monkeypatch: pytest.MonkeyPatch, dtype: Any, batch: int, reverse: bool
) -> None:
    a = args(80, batch, dtype)

    def f(*a: Any) -> Any:
        return rnn(*a, reverse=reverse)

    source = ax.explain(f, *a).source
    # W.T (x @ U.T is one GEMM before the loop at these sizes)
    assert source.count("copy=True, order='C')") == 1, source
    got = ax.jit(f)(*a)
    plain, plain_source = without_copies(monkeypatch, f, *a)
    assert "order='C'" not in plain_source
    with monkeypatch.context() as m:
        m.setenv("AXCOMP_FUSE", "0")
        unfused = ax.jit(f)(*a)
    want = numpy_rnn(*(x.astype(np.float64) for x in a), reverse=reverse)
    tol = 1e-12 if dtype == np.float64 else 2e-6
    for g, p, u, w in zip(got, plain, unfused, want, strict=True):
        assert np.asarray(g).dtype == dtype
        np.testing.assert_allclose(np.asarray(g), np.asarray(p), rtol=tol, atol=tol)
        np.testing.assert_allclose(np.asarray(g), np.asarray(u), rtol=tol, atol=tol)
        np.testing.assert_allclose(np.asarray(g), w, rtol=tol * 10, atol=tol * 10)


def test_zero_steps_return_the_initial_carry() -> None:
    a = args(0, 4, np.float64)
    h, ys = ax.jit(rnn)(*a)
    np.testing.assert_array_equal(np.asarray(h), a[4])
    assert np.asarray(ys).shape == (0, 8)


def test_only_the_read_in_a_contraction_is_copied() -> None:
    # the body also reads W.T in an elementwise maximum: the loop takes W.T twice, a C
    # copy for the product and the view itself for the maximum
    W = RNG.standard_normal((8, 8)) / 3
    xs, h0 = RNG.standard_normal((80, 8, 8)), RNG.standard_normal((8, 8))

    def f(W: Any, xs: Any, h0: Any) -> Any:
        step = lambda h, x: (anp.tanh(h @ W.T + anp.maximum(h, W.T) + x), None)  # noqa: E731
        return alax.scan(step, h0, xs)[0]

    source = ax.explain(f, W, xs, h0).source
    assert source.count("order='C'") == 1, source
    want = h0
    for x in xs:
        want = np.tanh(want @ W.T + np.maximum(want, W.T) + x)
    np.testing.assert_allclose(np.asarray(ax.jit(f)(W, xs, h0)), want, rtol=1e-12, atol=1e-14)


def test_value_and_grad_through_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    a = args(70, 4, np.float64)

    def loss(W: Any, U: Any, b: Any, xs: Any, h0: Any) -> Any:
        h, ys = rnn(W, U, b, xs, h0)
        return anp.sum(h * h) + anp.sum(ys)

    vg = ax.value_and_grad(loss, argnums=(0, 1, 2))
    assert "order='C'" in ax.explain(vg, *a).source
    value, grads = ax.jit(vg)(*a)
    plain_value, plain_grads = without_copies(monkeypatch, vg, *a)[0]
    np.testing.assert_allclose(float(value), float(plain_value), rtol=1e-13)
    for g, p in zip(grads, plain_grads, strict=True):
        np.testing.assert_allclose(np.asarray(g), np.asarray(p), rtol=1e-12, atol=1e-13)

    def numpy_loss(W: Any, U: Any, b: Any) -> float:
        h, ys = numpy_rnn(W, U, b, a[3], a[4])
        return float((h * h).sum() + ys.sum())

    np.testing.assert_allclose(float(value), numpy_loss(*a[:3]), rtol=1e-12)
    for k, g in enumerate(grads):
        fd = numeric_grad(numpy_loss, a[:3], argnum=k)
        np.testing.assert_allclose(np.asarray(g), fd, rtol=1e-5, atol=1e-6)
