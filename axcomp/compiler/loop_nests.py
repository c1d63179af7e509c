"""Which loops of a Plan run whole as one compiled loop nest (``core.loop_nest``).

A ``Loop`` of a NumPy program (at the top level, or in the body of a loop left to NumPy) is
marked (``Loop.nest``) when its body is flat (no nested loop or branch), every operation in
it is one ``backends/loop_nest_kernels.py`` prints (``LOOP_OPS`` with the functions,
reductions and dtypes of ``core.loop_nest``), every value it computes has a static shape of
at most ``MAX_ELEMENTS`` elements (what it reads may be larger), a step costs at most
``WORK_PER_STATEMENT`` multiply-adds per statement (past that NumPy's per-element speed,
SIMD math and BLAS included, beats a loop nest by more than its dispatch costs), and the
loop is long enough to pay for compiling: ``MIN_DISPATCHES`` NumPy calls (steps times
statements times the steps of the loops around it) or more, in ``MIN_STEPS`` steps or more
(a compile's time grows with the body). A while loop's trip count is unknown; it counts
as ``WHILE_STEPS`` steps. A loop whose body holds loops keeps the NumPy
path; the loops in its body are considered on their own.

Where the target allows BLAS in a loop nest (``blas``: NumPy programs while BLAS runs one
thread, with SciPy, whose BLAS numba's ``np.dot`` calls), a ``matmul`` of two float matrices
(``core.loop_nest.blas_matmul``) is a GEMM call instead, and a body with one is a *BLAS
nest*: its values may hold up to ``MAX_BLAS_ELEMENTS``, each other statement costs at most
``BLAS_NEST_ELEMENT_COST`` an element of the largest value it reads or writes (loops that
vectorise, as NumPy's calls do: no libm call, no explicit product of more than
``WORK_PER_STATEMENT`` multiply-adds a step), it stacks no per-step output, and
``MIN_BLAS_DISPATCHES`` NumPy calls saved suffice: its kernel compiles on a thread while the
first calls run the NumPy steps. An RNN step ``tanh(h @ W + x @ U + b)`` (batch 256, 64
hidden, one thread) costs 8% less this way (83 against 90 us), the NumPy calls and their
results' allocations gone. With stacked outputs, as reverse mode's forward and reverse
loops have, a nest measured 5% slower than the NumPy steps, whose ops write each step's
slot in place (the same RNN's ``value_and_grad``: 69 against 66 ms), so those keep them.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import re
from collections.abc import Callable

import numpy as np

from ..core.fused import TRANSCENDENTAL
from ..core.loop_nest import (
    LOOP_BINARY,
    LOOP_DTYPES,
    LOOP_FLOAT_ONLY,
    LOOP_OPS,
    LOOP_REDUCTIONS,
    LOOP_TERNARY,
    LOOP_UNARY,
    LoopNest,
    blas_matmul,
)
from ..core.plan import Assign, Call, Expr, Lit, Loop, Plan, Ref, Step
from ..core.plan_types import VType, array_type, constant_type, expr_type

#: The largest body value (elements) a loop nest holds.
MAX_ELEMENTS = 4096
#: A step's cost per body statement, in multiply-adds of a product (about 0.2 ns each in
#: a loop nest), past which NumPy's whole-array calls (about 1 us each, then SIMD math and
#: BLAS) win. An elementwise operation costs ``ARITHMETIC_COST``; a libm function
#: (``sin``, ``power``...) ``LIBM_COST``: one call, not vectorised, costs 15-35 ns; the
#: ``vector_math`` ones (``tanh``, ``exp``, ``expm1``, ``log``, ``log1p`` of float32 and
#: float64) ``VECTOR_MATH_COST``, about 1 ns an element.
#: Measured on RNN steps ``tanh(h @ W + x)`` against the NumPy path (4,000 steps, us a
#: step, compiled/NumPy, one thread): 1x8 hidden 0.09/1.82, 1x64 0.60/2.40, 8x16
#: 1.69/2.20, 16x16 2.04/2.68, 32x32 15.1/5.8, 16x64 10.3/6.9, 64x64 18.8/20.5.
WORK_PER_STATEMENT = 4000
ARITHMETIC_COST = 2
VECTOR_MATH_COST = 6
LIBM_COST = 100
#: NumPy calls a whole loop must save before it is compiled (about 20 ms of dispatch:
#: a cold compile costs about a second, a cached one a few tens of milliseconds).
MIN_DISPATCHES = 20_000
#: The steps (times the steps of the loops around it) a loop must also run per call: a
#: cold compile grows with the body, about 5-15 ms a statement (400 arithmetic statements
#: 2.1 s; the vmapped bisection of ``ndtr``, 222 statements with four ``exp``, 3.0 s), and
#: a statement saves one NumPy call (about 1 us) a step, so 600 steps pay back a compile
#: within about 25 calls whatever the body's size.
MIN_STEPS = 600
#: The steps a while loop is counted as (its trip count is unknown).
WHILE_STEPS = 100
#: A BLAS nest's largest body value (elements), the most a non-GEMM statement may cost an
#: element (a ``tanh`` and a few additions), and the NumPy calls it must save.
MAX_BLAS_ELEMENTS = 1 << 16
BLAS_NEST_ELEMENT_COST = 16
MIN_BLAS_DISPATCHES = 256

_EQUATION = re.compile(r"[a-zA-Z,]*->[a-zA-Z]*")
_FLOATS = frozenset(np.dtype(t) for t in ("float32", "float64"))
_INDICES = frozenset(np.dtype(t) for t in ("int32", "int64"))
_LOGICAL = frozenset("logical_and logical_or logical_xor logical_not".split())
#: ufuncs a loop nest computes by a libm call per element
_CHEAP = "negative absolute square reciprocal logical_not isnan isinf isfinite floor ceil trunc"
_LIBM = (LOOP_UNARY - frozenset(_CHEAP.split())) | {
    "power",
    "arctan2",
    "hypot",
}


class _Refused(Exception):
    """The loop keeps the NumPy path."""


def blas_available() -> bool:
    """Whether numba's ``np.dot`` can call BLAS: it needs SciPy (not imported here)."""
    return importlib.util.find_spec("scipy") is not None


