"""In-place epilogues: an elementwise op writes into a dying temporary operand (``out=``).

Elementwise work after a contraction (``exp(-d / 2)``, ``sqrt``, adding norms, scaling)
would otherwise allocate a fresh full-size array per op. An elementwise step's ``ufunc``
(or a contraction's final scaling ``t * c``, rewritten as ``multiply``) gets ``out=`` its
operand ``t`` when ``t`` is a plain name whose array

* is a writable temporary of this program spanning its whole buffer without broadcast axes
  (not an input, a constant, a view of either, or a view of a ``broadcast_to``, which is
  read-only even when nothing is broadcast),
* has the result's shape (at least one axis: 0-d values may be NumPy scalars) and dtype,
  and
* dies here: every name sharing its buffer has this statement as its last reader, and none
  is an output; the ufunc reads that buffer through no other operand.

``compiler.memory`` runs the plan abstractly to know each name's buffer, and counts the
rewritten op as allocating nothing.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np

from ..core.independence import is_pointwise
from ..core.plan import Assign, Call, Plan, Ref, Step, releases
from .memory import _Machine

ENABLED = os.environ.get("AXCOMP_INPLACE", "1") not in ("0", "")


def _candidate(step: Step, j: int, st: object) -> Call | None:
    """The statement as a ``ufunc`` call that could take ``out=``, or None."""
    if not isinstance(st, Assign) or not isinstance(st.value, Call):
        return None
    c = st.value
    if (
        step.kind == "contraction"
        and c.op == "multiply"
        and len(c.args) == 2
        and j == len(step.statements) - 1
        and step.result == Ref(st.target)
    ):
        # a contraction ending in a scaling ``t * c``: the same product as a ufunc
        return Call("ufunc", c.args, (("fn", "multiply"),))
    if not is_pointwise(step.node) or c.op != "ufunc" or c.attr("out") is not None:
        return None
    fn = getattr(np, c.attr("fn"), None)
    return c if isinstance(fn, np.ufunc) and fn.nout == 1 else None


#: Below this many bytes per step writing in place saves nothing measurable (and NumPy
#: itself reuses temporaries of chained operators from 256 KiB on), so small plans skip it.
MIN_BYTES = 64 << 10


def _largest_step(plan: Plan) -> int:
    largest = 0
    for step in plan.steps:
        largest = max(largest, step.nbytes)
        if step.contraction is not None:
            largest = max(largest, step.contraction.largest_intermediate * step.node.dtype.itemsize)
    return largest


def in_place(plan: Plan) -> Plan:
    """``plan`` with every eligible elementwise step writing into a dying operand."""
    if not ENABLED or _largest_step(plan) < MIN_BYTES:
        return plan
    drop = releases(plan)
    last = {name: at for at, names in drop.items() for name in names}
    machine = _Machine(plan)
    machine.begin()
    steps: list[Step] = []
    changed = False
    for k, step in enumerate(plan.steps):
        stmts = list(step.statements)
        for j, st in enumerate(stmts):
            c = _candidate(step, j, st)
            if c is not None and isinstance(st, Assign):
                target = _pick(machine, c, step, (k, j), last)
                if target is not None:
                    stmts[j] = st = dataclasses.replace(
                        st, value=Call(c.op, c.args, (*c.attrs, ("out", target)), c.kwargs)
                    )
                    changed = True
            machine.execute(k, j, st, drop.get((k, j), ()))
        steps.append(
            dataclasses.replace(
                step,
                statements=tuple(stmts),
                nbytes=0 if step.kind == "call" else step.nbytes,
            )
            if tuple(stmts) != step.statements
            else step
        )
    return dataclasses.replace(plan, steps=tuple(steps)) if changed else plan


def _pick(
    machine: _Machine, c: Call, step: Step, at: tuple[int, int], last: dict[str, tuple[int, int]]
) -> str | None:
    node = step.node
    for arg in c.args:
        if not isinstance(arg, Ref):
            continue
        v = machine.whole_buffer(arg.name)
        if v is None or v.buf is None or v.shape != node.shape or v.dtype != node.dtype:
            continue
        if not node.shape:
            continue  # a 0-d result may be a NumPy scalar, which cannot be an ``out``
        if any(last.get(n, (len(machine.plan.steps), 0)) > at for n in machine.sharing(v.buf)):
            continue  # read again later, or an output
        others = [a for a in c.args if a != arg and _reads_buffer(machine, a, v.buf)]
        if others:
            continue
        return arg.name
    return None


def _reads_buffer(machine: _Machine, expr: object, buf: int | None) -> bool:
    if isinstance(expr, Ref):
        return machine.names[expr.name].buf == buf
    if isinstance(expr, Call):
        return any(_reads_buffer(machine, a, buf) for a in expr.args)
    return False
