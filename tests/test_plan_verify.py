"""The typed Plan (core/plan.py) and ``verify_plan`` (core/plan_verify.py): every call is
checked against its operation's schema when it is built, a step's kind is one of four, the
lowering records each step result's shape and dtype, and ``verify_plan`` (run after every
lowering while ``AXCOMP_VERIFY`` is set, as in this suite) refuses plans that read unbound
names, misstate a shape or dtype, or hand over outputs unlike the graph's."""

from __future__ import annotations

import dataclasses
import re
import sys

import numpy as np
import pytest

import axcomp as ax
import axcomp.lax as alax
import axcomp.numpy as anp
from axcomp.backends import array_api, numpy_backend
from axcomp.compiler import memory
from axcomp.core.plan import (
    OPS,
    Assign,
    If,
    Loop,
    Plan,
    PlanError,
    Ref,
    Step,
    Store,
    call,
)
from axcomp.core.plan_verify import verify_plan

X = np.arange(12.0).reshape(3, 4)


def _plan(fun, *args) -> Plan:
    return ax.explain(fun, *args).compiled.plan


def _matvec_plan() -> Plan:
    return _plan(ax.vmap(lambda a, v: anp.dot(a, v), (0, None)), np.ones((5, 3, 4)), np.ones(4))


def test_the_suite_verifies_every_plan_it_lowers(monkeypatch: pytest.MonkeyPatch) -> None:
    lower_module = sys.modules["axcomp.compiler.lower"]
    assert lower_module.VERIFY
    seen: list[Plan] = []
    monkeypatch.setattr(lower_module, "verify_plan", seen.append)
    ax.jit(lambda a: anp.tanh(a) * 3.0)(np.ones((2, 7)))  # a fresh function: compiled now
    assert len(seen) == 1 and seen[0].graph.outputs[0].shape == (2, 7)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: call("fft", Ref("x")), "unknown plan operation 'fft'"),
        (lambda: call("transpose", Ref("x"), perm="ba"), "perm='ba' is not a tuple of ints"),
        (lambda: call("transpose", Ref("x")), r"lacks attribute\(s\) \['perm'\]"),
        (lambda: call("copy", Ref("x"), axis=0), "'copy' has no attribute 'axis'"),
        (lambda: call("matmul", Ref("a")), "'matmul' takes 2 operands, got 1"),
        (lambda: call("zeros", Ref("a"), shape=()), "'zeros' takes 0 operands, got 1"),
        (lambda: call("cumulative", Ref("x"), fn="cummax", axis=0), "'cummax' is not one of"),
        (lambda: call("reduce", Ref("x"), fn="median", axis=0), "'median' is not one of"),
        (lambda: call("sort", Ref("x"), axis=0.5), "axis=0.5 is not an int"),
        (lambda: call("copy", Ref("x"), kwargs={"dtype": Ref("d")}), "no keyword operand"),
    ],
)
def test_calls_off_their_schema_are_refused_when_built(build, message) -> None:
    with pytest.raises(PlanError, match=message):
        build()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        # ints: a bool or a float is no axis, a shape holds ints only
        (lambda: call("sort", Ref("x"), axis=True), "axis=True is not an int"),
        (lambda: call("reshape", Ref("x"), shape=(2, 3.0)), r"shape=\(2, 3.0\) is not a tuple"),
        (lambda: call("transpose", Ref("x"), perm=(0, None)), "is not a tuple of ints"),
        (lambda: call("sum", Ref("x"), axis=(0, "1")), "is not an int or a tuple of ints"),
        (lambda: call("argsort", Ref("x"), axis=0, stable=1), "stable=1 is not a bool"),
        # closed string sets: the records' functions, NumPy dtype names
        (
            lambda: call("ufunc", Ref("x"), fn="system"),
            "fn='system' is not a recorded elementwise function",
        ),
        (
            lambda: call("linalg", Ref("x"), fn="inv", keywords=(), shape=(2,), dtype="f8"),
            "dtype='f8' is not a NumPy dtype name",
        ),
        # structured attributes: einsum equations, index items, keyword flags, buffer names
        (lambda: call("einsum", Ref("x"), equation="ij->i;"), "not an einsum equation"),
        (
            lambda: call("getitem", Ref("x"), items=(("slice", 0, 2),), shape=(3,)),
            "is not a tuple of index items",
        ),
        (
            lambda: call(
                "linalg",
                Ref("x"),
                fn="eigh",
                keywords=(("UPLO", "L"),),
                shape=(2,),
                dtype="float64",
            ),
            r"keywords=\(\('UPLO', 'L'\),\) is not a tuple of \(keyword, bool\) pairs",
        ),
        (lambda: call("ufunc", Ref("x"), fn="exp", out="x[0]"), "is not a buffer name"),
        # operands are expressions, never raw values
        (lambda: call("copy", "x"), "operand 'x' is no Expr"),  # type: ignore[arg-type]
    ],
)
def test_malformed_attributes_of_every_kind_are_refused_when_built(build, message) -> None:
    with pytest.raises(PlanError, match=message):
        build()


