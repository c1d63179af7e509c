"""In-place temporaries inside loop bodies: a step's elementwise op writes into the dying
temporary it reads (``out=``), so a ``scan`` step of ``h @ W + x @ U + b`` then ``tanh``
allocates one array instead of four.

A body runs once per step, so its temporaries are allocated and freed once per step; arrays
of 128 KiB and more come from ``mmap`` and page-fault on every step. ``compiler.inplace``
rewrites the top level with the memory model; a flat body is simpler, so this pass reads it
directly. A ``ufunc`` (or a two-operand product ``a * b``) gets ``out=t`` when ``t``

* was bound earlier in the same body by a call that always returns a fresh whole array of
  at least one axis (a ``ufunc`` without ``out``, ``matmul``, a product),
* has the result's recorded shape and dtype,
* dies there: neither it nor any name bound from it later (a view) is read afterwards in
  the body, stacked, carried into the next step or tested as the stop flag, and
* is no other operand of the op.

A stacked value's op is left for the NumPy emitter, which has it write straight into its
slot of the preallocated stack. Bodies holding nested loops or branches are left alone.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..core.plan import (
    Assign,
    Call,
    If,
    Loop,
    Plan,
    Ref,
    Statement,
    Step,
    expr_refs,
    statement_reads,
)
from . import inplace


def loop_in_place(plan: Plan) -> Plan:
    """``plan`` with each flat loop body's elementwise ops writing into dying temporaries
    (off with ``AXCOMP_INPLACE=0``, as ``compiler.inplace``)."""
    if not inplace.ENABLED:
        return plan
    steps = tuple(_step(step) for step in plan.steps)
    if all(a is b for a, b in zip(steps, plan.steps)):
        return plan
    return dataclasses.replace(plan, steps=steps)


def _step(step: Step) -> Step:
    stmts = tuple(_body_loop(st) if isinstance(st, Loop) else st for st in step.statements)
    if all(a is b for a, b in zip(stmts, step.statements)):
        return step
    return dataclasses.replace(step, statements=stmts)


def _ufunc(c: Call) -> Call | None:
    """``c`` as a one-output ufunc call that could take ``out=``, or None."""
    if c.kwargs or c.attr("out") is not None:
        return None
    if c.op == "multiply" and len(c.args) == 2:
        return Call("ufunc", c.args, (("fn", "multiply"),))
    if c.op != "ufunc":
        return None
    fn = getattr(np, c.attr("fn"), None)
    return c if isinstance(fn, np.ufunc) and fn.nout == 1 else None


def _fresh(st: Assign) -> bool:
    """Whether ``st`` binds a new whole array (never a view, never a NumPy scalar)."""
    c = st.value
    if not isinstance(c, Call) or not st.shape:
        return False
    return c.op == "matmul" or _ufunc(c) is not None


def _body_loop(loop: Loop) -> Loop:
    flat: list[Statement] = [st for step in loop.body for st in step.statements]
    if any(isinstance(st, (Loop, If)) for st in flat):
        return loop
    # the position of each name's last reader; names read after the body count as read last
    end = len(flat)
    last: dict[str, int] = {}
    for k, st in enumerate(flat):
        for name in statement_reads(st):
            last[name] = k
    for name in [v for _, v in loop.update] + [v for _, v, _ in loop.stacks]:
        last[name] = end
    if loop.stop is not None:
        last[loop.stop] = end
    # the NumPy emitter writes these straight into their stacks' slots (``out=``)
    slotted = {v for _, v, _ in loop.stacks} if loop.length is not None else set()
    # each fresh temporary's group: it and every name bound later from it (views, maybe)
    group: dict[str, str] = {}
    fresh: dict[str, Assign] = {}
    rewritten: dict[int, Assign] = {}
    for k, st in enumerate(flat):
        if not isinstance(st, Assign):
            continue
        reads = expr_refs(st.value)
        c = _ufunc(st.value) if isinstance(st.value, Call) else None
        if c is not None and st.shape and st.target not in slotted:
            target = _pick(c, st, k, fresh, group, last)
            if target is not None:
                st = dataclasses.replace(
                    st, value=Call(c.op, c.args, (*c.attrs, ("out", target)), c.kwargs)
                )
                rewritten[k] = st
                # the result shares the operand's buffer from here on, and may pass it on
                group[st.target] = group[target]
                fresh[st.target] = st
                continue
        if _fresh(st):
            fresh[st.target] = st
            group[st.target] = st.target
        else:
            # anything else may be a view of what it reads: one group with all of them
            roots = {group[n] for n in reads if n in group}
            if roots:
                root = min(roots)
                for name, g in group.items():
                    if g in roots:
                        group[name] = root
                group[st.target] = root
    if not rewritten:
        return loop
    k = 0
    body = []
    for step in loop.body:
        stmts = []
        for st in step.statements:
            stmts.append(rewritten.get(k, st))
            k += 1
        body.append(dataclasses.replace(step, statements=tuple(stmts)))
    return dataclasses.replace(loop, body=tuple(body))


def _pick(
    c: Call,
    st: Assign,
    at: int,
    fresh: dict[str, Assign],
    group: dict[str, str],
    last: dict[str, int],
) -> str | None:
    for arg in c.args:
        if not isinstance(arg, Ref) or arg.name not in fresh:
            continue
        t = fresh[arg.name]
        if t.shape != st.shape or t.dtype != st.dtype or st.dtype is None:
            continue
        root = group[arg.name]
        members = [n for n, g in group.items() if g == root]
        if any(last.get(n, -1) > at for n in members):
            continue  # read again later in the step, stacked or carried
        if any(isinstance(a, Ref) and group.get(a.name) == root for a in c.args if a != arg):
            continue
        if any(
            group.get(n) == root for a in c.args if not isinstance(a, Ref) for n in expr_refs(a)
        ):
            continue
        return arg.name
    return None
