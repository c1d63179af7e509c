"""Programs of thousands of chained operations compile and differentiate under Python's
default recursion limit (every pass walks the graph iteratively), with the right values:
closed forms and NumPy loops as references. Nothing here is timed
(``benchmarks/compile_scaling.py`` reports the seconds per node)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp

N = 5000
X = np.array([0.3, -0.2, 0.5])
WEIGHTS = [1.0 + 1e-5 * ((k % 7) - 3) for k in range(N)]


@pytest.fixture(autouse=True)
def default_recursion_limit() -> Iterator[None]:
    # CPython's default; a pass that recursed once per node would fail far below N
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


def products(x: Any) -> Any:
    for w in WEIGHTS:
        x = x * w
    return x


def sines(x: Any) -> Any:
    for _ in range(N):
        x = anp.sin(x)
    return x


def sine_chain_derivative(x: np.ndarray) -> np.ndarray:
    """d sin^N(x) / dx = prod_k cos(sin^k(x)) (the chain rule, entry by entry)."""
    d = np.ones_like(x)
    for _ in range(N):
        d = d * np.cos(x)
        x = np.sin(x)
    return d


# one compiled function per chain, shared by the tests that read it
GRAD_OF_SINES = ax.jit(ax.grad(lambda x: anp.sum(sines(x))))


def test_a_chain_of_products_compiles_and_is_right() -> None:
    value, grad = ax.value_and_grad(lambda x: anp.sum(products(x)))(X)
    np.testing.assert_allclose(value, X.sum() * np.prod(WEIGHTS), rtol=1e-12)
    np.testing.assert_allclose(grad, np.full(3, np.prod(WEIGHTS)), rtol=1e-12)


def test_a_chain_of_matrix_products_compiles_and_is_right() -> None:
    rng = np.random.default_rng(0)
    mats = [np.eye(3) + 1e-3 * rng.standard_normal((3, 3)) for _ in range(N)]

    def dots(x: Any) -> Any:
        for m in mats:
            x = anp.dot(x, m)
        return x

    total = np.eye(3)
    for m in mats:
        total = total @ m
    value, grad = ax.value_and_grad(lambda x: anp.sum(dots(x)))(X)
    np.testing.assert_allclose(value, (X @ total).sum(), rtol=1e-9)
    # d sum(x M1 ... Mn) / dx = (M1 ... Mn) 1
    np.testing.assert_allclose(grad, total.sum(axis=1), rtol=1e-9)


def test_grad_and_jvp_of_a_chain_of_sines() -> None:
    want = X.copy()
    for _ in range(N):
        want = np.sin(want)
    deriv = sine_chain_derivative(X)
    np.testing.assert_allclose(GRAD_OF_SINES(X), deriv, rtol=1e-10)
    primal, tangent = ax.jvp(sines, (X,), (np.ones(3),))
    np.testing.assert_allclose(primal, want, rtol=1e-12)
    np.testing.assert_allclose(tangent, deriv, rtol=1e-10)


def test_explain_and_the_generated_source_of_a_long_chain() -> None:
    report = ax.explain(GRAD_OF_SINES, X)
    assert "flops" in str(report)
    # the forward sines (the last one's value is not needed), one cosine per link, and
    # the products of the backward sweep
    assert report.source.count("_np.sin(") == N - 1
    assert report.source.count("_np.cos(") == N
    assert len(report.graph.splitlines()) > 2 * N


def test_the_scaling_benchmark_checks_its_results(capsys: pytest.CaptureFixture[str]) -> None:
    # a smoke run of benchmarks/compile_scaling.py: every case agrees with its reference
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    try:
        import compile_scaling
    finally:
        sys.path.pop(0)
    assert compile_scaling.main(["--sizes", "40"]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert [row.split()[-3] for row in rows] == ["40"] * 6  # one timed row per case
