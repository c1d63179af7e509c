"""``verify_plan``: a Plan checked before any backend prints it.

Lowering runs it whenever the graph verifier runs (``AXCOMP_VERIFY=1``, which the test
suite sets), so a malformed plan fails where it was built, naming the step and statement,
instead of while an emitter prints it or a program runs. It checks that every name is
bound before it is read (``Loop`` and ``If`` bodies recursively, with the names they bind
and drop), every call against its operation's schema, that every ``Assign``, ``Store`` and
``Scatter`` records a shape and dtype and that each equals what its operation's rule
(``core.plan_types``: NumPy's promotion on dtypes, no arrays) derives from its operands',
and that each output is bound with the graph output's shape and dtype.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .plan import (
    OPS,
    Assign,
    Call,
    Expr,
    If,
    Loop,
    Plan,
    PlanError,
    Ref,
    Scatter,
    Statement,
    Step,
    Store,
    statement_reads,
)
from .plan_types import VType, array_type, constant_type, expr_type, recorded

__all__ = ["verify_plan"]

#: name -> the type of the value it holds
_Known = dict[str, VType]


def verify_plan(plan: Plan) -> None:
    """Raise ``PlanError`` naming the first step and statement that is malformed."""
    known: _Known = {}
    constants = dict(plan.constants)
    if len(plan.input_types) != len(plan.inputs):
        raise PlanError(f"the plan types {len(plan.input_types)} of its {len(plan.inputs)} inputs")
    for node, name, (in_shape, in_dtype) in zip(plan.graph.inputs, plan.inputs, plan.input_types):
        if (tuple(in_shape), np.dtype(in_dtype)) != (tuple(node.shape), node.dtype):
            raise PlanError(
                f"input {name!r} is typed {_kind(in_shape, in_dtype)}, the graph's is "
                + _kind(node.shape, node.dtype)
            )
        known[name] = array_type(in_shape, in_dtype)
    for name, value in plan.constants:
        known[name] = constant_type(value)
    bound = set(plan.inputs) | set(constants)
    _steps(plan.steps, bound, known, constants, "")
    if len(plan.outputs) != len(plan.graph.outputs):
        raise PlanError(
            f"the plan has {len(plan.outputs)} outputs, the graph {len(plan.graph.outputs)}"
        )
    for k, (name, node) in enumerate(zip(plan.outputs, plan.graph.outputs)):
        if name not in bound:
            raise PlanError(f"output {k} ({name!r}) is never bound")
        have = known[name]
        shape, dtype = have.shape, have.dtype
        want = (tuple(node.shape), node.dtype)
        if have.kind != "array" or (tuple(shape), np.dtype(dtype)) != want:
            raise PlanError(
                f"output {k} ({name!r}) is {_kind(shape, dtype)}, the graph's is {_kind(*want)}"
            )


def _kind(shape: Iterable[int] | None, dtype: object) -> str:
    return f"{dtype}{list(shape) if shape is not None else '[?]'}"


def _steps(
    steps: tuple[Step, ...],
    bound: set[str],
    known: _Known,
    constants: dict[str, object],
    where: str,
) -> None:
    for step in steps:
        for j, st in enumerate(step.statements):
            at = f"{where}step %{step.index} ({step.kind}: {step.comment}), statement {j}"
            try:
                _statement(st, bound, known, constants, at)
            except PlanError as e:
                if str(e).startswith(where + "step %"):
                    raise
                raise PlanError(f"{at}: {e}") from None
        if isinstance(step.result, Ref) and step.result.name not in bound:
            raise PlanError(
                f"{where}step %{step.index}: its result {step.result.name!r} is unbound"
            )


def _statement(
    st: Statement, bound: set[str], known: _Known, constants: dict[str, object], at: str
) -> None:
    if isinstance(st, Loop):
        _loop(st, bound, known, constants, at)
        return
    if isinstance(st, If):
        _if(st, bound, known, constants, at)
        return
    _reads(statement_reads(st), bound)
    for e in _exprs(st):
        _calls(e)
    if isinstance(st, Assign):
        t = _type(st.value, known)
        _agree(st.target, st.shape, st.dtype, recorded(t), "its value is")
        bound.add(st.target)
        known[st.target] = t
    else:  # a Store or Scatter writes into its target: it records the target's type
        have = known[st.target]
        _agree(st.target, st.shape, st.dtype, (have.shape, have.dtype), "it is")
        if isinstance(st, Scatter):
            _type(st.index, known)
        _type(st.value, known)


def _type(e: Expr, known: _Known) -> VType:
    return expr_type(e, known.__getitem__)


def _exprs(st: Assign | Store | Scatter) -> tuple[Expr, ...]:
    return (st.value, st.index) if isinstance(st, Scatter) else (st.value,)


def _reads(names: Iterable[str], bound: set[str]) -> None:
    missing = sorted(n for n in names if n not in bound)
    if missing:
        raise PlanError(f"reads {missing} before they are bound")


def _calls(e: Expr) -> None:
    if isinstance(e, Call):
        OPS[e.op].check(e)
        for a in e.args:
            _calls(a)
        for _, v in e.kwargs:
            _calls(v)


def _agree(
    target: str,
    shape: tuple[int, ...] | None,
    dtype: np.dtype | None,
    want: tuple[tuple[int, ...], np.dtype],
    what: str,
) -> None:
    if shape is None or dtype is None:
        raise PlanError(f"{target!r}: the statement records no shape and dtype")
    if tuple(shape) != tuple(want[0]):
        raise PlanError(f"{target!r} is recorded as {list(shape)} but {what} {list(want[0])}")
    if np.dtype(dtype) != np.dtype(want[1]):
        raise PlanError(f"{target!r} is recorded as {dtype} but {what} {want[1]}")


def _loop(st: Loop, bound: set[str], known: _Known, constants: dict[str, object], at: str) -> None:
    inner_known = dict(known)
    for name, value in st.init:
        _reads(statement_reads(Assign("_", value)), bound)
        _calls(value)
        inner_known[name] = _type(value, known)
    inner = set(bound) | {n for n, _ in st.init} | {st.counter} | {n for n, _, _ in st.slices}
    if st.index:
        inner.add(st.index)
        inner_known[st.index] = array_type((), np.int64)  # the step counter as a 0-d array
    _reads((src for _, src, _ in st.slices), inner)
    for name, src, axis in st.slices:
        whole = inner_known[src]
        inner_known[name] = array_type(whole.shape[:axis] + whole.shape[axis + 1 :], whole.dtype)
    _steps(st.body, inner, inner_known, constants, f"{at}, loop body ")
    _reads((v for _, v in st.update), inner)
    _reads((v for _, v, _ in st.stacks), inner)
    if st.stop is not None:
        _reads((st.stop,), inner)
    _bind_outs(st.outs, bound, known)
    bound.difference_update(st.body_names())


def _if(st: If, bound: set[str], known: _Known, constants: dict[str, object], at: str) -> None:
    _reads(statement_reads(Assign("_", st.index)), bound)
    _calls(st.index)
    for b, br in enumerate(st.branches):
        if len(br.results) != len(st.outs):
            raise PlanError(f"branch {b} hands over {len(br.results)} results, not {len(st.outs)}")
        inner_known = dict(known)
        for name, value in br.init:
            _reads(statement_reads(Assign("_", value)), bound)
            _calls(value)
            inner_known[name] = _type(value, known)
        inner = set(bound) | {n for n, _ in br.init}
        _steps(br.body, inner, inner_known, constants, f"{at}, branch {b} ")
        _reads(br.results, inner)
    _bind_outs(st.outs, bound, known)


def _bind_outs(
    outs: tuple[tuple[str, tuple[int, ...], object], ...], bound: set[str], known: _Known
) -> None:
    for name, shape, dtype in outs:
        bound.add(name)
        known[name] = array_type(shape, dtype)