def test_a_promotion_outside_the_three_is_refused() -> None:
    step = _matvec_plan().steps[0]
    with pytest.raises(PlanError, match="unknown promotion 'cast'"):
        dataclasses.replace(step, promotion="cast")  # type: ignore[arg-type]


I8 = np.arange(12, dtype=np.int8).reshape(3, 4)


@pytest.mark.parametrize(
    ("fun", "args", "casts"),
    [
        (lambda a, b: a + b, (I8, X), True),
        (lambda a, b: a > b, (I8, X), True),
        (lambda a, b: anp.concatenate([a, b]), (I8, X), True),
        (lambda a, b: a @ b.T, (I8, X), True),
        (lambda a: alax.fori_loop(0, 50, lambda k, c: c * 2 + 1, a), (X,), False),
    ],
)
def test_the_array_api_emitter_needs_only_the_plan(fun, args, casts) -> None:
    """With the graph and every step's node taken away, the Array API emitter prints the
    same program: the input dtypes and the promotions it spells out come from the plan."""
    pytest.importorskip("array_api_strict")
    plan = _plan(fun, *args)
    want = array_api.emit(plan, "f", "array_api_strict")

    def bare(steps):
        return tuple(
            dataclasses.replace(s, node=None, statements=tuple(map(bare_st, s.statements)))
            for s in steps
        )

    def bare_st(st):
        if isinstance(st, Loop):
            return dataclasses.replace(st, body=bare(st.body))
        if isinstance(st, If):
            branches = tuple(dataclasses.replace(b, body=bare(b.body)) for b in st.branches)
            return dataclasses.replace(st, branches=branches)
        return st

    stripped = dataclasses.replace(plan, graph=None, steps=bare(plan.steps), numbering={})
    assert array_api.emit(stripped, "f", "array_api_strict") == want
    # the int8 operand is promoted as NumPy would (cast in the plan or by the emitter)
    assert (re.search(r"astype\(a, _?dt_float64\)", want) is not None) == casts


def test_verify_refuses_inputs_typed_unlike_the_graph() -> None:
    plan = _matvec_plan()
    (shape, _), *rest = plan.input_types
    bad = dataclasses.replace(plan, input_types=((shape, np.dtype(np.float32)), *rest))
    with pytest.raises(PlanError, match=r"input 'a' is typed float32\[5, 3, 4\]"):
        verify_plan(bad)


def test_a_step_kind_outside_the_four_is_refused() -> None:
    step = _matvec_plan().steps[0]
    with pytest.raises(PlanError, match="unknown step kind 'loop'"):
        dataclasses.replace(step, kind="loop")  # type: ignore[arg-type]


