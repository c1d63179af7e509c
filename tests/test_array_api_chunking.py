"""Chunking on the Array API target (backends/array_api_chunks.py): a program over its
memory budget runs block by block on array_api_strict arrays too, its driver joins the
blocks with the standard's functions (concat, add, minimum, maximum), and the results equal
the NumPy path's and an independent NumPy reference."""

from __future__ import annotations

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.backends import ArrayApiTarget, ChunkedTarget

xp = pytest.importorskip("array_api_strict")
XArray = type(xp.asarray(0.0))
RNG = np.random.default_rng(11)


def l1(a, b):
    return anp.sum(anp.abs(a - b))


PAIRWISE = ax.vmap(ax.vmap(l1, in_axes=(None, 0)), in_axes=(0, None))


def test_slices_join_with_concat_and_equal_numpy():
    A, B = RNG.normal(size=(37, 16)), RNG.normal(size=(23, 16))
    f = ax.jit(PAIRWISE, memory_limit="20KiB", threads=4)
    compiled = f.lower(xp.asarray(A), xp.asarray(B))
    chunks = compiled.chunks
    assert chunks is not None and chunks.reason == "memory" and 37 % chunks.chunk  # a tail
    assert chunks.threads == 1  # Array API blocks run one after the other
    assert isinstance(compiled.target, ChunkedTarget)
    assert isinstance(compiled.target.inner, ArrayApiTarget)
    assert "_xp.concat(" in compiled.source and "_np." not in compiled.source
    got = f(xp.asarray(A), xp.asarray(B))
    assert isinstance(got, XArray)
    np.testing.assert_allclose(np.asarray(got), f(A, B), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(got), np.abs(A[:, None] - B[None]).sum(-1))


def test_reduced_axis_accumulates_with_add_minimum_and_maximum():
    A, B = RNG.normal(size=(70, 16)), RNG.normal(size=(50, 16))
    A[5, 2] = np.nan  # min and max propagate NaN across blocks, as on NumPy
    f = ax.jit(
        lambda A, B: (
            anp.sum(PAIRWISE(A, B)),
            anp.max(PAIRWISE(A, B), axis=0),
            anp.min(PAIRWISE(A, B), axis=0),
        ),
        memory_limit="16KiB",
        threads=1,
    )
    chunks = f.lower(xp.asarray(A), xp.asarray(B)).chunks
    assert chunks is not None and chunks.combine == ("sum", "max", "min")
    total, top, low = f(xp.asarray(A), xp.asarray(B))
    ref = np.abs(A[:, None] - B[None]).sum(-1)
    np.testing.assert_allclose(np.asarray(total), ref.sum())
    np.testing.assert_array_equal(np.asarray(top), ref.max(0))
    np.testing.assert_array_equal(np.asarray(low), ref.min(0))
    for mine, numpy_path in zip((total, top, low), f(A, B)):
        np.testing.assert_array_equal(np.asarray(mine), numpy_path)
    A2 = np.nan_to_num(A)
    total2 = f(xp.asarray(A2), xp.asarray(B))[0]
    np.testing.assert_allclose(np.asarray(total2), np.abs(A2[:, None] - B[None]).sum(), rtol=1e-12)


def test_progress_is_reported_per_block():
    A, B = RNG.normal(size=(64, 32)), RNG.normal(size=(48, 32))
    seen: list[tuple[int, int]] = []
    f = ax.jit(PAIRWISE, memory_limit="64KiB", progress=lambda d, t: seen.append((d, t)))
    got = f(xp.asarray(A), xp.asarray(B))
    chunks = f.lower(xp.asarray(A), xp.asarray(B)).chunks
    assert chunks is not None
    assert seen == [(k, chunks.n_blocks) for k in range(1, chunks.n_blocks + 1)]
    np.testing.assert_allclose(np.asarray(got), np.abs(A[:, None] - B[None]).sum(-1))


def test_large_temporaries_chunk_for_speed_on_numpy_only(monkeypatch):
    # chunking for speed runs blocks on threads, which Array API blocks do not use
    monkeypatch.setenv("AXCOMP_FUSE", "0")  # a fused loop leaves no temporaries to split
    A = RNG.normal(size=(256, 128))
    f = ax.jit(PAIRWISE, threads=4)
    numpy_chunks = f.lower(A, A).chunks
    assert numpy_chunks is not None and numpy_chunks.reason == "speed"
    assert f.lower(xp.asarray(A), xp.asarray(A)).chunks is None


def test_explain_names_the_chunked_array_api_target():
    A, B = RNG.normal(size=(37, 16)), RNG.normal(size=(23, 16))
    e = ax.explain(ax.jit(PAIRWISE, memory_limit="20KiB"), xp.asarray(A), xp.asarray(B))
    text = str(e)
    assert "target: array_api (array_api_strict) (chunked: " in text
    assert f"blocks of {e.chunks.chunk} along vmap axis 'a'" in text
