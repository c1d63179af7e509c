"""B17 and B18 of ``benchmarks/run.py``: the Gaussian-process negative log marginal
likelihood, axcomp against hand-written NumPy/SciPy, ``jax.jit`` and ``torch.func``.

The workload (float64; n = 2000 points in d = 8 dimensions, ``--quick`` 200): an RBF kernel
with a lengthscale ``ls`` and a noise variance,
``K = exp(-|x_i - x_j|^2 / (2 ls^2)) + noise I``, its Cholesky factor ``L``, and

    nll = 0.5 y^T K^-1 y + sum(log diag L) + n/2 log(2 pi)

with ``K^-1 y`` from ``cho_solve((L, True), y)``. B17 is the forward value, B18
``value_and_grad`` in ``(ls, noise)`` (through ``cholesky`` and the triangular solves).

The hand-written baseline is the one a NumPy/SciPy user writes: with SciPy installed,
``np.linalg.cholesky`` and LAPACK's triangular solves (``scipy.linalg.solve_triangular``)
and, for the gradient, the textbook ``dnll/dK = (K^-1 - a a^T) / 2`` with
``K^-1 = L^-T (L^-1 I)`` (Rasmussen and Williams, Algorithm 5.1). A further row is what an
expert writes: SciPy's ``cholesky`` (LAPACK's ``potrf``, about 1.5x faster than NumPy's at
n = 2000) and, for the gradient, ``K^-1`` from LAPACK's ``potri`` (a third of the flops of
two triangular solves). Without SciPy
(NumPy has no triangular solver) the triangles are solved with ``np.linalg.solve`` and that
row is the baseline. axcomp, ``jax.jit`` and ``torch.func`` run the same program
(``cholesky`` + ``cho_solve`` + the log-diagonal). Every candidate's value (and gradient) is
checked against the baseline before timing; the last row is axcomp over the fastest of the
hand rows and ``jax.jit``, the issue's bar (<= 1.10). ``benchmarks/bench_gp.py`` runs the
two cases alone at any size.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

import axcomp as ax
import axcomp.numpy as anp
import axcomp.scipy.linalg as asl

from .run import (
    Candidate,
    Config,
    Row,
    _jax,
    _ratio_rows,
    best_peer_row,
    check_results,
    info_row,
    time_interleaved,
)

#: (n, d) at full size and under ``--quick``
FULL_SIZE, QUICK_SIZE = (2000, 8), (200, 8)
#: candidates slower than the baseline by 3x or more (NumPy's LU on the triangles, torch)
#: join only this many repetitions
SLOW_SAMPLES = 3

LS, NOISE = 1.3, 0.1


def make_nll(jnp: Any, linalg: Any) -> Callable[..., Any]:
    """The NLL written once for any JAX-like namespace (``jnp``, ``jax.scipy.linalg``)."""

    def nll(ls: Any, noise: Any, x: Any, y: Any) -> Any:
        n = x.shape[0]
        z = x / ls
        sq = jnp.sum(z * z, axis=1)
        d2 = sq[:, None] + sq[None, :] - 2.0 * (z @ z.T)
        k = jnp.exp(-0.5 * d2) + noise * jnp.eye(n)
        c = linalg.cholesky(k, lower=True)
        alpha = linalg.cho_solve((c, True), y)
        return 0.5 * (y @ alpha) + jnp.sum(jnp.log(jnp.diag(c))) + 0.5 * n * math.log(2 * math.pi)

    return nll


# ----------------------------------------------------------------------------- hand code


def _kernel(ls: float, noise: float, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(K, D)``: the noisy RBF matrix and the squared distances of ``x`` (unscaled)."""
    sq = np.einsum("ij,ij->i", x, x)
    d2 = x @ x.T
    d2 *= -2.0
    d2 += sq[:, None]
    d2 += sq[None, :]
    k = np.exp(d2 * (-0.5 / ls**2))
    k[np.diag_indices_from(k)] += noise
    return k, d2


