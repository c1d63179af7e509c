#!/usr/bin/env python
"""Fuzz axcomp: mutated DSL programs and configs, random nested vmap specs and shapes.

    python benchmarks/fuzz.py                 # 100,000 inputs (about 10 minutes here)
    python benchmarks/fuzz.py -n 2000 --seed 3

Every input must end in a correct result (specs are compared with the per-example loop
reference in tests/oracle.py) or an ``AxcompError``: a DSL/config error with a caret, or
a spec error naming the argument/axis. Anything else (another exception, a wrong result,
an input taking over a second) is a failure, printed with the input that caused it. The
exit status is the number of failures (0 when all outcomes are acceptable).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import numpy as np  # noqa: E402
from oracle import loop_vmap  # noqa: E402

import axcomp as ax  # noqa: E402
import axcomp.numpy as anp  # noqa: E402

SLOW_S = 1.0

DSL_SEEDS = [
    (ROOT / "examples" / "seed.ax").read_text(),
    "kernel f(x[i, j], c) -> [j] = logsumexp[i](c * x[i, j]) + mean[i](where(x[i, j] > 0,\n"
    "    sigmoid(x[i, j]), relu(-x[i, j])))\n"
    "kernel g(a[n], b[n]) = prod[n](maximum(a[n], b[n]) / 2) - min[n](abs(a[n]) ** 0.5)\n"
    'h = vmap(f, in_axes=(0, None), out_axes=-1, axis_size=2, axis_name="b")\n'
    'k = jit(vmap(g, [0, None], 0), memory_limit="64MiB")\n',
]
CONFIG_SEEDS = {
    ".toml": (ROOT / "examples" / "seed.toml").read_text(),
    ".yaml": (ROOT / "examples" / "seed.yaml").read_text(),
}
TOKENS = (
    "kernel vmap jit grad value_and_grad sum max mean logsumexp exp where in_axes out_axes "
    "axis_size axis_name memory_limit None True 0 1 -1 2 ( ) [ ] , = -> + - * / ** < : "
    "x i j n d \" ' # \n"
).split(" ")


def _mutate(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 4)):
        k = rng.randrange(len(text) + 1)
        op = rng.random()
        if op < 0.3 and text:
            text = text[:k] + text[k + rng.randint(1, 6) :]  # delete
        elif op < 0.6:
            text = text[:k] + rng.choice(TOKENS) + text[k:]  # insert a token
        elif op < 0.8 and text:
            text = text[:k] + chr(rng.randrange(32, 127)) + text[k + 1 :]  # replace a char
        else:
            a, b = sorted(rng.randrange(len(text) + 1) for _ in range(2))
            text = text[:a] + text[a:b] * rng.randint(2, 3) + text[b:]  # repeat a span
    return text


def _dsl_error_ok(exc: ax.AxcompError) -> bool:
    if isinstance(exc, ax.SpecSyntaxError):
        return "^" in str(exc) or bool(getattr(exc, "source_name", None))
    return bool(str(exc))


# --- random specs ---------------------------------------------------------------------------
def k_sum(x: Any) -> Any:
    # no axis=: NumPy accepts axis=-1 on 0-d arrays, JAX (and axcomp) do not
    return anp.sum(x * x)


def k_matvec(m: Any, v: Any) -> Any:
    return anp.dot(m, v)


def k_sqdist(a: Any, b: Any) -> Any:
    return anp.sum((a - b) ** 2)


def k_softmax(x: Any) -> Any:
    e = anp.exp(x - anp.max(x))
    return e / anp.sum(e)


def k_mix(a: Any, b: Any) -> Any:
    return anp.tanh(a) * anp.cumsum(b, axis=0)[: a.shape[0]] if a.ndim == 1 else a + b


KERNELS: list[tuple[Callable[..., Any], tuple[int, ...]]] = [
    (k_sum, (2,)),
    (k_matvec, (2, 1)),
    (k_sqdist, (1, 1)),
    (k_softmax, (1,)),
    (k_mix, (1, 1)),
]


@dataclass
class Spec:
    kernel: Callable[..., Any]
    levels: list[tuple[Any, Any]] = field(default_factory=list)  # (in_axes, out_axes) inner first
    shapes: list[tuple[int, ...]] = field(default_factory=list)


def _random_spec(rng: random.Random) -> Spec:
    kernel, ranks = rng.choice(KERNELS)
    n_args = len(ranks)
    depth = rng.randint(1, 3)
    core = 3
    shapes = [[core] * r for r in ranks]
    levels = []
    for _ in range(depth):
        size = rng.choice([0, 1, 2, 3])
        axes = []
        for k in range(n_args):
            choice = rng.random()
            if choice < 0.25:
                axes.append(None)
                continue
            axis = rng.randint(-len(shapes[k]) - 1, len(shapes[k]))
            if rng.random() < 0.05:
                axis = len(shapes[k]) + 3  # out of range on purpose
            axes.append(axis)
            pos = (
                axis % (len(shapes[k]) + 1) if -len(shapes[k]) - 1 <= axis <= len(shapes[k]) else 0
            )
            shapes[k].insert(pos, size if rng.random() > 0.05 else size + 1)
        in_axes: Any = tuple(axes) if rng.random() < 0.9 else rng.choice([0, None, 1])
        out_axes = rng.choice([0, 0, 0, -1, 1])
        levels.append((in_axes, out_axes))
    return Spec(kernel, levels, [tuple(s) for s in shapes])


def _build(spec: Spec, vmap: Callable[..., Any]) -> Callable[..., Any]:
    f = spec.kernel
    for in_axes, out_axes in spec.levels:
        f = vmap(f, in_axes=in_axes, out_axes=out_axes)
    return f


def _spec_case(rng: random.Random) -> tuple[str, str]:
    spec = _random_spec(rng)
    args = [
        np.asarray(rng.random() + np.arange(int(np.prod(s))).reshape(s) / 7.0) for s in spec.shapes
    ]
    try:
        want = _build(spec, loop_vmap)(*args)
        ref_error: BaseException | None = None
    except Exception as exc:  # the reference refuses the spec too
        want, ref_error = None, exc
    try:
        got = _build(spec, ax.vmap)(*args)
    except ax.AxcompError as exc:
        if ref_error is None:
            return "fail", f"axcomp refused a spec the loop accepts: {exc!r} ({spec})"
        return "error", type(exc).__name__
    except Exception as exc:
        return "fail", f"{type(exc).__name__}: {exc} ({spec})"
    if ref_error is not None:
        return "fail", f"axcomp accepted a spec the loop refuses ({ref_error!r}; {spec})"
    if np.shape(got) != np.shape(want) or not np.allclose(got, want, equal_nan=True):
        return "fail", f"wrong result: shape {np.shape(got)} vs {np.shape(want)}"
    return "ok", "result"


def _dsl_case(rng: random.Random) -> tuple[str, str]:
    text = _mutate(rng.choice(DSL_SEEDS), rng)
    try:
        ax.compile(text)
    except ax.AxcompError as exc:
        return (
            ("error", type(exc).__name__)
            if _dsl_error_ok(exc)
            else ("fail", f"error without a caret: {exc!r} for {text!r}")
        )
    except Exception as exc:
        return "fail", f"{type(exc).__name__}: {exc} for {text!r}"
    return "ok", "compiled"


def _config_case(rng: random.Random, folder: Path) -> tuple[str, str]:
    suffix = rng.choice(sorted(CONFIG_SEEDS))
    path = folder / f"fuzz{suffix}"
    path.write_text(_mutate(CONFIG_SEEDS[suffix], rng))
    try:
        ax.load(path)
    except ax.AxcompError as exc:
        return (
            ("error", type(exc).__name__)
            if _dsl_error_ok(exc)
            else ("fail", f"error without a caret: {exc!r}")
        )
    except Exception as exc:
        return "fail", f"{type(exc).__name__}: {exc} for {path.read_text()!r}"
    return "ok", "loaded"


def run(n: int, seed: int = 0, verbose: bool = True) -> dict[str, Any]:
    """Fuzz ``n`` inputs; returns counts, failures and the slowest input's time."""
    rng = random.Random(seed)
    counts: Counter[str] = Counter()
    failures: list[str] = []
    slowest = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i in range(n):
            kind = ("spec", "dsl", "config")[i % 3]
            t0 = time.perf_counter()
            with np.errstate(all="ignore"):
                if kind == "spec":
                    outcome, what = _spec_case(rng)
                elif kind == "dsl":
                    outcome, what = _dsl_case(rng)
                else:
                    outcome, what = _config_case(rng, folder)
            elapsed = time.perf_counter() - t0
            slowest = max(slowest, elapsed)
            if elapsed > SLOW_S:
                outcome, what = "fail", f"took {elapsed:.2f} s"
            counts[f"{kind}:{outcome}"] += 1
            if outcome == "fail":
                failures.append(f"input {i} ({kind}): {what}")
                if verbose:
                    print(failures[-1], file=sys.stderr)
            if verbose and (i + 1) % 10000 == 0:
                print(f"  {i + 1:,} inputs, {len(failures)} failures", file=sys.stderr)
    return {
        "n": n,
        "counts": dict(sorted(counts.items())),
        "failures": failures,
        "slowest_s": slowest,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="inputs (default 100,000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    report = run(args.n, args.seed)
    print(
        f"fuzzed {report['n']:,} inputs in {time.perf_counter() - t0:.0f} s; "
        f"slowest {report['slowest_s'] * 1e3:.0f} ms; failures {len(report['failures'])}"
    )
    for key, value in report["counts"].items():
        print(f"  {key:14s} {value:,}")
    return min(len(report["failures"]), 255)


if __name__ == "__main__":
    sys.exit(main())
