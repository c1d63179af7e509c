"""Lowering: the simplified axis graph becomes a ``Plan``.

Maximal multilinear regions are fused into one contraction each and planned by
``contraction.lower_contraction`` (opt_einsum picks the path, BLAS runs it). Every other
node is lowered by its primitive's own rule (``Primitive.lower``). Outputs that could
alias a caller's input or a read-only view are copied, so callers always own their result.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.graph import Graph, Node, describe, topological
from ..core.leaves import const_p, input_p
from ..core.names import python_name
from ..core.plan import (
    Assign,
    Expr,
    If,
    Lit,
    Loop,
    Plan,
    PlanError,
    Promotion,
    Ref,
    Region,
    Scatter,
    Statement,
    Step,
    StepKind,
    Store,
    call,
    nbytes,
    statement_writes,
)
from ..core.plan_types import VType, array_type, constant_type, expr_type, recorded
from ..core.plan_verify import verify_plan
from .contraction import lower_contraction
from .fusion import Fusion, find_fusions
from .fusion_cost import BODY_MIN_ELEMENTS
from .inplace import in_place
from .loop_inplace import loop_in_place
from .loop_nests import blas_available, nest_loops
from .regions import find_regions

#: Set AXCOMP_VERIFY=1 (the test suite does) to check every plan after lowering
#: (``verify_plan``); a failure is a compiler bug, reported as ``PlanError``.
VERIFY = os.environ.get("AXCOMP_VERIFY", "") not in ("", "0")


class _Names:
    """The allocator of every buffer name of one plan (inputs, temporaries, constants, loop
    and branch names). Its names are plain (``core.names``; a ``_k`` suffix may lengthen
    them): NFKC-stable, so two never read as one identifier, and never ``_``-prefixed,
    the backends' own space."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.counter = itertools.count()

    def claim(self, base: str) -> str:
        name = python_name(base)
        candidate, k = name, 1
        while candidate in self.used:
            candidate = f"{name}_{k}"
            k += 1
        self.used.add(candidate)
        return candidate

    def temp(self) -> str:
        while True:
            name = f"t{next(self.counter)}"
            if name not in self.used:
                self.used.add(name)
                return name


def literal(value: Any) -> Lit | None:
    """A weak Python scalar as a literal, when its source text round-trips exactly."""
    if type(value) in (bool, int) or (type(value) is float and math.isfinite(value)):
        return Lit(value)
    return None


