"""``verify_plan``: a Plan checked before any backend prints it.

Lowering runs it whenever the graph verifier runs (``AXCOMP_VERIFY=1``, which the test
suite sets), so a malformed plan fails where it was built, naming the step and statement,
instead of while an emitter prints it or a program runs. It checks that every name is
bound before it is read (``Loop`` and ``If`` bodies recursively, with the names they bind
and drop), every call against its operation's schema, each recorded shape/dtype against
what the operation's attributes fix (a reshape's shape, a cast's dtype, ...), and that each
output is bound with the graph output's shape and dtype.
"""

from __future__ import annotations

import math
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

__all__ = ["verify_plan"]

#: name -> (shape, dtype) where the plan records them (either may be unknown: None)
_Known = dict[str, tuple[tuple[int, ...] | None, np.dtype | None]]


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
        known[name] = (tuple(in_shape), np.dtype(in_dtype))
    for name, value in plan.constants:
        if not isinstance(value, np.dtype):
            arr = np.asarray(value)
            known[name] = (arr.shape, arr.dtype)
    bound = set(plan.inputs) | set(constants)
    _steps(plan.steps, bound, known, constants, "")
    if len(plan.outputs) != len(plan.graph.outputs):
        raise PlanError(
            f"the plan has {len(plan.outputs)} outputs, the graph {len(plan.graph.outputs)}"
        )
    for k, (name, node) in enumerate(zip(plan.outputs, plan.graph.outputs)):
        if name not in bound:
            raise PlanError(f"output {k} ({name!r}) is never bound")
        shape, dtype = known.get(name, (None, None))
        want = (tuple(node.shape), node.dtype)
        if shape is None or dtype is None:
            raise PlanError(f"output {k} ({name!r}) has no recorded shape and dtype")
        if (tuple(shape), np.dtype(dtype)) != want:
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
        shape, dtype = _fixed(st.value, known, constants)
        _agree(st, shape, dtype)
        bound.add(st.target)
        if st.shape is not None or st.dtype is not None:
            known[st.target] = (st.shape, st.dtype)
        else:
            known[st.target] = (shape, dtype)
    elif isinstance(st, Store):
        have = known.get(st.target, (None, None))
        if have[0] is not None and tuple(have[0]) != tuple(st.shape):
            raise PlanError(f"stores into {st.target!r} of {list(have[0])} as if {list(st.shape)}")
        if st.dtype is not None:
            known[st.target] = (st.shape, st.dtype)


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


def _fixed(
    e: Expr, known: _Known, constants: dict[str, object]
) -> tuple[tuple[int, ...] | None, np.dtype | None]:
    """The shape and dtype an expression's operation and attributes fix without running
    it (None where the operation's rule is not cheap to check)."""
    if isinstance(e, Ref):
        return known.get(e.name, (None, None))
    if not isinstance(e, Call):
        return None, None
    shape: tuple[int, ...] | None = None
    dtype: np.dtype | None = None
    if e.op in ("reshape", "broadcast_to", "zeros", "bitcast", "linalg"):
        shape = tuple(int(s) for s in e.attr("shape"))
    elif e.op == "transpose":
        inner = _fixed(e.args[0], known, constants)[0]
        if inner is not None:
            perm = e.attr("perm")
            if sorted(perm) != list(range(len(inner))):
                raise PlanError(f"transpose by {tuple(perm)} of an array of {list(inner)}")
            shape = tuple(inner[p] for p in perm)
    if e.op == "reshape":
        inner = _fixed(e.args[0], known, constants)[0]
        if inner is not None and shape is not None and math.prod(inner) != math.prod(shape):
            raise PlanError(f"reshape of an array of {list(inner)} to {list(shape)}")
    if e.op in ("astype", "bitcast"):
        dtype = _dtype_operand(e.args[1], constants)
    elif e.op in ("zeros", "asarray", "sum", "einsum") and e.kwarg("dtype") is not None:
        dtype = _dtype_operand(e.kwarg("dtype"), constants)
    elif e.op == "linalg":
        dtype = np.dtype(e.attr("dtype"))
    elif e.op in ("transpose", "reshape", "broadcast_to", "copy", "flip", "sort", "getitem"):
        dtype = _fixed(e.args[0], known, constants)[1]
    if e.op in ("copy", "flip", "sort", "argsort", "cumulative", "astype"):
        shape = _fixed(e.args[0], known, constants)[0]
    return shape, dtype


def _dtype_operand(e: Expr | None, constants: dict[str, object]) -> np.dtype | None:
    if isinstance(e, Ref) and isinstance(constants.get(e.name), np.dtype):
        value = constants[e.name]
        assert isinstance(value, np.dtype)
        return value
    return None


def _agree(st: Assign, shape: tuple[int, ...] | None, dtype: np.dtype | None) -> None:
    if st.shape is not None and shape is not None and tuple(st.shape) != tuple(shape):
        raise PlanError(
            f"{st.target!r} is recorded as {list(st.shape)} but its value is {list(shape)}"
        )
    if st.dtype is not None and dtype is not None and np.dtype(st.dtype) != np.dtype(dtype):
        raise PlanError(f"{st.target!r} is recorded as {st.dtype} but its value is {dtype}")


def _loop(st: Loop, bound: set[str], known: _Known, constants: dict[str, object], at: str) -> None:
    for _, value in st.init:
        _reads(statement_reads(Assign("_", value)), bound)
        _calls(value)
    inner = set(bound) | {n for n, _ in st.init} | {st.counter} | {n for n, _, _ in st.slices}
    if st.index:
        inner.add(st.index)
    _reads((src for _, src, _ in st.slices), inner)
    inner_known = dict(known)
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
        for _, value in br.init:
            _reads(statement_reads(Assign("_", value)), bound)
            _calls(value)
        inner = set(bound) | {n for n, _ in br.init}
        _steps(br.body, inner, dict(known), constants, f"{at}, branch {b} ")
        _reads(br.results, inner)
    _bind_outs(st.outs, bound, known)


def _bind_outs(
    outs: tuple[tuple[str, tuple[int, ...], object], ...], bound: set[str], known: _Known
) -> None:
    for name, shape, dtype in outs:
        bound.add(name)
        known[name] = (tuple(shape), np.dtype(dtype))  # type: ignore[call-overload]