def nest_loops(plan: Plan, always: bool = False, blas: bool = False) -> Plan:
    """``plan`` with each loop that qualifies marked to run as one loop nest (a top-level
    loop, or one in the body of a loop that does not); ``always``: whatever its length
    and cost (``AXCOMP_FUSE=always``); ``blas``: its large matrix products may call BLAS
    (see the module docstring)."""
    env: dict[str, VType] = {}
    for name, (shape, dtype) in zip(plan.inputs, plan.input_types, strict=True):
        env[name] = array_type(shape, dtype)
    constants: dict[str, VType] = {}
    for name, value in plan.constants:
        if isinstance(value, (np.dtype, bool, int, float, np.ndarray)):
            constants[name] = constant_type(value)
    env.update(constants)
    steps = _marked(plan.steps, env, constants, _Rules(always, blas), 1)
    if all(a is b for a, b in zip(steps, plan.steps, strict=True)):
        return plan
    return dataclasses.replace(plan, steps=steps)


@dataclasses.dataclass(frozen=True)
class _Rules:
    always: bool  # whatever the length and cost
    blas: bool  # large matrix products may call BLAS


@dataclasses.dataclass
class _Tally:
    """What ``_work`` found in one loop body so far."""

    blas: bool  # matrix products may call BLAS
    gemms: int = 0  # the matmuls BLAS computes
    largest: int = 0  # elements of the largest value computed


def _marked(
    steps: tuple[Step, ...],
    env: dict[str, VType],
    constants: dict[str, VType],
    rules: _Rules,
    runs: int,
) -> tuple[Step, ...]:
    """``steps`` with their loops marked, ``env`` typing what they read (and extended by
    what they bind); ``runs``: how often they run (an enclosing loop's steps)."""
    out: list[Step] = []
    for step in steps:
        stmts = []
        for st in step.statements:
            if isinstance(st, Loop) and st.nest is None:
                try:
                    st = dataclasses.replace(st, nest=_nest(st, env, constants, rules, runs))
                except _Refused:
                    st = _inner(st, env, constants, rules, runs)
            if isinstance(st, Assign) and st.shape is not None and st.dtype is not None:
                env[st.target] = array_type(st.shape, st.dtype)
            elif isinstance(st, Loop):
                for name, shape, dtype in st.outs:
                    env[name] = array_type(shape, dtype)
            stmts.append(st)
        same = all(a is b for a, b in zip(stmts, step.statements, strict=True))
        out.append(step if same else dataclasses.replace(step, statements=tuple(stmts)))
    return tuple(out)