class _Lowering:
    """The state of lowering one graph (also the ``LowerContext`` rules receive)."""

    def __init__(
        self,
        graph: Graph,
        fuse_min: int | None = None,
        repeat: int = 1,
        orient_gemms: bool | Callable[[], bool] = False,
    ) -> None:
        self.graph = graph
        self.repeat = repeat  # runs of this graph per run of the plan (loop bodies' steps)
        self.fuse_min = fuse_min  # fuse loops of this many iterations and more (None: never)
        self.orient_gemms = orient_gemms  # GEMMs in OpenBLAS's faster orientation
        self.names = _Names()
        self.constants: list[tuple[str, Any]] = []
        self.value: dict[Node, Expr] = {}
        self.aliases_input: set[str] = set()  # buffers that may share a caller's memory
        self.readonly: set[str] = set()
        self.numbering = graph.numbering()
        # the type of every name bound so far (``core.plan_types``), shared with loop and
        # branch bodies like the names: lowering records it on every statement
        self.types: dict[str, VType] = {}

    # -- LowerContext -------------------------------------------------------------------
    def dtype(self, dtype: np.dtype) -> Expr:
        for name, value in self.constants:
            if isinstance(value, np.dtype) and value == dtype:
                return Ref(name)
        name = self.names.claim(f"dt_{np.dtype(dtype).name}")
        self.constants.append((name, np.dtype(dtype)))
        self.types[name] = constant_type(np.dtype(dtype))
        return Ref(name)

    def constant(self, value: Any) -> Ref:
        name = self.names.claim(f"c{len(self.constants)}")
        self.constants.append((name, value))
        self.types[name] = constant_type(value)
        self.readonly.add(name)
        return Ref(name)

    def temp(self) -> str:
        return self.names.temp()

    def lower_body(
        self, graph: Graph, input_names: tuple[str, ...], repeat: int = 1
    ) -> tuple[tuple[Step, ...], tuple[str, ...], tuple[str, ...]]:
        fuse_min = self.fuse_min or (None if self.fuse_min is None else BODY_MIN_ELEMENTS)
        sub = _Lowering(graph, fuse_min, self.repeat * repeat, self.orient_gemms)
        sub.names, sub.constants, sub.readonly = self.names, self.constants, self.readonly
        sub.types = self.types
        plan = sub.run(input_names)
        return plan.steps, plan.inputs, plan.outputs

    # -- the walk -----------------------------------------------------------------------
    def named(self, node: Node) -> Ref:
        """The operand as a buffer (contractions take names; literals become constants)."""
        v = self.value[node]
        if isinstance(v, Ref):
            return v
        ref = self.constant(node.params.value)  # still a Python scalar: weak promotion kept
        self.value[node] = ref
        return ref

    def _contraction_operands(
        self, region: Region
    ) -> tuple[list[str], dict[str, bool | int | float]]:
        """The operands' names, and the Python numbers among them that the code can write
        as literals (exact: finite floats, ints, bools not yet bound to a constant), under
        reserved names that never reach the code. Literals only where an operand has axes
        (the numbers are then folded into one product, never contracted themselves) and
        every operand promotes by its dtype or value (the accumulation dtype is then a
        constant)."""
        operands = region.operands
        usable = any(region.subscripts) and all(
            isinstance(self.value[o], Lit)
            or (isinstance(self.value[o], Ref) and self._promotes_statically(o))
            for o in operands
        )
        names: list[str] = []
        literals: dict[str, bool | int | float] = {}
        for o in operands:
            v = self.value[o]
            if usable and isinstance(v, Lit):
                name = self.names.claim("literal")
                literals[name] = v.value
                names.append(name)
            else:
                names.append(self.named(o).name)
        return names, literals

    def _promotes_statically(self, node: Node) -> bool:
        v = self.value[node]
        assert isinstance(v, Ref)
        if self._python_scalar(node):
            return True
        t = self.types.get(v.name)
        return t is not None and t.kind == "array"

    def _python_scalar(self, node: Node) -> bool:
        """Whether ``named(node)`` binds a Python number (a literal's constant)."""
        v = self.value[node]
        if isinstance(v, Lit):
            return True
        bound = dict(self.constants).get(v.name) if isinstance(v, Ref) else None
        return type(bound) in (bool, int, float, complex)

    def operand(self, node: Node, inline: bool) -> Expr:
        """The operand's value; a literal becomes a 0-d array where a method is called on it."""
        v = self.value[node]
        if isinstance(v, Lit) and not inline:
            return self.constant(np.asarray(v.value, dtype=node.dtype))
        if not inline and node.op is const_p and node.params.weak:
            # a weak scalar no literal can spell (inf, nan, complex) is a Python scalar
            # constant, which has no array methods (``.astype`` of a cast)
            return self.constant(np.asarray(node.params.value, dtype=node.dtype))
        return v

    def step(
        self, node: Node, kind: StepKind, stmts: tuple[Statement, ...], result: Expr, **extra: Any
    ) -> Step:
        if isinstance(result, Ref):
            stmts = _typed(stmts, result.name, node)
        stmts = tuple(self.typed(st) for st in stmts)
        return Step(
            node,
            self.numbering.get(node, -1),
            kind,
            stmts,
            result,
            promotion=_promotion(node, kind),
            **extra,
        )

    def type_of(self, name: str) -> VType:
        t = self.types.get(name)
        if t is None:
            raise PlanError(f"{name!r} is read before a statement types it")
        return t

    def typed(self, st: Statement) -> Statement:
        """``st`` with its shape and dtype recorded where the primitive's rule left them out
        (by its operation's rule over its typed operands); notes the types of what it binds."""
        types = self.types
        if isinstance(st, Assign):
            if st.shape is None or st.dtype is None:
                t = types[st.target] = expr_type(st.value, self.type_of)
                shape, dtype = recorded(t)
                st = Assign(st.target, st.value, shape, dtype)  # (replace() is slow here)
            else:
                types[st.target] = array_type(st.shape, st.dtype)
        elif isinstance(st, (Store, Scatter)):
            have = self.type_of(st.target)
            if st.dtype is None or (isinstance(st, Scatter) and st.shape is None):
                st = dataclasses.replace(st, shape=have.shape, dtype=have.dtype)
        elif isinstance(st, Loop):
            for name, value in st.init:
                types[name] = expr_type(value, self.type_of)
            for name, shape, dtype in st.outs:
                types[name] = array_type(shape, dtype)
        elif isinstance(st, If):
            for br in st.branches:
                for name, value in br.init:
                    types[name] = expr_type(value, self.type_of)
            for name, shape, dtype in st.outs:
                types[name] = array_type(shape, dtype)
        return st

    def contraction(self, node: Node, region: Region) -> Step:
        names, literals = self._contraction_operands(region)
        promoted = None
        # NumPy promotes arrays by their dtypes alone and Python numbers by their values
        # (NEP 50), both known now: the dtype sums accumulate in is a constant, not a
        # result_type call per run (what result_type would get: each array's dtype, each
        # Python-number constant itself)
        bound = dict(self.constants)
        promoting: list[Any] = []
        for n in names:
            t = None if n in literals else self.type_of(n)
            if t is None:
                promoting.append(literals[n])
            elif t.kind == "array":
                promoting.append(t.dtype)
            elif type(bound.get(n)) in (bool, int, float, complex):
                promoting.append(bound[n])
        if len(promoting) == len(names):
            promoted = functools.partial(self.dtype, np.result_type(*promoting))
        elif literals:  # (not reached: literals are chosen only where all operands promote)
            raise PlanError("a contraction's literal operands need a compile-time dtype")
        code = lower_contraction(
            names, list(region.subscripts), region.out, dict(region.sizes), self.names.temp,
            promoted, literals, node.dtype if self.orient_gemms else None,
            self.orient_gemms if callable(self.orient_gemms) else None,
        )  # fmt: skip
        stmts, result = code.statements, code.result
        if all(self._python_scalar(o) for o in region.operands):
            # a product of Python-number literals is a Python number, which has no .reshape
            # or .astype for the steps that read it: make it an array of the node's dtype
            kwargs = {"dtype": self.dtype(node.dtype)}
            result = call("asarray", result, kwargs=kwargs)
        if not isinstance(result, Ref):
            target = self.names.temp()
            stmts, result = (*stmts, Assign(target, result)), Ref(target)
        self.value[node] = result
        if region.is_permutation:
            src = self.value[region.operands[0]]
            if isinstance(src, Ref) and src.name in self.aliases_input:
                self.aliases_input.add(result.name)
            return self.step(
                node,
                "view",
                stmts,
                result,
                comment=_comment(node),
                contraction=code.facts,
                region=region,
            )
        elems = max(math.prod(node.shape), code.facts.largest_intermediate)
        return self.step(
            node,
            "contraction",
            stmts,
            result,
            comment=f"contraction '{code.facts.equation}'",
            contraction=code.facts,
            region=region,
            nbytes=elems * node.dtype.itemsize,
        )

    def call(self, node: Node) -> Step:
        rule = node.op.lower
        if rule is None:
            raise AssertionError(f"primitive {node.op.name} has no lowering rule")
        target = self.names.temp()
        args = [self.operand(i, node.op.inline_literals) for i in node.inputs]
        stmts = tuple(rule(self, node, target, args))
        first = args[0] if args else None
        if node.op.aliases_input and isinstance(first, Ref) and first.name in self.aliases_input:
            self.aliases_input.add(target)
        if node.op.readonly_result:
            self.readonly.add(target)
        self.value[node] = Ref(target)
        size = nbytes(node.shape, node.dtype) if node.op.allocates else 0
        kind: StepKind = "call" if node.op.allocates else "view"
        return self.step(node, kind, stmts, Ref(target), comment=_comment(node), nbytes=size)

    def fused(self, node: Node, fusion: Fusion) -> Step:
        """One ``fused`` call computing ``node`` from the chain's operands."""
        operands = []
        for inp in fusion.operands:
            v = self.value[inp]
            if not isinstance(v, Ref):
                raise AssertionError(f"fused loop operand {inp!r} is not a buffer: {v!r}")
            operands.append(v)
        target = self.names.temp()
        self.value[node] = Ref(target)
        stmts = (Assign(target, call("fused", *operands, loop=fusion.loop)),)
        return self.step(
            node,
            "call",
            stmts,
            Ref(target),
            comment=fusion.loop.describe(),
            nbytes=nbytes(node.shape, node.dtype),
        )

    def output(self, node: Node) -> tuple[str, Step | None]:
        v = self.value[node]
        t = self.names.temp()
        if isinstance(v, Lit):
            expr: Expr = call("asarray", v, kwargs={"dtype": self.dtype(node.dtype)})
        elif not isinstance(v, Ref):
            raise AssertionError(f"output {node!r} is not a buffer: {v!r}")
        elif v.name in self.aliases_input or v.name in self.readonly:
            expr = call("copy", v)  # never hand back the caller's memory or a read-only view
        elif node.ndim == 0:
            expr = call("asarray", v)  # 0-d results are arrays, not NumPy scalars
        else:
            return v.name, None
        step = self.step(
            node, "output", (Assign(t, expr),), Ref(t), nbytes=nbytes(node.shape, node.dtype)
        )
        return t, step

    def run(self, input_names: tuple[str, ...]) -> Plan:
        graph = self.graph
        regions = find_regions(graph)
        fusions = (
            {}
            if self.fuse_min is None
            else find_fusions(graph, regions, self.fuse_min, self.repeat)
        )
        inputs = []
        for node, nm in zip(graph.inputs, input_names):
            v = self.names.claim(nm)
            self.value[node] = Ref(v)
            self.types[v] = array_type(node.shape, node.dtype)
            inputs.append(v)
            self.aliases_input.add(v)
        needed = _needed(graph, regions, fusions)
        steps: list[Step] = []
        for node in topological(graph.roots):
            if node.op is input_p or node not in needed:
                continue
            if node.op is const_p:
                lit = literal(node.params.value) if node.params.weak else None
                self.value[node] = lit if lit is not None else self.constant(node.params.value)
                continue
            if node in fusions:
                steps.append(self.fused(node, fusions[node]))
            elif node.op.multilinear:
                steps.append(self.contraction(node, regions[node]))
            else:
                steps.append(self.call(node))
        outputs = []
        for node in graph.outputs:
            name, step = self.output(node)
            outputs.append(name)
            if step is not None:
                steps.append(step)
        return Plan(
            graph,
            tuple(inputs),
            tuple(steps),
            tuple(outputs),
            tuple(self.constants),
            tuple((tuple(node.shape), node.dtype) for node in graph.inputs),
            self.numbering,
        )


