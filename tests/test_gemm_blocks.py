"""The row blocks a loop nest's GEMMs run in (backends/gemm_blocks.py): measured once a
shape, the whole GEMM unless a block is faster by ``MIN_GAIN`` and gives the same bits."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

pytest.importorskip("numba")
from axcomp.backends import gemm_blocks  # (imports numba: after the skip)
from axcomp.core.loop_nest import Gemm


def test_the_measured_row_block_is_the_whole_or_a_candidate() -> None:
    pytest.importorskip("scipy")  # numba's np.dot calls SciPy's BLAS
    shapes = [
        Gemm(256, 64, 64, "float64", False),
        Gemm(48, 8, 8, "float32", True),
    ]
    blocks = gemm_blocks.row_blocks(shapes)
    assert blocks.dtype == np.int64 and blocks[1] == 48  # no block below 64 rows is tried
    assert blocks[0] in (256, *gemm_blocks.CANDIDATES)
    assert list(gemm_blocks.row_blocks(shapes)) == list(blocks)  # measured once a process


def _fake_run(slow: set[int], wrong: set[int]) -> Any:
    """A GEMM that takes 0.2 ms more a repetition in the ``slow`` blocks and is one ulp off
    in the ``wrong`` ones."""

    def run(a: Any, b: Any, out: Any, block: int, reps: int) -> None:
        rows = a.shape[0]
        for _ in range(reps):
            for start in range(0, rows, block):
                out[start : start + block] = a[start : start + block] @ b
            if block in wrong and block != rows:
                out[0, 0] = np.nextafter(out[0, 0], np.inf)
            if block in slow or (block == rows and -1 in slow):
                time.sleep(2e-4)

    return run


@pytest.mark.parametrize(
    ("slow", "wrong", "chosen"),
    [
        ({-1, 128}, set(), 64),  # the whole GEMM and 128-row blocks slow: 64 rows
        ({-1, 128}, {64}, 256),  # 64 rows faster but other bits: the whole GEMM
        ({-1}, {64}, 128),
        (set(), set(), 256),  # no block faster by MIN_GAIN: the whole GEMM
    ],
)
def test_a_block_is_kept_only_faster_and_with_the_same_bits(
    slow: set[int], wrong: set[int], chosen: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gemm_blocks, "_numba_blas", lambda: True)
    monkeypatch.setattr(gemm_blocks, "_run", _fake_run(slow, wrong))
    monkeypatch.setattr(gemm_blocks, "_chosen", {})
    monkeypatch.setattr(gemm_blocks, "SAMPLE_SECONDS", 1e-3)
    g = Gemm(256, 16, 8, "float64", False)
    assert list(gemm_blocks.row_blocks([g])) == [chosen]