def test_every_operation_has_a_spelling_in_every_consumer() -> None:
    emitter = {n.removeprefix("op_") for n in dir(array_api._Emitter) if n.startswith("op_")}
    assert set(numpy_backend._FORMATS) == set(OPS)
    assert set(memory._OP_RULES) == set(OPS)
    assert set(OPS) <= emitter | set(array_api.REFUSED)
    assert "apply" not in OPS  # the open escape hatch is gone


def _results(plan: Plan) -> list[tuple[Step, Assign | Store]]:
    """Each step with the statement binding its result."""
    found = []
    for step in plan.steps:
        assert isinstance(step.result, Ref)
        writers = [
            st
            for st in step.statements
            if isinstance(st, (Assign, Store)) and st.target == step.result.name
        ]
        if writers:
            found.append((step, writers[-1]))
    return found


@pytest.mark.parametrize(
    ("fun", "args"),
    [
        (lambda a: anp.cumsum(a, axis=1) * 2, (X,)),
        (lambda a: alax.cumprod(a.astype(np.int8), axis=0, reverse=True), (X,)),
        (lambda a: anp.sort(a, axis=0) + anp.argsort(a, axis=1), (X,)),
        (lambda a: anp.take(a, np.array([2, 0]), axis=1), (X,)),
        (ax.grad(lambda a: anp.sum(anp.sin(a) @ a.T)), (X,)),
    ],
)
def test_each_step_result_records_the_nodes_shape_and_dtype(fun, args) -> None:
    plan = _plan(fun, *args)
    results = _results(plan)
    assert results
    for step, st in results:
        assert st.dtype == step.node.dtype, step
        if isinstance(st, Assign):
            assert st.shape == step.node.shape, step
    verify_plan(plan)


def test_order_and_cumulative_lowerings_use_their_own_operations() -> None:
    plan = _plan(lambda a: alax.cumsum(anp.sort(a, axis=1), axis=0, reverse=True), X)
    ops: list[str] = []

    def walk(e) -> None:
        if hasattr(e, "op"):
            ops.append(e.op)
            for a in e.args:
                walk(a)

    for step in plan.steps:
        for st in step.statements:
            if isinstance(st, Assign):
                walk(st.value)
    assert {"sort", "flip", "cumulative"} <= set(ops)
    source = ax.explain(lambda a: alax.cumsum(a, axis=0, reverse=True), X).compiled.source
    assert "_np.flip(_np.cumsum(_np.flip(a, axis=0), axis=0), axis=0)" in source


def _replace_statement(plan: Plan, k: int, j: int, st) -> Plan:
    step = plan.steps[k]
    stmts = (*step.statements[:j], st, *step.statements[j + 1 :])
    steps = (*plan.steps[:k], dataclasses.replace(step, statements=stmts), *plan.steps[k + 1 :])
    return dataclasses.replace(plan, steps=steps)


def _first_assign(plan: Plan) -> tuple[int, int, Assign]:
    for k, step in enumerate(plan.steps):
        for j, st in enumerate(step.statements):
            if isinstance(st, Assign) and isinstance(st.value, type(call("copy", Ref("x")))):
                return k, j, st
    raise AssertionError("no assignment of a call")


def test_verify_accepts_the_lowered_plan() -> None:
    verify_plan(_matvec_plan())


def test_verify_refuses_a_read_of_an_unbound_name() -> None:
    plan = _matvec_plan()
    k, j, st = _first_assign(plan)
    bad = _replace_statement(plan, k, j, Assign(st.target, call("copy", Ref("ghost"))))
    index = plan.steps[k].index
    with pytest.raises(PlanError, match=rf"step %{index} .*reads \['ghost'\] before"):
        verify_plan(bad)


