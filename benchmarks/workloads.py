"""The cases of ``benchmarks/run.py`` past the contractions (B9-B14): loops, second-order
derivatives, Jacobians and selection, each against hand-written NumPy, ``jax.jit`` and
``torch.func`` where those are installed (neither is a dependency of axcomp).

B9   RNN ``lax.scan``, 200 steps x batch 256 (16 inputs, 64 hidden): the final state, and
     ``value_and_grad`` of its squared norm in (W, U, b)
B10  ``vmap(hessian)`` of logsumexp-regression ``logsumexp(A x)``, 128 examples x 50
     features (A: 100 x 50)
B11  Hessian-vector product ``jvp(grad)`` of softmax regression, 2048 x 784 x 10
B12  empirical NTK of an MLP 32-128-128-10 (tanh) between two batches of 64: (64, 64, 10, 10)
B13  kNN ``top_k`` of the 5 nearest, 4000 queries x 20000 points x 32, memory_limit 512 MiB
B14  nearest neighbour ``argmin``, 20000 x 20000 x 32, memory_limit 512 MiB
B15  small loop bodies, 10,000 steps: an RNN ``lax.scan`` with 8 hidden units (4 inputs,
     one sequence; the final state and every step's state), and a batch of 64 logistic
     maps in one ``fori_loop`` (a whole loop compiled as one numba loop nest)

Every candidate is checked against the hand-written NumPy result before it is timed (the
selections compare indices exactly); ``--quick`` shrinks every size.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import axcomp as ax
import axcomp.lax as alax
import axcomp.numpy as anp
from axcomp.scipy.special import logsumexp

from .run import (
    MEMORY_GUARD_BYTES,
    Candidate,
    Config,
    Row,
    _ratio_rows,
    _time_big,
    _timed,
    check_results,
    info_row,
    jax_candidate,
    ratio_row,
    time_interleaved,
)

#: The memory budget of the blocked cases (B13, B14).
BUDGET = "512MiB"


@dataclass(frozen=True)
class Sizes:
    rnn: tuple[int, int, int, int]  # steps, batch, inputs, hidden
    lse: tuple[int, int, int]  # examples, features, rows of A
    hvp: tuple[int, int, int]  # examples, features, classes
    ntk: tuple[int, int, int, int, int]  # batch, inputs, hidden, hidden, outputs
    knn: tuple[int, int, int, int]  # queries, points, dim, k
    nn: tuple[int, int]  # points (both sides), dim
    small_loop: tuple[int, int, int, int]  # steps, inputs, hidden, logistic maps


FULL_SIZES = Sizes(
    (200, 256, 16, 64), (128, 50, 100), (2048, 784, 10), (64, 32, 128, 128, 10),
    (4000, 20000, 32, 5), (20000, 32), (10000, 4, 8, 64),
)  # fmt: skip
QUICK_SIZES = Sizes(
    (12, 8, 4, 6), (6, 5, 7), (32, 20, 4), (4, 6, 8, 8, 3), (40, 300, 8, 5), (300, 8),
    (100, 2, 4, 8),
)  # fmt: skip


def _sizes(cfg: Config) -> Sizes:
    return QUICK_SIZES if cfg.quick else FULL_SIZES


@functools.lru_cache(maxsize=1)
def _torch() -> Any | None:
    """``torch`` in float64 or None when it is not importable."""
    try:
        import torch
    except Exception:  # absent, or an install that cannot load (no row rather than a crash)
        return None
    torch.set_default_dtype(torch.float64)
    return torch


def torch_candidate(
    label: str,
    name: str,
    make: Callable[[Any], Callable[..., Any]],
    args: tuple[Any, ...],
    **kw: Any,
) -> Candidate | Row:
    """``make(torch)`` on tensor copies of ``args`` (made here), its result back as NumPy;
    or a row saying why not."""
    torch = _torch()
    if torch is None:
        return info_row(label, name, "not installed", note="pip install torch for this row")
    fn = make(torch)
    targs = tuple(torch.from_numpy(np.ascontiguousarray(a)) for a in args)

    def call(*targs: Any) -> Any:
        out = fn(*targs)
        return out.detach().numpy() if hasattr(out, "detach") else out

    note = f"torch {torch.__version__}, torch.func ({torch.get_num_threads()} threads)"
    return Candidate(name, call, targs, note=kw.pop("note", note), optional=True, **kw)


def _run_case(
    cfg: Config, label: str, entries: list[Candidate | Row], big: bool = False
) -> list[Row]:
    cands = _timed(entries)
    check_results(label, cands)
    if big:
        _time_big(cfg, entries)
    else:
        time_interleaved(_timed(entries), cfg.b3_reps, cfg.min_sample_s, budget_s=cfg.budget_s)
    rows = _ratio_rows(label, entries)
    axc = next(e for e in entries if isinstance(e, Candidate) and e.name.startswith("axcomp"))
    for e in entries:
        peer = e.name if isinstance(e, Candidate) else e.candidate
        if peer.startswith(("jax", "torch")):
            rows.append(ratio_row(label, f"axcomp / {peer.split('.')[0]}", axc, e, None))
    return rows


def _against_peers(
    cfg: Config,
    label: str,
    args: tuple[Any, ...],
    hand: tuple[str, Callable[..., Any]],
    axcomp: tuple[str, Callable[..., Any]],
    jax: tuple[str, Callable[[Any, Any], Callable[..., Any]]],
    torch: tuple[str, Callable[[Any], Callable[..., Any]]],
) -> list[Row]:
    """The hand baseline, axcomp, ``jax.jit`` and ``torch.func`` (each a name and what
    builds it) on the same arguments: checked, timed interleaved, with the ratio rows."""
    entries: list[Candidate | Row] = [
        Candidate(hand[0], hand[1], args, baseline=True),
        Candidate(axcomp[0], axcomp[1], args),
        jax_candidate(label, jax[0], jax[1], args),
        torch_candidate(label, torch[0], torch[1], args),
    ]
    return _run_case(cfg, label, entries)


# ----------------------------------------------------------------------------------------
# B9: RNN lax.scan
# ----------------------------------------------------------------------------------------


def rnn_final(W: Any, U: Any, b: Any, xs: Any, h0: Any) -> Any:
    def step(h: Any, x: Any) -> tuple[Any, None]:
        return anp.tanh(h @ W.T + x @ U.T + b), None

    return alax.scan(step, h0, xs)[0]


def rnn_loss(W: Any, U: Any, b: Any, xs: Any, h0: Any) -> Any:
    h = rnn_final(W, U, b, xs, h0)
    return anp.sum(h * h)


def rnn_hand(W: np.ndarray, U: np.ndarray, b: np.ndarray, xs: np.ndarray, h0: np.ndarray) -> Any:
    """The inputs' part ``x_t U^T + b`` as one GEMM before the loop, then one GEMM a step."""
    steps, batch, _ = xs.shape
    pre = (xs.reshape(steps * batch, -1) @ U.T).reshape(steps, batch, -1)
    pre += b
    h = h0
    for t in range(steps):
        z = h @ W.T
        z += pre[t]
        h = np.tanh(z, out=z)
    return h


