"""B17-B19 of benchmarks/run.py: the hand-written baselines compute what they say (against
dense formulas and finite differences), and a --quick run checks every candidate against
them and ends each case with the best-peer row."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import gaussian_process as gp
from benchmarks import per_example_gradients as peg
from benchmarks.run import all_cases, run


def _dense_nll(ls: float, noise: float, x: np.ndarray, y: np.ndarray) -> float:
    d2 = ((x[:, None] - x[None]) ** 2).sum(-1)
    k = np.exp(-d2 / (2 * ls**2)) + noise * np.eye(len(y))
    _, logdet = np.linalg.slogdet(k)
    fit = 0.5 * y @ np.linalg.solve(k, y)
    return float(fit + 0.5 * logdet + 0.5 * len(y) * math.log(2 * math.pi))


def test_the_gp_hand_code_matches_the_dense_formula_and_finite_differences() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(23, 3)), rng.normal(size=23)
    want = _dense_nll(gp.LS, gp.NOISE, x, y)
    forward, value_and_grad = gp._hand(gp._numpy_triangular)
    assert float(forward(gp.LS, gp.NOISE, x, y)) == pytest.approx(want, rel=1e-12)
    value, g_ls, g_noise = value_and_grad(gp.LS, gp.NOISE, x, y)
    assert value == pytest.approx(want, rel=1e-12)
    h = 1e-6
    up, down = _dense_nll(gp.LS + h, gp.NOISE, x, y), _dense_nll(gp.LS - h, gp.NOISE, x, y)
    fd_ls = (up - down) / (2 * h)
    up, down = _dense_nll(gp.LS, gp.NOISE + h, x, y), _dense_nll(gp.LS, gp.NOISE - h, x, y)
    fd_noise = (up - down) / (2 * h)
    assert g_ls == pytest.approx(fd_ls, rel=1e-6)
    assert g_noise == pytest.approx(fd_noise, rel=1e-6)


def test_the_per_example_hand_gradients_match_finite_differences() -> None:
    rng = np.random.default_rng(5)
    params = peg._mlp_params(rng, (4, 5, 6, 3))
    X = rng.standard_normal((3, 4))
    Y = np.eye(3)[[0, 2, 1]]

    def loss(params: tuple[np.ndarray, ...], x: np.ndarray, label: np.ndarray) -> float:
        W1, b1, W2, b2, W3, b3 = params
        out = W3 @ np.tanh(W2 @ np.tanh(W1 @ x + b1) + b2) + b3
        return float(np.log(np.exp(out).sum()) - label @ out)

    grads = peg.per_example_hand(params, X, Y)
    h = 1e-6
    for e in range(len(X)):
        for p, (param, grad) in enumerate(zip(params, grads)):
            for idx in np.ndindex(param.shape):
                up = [q.copy() for q in params]
                down = [q.copy() for q in params]
                up[p][idx] += h
                down[p][idx] -= h
                fd = (loss(tuple(up), X[e], Y[e]) - loss(tuple(down), X[e], Y[e])) / (2 * h)
                assert grad[e][idx] == pytest.approx(fd, abs=1e-8), (e, p, idx)


@pytest.mark.slow
def test_quick_gp_and_per_example_cases_run_checked_with_a_best_peer_row() -> None:
    cases = ["B17", "B18", "B19"]
    assert set(cases) <= set(all_cases())
    rows = run(quick=True, cases=cases)
    for case in cases:
        mine = [r for r in rows if r.case.startswith(case + " ")]
        assert any(r.ratio == 1.0 and r.target == "baseline" for r in mine), case
        assert any(r.candidate.startswith("axcomp jit") and r.median_s for r in mine), case
        best = mine[-1]
        assert best.candidate == "axcomp / best of hand and jax.jit"
        assert best.ratio is not None and best.ratio > 0 and best.status in ("PASS", "MISS")
