"""B19 of ``benchmarks/run.py``: per-example gradients of an MLP, the workload ``vmap(grad)``
is first used for (DP-SGD clips them, influence and uncertainty methods read them).

The network is an MLP 32-128-128-10 (``tanh``, B12's sizes), the loss of one example its
softmax cross-entropy against a one-hot label, ``logsumexp(out) - label . out``; the
workload is ``jit(vmap(grad(loss), in_axes=(None, 0, 0)))`` on a batch of 256 (float64;
``--quick`` 8 examples of a smaller net): six arrays, one gradient per parameter per example.

The hand-written baseline backpropagates the batch with GEMMs and forms each example's
weight gradient as the outer product of its delta and its layer input. ``jax.jit`` and
``torch.func`` run ``vmap(grad(loss))`` of the same loss. Every candidate's six arrays are
compared with the baseline's before timing (flattened outside the timed call, which returns
them as they come). The last row is axcomp over the faster of the hand code and
``jax.jit``, the issue's bar (<= 1.10).

JAX's DP-SGD conv net (``benchmarks/bench_dpsgd.py``) stays out of the one command: its
``jax.jit`` call takes about 18 s at batch 256.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

import axcomp as ax
import axcomp.numpy as anp
from axcomp.scipy.special import logsumexp

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
from .workloads import _mlp_params, _torch, softmax_rows

#: batch, then the layer widths
FULL_SIZE = (256, (32, 128, 128, 10))
QUICK_SIZE = (8, (6, 8, 8, 3))


def make_loss(tanh: Any, logsumexp: Any) -> Callable[..., Any]:
    """The softmax cross-entropy of one example, written once for every library."""

    def loss(params: Any, x: Any, label: Any) -> Any:
        W1, b1, W2, b2, W3, b3 = params
        out = W3 @ tanh(W2 @ tanh(W1 @ x + b1) + b2) + b3
        return logsumexp(out) - (label * out).sum()

    return loss


def per_example_hand(params: tuple[np.ndarray, ...], X: np.ndarray, Y: np.ndarray) -> Any:
    """Backpropagation of the batch: GEMMs for the deltas, an outer product per example for
    each weight gradient (what the gradient of one example's loss is)."""
    W1, b1, W2, b2, W3, b3 = params
    a1 = np.tanh(X @ W1.T + b1)
    a2 = np.tanh(a1 @ W2.T + b2)
    d3 = softmax_rows(a2 @ W3.T + b3)
    d3 -= Y
    d2 = d3 @ W3
    d2 *= 1 - a2 * a2
    d1 = d2 @ W2
    d1 *= 1 - a1 * a1
    return (
        d1[:, :, None] * X[:, None, :],
        d1,
        d2[:, :, None] * a1[:, None, :],
        d2,
        d3[:, :, None] * a2[:, None, :],
        d3,
    )


def _flat(fn: Callable[..., Any]) -> Callable[..., np.ndarray]:
    """``fn``'s six arrays as one (batch, parameters) array, for the check only."""

    def call(*args: Any) -> np.ndarray:
        grads = [np.asarray(g.numpy() if hasattr(g, "numpy") else g) for g in fn(*args)]
        return np.concatenate([g.reshape(len(g), -1) for g in grads], axis=1)

    return call


Arrays = tuple[tuple[np.ndarray, ...], np.ndarray, np.ndarray]
#: what a library's column needs: its ``vmap(grad)`` callable, the arguments in its own
#: arrays (made here, outside any timer) and a note
Peer = tuple[Callable[..., Any], tuple[Any, ...], str]


def _jax_peer(jax: Any, params: tuple[np.ndarray, ...], X: np.ndarray, Y: np.ndarray) -> Peer:
    jax_loss = make_loss(jax.numpy.tanh, jax.scipy.special.logsumexp)
    f = jax.jit(jax.vmap(jax.grad(jax_loss), in_axes=(None, 0, 0)))

    def call(params: Any, X: Any, Y: Any) -> Any:
        return jax.block_until_ready(f(params, X, Y))

    jargs = (tuple(jax.device_put(p) for p in params), jax.device_put(X), jax.device_put(Y))
    return call, jargs, f"jax {jax.__version__}, XLA on the CPU (its own threads)"


def _torch_peer(torch: Any, params: tuple[np.ndarray, ...], X: np.ndarray, Y: np.ndarray) -> Peer:
    torch_loss = make_loss(torch.tanh, lambda out: torch.logsumexp(out, 0))
    f = torch.func.vmap(torch.func.grad(torch_loss), in_dims=(None, 0, 0))
    targs = (tuple(torch.from_numpy(p) for p in params), torch.from_numpy(X), torch.from_numpy(Y))
    return f, targs, f"torch {torch.__version__}, torch.func ({torch.get_num_threads()} threads)"


def _peer_candidate(
    label: str, name: str, library: Any, build: Callable[..., Peer], arrays: Arrays
) -> Candidate | Row:
    """The optional library's column, or a row saying it is not installed."""
    if library is None:
        return info_row(label, name, "not installed")
    fn, args, note = build(library, *arrays)
    return Candidate(name, fn, args, note=note, optional=True)


def case_b19(cfg: Config) -> list[Row]:
    batch, widths = QUICK_SIZE if cfg.quick else FULL_SIZE
    rng = np.random.default_rng(19)
    params = _mlp_params(rng, widths)
    X = rng.standard_normal((batch, widths[0]))
    Y = np.eye(widths[-1])[rng.integers(0, widths[-1], size=batch)]
    n_params = sum(p.size for p in params)
    label = f"B19 per-example grads MLP {'-'.join(map(str, widths))}, batch {batch}"
    args = (params, X, Y)
    entries: list[Candidate | Row] = [
        Candidate("hand NumPy backprop, outer products", per_example_hand, args, baseline=True),
        Candidate(
            "axcomp jit(vmap(grad))",
            ax.jit(ax.vmap(ax.grad(make_loss(anp.tanh, logsumexp)), in_axes=(None, 0, 0))),
            args,
            target=1.10,
        ),
        _peer_candidate(label, "jax.jit(vmap(grad))", _jax(), _jax_peer, args),
        _peer_candidate(label, "torch.func vmap(grad)", _torch(), _torch_peer, args),
    ]
    cands = [e for e in entries if isinstance(e, Candidate)]
    checks = [replace(c, fn=_flat(c.fn)) for c in cands if c.fn is not None]
    check_results(label, checks)
    for c, checked in zip(cands, checks):
        c.failed, c.note = checked.failed, checked.note
    timed = [c for c in cands if not c.failed]
    time_interleaved(timed, cfg.b3_reps, cfg.min_sample_s, budget_s=cfg.budget_s)
    rows = _ratio_rows(label, entries)
    mib = batch * n_params * 8 / 2**20
    rows[0].note = f"{batch} x {n_params} gradient entries ({mib:.1f} MiB)"
    return [*rows, best_peer_row(label, entries)]


CASES: dict[str, Callable[[Config], list[Row]]] = {"B19": case_b19}
