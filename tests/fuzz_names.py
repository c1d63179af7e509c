"""Fuzzer 4: hostile names through every path that prints code.

A case gives a random kernel (:mod:`fuzz_kernels`) hostile parameter names and a hostile
function name (``__name__``/``__qualname__``), and passes its inputs either positionally
or in a dict under hostile keys. Names are drawn from :data:`HOSTILE`: the generated
code's own names (``_np``, ``t0``, ``c0``, ``_b64``, ``_block``), builtins (``bool``,
``int``, ``zip``), ``shape``/``value``, keywords, NFKC look-alikes that Python folds onto
another identifier (``ｔ0`` is ``t0``), non-ASCII letters and non-identifiers. Parameter
names are what a ``def`` can spell (identifiers, NFKC-folded, no keywords); a function
name or a dict key can be any string.

Each case goes through one path: ``jit``, nested ``vmap``, ``export`` (imported and run),
the chunked driver (tiny ``memory_limit``, plus its export) or ``explain`` (its source must
parse as Python). Results must equal the loop oracle over the NumPy kernel.
"""

from __future__ import annotations

import ast
import keyword
import random
import types
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from fuzz_export import run_exported
from fuzz_harness import Outcome, run_axcomp, run_oracle, verdict
from fuzz_kernels import AXCOMP, NUMPY, KernelProgram, random_kernel
from oracle import loop_vmap

import axcomp as ax

HOSTILE = (
    "_np", "_b64", "_block", "_tail", "_progress", "_run_blocks", "_SIGNATURE", "_dt0",
    "np", "anp", "t0", "t1", "c0", "c1", "x", "y", "out", "result", "value", "shape",
    "dtype", "bool", "int", "float", "zip", "len", "range", "print", "min", "max",
    "__builtins__", "__import__", "__name__", "self", "args", "kwargs",
    "ｔ0", "ｃ0", "ｘ", "ﬁ", "ℌ", "𝔵", "π", "é", "変数", "Ω",
    "None", "True", "class", "lambda", "def", "return", "import", "match", "_",
    "a b", "1x", "", "x-y", "f(x)", "'\"", "\\n", "#", "é\u0301",
)  # fmt: skip
PATHS = ("jit", "vmap", "export", "chunked", "chunked_export", "explain")
# Paths that run the compiled program on the (A, B) pairwise inputs.
PAIRWISE = frozenset({"vmap", "export", "chunked", "chunked_export", "explain"})


def parameter_names() -> list[str]:
    """The names a ``def`` can give parameters (what the parser makes of them: NFKC)."""
    names = {unicodedata.normalize("NFKC", n) for n in HOSTILE}
    return sorted(n for n in names if n.isidentifier() and not keyword.iskeyword(n))


PARAMETERS = parameter_names()


def renamed(fn: Callable[..., Any], params: tuple[str, ...], name: str) -> Any:
    """``fn`` as a function whose parameters are spelled ``params`` (one or two) and whose
    name is ``name``, as if written ``def <name>(<params>): ...`` (no source is compiled)."""

    def one(p0: Any) -> Any:
        return fn(p0)

    def two(p0: Any, p1: Any) -> Any:
        return fn(p0, p1)

    template = one if len(params) == 1 else two
    code = template.__code__
    code = code.replace(co_varnames=params + code.co_varnames[len(params) :], co_name=name or "_")
    out = types.FunctionType(code, template.__globals__, name, None, template.__closure__)
    out.__qualname__ = name
    return out