def test_verify_refuses_a_misrecorded_shape() -> None:
    plan = _plan(lambda a: a.reshape(4, 3) * 2.0, X)
    for k, step in enumerate(plan.steps):
        for j, st in enumerate(step.statements):
            if isinstance(st, Assign) and getattr(st.value, "op", None) == "reshape":
                bad = _replace_statement(plan, k, j, dataclasses.replace(st, shape=(2, 6)))
                with pytest.raises(PlanError, match=rf"step %{step.index} .*recorded as \[2, 6\]"):
                    verify_plan(bad)
                return
    raise AssertionError("no reshape statement")


def test_verify_refuses_an_output_unlike_the_graphs() -> None:
    plan = _matvec_plan()
    k = len(plan.steps) - 1
    step = plan.steps[k]
    j = len(step.statements) - 1
    st = step.statements[j]
    assert isinstance(st, Assign) and st.target == plan.outputs[0]
    bad = _replace_statement(plan, k, j, dataclasses.replace(st, dtype=np.dtype(np.float32)))
    with pytest.raises(PlanError, match=rf"step %{step.index} .*'{st.target}' is recorded as "):
        verify_plan(bad)  # the statement's own rule refuses it before the output check
    other = dataclasses.replace(plan, outputs=(plan.inputs[0],))
    with pytest.raises(PlanError, match=r"output 0 \('a'\) is float64\[5, 3, 4\], the graph's"):
        verify_plan(other)
    unbound = dataclasses.replace(plan, outputs=("nowhere",))
    with pytest.raises(PlanError, match="output 0 \\('nowhere'\\) is never bound"):
        verify_plan(unbound)


def test_verify_checks_loop_and_branch_bodies() -> None:
    xs = np.ones((100, 4))  # long enough to stay a loop (short ones are unrolled)
    loop_plan = _plan(lambda a: alax.scan(lambda c, r: (c + r, c * r), anp.zeros(4), a), xs)
    verify_plan(loop_plan)
    for k, step in enumerate(loop_plan.steps):
        for j, st in enumerate(step.statements):
            if isinstance(st, Loop):
                inner = st.body[0]
                body_st = inner.statements[0]
                assert isinstance(body_st, Assign)
                broken = dataclasses.replace(body_st, value=call("copy", Ref("ghost")))
                body = (dataclasses.replace(inner, statements=(broken,)), *st.body[1:])
                bad = _replace_statement(loop_plan, k, j, dataclasses.replace(st, body=body))
                with pytest.raises(PlanError, match=r"loop body step %\d+ .*\['ghost'\]"):
                    verify_plan(bad)
                break
        else:
            continue
        break
    else:
        raise AssertionError("no loop in the scan's plan")

    cond_plan = _plan(lambda p, a: alax.cond(p, lambda v: v * 2, lambda v: v - 1, a), True, X)
    verify_plan(cond_plan)
    for k, step in enumerate(cond_plan.steps):
        for j, st in enumerate(step.statements):
            if isinstance(st, If):
                br = st.branches[0]
                broken_br = dataclasses.replace(br, results=("ghost",))
                bad_if = dataclasses.replace(st, branches=(broken_br, *st.branches[1:]))
                bad = _replace_statement(cond_plan, k, j, bad_if)
                with pytest.raises(PlanError, match=r"step %\d+ .*reads \['ghost'\] before"):
                    verify_plan(bad)
                return
    raise AssertionError("no branch in the cond's plan")


def _statements(steps):
    """Every Assign/Store/Scatter of ``steps``, loop and branch bodies included."""
    for step in steps:
        for st in step.statements:
            if isinstance(st, Loop):
                yield from _statements(st.body)
            elif isinstance(st, If):
                for br in st.branches:
                    yield from _statements(br.body)
            else:
                yield step, st


