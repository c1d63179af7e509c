"""B16: the first call of each workload (B1-B14), axcomp against ``jax.jit``, each in a fresh
interpreter (issue 22's target: axcomp's first-call compile at most a third of jax.jit's).

Every workload is written once against the JAX API (``ax``: ``vmap``/``jit``/``grad``...,
``np``: ``numpy``, ``lax``), so axcomp and JAX compile the same program. A child
interpreter imports the library and makes the arguments (neither timed), then times the
compile (axcomp's ``lower``, JAX's ``lower().compile()``) and two runs of the compiled
program (blocked until ready); the first call is the compile and the first run. A fused
loop's numba kernel is not part of axcomp's compile: it compiles on a thread from the first
run on, which runs the loop on NumPy meanwhile (``kernel_loading``). Sizes are smaller than
the timed cases' (a compile does not depend on them, except where a size decides a fused
loop or a blocked run, which these sizes keep: pairwise L1 has 2^22 iterations, kNN runs
in blocks).

Standalone::

    python benchmarks/first_call.py [--rounds 3] [--only B6]

or as case B16 of ``benchmarks/run.py``. The rounds alternate the libraries and the
workloads; the table shows medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy

ROOT = Path(__file__).resolve().parent.parent

Workload = Callable[[Any, Any, Any], Callable[..., Any]]  # (ax, np, lax) -> function


def _pairwise(ax: Any, kernel: Callable[..., Any]) -> Any:
    return ax.vmap(ax.vmap(kernel, in_axes=(None, 0)), in_axes=(0, None))


def b1_matvec(ax: Any, np: Any, lax: Any) -> Any:
    return _pairwise(ax, lambda M, v: np.dot(M, v))


def b3_sqdist(ax: Any, np: Any, lax: Any) -> Any:
    return _pairwise(ax, lambda a, b: np.sum((a - b) ** 2))


def b5_rbf(ax: Any, np: Any, lax: Any) -> Any:
    return _pairwise(ax, lambda a, b: np.exp(-np.sum((a - b) ** 2) / 2))


def b6_l1(ax: Any, np: Any, lax: Any) -> Any:
    return _pairwise(ax, lambda a, b: np.sum(np.abs(a - b)))


def b7_nearest(ax: Any, np: Any, lax: Any) -> Any:
    row = ax.vmap(lambda a, b: np.sum((a - b) ** 2), in_axes=(None, 0))
    return ax.vmap(lambda a, B: np.min(row(a, B)), in_axes=(0, None))


def b8_attention(ax: Any, np: Any, lax: Any) -> Any:
    def attn(q: Any, k: Any, v: Any) -> Any:
        s = q @ k.T / 8.0
        p = np.exp(s - np.max(s, axis=-1, keepdims=True))
        return (p / np.sum(p, axis=-1, keepdims=True)) @ v

    return ax.vmap(ax.vmap(attn))


def _rnn(np: Any, lax: Any) -> Any:
    def final(W: Any, U: Any, b: Any, xs: Any, h0: Any) -> Any:
        return lax.scan(lambda h, x: (np.tanh(h @ W.T + x @ U.T + b), None), h0, xs)[0]

    return final


def b9_rnn(ax: Any, np: Any, lax: Any) -> Any:
    return _rnn(np, lax)


def b9_rnn_grad(ax: Any, np: Any, lax: Any) -> Any:
    final = _rnn(np, lax)
    return ax.value_and_grad(lambda *a: np.sum(final(*a) ** 2), argnums=(0, 1, 2))


def _logsumexp(np: Any, lax: Any, z: Any) -> Any:
    m = lax.stop_gradient(np.max(z))  # JAX's convention: the shift carries no gradient
    return m + np.log(np.sum(np.exp(z - m)))


def b10_hessian(ax: Any, np: Any, lax: Any) -> Any:
    return ax.vmap(ax.hessian(lambda x, A: _logsumexp(np, lax, A @ x)), in_axes=(0, None))


def b11_hvp(ax: Any, np: Any, lax: Any) -> Any:
    def loss(W: Any, X: Any, Y: Any) -> Any:
        z = X @ W
        m = np.max(z, axis=1, keepdims=True)
        lse = m[:, 0] + np.log(np.sum(np.exp(z - m), axis=1))
        return np.sum(lse - np.sum(z * Y, axis=1))

    def hvp(W: Any, V: Any, X: Any, Y: Any) -> Any:
        return ax.jvp(lambda w: ax.grad(loss)(w, X, Y), (W,), (V,))[1]

    return hvp


def b12_ntk(ax: Any, np: Any, lax: Any) -> Any:
    def mlp(params: Any, x: Any) -> Any:
        W1, W2, W3 = params
        return np.tanh(np.tanh(x @ W1) @ W2) @ W3

    def ntk(params: Any, X1: Any, X2: Any) -> Any:
        j1 = ax.vmap(ax.jacrev(mlp), in_axes=(None, 0))(params, X1)
        j2 = ax.vmap(ax.jacrev(mlp), in_axes=(None, 0))(params, X2)
        return sum(
            np.einsum(
                "naf,mbf->nmab", a.reshape(a.shape[:2] + (-1,)), b.reshape(b.shape[:2] + (-1,))
            )
            for a, b in zip(j1, j2)
        )

    return ntk


def b13_topk(ax: Any, np: Any, lax: Any) -> Any:
    row = ax.vmap(lambda a, b: np.sum((a - b) ** 2), in_axes=(None, 0))
    return ax.vmap(lambda a, B: lax.top_k(-row(a, B), 5)[1], in_axes=(0, None))


def b14_argmin(ax: Any, np: Any, lax: Any) -> Any:
    row = ax.vmap(lambda a, b: np.sum((a - b) ** 2), in_axes=(None, 0))
    return ax.vmap(lambda a, B: np.argmin(row(a, B)), in_axes=(0, None))


def _arrays(*shapes: tuple[int, ...]) -> tuple[numpy.ndarray, ...]:
    rng = numpy.random.default_rng(15)
    return tuple(rng.standard_normal(s) * 0.3 for s in shapes)


#: name -> (workload, arguments, whether the call is blocked (kNN: memory_limit 64 MiB))
WORKLOADS: dict[str, tuple[Workload, Callable[[], tuple[Any, ...]], bool]] = {
    "B1 pairwise matvec": (b1_matvec, lambda: _arrays((64, 128, 128), (64, 128)), False),
    "B3 pairwise sqdist": (b3_sqdist, lambda: _arrays((1024, 64), (1024, 64)), False),
    "B5 RBF kernel": (b5_rbf, lambda: _arrays((1024, 32), (1024, 32)), False),
    "B6 pairwise L1 (fused)": (b6_l1, lambda: _arrays((256, 64), (256, 64)), False),
    "B7 nearest neighbour": (b7_nearest, lambda: _arrays((2048, 64), (2048, 64)), False),
    "B8 attention": (b8_attention, lambda: _arrays(*[(8, 4, 64, 32)] * 3), False),
    "B9 RNN scan": (
        b9_rnn,
        lambda: _arrays((64, 64), (64, 16), (64,), (200, 64, 16), (64, 64)),
        False,
    ),
    "B9 RNN value_and_grad": (
        b9_rnn_grad,
        lambda: _arrays((64, 64), (64, 16), (64,), (200, 64, 16), (64, 64)),
        False,
    ),
    "B10 vmap(hessian)": (b10_hessian, lambda: _arrays((128, 50), (100, 50)), False),
    "B11 HVP jvp(grad)": (
        b11_hvp,
        lambda: _arrays((784, 10), (784, 10), (512, 784), (512, 10)),
        False,
    ),
    "B12 NTK": (
        b12_ntk,
        lambda: ((*_arrays((32, 128), (128, 128), (128, 10)),), *_arrays((16, 32), (16, 32))),
        False,
    ),
    "B13 kNN top_k": (b13_topk, lambda: _arrays((500, 32), (4000, 32)), True),
    "B14 argmin": (b14_argmin, lambda: _arrays((1000, 32), (4000, 32)), True),
}


def child(lib: str, name: str) -> dict[str, float]:
    """In a fresh interpreter: import ``lib``, build workload ``name``, time its compile
    (axcomp ``lower``: trace, passes, code; JAX ``lower().compile()``), then two runs of
    the compiled program (the first pays what a first run pays: caches, page faults)."""
    t0 = time.perf_counter()
    if lib == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)
        fn: Any = jax.jit(WORKLOADS[name][0](jax, jax.numpy, jax.lax))
        args = jax.device_put(WORKLOADS[name][1]())
        imported = time.perf_counter() - t0
        t1 = time.perf_counter()
        compiled = fn.lower(*args).compile()
        t2 = time.perf_counter()

        def call() -> Any:
            return jax.block_until_ready(compiled(*args))
    else:
        sys.path.insert(0, str(ROOT))
        import axcomp as ax
        import axcomp.lax as alax
        import axcomp.numpy as anp

        limit = "64MiB" if WORKLOADS[name][2] else None
        fn = ax.jit(WORKLOADS[name][0](ax, anp, alax), memory_limit=limit)
        args = WORKLOADS[name][1]()
        imported = time.perf_counter() - t0
        t1 = time.perf_counter()
        fn.lower(*args)  # compiled and cached: the calls below run it
        t2 = time.perf_counter()

        def call() -> Any:
            return fn(*args)

    call()
    t3 = time.perf_counter()
    call()
    t4 = time.perf_counter()
    return {"import": imported, "compile": t2 - t1, "run1": t3 - t2, "run2": t4 - t3}


def measure(rounds: int, only: str | None = None) -> dict[tuple[str, str], list[dict[str, float]]]:
    """``rounds`` fresh interpreters per workload and library, alternating."""
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    libs = ["axcomp", "jax"]
    for r in range(rounds):
        for name in WORKLOADS:
            if only and not name.startswith(only + " "):
                continue
            for lib in libs if r % 2 == 0 else libs[::-1]:
                out = subprocess.run(
                    [sys.executable, str(Path(__file__).resolve()), "--child", lib, name],
                    capture_output=True,
                    text=True,
                    timeout=600,
                    check=False,
                )
                lines = out.stdout.strip().splitlines()
                if out.returncode or not lines:
                    tail = (out.stderr.strip().splitlines() or ["no output"])[-1]
                    print(f"{name} on {lib} failed: {tail}", file=sys.stderr)
                    continue
                results.setdefault((name, lib), []).append(json.loads(lines[-1]))
    return results


def _median(samples: list[dict[str, float]], key: str) -> float:
    if key == "first":  # the first call: compile and first run
        return statistics.median(s["compile"] + s["run1"] for s in samples)
    return statistics.median(s[key] for s in samples)


def table(results: dict[tuple[str, str], list[dict[str, float]]]) -> str:
    lines = [
        "| workload | axcomp compile | jax.jit compile | axcomp / jax | axcomp first call "
        "| jax.jit first call | axcomp run | jax.jit run |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in WORKLOADS:
        a, j = results.get((name, "axcomp")), results.get((name, "jax"))
        if not a or not j:
            continue
        cells = [name]
        for key in ("compile", "ratio", "first", "run2"):
            if key == "ratio":
                cells.append(f"{_median(a, 'compile') / max(_median(j, 'compile'), 1e-9):.2f}")
                continue
            cells += [f"{_median(a, key) * 1e3:.1f} ms", f"{_median(j, key) * 1e3:.1f} ms"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def case_b16(cfg: Any) -> list[Any]:
    """``benchmarks/run.py`` case B16: one row per workload, axcomp's compile against
    jax.jit's (target <= 1/3); a row saying so where JAX is not installed."""
    from benchmarks.run import Row, _jax_version, info_row

    label = "B16 first-call compile, fresh process"
    if _jax_version() in ("", "not installed", None):
        return [info_row(label, "jax.jit", "not installed", note="pip install jax")]
    results = measure(1 if cfg.quick else 3)
    rows = []
    for name in WORKLOADS:
        a, j = results.get((name, "axcomp")), results.get((name, "jax"))
        if not a or not j:
            rows.append(info_row(label, name, "failed", note="see stderr"))
            continue
        ca, cj = _median(a, "compile"), _median(j, "compile")
        ratio = ca / max(cj, 1e-9)
        rows.append(
            Row(
                label,
                f"{name}: axcomp / jax.jit compile",
                ca,
                ratio,
                "<= 0.33",
                "PASS" if ratio <= 1 / 3 else "MISS",
                len(a),
                1,
                f"jax.jit compile {cj * 1e3:.1f} ms; first calls (compile and run) "
                f"{_median(a, 'first') * 1e3:.1f} / {_median(j, 'first') * 1e3:.1f} ms",
            )
        )
    return rows


CASES = {"B16": case_b16}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", help="a workload's case name, e.g. B6")
    parser.add_argument("--child", nargs=2, metavar=("LIB", "WORKLOAD"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(*args.child)))
        return 0
    print(f"load {os.getloadavg()[0]:.1f}; {args.rounds} fresh interpreters per cell", flush=True)
    print(table(measure(args.rounds, args.only)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
