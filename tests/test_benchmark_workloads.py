"""A smoke run of benchmarks/workloads.py (B9-B15 at --quick sizes): every candidate's
result is checked against the hand-written NumPy one before it is timed, so the run fails
when axcomp and the hand code disagree; the rows name every candidate."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
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


def test_the_first_call_workloads_compute_what_they_say() -> None:
    # B16 (benchmarks/first_call.py) times each workload's first call in fresh
    # interpreters; here, in this one, two of them against NumPy formulas
    import axcomp as ax
    import axcomp.lax as alax
    import axcomp.numpy as anp
    from benchmarks import first_call

    assert "B16" in all_cases() and len(first_call.WORKLOADS) == 13
    a, b = first_call._arrays((5, 3), (7, 3))
    l1 = ax.jit(first_call.b6_l1(ax, anp, alax))(a, b)
    np.testing.assert_allclose(l1, np.abs(a[:, None] - b[None]).sum(-1), rtol=1e-14)
    top = ax.jit(first_call.b13_topk(ax, anp, alax))(a, b)
    d = ((a[:, None] - b[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(top, np.argsort(d, axis=1, kind="stable")[:, :5])
    times = first_call.child("axcomp", "B10 vmap(hessian)")
    assert set(times) == {"import", "compile", "run1", "run2"}
    assert all(t > 0 for t in times.values())