_TYPED_PROGRAMS = [
    (ax.vmap(ax.vmap(lambda a, b: anp.sum((a - b) ** 2), (None, 0)), (0, None)), (X, X)),
    (lambda a: alax.scan(lambda c, r: (c + r, c * r), anp.zeros(4), a), (np.ones((100, 4)),)),
    (lambda p, a: alax.cond(p, lambda v: v * 2, lambda v: v - 1, a), (True, X)),
    (lambda a, i: a.at[i].add(1.0), (X, np.array([2, 0]))),
    (lambda a: anp.concatenate([a, a.astype(np.int8)]) * 2, (X,)),
    # Python numbers multiplied first stay weak: the product keeps complex64
    (lambda a: a.astype(np.complex64) * 2.0 * 1j, (X,)),
]


@pytest.mark.parametrize(("fun", "args"), _TYPED_PROGRAMS)
def test_every_statement_records_its_shape_and_dtype(fun, args) -> None:
    plan = _plan(fun, *args)
    seen = 0
    for _, st in _statements(plan.steps):
        seen += 1
        assert st.shape is not None and st.dtype is not None, st
    assert seen
    verify_plan(plan)


def test_the_gemm_rewrites_temporaries_are_typed() -> None:
    big = np.random.default_rng(0).normal(size=(300, 64)).astype(np.float32)
    sqdist = ax.vmap(ax.vmap(lambda a, b: anp.sum((a - b) ** 2), (None, 0)), (0, None))
    plan = _plan(sqdist, big, big)
    typed = {st.target: (st.shape, st.dtype) for _, st in _statements(plan.steps)}
    flagged = [t for t, (shape, _) in typed.items() if shape and shape[0] == -1]
    assert flagged  # the refine step's data-dependent selections: a DYNAMIC length
    assert all(typed[t][1] == np.intp for t in flagged if t.endswith(("_c", "_k")))
    # unravel_index's tuple: its index arrays stacked (one per axis of the 300x300 result)
    assert [typed[t] for t in typed if t.endswith("_i")] == [((2, -1), np.intp)]
    matrices = [dtype for shape, dtype in typed.values() if len(shape) == 2 and shape[1] > 0]
    assert matrices and all(dtype == np.float32 for dtype in matrices)


def _contraction_temporary(plan: Plan) -> tuple[int, int, Assign]:
    for k, step in enumerate(plan.steps):
        if step.kind != "contraction":
            continue
        for j, st in enumerate(step.statements):
            if isinstance(st, Assign) and st.target != getattr(step.result, "name", None):
                return k, j, st
    raise AssertionError("no contraction temporary")


def test_verify_refuses_a_temporary_with_a_wrong_dtype_or_shape() -> None:
    plan = _plan(lambda a, b: (a * 2.0) @ b.T, X, X)
    k, j, st = _contraction_temporary(plan)
    index = plan.steps[k].index
    assert st.dtype == np.float64
    wrong_dtype = _replace_statement(plan, k, j, dataclasses.replace(st, dtype=np.dtype("f4")))
    with pytest.raises(PlanError, match=rf"step %{index} .*recorded as float32 but its value"):
        verify_plan(wrong_dtype)
    wrong_shape = _replace_statement(plan, k, j, dataclasses.replace(st, shape=(7,)))
    with pytest.raises(PlanError, match=rf"step %{index} .*recorded as \[7\] but its value"):
        verify_plan(wrong_shape)
    untyped = _replace_statement(plan, k, j, dataclasses.replace(st, shape=None))
    with pytest.raises(PlanError, match=rf"step %{index} .*records no shape and dtype"):
        verify_plan(untyped)


def test_verify_refuses_a_store_with_a_wrong_dtype() -> None:
    plan = _plan(ax.grad(lambda a: anp.sum(anp.sin(a[1:3]))), X)  # scatters the cotangent
    for k, step in enumerate(plan.steps):
        for j, st in enumerate(step.statements):
            if isinstance(st, Store):
                assert st.dtype == np.float64
                bad = _replace_statement(plan, k, j, dataclasses.replace(st, dtype=np.dtype("i8")))
                with pytest.raises(PlanError, match=rf"step %{step.index} .*recorded as int64"):
                    verify_plan(bad)
                return
    raise AssertionError("no Store in the plan")