def rnn_hand_value_and_grad(
    W: np.ndarray, U: np.ndarray, b: np.ndarray, xs: np.ndarray, h0: np.ndarray
) -> Any:
    """Forward saving every state, then backpropagation through time; the inputs' GEMMs
    are batched over the steps in both directions."""
    steps, batch, _ = xs.shape
    pre = (xs.reshape(steps * batch, -1) @ U.T).reshape(steps, batch, -1)
    pre += b
    hs = np.empty((steps + 1, *h0.shape))
    hs[0] = h0
    for t in range(steps):
        z = hs[t] @ W.T
        z += pre[t]
        np.tanh(z, out=hs[t + 1])
    value = float((hs[-1] ** 2).sum())
    g = 2 * hs[-1]
    dW = np.zeros_like(W)
    dz_all = np.empty((steps, *h0.shape))
    for t in range(steps - 1, -1, -1):
        dz = g * (1 - hs[t + 1] ** 2)
        dz_all[t] = dz
        dW += dz.T @ hs[t]
        g = dz @ W
    dz_flat = dz_all.reshape(steps * batch, -1)
    dU = dz_flat.T @ xs.reshape(steps * batch, -1)
    db = dz_flat.sum(0)
    return np.concatenate([[value], dW.ravel(), dU.ravel(), db])