@dataclass(frozen=True)
class NamesCase:
    kernel: KernelProgram
    params: tuple[str, str]
    name: str
    keys: tuple[str, str] | None  # inputs in a dict under these keys, else positional
    path: str
    seed: int

    def inputs(self) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(self.seed)
        n = self.kernel.n
        if self.path in PAIRWISE:
            return rng.normal(size=(23, n)), rng.normal(size=(17, n))
        return rng.normal(size=n), rng.normal(size=n)

    def function(self, backend: Any) -> Callable[..., Any]:
        """The kernel with hostile names; with ``keys``, a one-argument function of a dict."""
        kernel = self.kernel.function(backend)
        if self.keys is None:
            return renamed(kernel, self.params, self.name)
        k0, k1 = self.keys
        return renamed(lambda d: kernel(d[k0], d[k1]), self.params[:1], self.name)

    def program(self, backend: Any, vmap: Callable[..., Any]) -> Callable[..., Any]:
        f = self.function(backend)
        if self.keys is None:
            if self.path in PAIRWISE:
                return vmap(vmap(f, (None, 0)), (0, None))
            return f
        k0, k1 = self.keys
        if self.path in PAIRWISE:
            inner = vmap(f, ({k0: None, k1: 0},))
            outer = vmap(lambda d: inner(d), ({k0: 0, k1: None},))
            return lambda a, b: outer({k0: a, k1: b})
        return lambda a, b: f({k0: a, k1: b})

    def repro(self) -> str:
        args = f"{{{self.keys[0]!r}: x, {self.keys[1]!r}: y}}" if self.keys else "x, y"
        return (
            f"{self.kernel.source('body')}\n"
            f"kernel = fuzz_names.renamed(body, {self.params!r}, {self.name!r})"
            f"  # def {self.name}({', '.join(self.params)})\n"
            f"path {self.path!r} on inputs {args} (seed {self.seed}; pairwise for vmap paths)"
        )

    def smaller(self) -> list[NamesCase]:
        out = [replace(self, kernel=k) for k in self.kernel.shrunk()]
        if self.keys is not None:
            out.append(replace(self, keys=None))
        if self.name != "kernel":
            out.append(replace(self, name="kernel"))
        for k, benign in enumerate(("x", "y")):
            if self.params[k] != benign and benign not in self.params:
                params = list(self.params)
                params[k] = benign
                out.append(replace(self, params=(params[0], params[1])))
        return out


#: Which names a case makes hostile (the others stay ``x``, ``y``, ``kernel``, positional).
TARGETS = ("function", "parameters", "keys", "all")


def draw(rng: random.Random) -> NamesCase:
    target = rng.choice(TARGETS)
    params = tuple(rng.sample(PARAMETERS, 2)) if target in ("parameters", "all") else ("x", "y")
    keys = tuple(rng.sample(HOSTILE, 2)) if target in ("keys", "all") else None
    return NamesCase(
        kernel=random_kernel(rng, max_steps=3),
        params=(params[0], params[1]),
        name=rng.choice(HOSTILE) if target in ("function", "all") else "kernel",
        keys=(keys[0], keys[1]) if keys else None,
        path=rng.choice(PATHS),
        seed=rng.randrange(1 << 30),
    )


def target(case: NamesCase) -> str:
    """Which of :data:`TARGETS` the case is (after shrinking it may be fewer)."""
    hostile = [
        case.name != "kernel",
        case.params != ("x", "y"),
        case.keys is not None,
    ]
    if sum(hostile) != 1:
        return "all" if sum(hostile) else "none"
    return TARGETS[hostile.index(True)]


def _run(case: NamesCase, a: np.ndarray, b: np.ndarray) -> Any:
    f = case.program(AXCOMP, ax.vmap)
    if case.path in ("jit", "vmap"):
        return ax.jit(f)(a, b)
    if case.path == "explain":
        source = ax.explain(f, a, b).source
        ast.parse(source)  # a SyntaxError here is a crash: the printed code is broken
        return f(a, b)
    if case.path.startswith("chunked"):
        f = ax.jit(f, memory_limit=1 << 12, threads=2)
        if case.path == "chunked":
            return f(a, b)
    return run_exported(ax.export(f, a, b, name=case.name), a, b)


def check(case: NamesCase) -> Outcome:
    a, b = case.inputs()
    want, bad = run_oracle(lambda: case.program(NUMPY, loop_vmap)(a, b))
    if bad is not None:
        return bad
    got, failed = run_axcomp(lambda: _run(case, a, b))
    if failed is not None:
        return failed
    return verdict(got, want, rtol=1e-9, atol_scale=1e-11, what=f"{case.path}: ")


EXPORTS = frozenset({"export", "chunked_export"})


def known_issue(case: NamesCase) -> str | None:
    """Hostile function names anywhere, hostile parameter names in exported modules, dict
    keys that NFKC folds together (``ｔ0``, ``t0``): the emitters' name hygiene (fixed
    elsewhere)."""
    if case.name != "kernel" or (case.params != ("x", "y") and case.path in EXPORTS):
        return "name hygiene"
    if case.keys and len({unicodedata.normalize("NFKC", k) for k in case.keys}) == 1:
        return "name hygiene"
    return None