def lower(
    graph: Graph,
    input_names: tuple[str, ...],
    fuse_min: int | None = None,
    repeat: int = 1,
    orient_gemms: bool | Callable[[], bool] = False,
) -> Plan:
    """The plan computing ``graph`` with its inputs named ``input_names``; elementwise
    steps write into dying temporaries where they can (``inplace``). With ``fuse_min``,
    reductions of elementwise chains of at least that many elements become fused loops
    (``fusion``; the target decides); ``repeat``: the runs of the plan per call (a chunked
    program's blocks), which a fused loop's first compilation is spread over.
    ``orient_gemms``: GEMMs may run as ``(Bᵀ @ Aᵀ)ᵀ`` where OpenBLAS is faster that way
    (``contraction``; the target decides), or a callable asked so only when the rule
    says a GEMM would turn."""
    lowering = _Lowering(graph, fuse_min, repeat, orient_gemms=orient_gemms)
    plan = loop_in_place(in_place(lowering.run(input_names)))
    if fuse_min is not None:  # whole small loops as loop nests, where loops fuse
        # GEMMs in a loop nest where the target orients GEMMs: BLAS runs one thread (asked
        # only of a plan with a loop: the question scans the BLAS libraries once)
        loops = any(isinstance(st, Loop) for step in plan.steps for st in step.statements)
        allowed = loops and (orient_gemms() if callable(orient_gemms) else orient_gemms)
        plan = nest_loops(plan, always=fuse_min == 0, blas=bool(allowed) and blas_available())
    if VERIFY:
        verify_plan(plan)
    return plan


