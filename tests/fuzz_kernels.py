"""Random per-example kernels for the differential fuzzers, runnable on two backends.

A kernel is data (:class:`KernelProgram`): two float64 vector parameters ``x``, ``y`` of
length ``n`` and a straight-line list of :class:`Step` s, each one op of :data:`OPS` over
earlier values; every value is a length-``n`` vector, so any op can read any value. The
ops cover elementwise math, reductions broadcast back, matmuls with constants, gathers
(``x[idx]``, ``take``, ``.at[].set/add``), cumulative ops, sorts, flips and the control
flow of ``lax`` (``cond``, ``fori_loop``, ``scan``) and ``where``.

The same program runs on :data:`AXCOMP` (``axcomp.numpy`` and ``axcomp.lax``: the system
under test) and on :data:`NUMPY` (NumPy with ``cond``/``fori_loop``/``scan`` written as
Python control flow and ``.at[]`` as copies: the reference). Nothing is ``exec``'d:
:meth:`KernelProgram.function` closes over the step list; :meth:`KernelProgram.source`
renders the program as text only for the repro a failure prints.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import axcomp as ax
import axcomp.numpy as anp


class _NumpyLax:
    """The three ``lax`` control-flow ops as plain Python (the reference)."""

    @staticmethod
    def cond(pred: Any, true_fun: Callable[..., Any], false_fun: Callable[..., Any], x: Any) -> Any:
        return true_fun(x) if bool(pred) else false_fun(x)

    @staticmethod
    def fori_loop(lo: int, hi: int, body: Callable[..., Any], init: Any) -> Any:
        val = init
        for i in range(lo, hi):
            val = body(i, val)
        return val

    @staticmethod
    def scan(f: Callable[..., Any], init: Any, xs: Any) -> Any:
        carry, ys = init, []
        for x in xs:
            carry, y = f(carry, x)
            ys.append(y)
        return carry, np.stack(ys)


@dataclass(frozen=True)
class Backend:
    name: str
    np: Any  # numpy-like namespace
    lax: Any  # cond / fori_loop / scan
    at_set: Callable[[Any, Any, Any], Any]
    at_add: Callable[[Any, Any, Any], Any]


def _np_at_set(a: Any, idx: Any, v: Any) -> Any:
    out = np.array(a, dtype=np.result_type(a, v))
    out[idx] = v
    return out


def _np_at_add(a: Any, idx: Any, v: Any) -> Any:
    out = np.array(a, dtype=np.result_type(a, v))
    np.add.at(out, idx, v)
    return out


AXCOMP = Backend(
    "axcomp",
    anp,
    ax.lax,
    lambda a, i, v: a.at[i].set(v),
    lambda a, i, v: a.at[i].add(v),
)
NUMPY = Backend("numpy", np, _NumpyLax, _np_at_set, _np_at_add)


@dataclass(frozen=True)
class Op:
    """``text`` renders the op for a repro (``{a}``, ``{b}``: operand names; ``IDX``,
    ``PERM``, ``C``: the program's constants); ``run(B, a, b, k)`` computes it on backend
    ``B`` with the program's constants ``k``; ``kink``: not differentiable everywhere."""

    text: str
    arity: int
    run: Callable[[Backend, Any, Any, Constants], Any]
    kink: bool = False


@dataclass(frozen=True)
class Constants:
    idx: np.ndarray  # repeats allowed (gathers, at[].add)
    perm: np.ndarray  # distinct (at[].set: JAX leaves repeated set indices unspecified)
    c: np.ndarray  # (n, n) matrix


def _scan_step(c: Any, xi: Any) -> tuple[Any, Any]:
    return c * 0.5 + xi, c * xi


OPS: dict[str, Op] = {
    "sin": Op("anp.sin({a})", 1, lambda B, a, b, k: B.np.sin(a)),
    "tanh": Op("anp.tanh({a})", 1, lambda B, a, b, k: B.np.tanh(a)),
    "exp": Op("anp.exp(0.3 * {a})", 1, lambda B, a, b, k: B.np.exp(0.3 * a)),
    "log1p": Op("anp.log1p({a} * {a})", 1, lambda B, a, b, k: B.np.log1p(a * a)),
    "sqrt": Op("anp.sqrt({a} * {a} + 1.0)", 1, lambda B, a, b, k: B.np.sqrt(a * a + 1.0)),
    "abs": Op("anp.abs({a})", 1, lambda B, a, b, k: B.np.abs(a), kink=True),
    "relu": Op("anp.maximum({a}, 0.0)", 1, lambda B, a, b, k: B.np.maximum(a, 0.0), kink=True),
    "center": Op("{a} - anp.max({a})", 1, lambda B, a, b, k: a - B.np.max(a), kink=True),
    "meanmul": Op("{a} * anp.mean({a})", 1, lambda B, a, b, k: a * B.np.mean(a)),
    "cumsum": Op("anp.cumsum({a})", 1, lambda B, a, b, k: B.np.cumsum(a)),
    "cumprod": Op(
        "anp.cumprod(0.5 + 0.25 * anp.tanh({a}))",
        1,
        lambda B, a, b, k: B.np.cumprod(0.5 + 0.25 * B.np.tanh(a)),
    ),
    "sort": Op("anp.sort({a})", 1, lambda B, a, b, k: B.np.sort(a), kink=True),
    "flip": Op("{a}[::-1]", 1, lambda B, a, b, k: a[::-1]),
    "roll": Op(
        "anp.concatenate([{a}[1:], {a}[:1]])",
        1,
        lambda B, a, b, k: B.np.concatenate([a[1:], a[:1]]),
    ),
    "gather": Op("{a}[IDX]", 1, lambda B, a, b, k: a[k.idx]),
    "take": Op("anp.take({a}, IDX)", 1, lambda B, a, b, k: B.np.take(a, k.idx)),
    "matmul": Op("{a} @ C", 1, lambda B, a, b, k: a @ k.c),
    "cond": Op(
        "lax.cond(anp.sum({a}) > 0, lambda u: u * 2.0, lambda u: anp.sin(u), {a})",
        1,
        lambda B, a, b, k: B.lax.cond(B.np.sum(a) > 0, lambda u: u * 2.0, B.np.sin, a),
        kink=True,
    ),
    "fori": Op(
        "lax.fori_loop(0, 3, lambda i, c: c * 0.5 + anp.sin(c), {a})",
        1,
        lambda B, a, b, k: B.lax.fori_loop(0, 3, lambda i, c: c * 0.5 + B.np.sin(c), a),
    ),
    "scan": Op(
        "lax.scan(lambda c, xi: (c * 0.5 + xi, c * xi), 0.0, {a})[1]",
        1,
        lambda B, a, b, k: B.lax.scan(_scan_step, 0.0, a)[1],
    ),
    "add": Op("{a} + {b}", 2, lambda B, a, b, k: a + b),
    "sub": Op("{a} - {b}", 2, lambda B, a, b, k: a - b),
    "mul": Op("{a} * {b}", 2, lambda B, a, b, k: a * b),
    "div": Op("{a} / (1.0 + {b} * {b})", 2, lambda B, a, b, k: a / (1.0 + b * b)),
    "where": Op(
        "anp.where({a} > {b}, {a}, 2.0 * {b})",
        2,
        lambda B, a, b, k: B.np.where(a > b, a, 2.0 * b),
        kink=True,
    ),
    "dot": Op("{a} * anp.dot({a}, {b})", 2, lambda B, a, b, k: a * B.np.dot(a, b)),
    "outer": Op("anp.outer({a}, {b}) @ C[0]", 2, lambda B, a, b, k: B.np.outer(a, b) @ k.c[0]),
    "at_set": Op(
        "{a}.at[PERM].set({b}[PERM])", 2, lambda B, a, b, k: B.at_set(a, k.perm, b[k.perm])
    ),
    "at_add": Op("{a}.at[IDX].add({b})", 2, lambda B, a, b, k: B.at_add(a, k.idx, b)),
}
SMOOTH_OPS = sorted(name for name, op in OPS.items() if not op.kink)


@dataclass(frozen=True)
class Step:
    op: str
    args: tuple[int, ...]  # indices of earlier values (0: x, 1: y, 2 + k: step k)


@dataclass(frozen=True)
class KernelProgram:
    n: int
    steps: tuple[Step, ...]
    scalar: bool  # return anp.sum(last) instead of the vector
    seed: int  # the constants' seed

    def constants(self) -> Constants:
        rng = np.random.default_rng(self.seed)
        perm = rng.permutation(self.n)[: max(1, self.n - 1)]
        return Constants(rng.integers(0, self.n, self.n), perm, rng.normal(size=(self.n,) * 2))

    def function(self, backend: Backend) -> Callable[[Any, Any], Any]:
        k = self.constants()
        steps = self.steps
        scalar = self.scalar

        def kernel(x: Any, y: Any) -> Any:
            vals = [x, y]
            for s in steps:
                op = OPS[s.op]
                vals.append(op.run(backend, vals[s.args[0]], vals[s.args[-1]], k))
            return backend.np.sum(vals[-1]) if scalar else vals[-1]

        kernel.__name__ = f"kernel_{backend.name}"
        return kernel

    @property
    def out_shape(self) -> tuple[int, ...]:
        return () if self.scalar else (self.n,)

    @property
    def smooth(self) -> bool:
        return not any(OPS[s.op].kink for s in self.steps)

    def source(self, name: str = "kernel") -> str:
        k = self.constants()
        names = ["x", "y"] + [f"v{i}" for i in range(len(self.steps))]
        lines = [
            f"IDX = np.array({k.idx.tolist()})",
            f"PERM = np.array({k.perm.tolist()})",
            f"C = np.random.default_rng({self.seed}).normal(size=({self.n}, {self.n}))"
            "  # as the fuzzer draws it: see KernelProgram.constants",
            f"def {name}(x, y):  # x, y: float64[{self.n}]",
        ]
        for i, s in enumerate(self.steps):
            a, b = names[s.args[0]], names[s.args[-1]]
            lines.append(f"    v{i} = " + OPS[s.op].text.format(a=a, b=b))
        last = names[-1]
        lines.append(f"    return anp.sum({last})" if self.scalar else f"    return {last}")
        return "\n".join(lines)

    def shrunk(self) -> list[KernelProgram]:
        """Smaller programs (for shrinking a failure): each ending at an earlier step, and
        the vector form of a scalar one."""
        out = [
            KernelProgram(self.n, self.steps[:k], self.scalar, self.seed)
            for k in range(len(self.steps))
        ]
        if self.scalar:
            out.append(KernelProgram(self.n, self.steps, False, self.seed))
        return out


def random_kernel(
    rng: random.Random, *, smooth: bool = False, max_steps: int = 5, n: int | None = None
) -> KernelProgram:
    """A random program; ``smooth`` leaves out the ops with kinks (for second derivatives,
    where finite differences across a kink are meaningless)."""
    names = SMOOTH_OPS if smooth else sorted(OPS)
    steps = []
    for k in range(rng.randint(1, max_steps)):
        op = rng.choice(names)
        n_vals = 2 + k
        # lean on recent values so the program is a chain more often than a fan
        args = tuple(max(0, n_vals - 1 - int(rng.expovariate(0.7))) for _ in range(OPS[op].arity))
        steps.append(Step(op, args))
    return KernelProgram(
        n if n is not None else rng.choice([2, 3, 4]),
        tuple(steps),
        rng.random() < 0.4,
        rng.randrange(1 << 16),
    )
