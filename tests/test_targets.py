"""Where a call runs is chosen in one place (transforms/targets.py:choose_target) and each
target declares its passes (backends/target.py); compiled programs carry their target and
``explain`` names it."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.backends import ArrayApiTarget, ChunkedTarget, DaskTarget, NumpyTarget, PmapTarget
from axcomp.transforms.targets import choose_target

PACKAGE = Path(__file__).resolve().parent.parent / "axcomp"
RNG = np.random.default_rng(3)


def sqdist(x, y):
    return anp.sum((x - y) ** 2)


PAIRWISE = ax.vmap(ax.vmap(sqdist, (None, 0)), (0, None))


def test_each_namespace_gets_its_target_and_passes():
    numpy = choose_target("numpy")
    assert isinstance(numpy, NumpyTarget) and numpy.expand_gemm and numpy.chunking
    strict = choose_target("array_api_strict")
    assert isinstance(strict, ArrayApiTarget) and strict.namespace == "array_api_strict"
    assert not strict.expand_gemm and strict.chunking and strict.emitter == "array_api"
    dask = choose_target("array_api_compat.dask.array")
    assert isinstance(dask, DaskTarget) and not dask.chunking
    assert isinstance(dask.block, NumpyTarget)
    assert isinstance(choose_target("numpy", pmap=True), PmapTarget)
    with pytest.raises(ax.UnsupportedError, match="pmap takes NumPy arrays"):
        choose_target("array_api_strict", pmap=True)


def test_only_the_chooser_asks_whether_arrays_are_dask():
    callers = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "is_dask":
                callers.append(path.relative_to(PACKAGE).as_posix())
    assert callers == ["transforms/targets.py"]


def test_compiled_programs_carry_their_target():
    A, B = RNG.normal(size=(40, 64)), RNG.normal(size=(30, 64))
    whole = PAIRWISE.lower(A, B)
    assert isinstance(whole.target, NumpyTarget) and whole.backend == "numpy"
    assert any(n.op.name == "refine" for n in whole.graph.ordered())  # the GEMM expansion
    chunked = ax.jit(PAIRWISE, memory_limit="8KiB", threads=1).lower(A, B)
    assert isinstance(chunked.target, ChunkedTarget) and chunked.target.chunks is chunked.chunks
    assert chunked.target.describe() == (
        f"numpy (chunked: {chunked.chunks.n_blocks} blocks of {chunked.chunks.chunk} along "
        "vmap axis 'a', 1 thread(s))"
    )
    xp = pytest.importorskip("array_api_strict")
    strict = PAIRWISE.lower(xp.asarray(A), xp.asarray(B))
    assert isinstance(strict.target, ArrayApiTarget)
    assert not any(n.op.name == "refine" for n in strict.graph.ordered())


def test_explain_names_the_pmap_target():
    f = ax.pmap(ax.vmap(lambda x: anp.sum(x**2)), devices=2, shards_per_worker=2)
    x = RNG.normal(size=(8, 5, 3))
    e = ax.explain(f, x)
    assert isinstance(e.compiled.target, PmapTarget)
    assert "target: pmap (4 shard(s) of 2 on 2 local thread(s); per-shard program numpy)" in str(e)
    np.testing.assert_allclose(f(x), (x**2).sum(-1))
