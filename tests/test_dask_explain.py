"""``explain`` on dask arrays describes what the call runs (backends.target.DaskTarget): the
program of the largest block, the block grid, and the temporaries per block, not a whole-array
program that never runs."""

from __future__ import annotations

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.backends import DaskTarget

da = pytest.importorskip("dask.array")


def sqdist(x, y):
    return anp.sum((x - y) ** 2)


PAIRWISE = ax.vmap(ax.vmap(sqdist, (None, 0)), (0, None))


def test_explain_shows_the_largest_block_and_the_grid():
    A, B = np.ones((1000, 64)), np.ones((300, 64))
    dA, dB = da.from_array(A, chunks=(250, 64)), da.from_array(B, chunks=(100, 64))
    e = ax.explain(PAIRWISE, dA, dB)
    assert isinstance(e.compiled.target, DaskTarget)
    whole = ax.explain(PAIRWISE, A, B)
    block = ax.explain(PAIRWISE, A[:250], B[:100])
    # the program shown is the block's (its shapes, its peak), not the whole call's
    assert e.signature() == block.signature().replace("PAIRWISE", e.name)
    assert e.peak_bytes == block.peak_bytes < whole.peak_bytes
    assert "float64[1000,300]" in whole.signature() and "float64[250,100]" in e.signature()
    text = str(e)
    assert "target: dask (blockwise: 4 x 3 blocks along vmap level(s) 'a' (blocks of 250), " in text
    assert "'b' (blocks of 100)" in text and "per-block program numpy" in text


def test_explain_of_a_budget_that_rechunks_says_so():
    A = np.ones((400, 64))
    dA = da.from_array(A, chunks=(400, 64))
    f = ax.vmap(ax.vmap(sqdist, (None, 0)), (0, None), memory_limit="64KiB")
    e = ax.explain(f, dA, dA)
    assert "rechunked to fit the budget" in e.target
    assert e.temporary_bytes <= 64 * 1024
    np.testing.assert_allclose(
        np.asarray(f(dA, dA).compute()), ((A[:, None] - A[None]) ** 2).sum(-1)
    )
