"""Memory accounting of a Plan: which buffers are alive after each step, and the peak.

A step allocates ``step.nbytes`` for its result; a buffer dies after the last step that
reads it (views keep the buffer they view alive). Inputs and constants belong to the
caller. ``temporary_peak`` leaves out the outputs, which the memory budget does not count.
"""

from __future__ import annotations

from ..core.plan import Assign, Call, Expr, Plan, Ref, Store


def _refs(expr: Expr) -> set[str]:
    if isinstance(expr, Ref):
        return {expr.name}
    if isinstance(expr, Call):
        found: set[str] = set()
        for a in expr.args:
            found |= _refs(a)
        for _, v in expr.kwargs:
            found |= _refs(v)
        return found
    return set()


def _profile(plan: Plan, outputs_count: bool) -> int:
    """The largest total of live allocated bytes at any step."""
    owner: dict[str, str] = {}  # buffer -> the allocation it lives in
    size: dict[str, int] = {}  # allocation -> bytes
    last_use: dict[str, int] = {}
    outputs = set(plan.outputs)
    for k, step in enumerate(plan.steps):
        reads: set[str] = set()
        for st in step.statements:
            if isinstance(st, (Assign, Store)):
                reads |= _refs(st.value)
        for name in reads:
            last_use[owner.get(name, name)] = k
        if isinstance(step.result, Ref):
            name = step.result.name
            if step.nbytes:
                owner[name] = name
                size[name] = step.nbytes
            elif reads:
                owner[name] = owner.get(next(iter(sorted(reads))), name)
    live: set[str] = set()
    peak = 0
    for k, step in enumerate(plan.steps):
        if isinstance(step.result, Ref) and step.result.name in size:
            live.add(step.result.name)
        total = sum(size[n] for n in live if outputs_count or n not in outputs)
        peak = max(peak, total)
        live = {n for n in live if last_use.get(n, -1) > k or n in outputs}
    return peak


def peak_bytes(plan: Plan) -> int:
    """Predicted peak of everything the program allocates, outputs included."""
    return _profile(plan, outputs_count=True)


def temporary_peak(plan: Plan) -> int:
    """Predicted peak of the temporaries alone (what a memory budget limits)."""
    return _profile(plan, outputs_count=False)