def _inner(
    loop: Loop, outer: dict[str, VType], constants: dict[str, VType], rules: _Rules, runs: int
) -> Loop:
    """``loop`` (run as NumPy steps) with the loops in its body marked."""
    if not any(isinstance(st, Loop) for step in loop.body for st in step.statements):
        return loop
    env = dict(constants)
    try:
        for name, value in loop.init:
            env[name] = _expr_type(value, outer)
        for name, src, axis in loop.slices:
            whole = outer[src]
            env[name] = array_type(whole.shape[:axis] + whole.shape[axis + 1 :], whole.dtype)
    except (_Refused, KeyError):
        return loop
    if loop.index:
        env[loop.index] = array_type((), np.int64)
    steps = WHILE_STEPS if loop.length is None else loop.length
    body = _marked(loop.body, env, constants, rules, runs * steps)
    if all(a is b for a, b in zip(body, loop.body, strict=True)):
        return loop
    return dataclasses.replace(loop, body=body)


def _static(t: VType, small: bool = True) -> VType:
    """``t`` as an array type a loop nest holds (``small``: at most ``MAX_ELEMENTS``)."""
    if t.kind not in ("array", "scalar") or t.dtype not in LOOP_DTYPES:
        raise _Refused
    if any(n < 0 for n in t.shape) or (small and math.prod(t.shape) > MAX_ELEMENTS):
        raise _Refused
    return array_type(t.shape, t.dtype)


def _nest(
    loop: Loop, outer: dict[str, VType], constants: dict[str, VType], rules: _Rules, runs: int
) -> LoopNest:
    types: dict[str, VType] = {}
    reads: dict[str, VType] = {}
    for name, value in loop.init:
        types[name] = reads[name] = _static(_expr_type(value, outer), small=False)
    outs = {name: (tuple(shape), np.dtype(dtype)) for name, shape, dtype in loop.outs}
    for name, _ in loop.update:
        if (types[name].shape, types[name].dtype) != outs[name]:
            raise _Refused  # an initial carry of another shape or dtype
    for name, src, axis in loop.slices:
        whole = _static(outer[src], small=False) if src in outer else None
        if whole is None or axis >= len(whole.shape):
            raise _Refused
        reads[src] = whole
        types[name] = array_type(whole.shape[:axis] + whole.shape[axis + 1 :], whole.dtype)
    if loop.index:
        types[loop.index] = array_type((), np.int64)
    work = 0
    count = 0
    tally = _Tally(rules.blas)
    costly = False  # a statement past a BLAS nest's cost an element

    def lookup(name: str) -> VType:
        found = types.get(name) or constants.get(name)
        if found is None:
            raise _Refused
        return found

    for step in loop.body:
        for st in step.statements:
            if not isinstance(st, Assign) or st.shape is None or st.dtype is None:
                raise _Refused  # stores, scatters, nested loops and branches
            for name in _value_refs(st.value):
                if name not in types:
                    if name not in constants:
                        raise _Refused
                    types[name] = reads[name] = _static(constants[name], small=False)
            cost = _work(st.value, lookup, tally)
            size = math.prod(st.shape)
            # an element of the values it reads or writes (a reduction reads more)
            touched = max([size] + [math.prod(lookup(n).shape) for n in _value_refs(st.value)])
            costly |= cost > max(WORK_PER_STATEMENT, BLAS_NEST_ELEMENT_COST * touched)
            work += cost
            tally.largest = max(tally.largest, size)
            types[st.target] = _static(array_type(st.shape, st.dtype), small=False)
            count += 1
    for name in [v for _, v in loop.update] + [v for _, v, _ in loop.stacks]:
        if name not in types:
            raise _Refused
    steps = WHILE_STEPS if loop.length is None else loop.length
    dispatches = runs * steps * count
    if tally.gemms:  # a BLAS nest
        if tally.largest > MAX_BLAS_ELEMENTS or (
            not rules.always and (costly or dispatches < MIN_BLAS_DISPATCHES or loop.stacks)
        ):
            raise _Refused
    elif tally.largest > MAX_ELEMENTS or (
        not rules.always
        and (
            work > WORK_PER_STATEMENT * count
            or dispatches < MIN_DISPATCHES
            or runs * steps < MIN_STEPS
        )
    ):
        raise _Refused
    reads_types = tuple((n, t.shape, t.dtype.name) for n, t in reads.items())
    return LoopNest(reads_types, blas=tally.gemms > 0)


