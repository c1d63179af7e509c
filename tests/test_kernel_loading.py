"""A fused step never makes a call wait for numba (backends/kernel_loading.py): its first
calls run the step's NumPy path (backends/fused_numpy.py) while the kernel compiles on a
thread, later calls run the kernel; ``AXCOMP_FUSE=always`` compiles in the first call.

The slot's states are checked with builds the test controls; the NumPy path of fused loops
against the plain program (``AXCOMP_FUSE=0``) and the kernel; one real kernel is compiled
in the background.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.backends import fused_loops, fused_numpy, kernel_loading
from axcomp.backends.numpy_backend import fused_steps

RNG = np.random.default_rng(3)


def _slot(build: Callable[[Any], Any]) -> kernel_loading.KernelSlot:
    return kernel_loading.KernelSlot("test kernel", build)


def test_calls_get_no_kernel_until_the_background_compile_is_done() -> None:
    release, built = threading.Event(), []

    def build(types: Any) -> Any:
        built.append(types)
        release.wait(30)
        return len

    slot = _slot(build)
    args = (np.zeros((2, 3)), np.float32(1.0), 4, np.zeros(5)[::2])
    results: list[Any] = []
    callers = [
        threading.Thread(target=lambda: results.append(slot.get(lambda: args))) for _ in range(4)
    ]
    for t in callers:
        t.start()
    for t in callers:
        t.join()
    assert results == [None] * 4 and slot.get(lambda: args) is None  # NumPy meanwhile
    release.set()
    assert slot.wait(30) and slot.get(lambda: args) is len
    # compiled once, for the first call's types (layouts included)
    assert built == [
        (
            ("array", "<f8", 2, "C", False, True),
            ("scalar", "<f4"),
            ("int",),
            ("array", "<f8", 1, "A", False, True),
        )
    ]


def test_compiles_asked_for_in_a_run_of_blocks_start_when_the_outermost_run_ends() -> None:
    built: list[Any] = []
    slot, other = _slot(lambda types: built.append(types) or len), _slot(lambda types: abs)
    args = (np.zeros(3),)
    with kernel_loading.compiles_after():
        with kernel_loading.compiles_after():  # a nested run (a block's own threads)
            assert slot.get(lambda: args) is None
        assert slot.get(lambda: args) is None and not slot.wait(0) and built == []
        assert other.compiled(lambda: args) is abs  # one built here meanwhile
    assert slot.wait(30) and slot.get(lambda: args) is len and len(built) == 1
    # a deferred start after the kernel was built in the calling thread builds nothing
    late = _slot(lambda types: built.append(types) or len)
    with kernel_loading.compiles_after():
        assert late.get(lambda: args) is None
        assert late.compiled(lambda: args) is len
    assert late.wait(30) and len(built) == 2


def test_a_failed_background_compile_keeps_numpy_and_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def build(types: Any) -> Any:
        raise RuntimeError("no compiler here")

    slot = _slot(build)
    with caplog.at_level(logging.WARNING, logger="axcomp"):
        assert slot.get(lambda: ()) is None
        assert not slot.wait(30)
        assert slot.get(lambda: ()) is None and slot.get(lambda: ()) is None
    assert slot.failed
    warnings = [r for r in caplog.records if "no compiler here" in r.getMessage()]
    assert len(warnings) == 1 and "runs on NumPy" in warnings[0].getMessage()


def test_without_background_the_first_call_builds_and_errors_reach_it() -> None:
    calls: list[Any] = []
    slot = _slot(lambda types: calls.append(types) or abs)
    assert slot.get(lambda: (1.5,), background=False) is abs and calls == [(("float",),)]
    assert slot.get(lambda: (1.5,)) is abs and len(calls) == 1

    def broken(types: Any) -> Any:
        raise RuntimeError("broken")

    with pytest.raises(RuntimeError, match="broken"):
        _slot(broken).get(lambda: (), background=False)


def pairwise(kernel: Callable[..., Any]) -> Any:
    return ax.vmap(ax.vmap(kernel, in_axes=(None, 0)), in_axes=(0, None))


def _run(f: Callable[..., Any], fuse: str, *args: Any) -> tuple[np.ndarray, Any]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AXCOMP_FUSE", fuse)
        jf = ax.jit(f)
        return np.asarray(jf(*args)), jf.lower(*args)


A = RNG.standard_normal((21, 6))
B = RNG.standard_normal((13, 6))
B[:, :2] = A[:13, :2]
CASES: list[tuple[str, Callable[..., Any], tuple[Any, ...]]] = [
    ("l1", pairwise(lambda a, b: anp.sum(anp.abs(a - b))), (A, B)),
    ("chebyshev", pairwise(lambda a, b: anp.max(anp.abs(a - b))), (A, B)),
    ("hamming", pairwise(lambda a, b: anp.sum(a != b)), (A, B)),
    ("masked", lambda x: anp.sum(anp.where(x > 0.25, x * 2.0, 0.0), axis=1), (A,)),
    ("outer axis", lambda x: anp.min(anp.sqrt(anp.abs(x)) - 1.0, axis=0), (A,)),
    ("everything", lambda x, y: anp.sum(anp.square(x - y)), (A[:13], B)),
    ("float32", pairwise(lambda a, b: anp.sum(anp.abs(a - b))), (A.astype("f4"), B.astype("f4"))),
    ("strided scalar", lambda x, s: anp.max(anp.abs(x.T - s), axis=0), (A[::2], 1.5)),
]


@pytest.fixture
def numpy_path_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Fused steps that never get their kernel (even one an earlier test compiled): every
    call runs the NumPy path, in blocks of 7 iterations (so rows are cut and outer
    reductions accumulate across blocks); yields the list of NumPy-path runs."""
    runs: list[int] = []
    evaluator = fused_numpy.evaluator

    def counting(loop: Any, threads: int = 1) -> Any:
        run = evaluator(loop, threads)
        return None if run is None else lambda *xs: runs.append(1) or run(*xs)

    monkeypatch.setattr(kernel_loading, "_slots", {})  # none holds a kernel yet
    monkeypatch.setattr(kernel_loading.KernelSlot, "_start", lambda self, arguments: None)
    monkeypatch.setattr(fused_numpy, "evaluator", counting)
    monkeypatch.setattr(fused_numpy, "BLOCK_ELEMENTS", 7)
    monkeypatch.setattr(fused_loops, "MIN_ELEMENTS", 0)
    yield runs


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_the_numpy_path_of_a_fused_loop_equals_the_plain_program(
    case: tuple[str, Callable[..., Any], tuple[Any, ...]], numpy_path_only: list[int]
) -> None:
    _, f, args = case
    got, c = _run(f, "", *args)
    assert numpy_path_only  # the fused step ran its NumPy path
    want, plain = _run(f, "0", *args)
    assert fused_steps(c.plan) and not fused_steps(plain.plan)
    assert got.dtype == want.dtype and got.shape == want.shape
    if got.dtype.kind == "f" and "sum" in str(c.plan):
        np.testing.assert_allclose(got, want, rtol=1e-6 if got.dtype == "f4" else 1e-14)
    else:
        np.testing.assert_array_equal(got, want)


