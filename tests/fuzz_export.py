"""Fuzzer 3: ``axcomp.export`` of random programs, imported as a module, against the
compiled function.

The programs are the transform chains of :mod:`fuzz_transforms` (under one ``jit``) and
the pairwise programs of :mod:`fuzz_chunking` under a small ``memory_limit`` (so the module
holds a block driver and block programs). The exported module is written to a temporary
folder and imported from there; its function must return what the compiled function
returns, to 1e-12.
"""

from __future__ import annotations

import ast
import importlib.util
import itertools
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import fuzz_chunking
import fuzz_transforms
import numpy as np
from fuzz_harness import Outcome, run_axcomp, verdict
from fuzz_kernels import AXCOMP

import axcomp as ax

_COUNTER = itertools.count()


def import_source(source: str) -> Any:
    """``source`` as a module imported from a file (not left in ``sys.modules``)."""
    with tempfile.TemporaryDirectory(prefix="axcomp-fuzz-") as folder:
        path = Path(folder) / f"exported_{next(_COUNTER)}.py"
        path.write_text(source, encoding="utf-8")
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


def public_function(source: str) -> str:
    """The name of the exported module's entry point: its last top-level ``def``."""
    tree = ast.parse(source)
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef)][-1]


def run_exported(source: str, *args: Any) -> Any:
    """The exported module's function applied to ``args``; one output unwrapped."""
    got = getattr(import_source(source), public_function(source))(*args)
    return got[0] if isinstance(got, tuple) and len(got) == 1 else got


@dataclass(frozen=True)
class ExportCase:
    inner: fuzz_transforms.ChainCase | fuzz_chunking.ChunkCase

    def function_and_args(self) -> tuple[Callable[..., Any], tuple[np.ndarray, ...]]:
        inner = self.inner
        if isinstance(inner, fuzz_transforms.ChainCase):
            return ax.jit(inner.compiled()), inner.inputs()
        f = inner.program(AXCOMP, ax.vmap)
        return ax.jit(f, memory_limit=inner.memory_limit(), threads=1), inner.inputs()

    def repro(self) -> str:
        return (
            f"{self.inner.repro()}\n"
            "module = <import of ax.export(f, *args, name='fn')>\n"
            "module.fn(*args)  # against f(*args)"
        )

    def smaller(self) -> list[ExportCase]:
        return [replace(self, inner=c) for c in self.inner.smaller()]


def draw(rng: random.Random) -> ExportCase:
    if rng.random() < 0.5:
        return ExportCase(fuzz_transforms.draw(rng))
    return ExportCase(replace(fuzz_chunking.draw(rng), mode="chunked", threads=1))


def check(case: ExportCase) -> Outcome:
    f, args = case.function_and_args()
    want, failed = run_axcomp(lambda: f(*args))
    if failed is not None:  # the other fuzzers classify these; counted here all the same
        return failed
    source, failed = run_axcomp(lambda: ax.export(f, *args, name="fn"))
    if failed is not None:
        return failed
    got, failed = run_axcomp(lambda: run_exported(source, *args))
    if failed is not None:
        return failed
    return verdict(got, want, rtol=1e-12, atol_scale=1e-12, what="exported vs compiled: ")


def known_issue(case: ExportCase) -> str | None:
    inner = case.inner
    if isinstance(inner, fuzz_transforms.ChainCase):
        return fuzz_transforms.known_issue(inner)
    return fuzz_chunking.known_issue(inner)