def _flat_value_and_grad(vg: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        value, (dW, dU, db) = vg(*args)
        return np.concatenate([[float(value)], np.ravel(dW), np.ravel(dU), np.ravel(db)])

    return call


def case_b9(cfg: Config) -> list[Row]:
    steps, batch, n_in, hidden = _sizes(cfg).rnn
    rng = np.random.default_rng(9)
    W = rng.standard_normal((hidden, hidden)) / math.sqrt(hidden)
    U = rng.standard_normal((hidden, n_in)) / math.sqrt(n_in)
    b = 0.1 * rng.standard_normal(hidden)
    xs = rng.standard_normal((steps, batch, n_in))
    h0 = np.zeros((batch, hidden))
    args = (W, U, b, xs, h0)
    label = f"B9 RNN lax.scan {steps} steps x batch {batch}, forward"

    def jax_rnn(jax: Any, jnp: Any) -> Callable[..., Any]:
        def final(W: Any, U: Any, b: Any, xs: Any, h0: Any) -> Any:
            step = lambda h, x: (jnp.tanh(h @ W.T + x @ U.T + b), None)  # noqa: E731
            return jax.lax.scan(step, h0, xs)[0]

        return final

    def torch_rnn(torch: Any) -> Callable[..., Any]:
        def final(W: Any, U: Any, b: Any, xs: Any, h0: Any) -> Any:
            h = h0
            for t in range(xs.shape[0]):
                h = torch.tanh(h @ W.T + xs[t] @ U.T + b)
            return h

        return final

    rows = _against_peers(
        cfg,
        label,
        args,
        ("hand NumPy loop (inputs' GEMM hoisted)", rnn_hand),
        ("axcomp jit(lax.scan)", ax.jit(rnn_final)),
        ("jax.jit(lax.scan)", jax_rnn),
        ("torch loop", torch_rnn),
    )
    label = f"B9 RNN lax.scan {steps} steps x batch {batch}, value_and_grad"

    def jax_vg(jax: Any, jnp: Any) -> Callable[..., Any]:
        final = jax_rnn(jax, jnp)
        loss = lambda *a: jnp.sum(final(*a) ** 2)  # noqa: E731
        vg = jax.value_and_grad(loss, argnums=(0, 1, 2))

        def flat(*a: Any) -> Any:
            value, grads = vg(*a)
            return jnp.concatenate([value[None], *(g.ravel() for g in grads)])

        return flat

    def torch_vg(torch: Any) -> Callable[..., Any]:
        final = torch_rnn(torch)
        vg = torch.func.grad_and_value(lambda *a: torch.sum(final(*a) ** 2), argnums=(0, 1, 2))

        def flat(*a: Any) -> Any:
            grads, value = vg(*a)
            return torch.cat([value[None], *(g.reshape(-1) for g in grads)])

        return flat

    vg = ax.jit(ax.value_and_grad(rnn_loss, argnums=(0, 1, 2)))
    return rows + _against_peers(
        cfg,
        label,
        args,
        ("hand NumPy BPTT", rnn_hand_value_and_grad),
        ("axcomp jit(value_and_grad)", _flat_value_and_grad(vg)),
        ("jax.jit(value_and_grad)", jax_vg),
        ("torch.func.grad_and_value", torch_vg),
    )


# ----------------------------------------------------------------------------------------
# B10: vmap(hessian) of logsumexp-regression
# ----------------------------------------------------------------------------------------


def softmax_rows(s: np.ndarray) -> np.ndarray:
    """Softmax of each row of a fresh array, in place."""
    s -= s.max(1, keepdims=True)
    np.exp(s, out=s)
    s /= s.sum(1, keepdims=True)
    return s


def case_b10(cfg: Config) -> list[Row]:
    n, d, k = _sizes(cfg).lse
    rng = np.random.default_rng(10)
    A = rng.standard_normal((k, d)) / math.sqrt(d)
    X = rng.standard_normal((n, d))
    label = f"B10 vmap(hessian) logsumexp-regression {n}x{d} (A {k}x{d})"

    def hand(A: np.ndarray, X: np.ndarray) -> np.ndarray:
        p = softmax_rows(X @ A.T)
        q = p @ A
        H = np.matmul(A.T[None] * p[:, None, :], A)  # A^T diag(p) A per example
        H -= q[:, :, None] * q[:, None, :]
        return H

    f = ax.jit(ax.vmap(ax.hessian(lambda x, A: logsumexp(A @ x)), in_axes=(0, None)))

    def jax_h(jax: Any, jnp: Any) -> Callable[..., Any]:
        from jax.scipy.special import logsumexp as lse

        h = jax.vmap(jax.hessian(lambda x, A: lse(A @ x)), in_axes=(0, None))
        return lambda A, X: h(X, A)

    def torch_h(torch: Any) -> Callable[..., Any]:
        h = torch.func.vmap(
            torch.func.hessian(lambda x, A: torch.logsumexp(A @ x, 0)), in_dims=(0, None)
        )
        return lambda A, X: h(X, A)

    return _against_peers(
        cfg,
        label,
        (A, X),
        ("hand NumPy A^T (diag p - p p^T) A", hand),
        ("axcomp jit(vmap(hessian))", lambda A, X: f(X, A)),
        ("jax.jit(vmap(hessian))", jax_h),
        ("torch.func vmap(hessian)", torch_h),
    )


# ----------------------------------------------------------------------------------------
# B11: HVP jvp(grad) of softmax regression
# ----------------------------------------------------------------------------------------


def case_b11(cfg: Config) -> list[Row]:
    n, d, c = _sizes(cfg).hvp
    rng = np.random.default_rng(11)
    X = rng.standard_normal((n, d)) / math.sqrt(d)
    Y = np.eye(c)[rng.integers(0, c, n)]
    W = 0.1 * rng.standard_normal((d, c))
    V = rng.standard_normal((d, c))
    label = f"B11 HVP jvp(grad) softmax regression {n}x{d}x{c}"

    def loss(W: Any, X: Any, Y: Any) -> Any:
        z = X @ W
        return anp.mean(logsumexp(z, axis=1) - anp.sum(Y * z, axis=1))

    def hvp(W: Any, V: Any, X: Any, Y: Any) -> Any:
        return ax.jvp(lambda W: ax.grad(loss)(W, X, Y), (W,), (V,))[1]

    def hand(W: np.ndarray, V: np.ndarray, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        p = softmax_rows(X @ W)
        u = X @ V
        r = p * u
        r -= p * r.sum(1, keepdims=True)
        return X.T @ r / X.shape[0]

    def jax_hvp(jax: Any, jnp: Any) -> Callable[..., Any]:
        from jax.scipy.special import logsumexp as lse

        def jloss(W: Any, X: Any, Y: Any) -> Any:
            z = X @ W
            return jnp.mean(lse(z, axis=1) - jnp.sum(Y * z, axis=1))

        return lambda W, V, X, Y: jax.jvp(lambda W: jax.grad(jloss)(W, X, Y), (W,), (V,))[1]

    def torch_hvp(torch: Any) -> Callable[..., Any]:
        def tloss(W: Any, X: Any, Y: Any) -> Any:
            z = X @ W
            return torch.mean(torch.logsumexp(z, 1) - torch.sum(Y * z, 1))

        grad = torch.func.grad(tloss)
        return lambda W, V, X, Y: torch.func.jvp(lambda W: grad(W, X, Y), (W,), (V,))[1]

    return _against_peers(
        cfg,
        label,
        (W, V, X, Y),
        ("hand NumPy HVP", hand),
        ("axcomp jit(jvp(grad))", ax.jit(hvp)),
        ("jax.jit(jvp(grad))", jax_hvp),
        ("torch.func jvp(grad)", torch_hvp),
    )


# ----------------------------------------------------------------------------------------
# B12: empirical NTK of an MLP
# ----------------------------------------------------------------------------------------


def _mlp_params(rng: np.random.Generator, sizes: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    params: list[np.ndarray] = []
    for m, n in itertools.pairwise(sizes):
        params += [rng.standard_normal((n, m)) / math.sqrt(m), 0.1 * rng.standard_normal(n)]
    return tuple(params)


def mlp(params: Any, x: Any) -> Any:
    W1, b1, W2, b2, W3, b3 = params
    h = anp.tanh(W1 @ x + b1)
    h = anp.tanh(W2 @ h + b2)
    return W3 @ h + b3


def ntk_hand(X1: np.ndarray, X2: np.ndarray, *params: np.ndarray) -> np.ndarray:
    """Per layer: (dout/dz G1 . G2) times (1 + a1 . a2), the bias and weight parts."""
    W1, b1, W2, b2, W3, _ = params

    def backward(X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        a1 = np.tanh(X @ W1.T + b1)
        a2 = np.tanh(a1 @ W2.T + b2)
        G3 = np.broadcast_to(np.eye(W3.shape[0]), (X.shape[0], *np.eye(W3.shape[0]).shape))
        G2 = W3[None] * (1 - a2**2)[:, None, :]
        G1 = (G2 @ W2) * (1 - a1**2)[:, None, :]
        return [G1, G2, G3], [X, a1, a2]

    Gs1, As1 = backward(X1)
    Gs2, As2 = backward(X2)
    out = np.zeros((X1.shape[0], X2.shape[0], W3.shape[0], W3.shape[0]))
    for G1, G2, A1, A2 in zip(Gs1, Gs2, As1, As2):
        out += np.einsum("nah,mbh->nmab", G1, G2, optimize=True) * (1 + A1 @ A2.T)[:, :, None, None]
    return out


def case_b12(cfg: Config) -> list[Row]:
    batch, n_in, h1, h2, n_out = _sizes(cfg).ntk
    rng = np.random.default_rng(12)
    params = _mlp_params(rng, (n_in, h1, h2, n_out))
    X1, X2 = rng.standard_normal((batch, n_in)), rng.standard_normal((batch, n_in))
    label = f"B12 NTK MLP {n_in}-{h1}-{h2}-{n_out}, {batch}x{batch}"

    def ntk(X1: Any, X2: Any, *params: Any) -> Any:
        jac = ax.vmap(ax.jacrev(mlp), in_axes=(None, 0))
        J1, J2 = jac(params, X1), jac(params, X2)
        total = 0.0
        for a, b in zip(J1, J2):
            a2 = anp.reshape(a, (a.shape[0], a.shape[1], -1))
            b2 = anp.reshape(b, (b.shape[0], b.shape[1], -1))
            total = total + anp.einsum("naf,mbf->nmab", a2, b2)
        return total

    def jax_ntk(jax: Any, jnp: Any) -> Callable[..., Any]:
        def f(params: Any, x: Any) -> Any:
            W1, b1, W2, b2, W3, b3 = params
            return W3 @ jnp.tanh(W2 @ jnp.tanh(W1 @ x + b1) + b2) + b3

        def run(X1: Any, X2: Any, *params: Any) -> Any:
            jac = jax.vmap(jax.jacrev(f), in_axes=(None, 0))
            J1, J2 = jac(params, X1), jac(params, X2)
            return sum(
                jnp.einsum(
                    "naf,mbf->nmab", a.reshape(*a.shape[:2], -1), b.reshape(*b.shape[:2], -1)
                )
                for a, b in zip(J1, J2)
            )

        return run

    def torch_ntk(torch: Any) -> Callable[..., Any]:
        def f(params: Any, x: Any) -> Any:
            W1, b1, W2, b2, W3, b3 = params
            return W3 @ torch.tanh(W2 @ torch.tanh(W1 @ x + b1) + b2) + b3

        def run(X1: Any, X2: Any, *params: Any) -> Any:
            jac = torch.func.vmap(torch.func.jacrev(f), in_dims=(None, 0))
            J1, J2 = jac(params, X1), jac(params, X2)
            return sum(
                torch.einsum("naf,mbf->nmab", a.flatten(2), b.flatten(2)) for a, b in zip(J1, J2)
            )

        return run

    return _against_peers(
        cfg,
        label,
        (X1, X2, *params),
        ("hand NumPy per-layer NTK", ntk_hand),
        ("axcomp jit(vmap(jacrev)) + einsum", ax.jit(ntk)),
        ("jax.jit(vmap(jacrev)) + einsum", jax_ntk),
        ("torch.func vmap(jacrev) + einsum", torch_ntk),
    )


# ----------------------------------------------------------------------------------------
# B13, B14: kNN top_k and argmin under a memory budget
# ----------------------------------------------------------------------------------------


def _sqdist(a: Any, b: Any) -> Any:
    return anp.sum((a - b) ** 2)


def knn_hand(X: np.ndarray, B: np.ndarray, k: int, block: int = 512) -> np.ndarray:
    """Blocked GEMM, ``argpartition`` and a sort of the k kept, 512-row blocks."""
    bn = np.einsum("ij,ij->i", B, B)
    Bm2 = -2.0 * B
    out = np.empty((X.shape[0], k), dtype=np.int32)
    for i in range(0, X.shape[0], block):
        g = X[i : i + block] @ Bm2.T
        g += bn
        part = np.argpartition(g, k, axis=1)[:, :k]
        order = np.argsort(np.take_along_axis(g, part, 1), axis=1, kind="stable")
        out[i : i + block] = np.take_along_axis(part, order, 1)
    return out


def argmin_hand(X: np.ndarray, B: np.ndarray, block: int = 512) -> np.ndarray:
    bn = np.einsum("ij,ij->i", B, B)
    Bm2 = -2.0 * B
    out = np.empty(X.shape[0], dtype=np.intp)
    for i in range(0, X.shape[0], block):
        g = X[i : i + block] @ Bm2.T
        g += bn
        g.argmin(axis=1, out=out[i : i + block])
    return out


def case_b13(cfg: Config) -> list[Row]:
    m, n, d, k = _sizes(cfg).knn
    rng = np.random.default_rng(13)
    X, B = rng.standard_normal((m, d)), rng.standard_normal((n, d))
    label = f"B13 kNN top_k={k} {m}x{n}x{d}, {BUDGET}"
    f = ax.jit(
        ax.vmap(lambda x, B: alax.top_k(-ax.vmap(_sqdist, (None, 0))(x, B), k)[1], (0, None)),
        memory_limit=BUDGET,
    )

    def jax_knn(jax: Any, jnp: Any) -> Callable[..., Any]:
        sq = lambda a, b: jnp.sum((a - b) ** 2)  # noqa: E731
        return jax.vmap(lambda x, B: jax.lax.top_k(-jax.vmap(sq, (None, 0))(x, B), k)[1], (0, None))

    big = {"inner": 1}
    entries: list[Candidate | Row] = [
        Candidate(
            "hand blocked GEMM + argpartition",
            functools.partial(knn_hand, k=k),
            (X, B),
            baseline=True,
            **big,
        ),
        Candidate("axcomp vmap(top_k(-vmap(sqdist)))", f, (X, B), **big),
        jax_candidate(
            label,
            "jax.jit(vmap(top_k))",
            jax_knn,
            (X, B),
            guard_bytes=MEMORY_GUARD_BYTES,
            unfused_bytes=m * n * 8,  # the distances before the selection
            max_samples=1,
            **big,
        ),
    ]
    return _run_case(cfg, label, entries, big=True)


def case_b14(cfg: Config) -> list[Row]:
    n, d = _sizes(cfg).nn
    rng = np.random.default_rng(14)
    X, B = rng.standard_normal((n, d)), rng.standard_normal((n, d))
    label = f"B14 kNN argmin {n}x{n}x{d}, {BUDGET}"
    f = ax.jit(
        ax.vmap(lambda x, B: anp.argmin(ax.vmap(_sqdist, (None, 0))(x, B)), (0, None)),
        memory_limit=BUDGET,
    )

    def jax_nn(jax: Any, jnp: Any) -> Callable[..., Any]:
        sq = lambda a, b: jnp.sum((a - b) ** 2)  # noqa: E731
        return jax.vmap(lambda x, B: jnp.argmin(jax.vmap(sq, (None, 0))(x, B)), (0, None))

    big = {"inner": 1}
    entries: list[Candidate | Row] = [
        Candidate("hand blocked GEMM + argmin", argmin_hand, (X, B), baseline=True, **big),
        Candidate("axcomp vmap(argmin(vmap(sqdist)))", f, (X, B), **big),
        jax_candidate(
            label,
            "jax.jit(vmap(argmin))",
            jax_nn,
            (X, B),
            guard_bytes=MEMORY_GUARD_BYTES,
            unfused_bytes=n * n * 8,
            max_samples=1,
            **big,
        ),
    ]
    return _run_case(cfg, label, entries, big=True)


# ----------------------------------------------------------------------------------------
# B15: small loop bodies of long loops
# ----------------------------------------------------------------------------------------
def small_rnn(W: Any, U: Any, b: Any, xs: Any, h0: Any) -> Any:
    def step(h: Any, x: Any) -> tuple[Any, Any]:
        h = anp.tanh(h @ W.T + x @ U.T + b)
        return h, h

    return alax.scan(step, h0, xs)


def small_rnn_hand(
    W: np.ndarray, U: np.ndarray, b: np.ndarray, xs: np.ndarray, h0: np.ndarray
) -> Any:
    """The inputs' part as one GEMM before the loop, each step's state into one array."""
    pre = xs @ U.T
    pre += b
    hs = np.empty((len(xs), len(h0)))
    h = h0
    for t in range(len(xs)):
        z = h @ W.T
        z += pre[t]
        h = np.tanh(z, out=hs[t])
    return h, hs


def logistic_maps(x: Any, r: Any, steps: int) -> Any:
    return alax.fori_loop(0, steps, lambda i, v: r * v * (1.0 - v), x)


def logistic_hand(x: np.ndarray, r: np.ndarray, steps: int) -> np.ndarray:
    v = x.copy()
    t = np.empty_like(v)
    for _ in range(steps):
        np.subtract(1.0, v, out=t)
        t *= v
        np.multiply(r, t, out=v)
    return v


def case_b15(cfg: Config) -> list[Row]:
    steps, n_in, hidden, maps = _sizes(cfg).small_loop
    rng = np.random.default_rng(15)
    W = rng.standard_normal((hidden, hidden)) / math.sqrt(hidden)
    U = rng.standard_normal((hidden, n_in)) / math.sqrt(n_in)
    b = 0.1 * rng.standard_normal(hidden)
    xs = rng.standard_normal((steps, n_in))
    args = (W, U, b, xs, np.zeros(hidden))
    label = f"B15 RNN lax.scan {steps} steps, {hidden} hidden, every state"

    def jax_rnn(jax: Any, jnp: Any) -> Callable[..., Any]:
        def run(W: Any, U: Any, b: Any, xs: Any, h0: Any) -> Any:
            def step(h: Any, x: Any) -> Any:
                h = jnp.tanh(h @ W.T + x @ U.T + b)
                return h, h

            return jax.lax.scan(step, h0, xs)

        return run

    def torch_rnn(torch: Any) -> Callable[..., Any]:
        def run(W: Any, U: Any, b: Any, xs: Any, h0: Any) -> Any:
            pre = xs @ U.T + b
            h, hs = h0, []
            for t in range(xs.shape[0]):
                h = torch.tanh(h @ W.T + pre[t])
                hs.append(h)
            return h, torch.stack(hs)

        return run

    def torch_pair(
        make: Callable[[Any], Callable[..., Any]],
    ) -> Callable[[Any], Callable[..., Any]]:
        def wrapped(torch: Any) -> Callable[..., Any]:
            fn = make(torch)
            return lambda *a: torch.cat([t.reshape(-1) for t in fn(*a)])

        return wrapped

    def flat(fn: Callable[..., Any]) -> Callable[..., Any]:
        return lambda *a: np.concatenate([np.ravel(t) for t in fn(*a)])

    def jax_flat(jax: Any, jnp: Any) -> Callable[..., Any]:
        fn = jax_rnn(jax, jnp)
        return lambda *a: jnp.concatenate([t.ravel() for t in fn(*a)])

    rows = _against_peers(
        cfg,
        label,
        args,
        ("hand NumPy loop (inputs' GEMM hoisted)", flat(small_rnn_hand)),
        ("axcomp jit(lax.scan)", flat(ax.jit(small_rnn))),
        ("jax.jit(lax.scan)", jax_flat),
        ("torch loop", torch_pair(torch_rnn)),
    )
    x, r = rng.uniform(0.1, 0.9, size=maps), np.linspace(2.5, 3.5, maps)
    label = f"B15 {maps} logistic maps, fori_loop {steps} steps"

    def jax_maps(jax: Any, jnp: Any) -> Callable[..., Any]:
        return lambda x, r: jax.lax.fori_loop(0, steps, lambda i, v: r * v * (1.0 - v), x)

    def torch_maps(torch: Any) -> Callable[..., Any]:
        def run(x: Any, r: Any) -> Any:
            v = x
            for _ in range(steps):
                v = r * v * (1.0 - v)
            return v

        return run

    rows += _against_peers(
        cfg,
        label,
        (x, r),
        ("hand NumPy loop (in place)", lambda x, r: logistic_hand(x, r, steps)),
        ("axcomp jit(fori_loop)", ax.jit(lambda x, r: logistic_maps(x, r, steps))),
        ("jax.jit(fori_loop)", jax_maps),
        ("torch loop", torch_maps),
    )
    return rows


CASES: dict[str, Callable[[Config], list[Row]]] = {
    "B9": case_b9,
    "B10": case_b10,
    "B11": case_b11,
    "B12": case_b12,
    "B13": case_b13,
    "B14": case_b14,
    "B15": case_b15,
}