def _expr_type(e: Expr, env: dict[str, VType] | Callable[[str], VType]) -> VType:
    def lookup(name: str) -> VType:
        if callable(env):
            return env(name)
        if name not in env:
            raise _Refused
        return env[name]

    try:
        return expr_type(e, lookup)
    except _Refused:
        raise
    except Exception as exc:  # a type rule that cannot type it: keep the NumPy path
        raise _Refused from exc


def _value_refs(e: Expr) -> list[str]:
    """The names whose values ``e`` reads (not its dtype operands)."""
    if isinstance(e, Ref):
        return [e.name]
    if isinstance(e, Lit):
        return []
    args = e.args[:1] if e.op == "astype" else e.args
    return [n for a in args for n in _value_refs(a)]


def _work(e: Expr, env: Callable[[str], VType], tally: _Tally) -> int:
    """The cost of ``e`` in a loop nest, in multiply-adds (checking each operation can be
    printed); a ``matmul`` BLAS computes (counted in ``tally``) costs nothing."""
    if not isinstance(e, Call):
        return 0

    def typed(x: Expr) -> VType:
        return _expr_type(x, env)

    keywords = ("sum", "einsum", "asarray", "zeros", "fused")
    if e.op not in LOOP_OPS or (e.kwargs and e.op not in keywords):
        raise _Refused
    out = _static(typed(e), small=False)
    tally.largest = max(tally.largest, math.prod(out.shape))
    args = e.args[:1] if e.op == "astype" else e.args
    operands = [typed(a) for a in args]
    for t in operands:
        _static(t, small=False)  # a large invariant may be read (by index, or reduced)
    n = math.prod(out.shape)
    if e.op == "ufunc":
        fn = e.attr("fn")
        if fn in TRANSCENDENTAL and out.dtype in _FLOATS:
            n *= VECTOR_MATH_COST
        else:
            n *= LIBM_COST if fn in _LIBM else ARITHMETIC_COST
        if fn not in LOOP_UNARY | LOOP_BINARY | LOOP_TERNARY:
            raise _Refused
        if fn in LOOP_FLOAT_ONLY and out.dtype not in _FLOATS:
            raise _Refused
        if fn in _LOGICAL and any(t.dtype != np.dtype(bool) for t in operands):
            raise _Refused
        if fn == "where" and operands[0].dtype != np.dtype(bool):
            raise _Refused
    elif e.op in ("take", "take_along_axis"):
        if operands[1].dtype not in _INDICES:
            raise _Refused
    elif e.op == "einsum":
        if not _EQUATION.fullmatch(e.attr("equation")):
            raise _Refused
        n *= _summed(e.attr("equation"), [t.shape for t in operands])
    elif e.op == "matmul":
        if any(not t.shape for t in operands):
            raise _Refused
        shapes = operands[0].shape, operands[1].shape
        if tally.blas and blas_matmul(*shapes, (*(t.dtype for t in operands), out.dtype)):
            tally.gemms += 1
            n = 0
        else:
            n *= operands[0].shape[-1]
    elif e.op == "fused":
        loop = e.attr("loop")
        if loop.reduction != "map":
            raise _Refused
        n *= sum(
            VECTOR_MATH_COST if ins.fn in TRANSCENDENTAL else ARITHMETIC_COST for ins in loop.body
        )
    elif e.op == "getitem":
        dims = iter(operands[0].shape)
        for item in e.attr("items"):
            if item[0] not in ("new", "int", "slice"):
                raise _Refused
            size = next(dims) if item[0] != "new" else 0
            if item[0] == "int" and not -size <= int(item[1]) < size:
                raise _Refused  # NumPy raises: keep its error
    elif e.op in ("sum", "reduce"):
        if e.op == "reduce" and e.attr("fn") not in LOOP_REDUCTIONS:
            raise _Refused
        n = ARITHMETIC_COST * math.prod(operands[0].shape)
    elif e.op == "multiply":
        n *= ARITHMETIC_COST * max(1, len(args) - 1)
    return n + sum(_work(a, env, tally) for a in args)


def _summed(equation: str, shapes: list[tuple[int, ...]]) -> int:
    inputs, result = equation.split("->")
    sizes = {
        ch: n
        for subs, shape in zip(inputs.split(","), shapes, strict=True)
        for ch, n in zip(subs, shape, strict=True)
    }
    return math.prod(n for ch, n in sizes.items() if ch not in result)