def _hand(
    triangular: Callable[..., np.ndarray],
    inverse: Callable[[np.ndarray], np.ndarray] | None = None,
    cholesky: Callable[[np.ndarray], np.ndarray] = np.linalg.cholesky,
) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """Hand-written forward and value-and-gradient on a triangular solver
    ``triangular(tri, b, lower, trans)`` and a lower ``cholesky``; ``K^-1`` is
    ``inverse(L)`` when given, else ``L^-T (L^-1 I)`` by two triangular solves."""

    def nll(ls: float, noise: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        k, _ = _kernel(ls, noise, x)
        c = cholesky(k)
        z = triangular(c, y, True, False)
        n = len(y)
        return np.asarray(
            0.5 * (z @ z) + np.log(np.diagonal(c)).sum() + 0.5 * n * math.log(2 * math.pi)
        )

    def value_and_grad(ls: float, noise: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        k, d2 = _kernel(ls, noise, x)
        c = cholesky(k)
        n = len(y)
        z = triangular(c, y, True, False)
        alpha = triangular(c, z, True, True)
        value = 0.5 * (z @ z) + np.log(np.diagonal(c)).sum() + 0.5 * n * math.log(2 * math.pi)
        if inverse is not None:
            k_inv = inverse(c)
        else:
            inv_c = triangular(c, np.eye(n), True, False)  # L^-1
            k_inv = triangular(c, inv_c, True, True)  # L^-T L^-1
        w = k_inv - np.outer(alpha, alpha)  # 2 dnll/dK
        k[np.diag_indices_from(k)] -= noise  # the RBF part
        g_ls = 0.5 * np.einsum("ij,ij,ij->", w, k, d2) / ls**3
        g_noise = 0.5 * np.trace(w)
        return np.array([value, g_ls, g_noise])

    return nll, value_and_grad


def _numpy_triangular(tri: np.ndarray, b: np.ndarray, lower: bool, trans: bool) -> np.ndarray:
    return np.linalg.solve(tri.T if trans else tri, b)


def _scipy_triangular() -> Callable[..., np.ndarray] | None:
    try:
        from scipy.linalg import solve_triangular
    except ImportError:
        return None

    def solve(tri: np.ndarray, b: np.ndarray, lower: bool, trans: bool) -> np.ndarray:
        return solve_triangular(tri, b, lower=lower, trans=1 if trans else 0, check_finite=False)

    return solve


def _scipy_cholesky() -> Callable[[np.ndarray], np.ndarray] | None:
    """SciPy's ``cholesky`` (LAPACK's ``potrf``; at n = 2000 about 1.5x faster than NumPy's,
    which copies the matrix into Fortran order and back)."""
    try:
        from scipy.linalg import cholesky
    except ImportError:
        return None
    return lambda k: cholesky(k, lower=True, check_finite=False)


def _potri() -> Callable[[np.ndarray], np.ndarray] | None:
    """``K^-1`` from its Cholesky factor by LAPACK's ``potri`` (SciPy), the expert's
    n^3 / 3 + n^3 / 3 flops against two triangular solves' 2 n^3."""
    try:
        from scipy.linalg.lapack import dpotri
    except ImportError:
        return None

    def inverse(c: np.ndarray) -> np.ndarray:
        low, info = dpotri(c, lower=1)
        assert info == 0, info
        return np.tril(low) + np.tril(low, -1).T

    return inverse


# ----------------------------------------------------------------------------- peers


def _axcomp_pair() -> tuple[Callable[..., Any], Callable[..., Any]]:
    nll = make_nll(anp, asl)
    forward = ax.jit(nll)
    both = ax.jit(ax.value_and_grad(nll, argnums=(0, 1)))

    def value_and_grad(*args: Any) -> np.ndarray:
        v, (g_ls, g_noise) = both(*args)
        return np.array([v, g_ls, g_noise])

    return (lambda *args: np.asarray(forward(*args))), value_and_grad


def _jax_pair() -> tuple[Callable[..., Any], Callable[..., Any]] | None:
    jax = _jax()
    if jax is None:
        return None
    nll = make_nll(jax.numpy, jax.scipy.linalg)
    forward = jax.jit(nll)
    both = jax.jit(jax.value_and_grad(nll, argnums=(0, 1)))

    def run_forward(*args: Any) -> np.ndarray:
        return np.asarray(forward(*args).block_until_ready())

    def value_and_grad(*args: Any) -> np.ndarray:
        v, (g_ls, g_noise) = jax.block_until_ready(both(*args))
        return np.array([v, g_ls, g_noise])

    return run_forward, value_and_grad


def _torch_pair() -> tuple[Callable[..., Any], Callable[..., Any]] | None:
    try:
        import torch
        from torch.func import grad_and_value
    except ImportError:
        return None

    def nll(ls: Any, noise: Any, x: Any, y: Any) -> Any:
        n = x.shape[0]
        z = x / ls
        sq = (z * z).sum(1)
        k = torch.exp(-0.5 * (sq[:, None] + sq[None, :] - 2.0 * (z @ z.T)))
        k = k + noise * torch.eye(n, dtype=x.dtype)
        c = torch.linalg.cholesky(k)
        alpha = torch.cholesky_solve(y[:, None], c)[:, 0]
        logdet = torch.log(torch.diagonal(c)).sum()
        return 0.5 * (y @ alpha) + logdet + 0.5 * n * math.log(2 * math.pi)

    both = grad_and_value(nll, argnums=(0, 1))

    def tensors(ls: float, noise: float, x: np.ndarray, y: np.ndarray) -> tuple[Any, ...]:
        return (
            torch.tensor(ls, dtype=torch.float64),
            torch.tensor(noise, dtype=torch.float64),
            torch.from_numpy(x),
            torch.from_numpy(y),
        )

    def forward(*args: Any) -> np.ndarray:
        with torch.no_grad():
            return nll(*tensors(*args)).numpy()

    def value_and_grad(*args: Any) -> np.ndarray:
        (g_ls, g_noise), v = both(*tensors(*args))
        return np.array([float(v), float(g_ls), float(g_noise)])

    return forward, value_and_grad


# ----------------------------------------------------------------------------- cases

Pair = tuple[Callable[..., Any], Callable[..., Any]]


def gp_rows(
    label: str, which: int, n: int, d: int, reps: int, min_sample_s: float, budget_s: float | None
) -> list[Row]:
    """Check and time the forward (``which`` 0) or ``value_and_grad`` (1) candidates at
    ``n`` points in ``d`` dimensions, interleaved; one row each, then axcomp over the best
    of the hand rows and ``jax.jit``."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, d))
    y = rng.normal(size=n)
    args = (LS, NOISE, x, y)
    scipy_tri = _scipy_triangular()
    hands: list[tuple[str, Pair, int | None]] = [
        ("hand NumPy (np.linalg.solve on the triangles)", _hand(_numpy_triangular), SLOW_SAMPLES)
    ]
    if scipy_tri is not None:
        hands.insert(0, ("hand NumPy + SciPy triangular solves", _hand(scipy_tri), None))
    potri, scipy_chol = _potri(), _scipy_cholesky()
    if scipy_tri is not None and scipy_chol is not None and potri is not None:
        # what an expert writes: SciPy's factorization too, and (gradient) K^-1 by potri
        name = "hand expert: SciPy cholesky" + (", K^-1 by potri" if which else "")
        expert = _hand(scipy_tri, potri if which else None, scipy_chol)
        hands.append((name, expert, None))
    peers: list[tuple[str, Pair | None, int | None]] = [
        ("axcomp jit", _axcomp_pair(), None),
        ("jax.jit", _jax_pair(), None),
        ("torch.func", _torch_pair(), SLOW_SAMPLES),
    ]
    entries: list[Candidate | Row] = []
    for k, (name, fns, cap) in enumerate(hands):
        entries.append(Candidate(name, fns[which], args, baseline=k == 0, inner=1, max_samples=cap))
    for name, peer, cap in peers:
        if peer is None:
            entries.append(info_row(label, name, "not installed"))
            continue
        axcomp = name.startswith("axcomp")
        entries.append(
            Candidate(
                name,
                peer[which],
                args,
                target=1.10 if axcomp else None,
                inner=1,
                max_samples=cap,
                optional=not axcomp,
            )
        )
    cands = [e for e in entries if isinstance(e, Candidate)]
    check_results(label, cands)
    time_interleaved([c for c in cands if not c.failed], reps, min_sample_s, budget_s=budget_s)
    return [*_ratio_rows(label, entries), best_peer_row(label, entries)]


def _size(cfg: Config) -> tuple[int, int]:
    return QUICK_SIZE if cfg.quick else FULL_SIZE


def case_b17(cfg: Config) -> list[Row]:
    n, d = _size(cfg)
    return gp_rows(
        f"B17 GP nll {n}x{d} forward", 0, n, d, cfg.b3_reps, cfg.min_sample_s, cfg.budget_s
    )


def case_b18(cfg: Config) -> list[Row]:
    n, d = _size(cfg)
    return gp_rows(
        f"B18 GP nll {n}x{d} value_and_grad", 1, n, d, cfg.b3_reps, cfg.min_sample_s, cfg.budget_s
    )


CASES: dict[str, Callable[[Config], list[Row]]] = {"B17": case_b17, "B18": case_b18}