def test_a_first_call_computes_on_numpy_before_its_kernel_starts_compiling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the compile holds the GIL: started first, it would slow the call it is meant to spare
    order: list[str] = []
    evaluator = fused_numpy.evaluator

    def recording(loop: Any, threads: int = 1) -> Any:
        run = evaluator(loop, threads)
        return None if run is None else lambda *xs: order.append("numpy") or run(*xs)

    monkeypatch.setattr(kernel_loading, "_slots", {})
    monkeypatch.setattr(
        kernel_loading.KernelSlot, "_start", lambda self, a: order.append("compile")
    )
    monkeypatch.setattr(fused_numpy, "evaluator", recording)
    monkeypatch.setattr(fused_loops, "MIN_ELEMENTS", 0)
    monkeypatch.delenv("AXCOMP_FUSE", raising=False)
    got = ax.jit(CASES[0][1])(A, B)
    assert order == ["numpy", "compile"]
    np.testing.assert_allclose(got, np.abs(A[:, None] - B[None]).sum(-1), rtol=1e-14)


def test_the_numpy_path_refuses_loops_it_cannot_compute() -> None:
    with pytest.MonkeyPatch.context() as mp:  # lowered only: no kernel compiles here
        mp.setenv("AXCOMP_FUSE", "always")
        (_, loop), *_ = fused_steps(ax.jit(CASES[0][1]).lower(A, B).plan)
    assert fused_numpy.evaluator(loop) is not None
    body = (*loop.body[:-1], type(loop.body[-1])("no_such_ufunc", loop.body[-1].args, "float64"))
    odd = object.__new__(type(loop))
    odd.__dict__.update(loop.__dict__, body=body)
    assert fused_numpy.evaluator(odd) is None


numba = pytest.importorskip("numba")


def test_a_kernel_compiles_in_the_background_and_takes_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AXCOMP_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(fused_loops, "MIN_ELEMENTS", 0)
    monkeypatch.delenv("AXCOMP_FUSE", raising=False)
    f = pairwise(
        lambda a, b: anp.sum(anp.maximum(anp.abs(a - b), 0.25))
    )  # a kernel of this test's own
    jf = ax.jit(f)
    first = np.asarray(jf(A, B))  # NumPy: the kernel is compiling
    (_, loop), *_ = fused_steps(jf.lower(A, B).plan)
    slot = kernel_loading.slot(fused_loops.slot_key(loop), "", lambda types: None)
    kernel_loading.wait_all(120)  # (what the benchmarks do before timing)
    assert slot.kernel is not None
    overloads = len(slot.kernel.overloads)
    later = np.asarray(jf(A, B))  # the kernel, compiled for exactly these calls
    assert len(slot.kernel.overloads) == overloads == 1
    want, _ = _run(f, "0", A, B)
    np.testing.assert_allclose(first, want, rtol=1e-14)
    np.testing.assert_allclose(later, want, rtol=1e-14)


@pytest.mark.slow
def test_exiting_while_a_kernel_compiles_finishes_it_first(tmp_path: Path) -> None:
    # a process that exited with a compile inside LLVM crashed (LLVM's statics are
    # destroyed at exit): the compile finishes, and its machine code is cached
    script = (
        "import numpy as np, axcomp as ax, axcomp.numpy as anp\n"
        "from axcomp.backends import fused_loops\n"
        "fused_loops.MIN_ELEMENTS = 0\n"
        "g = lambda a, b: anp.sum(anp.maximum(anp.abs(a - b), 3.0))\n"
        "f = ax.vmap(ax.vmap(g, in_axes=(None, 0)), in_axes=(0, None))\n"
        "print(f(np.ones((4, 3)), np.zeros((5, 3))).sum())\n"
    )
    env = {"AXCOMP_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env
    )
    assert out.returncode == 0 and out.stdout.strip() == "180.0" and out.stderr == ""
    assert list(tmp_path.rglob("*.nbi")) and list(tmp_path.rglob("*.nbc"))