def _typed(stmts: tuple[Statement, ...], name: str, node: Node) -> tuple[Statement, ...]:
    """``stmts`` with the last statement binding ``name`` (a step's result) recording the
    node's shape and dtype (a ``Loop``/``If`` records its results itself)."""
    for j in range(len(stmts) - 1, -1, -1):
        st = stmts[j]
        if name not in statement_writes(st) or isinstance(st, Scatter):
            continue  # a scatter writes into the buffer an earlier statement binds
        if isinstance(st, Assign):
            st = dataclasses.replace(st, shape=node.shape, dtype=node.dtype)
        elif isinstance(st, Store):
            st = dataclasses.replace(st, dtype=node.dtype)
        return (*stmts[:j], st, *stmts[j + 1 :])
    return stmts


def _promotion(node: Node, kind: StepKind) -> Promotion:
    """Where the step's operands need NumPy's mixed-kind promotion spelled out (``Promotion``)."""
    if kind == "contraction" or node.op.name == "concatenate":
        return "result"
    return "operands" if node.op.name == "elementwise" else "none"


def _comment(node: Node) -> str:
    text = describe(node)
    return "".join(c for c in text if c.isprintable() and c != "\n")[:80]


def _needed(graph: Graph, regions: dict[Node, Region], fusions: dict[Node, Fusion]) -> set[Node]:
    needed: set[Node] = set()
    stack = list(graph.roots)
    while stack:
        node = stack.pop()
        if node in needed:
            continue
        needed.add(node)
        if node in fusions:
            stack.extend(fusions[node].operands)
        elif node.op.multilinear:
            stack.extend(regions[node].operands)
        else:
            stack.extend(node.inputs)
    return needed
