"""A smoke run of benchmarks/workloads.py (B9-B15 at --quick sizes): every candidate's
result is checked against the hand-written NumPy one before it is timed, so the run fails
when axcomp and the hand code disagree; the rows name every candidate."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.run import all_cases, format_table, run


@pytest.mark.slow
def test_quick_workloads_run_and_agree_with_the_hand_code() -> None:
    cases = ["B9", "B10", "B11", "B12", "B13", "B14", "B15"]
    assert set(cases) <= set(all_cases())
    rows = run(quick=True, cases=cases)
    table = format_table(rows)
    for case in cases:
        assert any(r.case.startswith(case + " ") and r.ratio == 1.0 for r in rows), case
    assert "axcomp jit(lax.scan)" in table and "axcomp vmap(top_k(-vmap(sqdist)))" in table
    assert all(r.median_s is None or r.median_s > 0 for r in rows)
