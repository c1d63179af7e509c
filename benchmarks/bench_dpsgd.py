#!/usr/bin/env python
"""DP-SGD per-example gradients of a small conv net: axcomp against ``jax.jit``.

    python benchmarks/bench_dpsgd.py            # batch 256, 28x28 inputs
    python benchmarks/bench_dpsgd.py --quick    # batch 8, a few repetitions

The network is JAX's differentially private SGD example: two strided convolutions (16
8x8 filters, stride 2, SAME; 32 4x4 filters, stride 2, VALID), each followed by ReLU and a
2x2 max pool with stride 1, then dense layers of 32 and 10 units; the loss is the softmax
cross-entropy of one example. The workload is ``jit(vmap(grad(loss), in_axes=(None, 0,
0)))``: one gradient per example, as DP-SGD clips them. The same Python code runs on both
libraries (``L`` is either namespace), float64, and the two results must agree to 1e-10.

JAX (and torch, for a ``torch.func`` column) are imported only here, and skipped when
absent. Timings are interleaved medians (see ``bench_grad.py``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import axcomp as ax
import axcomp.lax as axlax
import axcomp.nn as axnn
import axcomp.numpy as anp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_grad import time_interleaved

DN = ("NHWC", "HWIO", "NHWC")


def make_loss(L: Any) -> Callable[..., Any]:
    """The per-example loss, written once for either library."""
    lax, jnp = L.lax, L.numpy

    def pool(y: Any) -> Any:
        return lax.reduce_window(y, -np.inf, lax.max, (1, 2, 2, 1), (1, 1, 1, 1), "VALID")

    def loss(params: Any, image: Any, label: Any) -> Any:
        (w1, b1), (w2, b2), (w3, b3), (w4, b4) = params
        x = image[None]  # one example: a batch of one for the convolutions
        conv = lax.conv_general_dilated
        x = pool(L.relu(conv(x, w1, (2, 2), "SAME", dimension_numbers=DN) + b1))
        x = pool(L.relu(conv(x, w2, (2, 2), "VALID", dimension_numbers=DN) + b2))
        x = jnp.reshape(x, (-1,))
        x = L.relu(x @ w3 + b3)
        logits = x @ w4 + b4
        return -jnp.sum(label * L.log_softmax(logits))

    return loss


def init_params(rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    def layer(shape: tuple[int, ...], fan_in: int) -> tuple[np.ndarray, np.ndarray]:
        return rng.normal(size=shape) / np.sqrt(fan_in), 0.1 * rng.normal(size=shape[-1])

    return [
        layer((8, 8, 1, 16), 64),
        layer((4, 4, 16, 32), 256),
        layer((4 * 4 * 32, 32), 512),
        layer((32, 10), 32),
    ]


def _flat(tree: Any) -> list[np.ndarray]:
    return [np.asarray(leaf) for pair in tree for leaf in pair]


def _jax_candidate(params: Any, images: np.ndarray, labels: np.ndarray) -> Any:
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    L = SimpleNamespace(
        lax=jax.lax,
        numpy=jax.numpy,
        relu=jax.nn.relu,
        log_softmax=jax.nn.log_softmax,
    )
    f = jax.jit(jax.vmap(jax.grad(make_loss(L)), in_axes=(None, 0, 0)))
    p = jax.tree_util.tree_map(jax.numpy.asarray, params)
    xs, ys = jax.numpy.asarray(images), jax.numpy.asarray(labels)
    return lambda: jax.block_until_ready(f(p, xs, ys))


def _torch_candidate(params: Any, images: np.ndarray, labels: np.ndarray) -> Any:
    try:
        import torch
        from torch.func import grad, vmap
    except ImportError:
        return None
    tnn = torch.nn.functional

    def pool(y: Any) -> Any:
        return tnn.max_pool2d(y, 2, 1)

    def loss(p: Any, image: Any, label: Any) -> Any:
        (w1, b1), (w2, b2), (w3, b3), (w4, b4) = p
        x = image.permute(2, 0, 1)[None]  # NCHW, the kernels OIHW
        x = pool(torch.relu(tnn.conv2d(x, w1, b1, stride=2, padding=3)))
        x = x[:, :, :14, :14]  # SAME for an 8x8 kernel at stride 2 pads 3 before, 4 after
        x = pool(torch.relu(tnn.conv2d(x, w2, b2, stride=2)))
        x = x.permute(0, 2, 3, 1).reshape(-1)  # flatten in NHWC order, as the others do
        x = torch.relu(x @ w3 + b3)
        return -(label * torch.log_softmax(x @ w4 + b4, -1)).sum()

    def conv_w(w: np.ndarray) -> Any:
        return torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1)))

    p = [
        (conv_w(params[0][0]), torch.from_numpy(params[0][1])),
        (conv_w(params[1][0]), torch.from_numpy(params[1][1])),
        *[(torch.from_numpy(w), torch.from_numpy(b)) for w, b in params[2:]],
    ]
    f = vmap(grad(loss), in_dims=(None, 0, 0))
    xs, ys = torch.from_numpy(images), torch.from_numpy(labels)

    def run() -> Any:
        return f(p, xs, ys)

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="batch 8, few repetitions")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--reps", type=int, default=9)
    args = parser.parse_args(argv)
    batch = 8 if args.quick else args.batch
    reps = 3 if args.quick else args.reps
    rng = np.random.default_rng(0)
    params = init_params(rng)
    images = rng.normal(size=(batch, 28, 28, 1))
    labels = np.eye(10)[rng.integers(0, 10, size=batch)]

    L = SimpleNamespace(lax=axlax, numpy=anp, relu=axnn.relu, log_softmax=axnn.log_softmax)
    per_example = ax.jit(ax.vmap(ax.grad(make_loss(L)), in_axes=(None, 0, 0)))
    start = time.perf_counter()
    ours = per_example(params, images, labels)
    first = time.perf_counter() - start
    candidates: dict[str, Callable[[], Any]] = {
        "axcomp": lambda: per_example(params, images, labels)
    }
    print(f"batch {batch}, 28x28x1, float64; axcomp first call (trace + compile): {first:.3f} s")

    for name, make in (("jax.jit", _jax_candidate), ("torch.func", _torch_candidate)):
        fn = make(params, images, labels)
        if fn is None:
            print(f"{name:>10}: not installed")
            continue
        got = fn()
        if name == "torch.func":
            # per-example OIHW kernel gradients back to HWIO
            got = [
                (g[0].numpy().transpose(0, 3, 4, 2, 1) if k < 2 else g[0].numpy(), g[1].numpy())
                for k, g in enumerate(got)
            ]
        err = max(float(np.max(np.abs(a - b))) for a, b in zip(_flat(ours), _flat(got)))
        print(f"{name:>10}: max |difference| from axcomp = {err:.2e}")
        if err > 1e-10:
            print(f"{name:>10}: results differ by more than 1e-10")
            return 1
        candidates[name] = fn

    inner = 1 if batch >= 64 else 5
    times = time_interleaved(candidates, reps, inner)
    for name, t in times.items():
        print(f"{name:>10}: {t * 1e3:9.2f} ms per call")
    if "jax.jit" in times:
        print(f"axcomp / jax.jit = {times['axcomp'] / times['jax.jit']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
