"""The Plan: what the compiler hands a backend. Structured data, never source text.

A plan is a list of ``Step``s, one per materialised graph node, each a few statements over
named buffers. Statement values are small expression trees (``Ref``, ``Lit``, ``Call``)
over a fixed vocabulary of array operations (``OPS``). A backend's emitter prints each
operation for its array namespace; ``explain`` and the memory accounting read the steps.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, get_args

import numpy as np

from .elementwise_functions import REGISTRY as ELEMENTWISE_FUNCTIONS
from .fused import FusedLoop
from .graph import Graph, Node
from .loop_nest import LoopNest


class PlanError(AssertionError):
    """A malformed plan (an unknown operation, a wrong attribute, a name used before it is
    bound, a result that is not what the graph says): a compiler bug, never a user error."""


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _is_ints(v: Any) -> bool:
    return isinstance(v, (tuple, list)) and all(_is_int(x) for x in v)


def _is_index_item(v: Any) -> bool:
    """``("new",)``, ``("int", k)`` or ``("slice", start, stop, step)``."""
    if not isinstance(v, tuple) or not v:
        return False
    tag, rest = v[0], v[1:]
    want = {"new": 0, "int": 1, "slice": 3}.get(tag) if isinstance(tag, str) else None
    return want == len(rest) and all(_is_int(x) for x in rest)


def _is_dtype_name(v: Any) -> bool:
    if not isinstance(v, str):
        return False
    try:
        return bool(np.dtype(v).name == v)
    except TypeError:
        return False


@dataclass(frozen=True)
class AttrType:
    """What values an attribute accepts: ``accepts`` decides, ``doc`` names them in
    refusals. Precise enough that a malformed value (a bool for an int, a string for a
    shape, a float in an index) is refused when the call is built."""

    doc: str
    accepts: Callable[[Any], bool]


INT = AttrType("an int", _is_int)
INTS = AttrType("a tuple of ints", _is_ints)
AXIS = AttrType("an int or a tuple of ints", lambda v: _is_int(v) or _is_ints(v))
BOOL = AttrType("a bool", lambda v: isinstance(v, bool))
STR = AttrType("a str", lambda v: isinstance(v, str))
NAME = AttrType("a buffer name", lambda v: isinstance(v, str) and v.isidentifier())
EQUATION = AttrType(
    "an einsum equation of letters",
    lambda v: (
        isinstance(v, str) and re.fullmatch(r"[A-Za-z]*(,[A-Za-z]*)*->[A-Za-z]*", v) is not None
    ),
)
INDEX_ITEMS = AttrType(
    "a tuple of index items", lambda v: isinstance(v, tuple) and all(map(_is_index_item, v))
)
#: a name or alias of an elementwise function's record (the registry, read when checked)
ELEMENTWISE = AttrType(
    "a recorded elementwise function",
    lambda v: isinstance(v, str) and v in ELEMENTWISE_FUNCTIONS,
)
DTYPE_NAME = AttrType("a NumPy dtype name", _is_dtype_name)
#: a fused loop nest (``core.fused``), well formed by construction
FUSED_LOOP = AttrType("a FusedLoop", lambda v: isinstance(v, FusedLoop))
FLAGS = AttrType(
    "a tuple of (keyword, bool) pairs",
    lambda v: (
        isinstance(v, tuple)
        and all(
            isinstance(kv, tuple)
            and len(kv) == 2
            and isinstance(kv[0], str)
            and kv[0].isidentifier()
            and isinstance(kv[1], bool)
            for kv in v
        )
    ),
)


@dataclass(frozen=True)
class Attr:
    """One static attribute of an operation: its name, the values it accepts, whether
    it may be left out, and (when not empty) the closed set of values it may take."""

    name: str
    type: AttrType
    optional: bool = False
    choices: frozenset[Any] = frozenset()


@dataclass(frozen=True)
class Op:
    """The schema of one plan operation: how many operands it takes (``max_args`` None:
    any number from ``min_args``), its static attributes, the names of its expression-valued
    keyword operands, and what it computes (``doc``)."""

    name: str
    doc: str
    min_args: int
    max_args: int | None
    attrs: tuple[Attr, ...] = ()
    kwargs: tuple[str, ...] = ()
    # derived once: the attributes by name and the required ones (checks run per Call)
    by_name: dict[str, Attr] = field(init=False, repr=False, compare=False)
    required: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {a.name: a for a in self.attrs})
        object.__setattr__(
            self, "required", frozenset(a.name for a in self.attrs if not a.optional)
        )

    def check(self, c: Call) -> None:
        """Refuse (``PlanError``) a call that does not fit this schema."""
        n = len(c.args)
        if n < self.min_args or (self.max_args is not None and n > self.max_args):
            want = self.min_args if self.max_args == self.min_args else f">= {self.min_args}"
            if self.max_args not in (None, self.min_args):
                want = f"{self.min_args}..{self.max_args}"
            raise PlanError(f"plan operation {self.name!r} takes {want} operands, got {n}")
        for operand in c.args:
            if operand.__class__ not in _EXPRS:
                raise PlanError(f"plan operation {self.name!r}: operand {operand!r} is no Expr")
        for _, operand in c.kwargs:
            if operand.__class__ not in _EXPRS:
                raise PlanError(f"plan operation {self.name!r}: operand {operand!r} is no Expr")
        known = self.by_name
        given = set()
        for key, value in c.attrs:
            spec = known.get(key)
            if spec is None:
                raise PlanError(f"plan operation {self.name!r} has no attribute {key!r}")
            if key in given:
                raise PlanError(f"plan operation {self.name!r} has a repeated attribute")
            given.add(key)
            if not spec.type.accepts(value) or (spec.choices and value not in spec.choices):
                raise PlanError(
                    f"plan operation {self.name!r}: attribute {key}={value!r} is not "
                    + (f"one of {sorted(spec.choices)}" if spec.choices else spec.type.doc)
                )
        if not self.required <= given:
            missing = [a.name for a in self.attrs if a.name in self.required - given]
            raise PlanError(f"plan operation {self.name!r} lacks attribute(s) {missing}")
        for key, _ in c.kwargs:
            if key not in self.kwargs:
                raise PlanError(f"plan operation {self.name!r} has no keyword operand {key!r}")


#: The ``linalg.<fn>`` functions a plan may call (NumPy's and the Array API extension's),
#: ``cholesky_inverse``: ``(L L^T)^-1`` from a lower factor (LAPACK's ``potri``), and
#: ``solve_triangular``: ``solve`` for a triangular matrix (LAPACK's ``trtrs``).
LINALG = frozenset(
    "cholesky solve inv det slogdet eigh eig eigvals svd svdvals qr cholesky_inverse "
    "solve_triangular".split()
)

#: The running reductions of ``cumulative``.
CUMULATIVE = frozenset({"cumsum", "cumprod"})

#: The reductions of ``reduce`` (argmax/argmin over one axis, the others over axes).
REDUCTIONS = frozenset("max min prod any all argmax argmin".split())


def _op(
    name: str,
    doc: str,
    args: tuple[int, int | None],
    *attrs: Attr,
    kwargs: tuple[str, ...] = (),
) -> Op:
    return Op(name, doc, args[0], args[1], attrs, kwargs)


_OPS = (
    _op("transpose", "(x; perm) axes permuted: a view", (1, 1), Attr("perm", INTS)),
    _op(
        "reshape",
        "(x; shape) C-order reshape: a view where strides allow",
        (1, 1),
        Attr("shape", INTS),
    ),
    _op("matmul", "(a, b) matrix product with broadcasting batch dimensions", (2, 2)),
    _op("multiply", "(*xs) elementwise product with broadcasting", (1, None)),
    _op(
        "einsum",
        "(*xs; equation) [dtype=] a single-operand einsum (diagonals)",
        (1, None),
        Attr("equation", EQUATION),
        kwargs=("dtype",),
    ),
    _op("sum", "(x; axis) [dtype=] sum over axes", (1, 1), Attr("axis", AXIS), kwargs=("dtype",)),
    _op("dtype_of", "(x) the dtype of an array", (1, 1)),
    _op("result_type", "(*xs) the promoted dtype of arrays", (1, None)),
    _op(
        "ufunc",
        "(*xs; fn) [out] a NumPy-named elementwise function with broadcasting; with the attr "
        "``out`` (a buffer name) it writes into that buffer in place",
        (1, None),
        Attr("fn", ELEMENTWISE),
        Attr("out", NAME, optional=True),
    ),
    _op(
        "reduce",
        "(x; fn, axis) max/min/prod/any/all over axes, argmax/argmin over one axis",
        (1, 1),
        Attr("fn", STR, choices=REDUCTIONS),
        Attr("axis", AXIS),
    ),
    _op("broadcast_to", "(x; shape) a read-only broadcast view", (1, 1), Attr("shape", INTS)),
    _op("astype", "(x, dtype) a cast", (2, 2)),
    _op(
        "getitem",
        "(x; items, shape) basic indexing of x (of ``shape``): a view",
        (1, 1),
        Attr("items", INDEX_ITEMS),
        Attr("shape", INTS),
    ),
    _op(
        "windows",
        "(x; axes, sizes, strides, dilations, shape) sliding windows along axes (each "
        "shortened to its window positions, strides apart), the offsets within a window "
        "(dilations apart) appended as new last axes: a read-only view on NumPy",
        (1, 1),
        *(Attr(k, INTS) for k in ("axes", "sizes", "strides", "dilations", "shape")),
    ),
    _op(
        "zeros",
        "(; shape) [dtype=] a zero-filled array",
        (0, 0),
        Attr("shape", INTS),
        kwargs=("dtype",),
    ),
    _op("concatenate", "(*xs; axis) join along an axis", (1, None), Attr("axis", INT)),
    _op("asarray", "(x) [dtype=] a 0-d or scalar value as an array", (1, 1), kwargs=("dtype",)),
    _op(
        "copy",
        '(x; order) a fresh, writable copy (``order`` "C": C-contiguous, else laid out as x)',
        (1, 1),
        Attr("order", STR, optional=True, choices=frozenset({"C"})),
    ),
    _op(
        "flip",
        "(x; axis) the entries along ``axis`` (every axis when absent) reversed: a view",
        (1, 1),
        Attr("axis", INT, optional=True),
    ),
    _op("sort", "(x; axis) sorted along an axis", (1, 1), Attr("axis", INT)),
    _op(
        "argsort",
        "(x; axis, stable) the indices sorting x along an axis",
        (1, 1),
        Attr("axis", INT),
        Attr("stable", BOOL, optional=True),
    ),
    _op(
        "argselect",
        "(x; axis, k, largest) the indices of the k smallest (``largest``: largest) entries "
        "along an axis, in sort order: ``argsort(x, stable)[..., :k]`` (NaN last), or "
        "``lax.top_k``'s totalOrder from the top; ties by the lower index",
        (1, 1),
        Attr("axis", INT),
        Attr("k", INT),
        Attr("largest", BOOL),
    ),
    _op(
        "take",
        "(x, idx; axis) the entries of x at the 1-d indices idx along an axis",
        (2, 2),
        Attr("axis", INT),
    ),
    _op(
        "take_along_axis",
        "(x, idx; axis) the entries of x at idx along an axis, the other axes broadcast",
        (2, 2),
        Attr("axis", INT),
    ),
    _op(
        "cumulative",
        "(x; fn, axis) the running sum or product (``CUMULATIVE``) along an axis",
        (1, 1),
        Attr("fn", STR, choices=CUMULATIVE),
        Attr("axis", INT),
    ),
    _op(
        "flatnonzero",
        "(x) the flat (C-order) indices of the nonzero entries, a 1-d int array",
        (1, 1),
    ),
    _op(
        "flat_not_greater",
        "(x, bound, *addends; negated) the flat (C-order) indices of the entries of x not "
        "greater than the scalar bound (NaN entries included), a 1-d int array, after adding "
        "each addend (broadcast to x) into x in place; ``negated``: subtracting them, and the "
        "entries not less than the bound; no mask of x's size is held",
        (2, 4),
        Attr("negated", BOOL, optional=True),
    ),
    _op(
        "unravel_index",
        "(i; shape) flat indices into ``shape`` as a tuple of per-axis arrays",
        (1, 1),
        Attr("shape", INTS),
    ),
    _op("item", "(t; k) entry k of a tuple (of ``unravel_index``)", (1, 1), Attr("k", INT)),
    _op(
        "gather",
        "(x, *idx) advanced indexing of x's leading axes by index arrays: a copy",
        (1, None),
    ),
    _op(
        "bitcast",
        "(x, dtype; shape) the bytes of x (C order) read as dtype, reshaped to shape",
        (2, 2),
        Attr("shape", INTS),
    ),
    _op(
        "callback",
        "(fn, *xs) the Python function held in the plan constant ``fn`` called with the "
        "operands, for its effect (``jax.debug.print``); binds an unused 0-d bool token",
        (1, None),
    ),
    _op(
        "host_call",
        "(fn, *xs; shape, dtype) the Python function held in the plan constant ``fn`` called "
        "with the operands, returning an array of ``shape`` and ``dtype`` "
        "(``jax.pure_callback``)",
        (1, None),
        Attr("shape", INTS),
        Attr("dtype", DTYPE_NAME),
    ),
    _op(
        "linalg",
        "(*xs; fn, keywords, pack, sizes, shape, dtype) ``linalg.<fn>`` of the namespace (a "
        "whitelisted name, ``LINALG``) with static bool keywords, stacked over leading axes; "
        "with ``pack`` >= 0 its tuple of results is flattened past the first ``pack`` axes (to "
        "``sizes`` entries each) and joined on the last axis; ``shape``/``dtype`` describe the "
        "result",
        (1, None),
        Attr("fn", STR, choices=LINALG),
        Attr("keywords", FLAGS),
        Attr("pack", INT, optional=True),
        Attr("sizes", INTS, optional=True),
        Attr("shape", INTS),
        Attr("dtype", DTYPE_NAME),
    ),
    _op(
        "fused",
        "(*xs; loop) one compiled loop nest (``core.fused.FusedLoop``) over operands xs: an "
        "elementwise chain and the reduction it feeds, with no temporaries (NumPy target, "
        "when a loop compiler is installed)",
        (1, None),
        Attr("loop", FUSED_LOOP),
    ),
)

#: The array operations a plan may use, by name: each with its schema.
OPS: dict[str, Op] = {op.name: op for op in _OPS}


@dataclass(frozen=True)
class Ref:
    """A named buffer: an input, a constant or a temporary."""

    name: str


@dataclass(frozen=True)
class Lit:
    """A Python scalar written into the code (finite floats, ints, bools only)."""

    value: bool | int | float


@dataclass(frozen=True)
class Call:
    """``op`` of ``OPS`` on operand expressions, with static ``attrs`` and expression-valued
    keyword operands ``kwargs`` (such as ``dtype=``)."""

    op: str
    args: tuple[Expr, ...] = ()
    attrs: tuple[tuple[str, Any], ...] = ()
    kwargs: tuple[tuple[str, Expr], ...] = ()

    def __post_init__(self) -> None:
        schema = OPS.get(self.op)
        if schema is None:
            raise PlanError(f"unknown plan operation {self.op!r}")
        schema.check(self)

    def attr(self, key: str, default: Any = None) -> Any:
        for k, v in self.attrs:
            if k == key:
                return v
        return default

    def kwarg(self, key: str) -> Expr | None:
        for k, v in self.kwargs:
            if k == key:
                return v
        return None


Expr = Ref | Lit | Call
_EXPRS: frozenset[type] = frozenset({Ref, Lit, Call})


def call(op: str, *args: Expr, kwargs: dict[str, Expr] | None = None, **attrs: Any) -> Call:
    return Call(op, tuple(args), tuple(attrs.items()), tuple((kwargs or {}).items()))


@dataclass(frozen=True)
class Assign:
    """``target = value``; ``shape``/``dtype``: the value's (``core.plan_types``), which
    lowering records on every assignment (``None`` only before it has)."""

    target: str
    value: Expr
    shape: tuple[int, ...] | None = None
    dtype: np.dtype | None = None


@dataclass(frozen=True)
class Store:
    """``target[items] = value`` (basic-index items, see ``getitem``)."""

    target: str
    items: tuple[tuple[Any, ...], ...]
    shape: tuple[int, ...]  # the target's shape, which the index items refer to
    value: Expr
    dtype: np.dtype | None = None  # the target's dtype (lowering records it)


@dataclass(frozen=True)
class Scatter:
    """``target.flat[index] = value``: write ``value`` at the flat positions ``index`` (a
    1-d int array expression) of the C-contiguous buffer ``target``, in place."""

    target: str
    index: Expr
    value: Expr
    shape: tuple[int, ...] | None = None  # the target's shape and dtype (lowering records
    dtype: np.dtype | None = None  # them on every statement)


@dataclass(frozen=True)
class Loop:
    """One loop of generated code over a vectorized body (``lax.scan``/``fori_loop``/
    ``while_loop``): the loop runs over steps, never over the batch.

    Before the loop each ``init`` name is bound to its value (the carried buffers and the
    body's loop-invariant operands). Each step binds ``counter`` (``index``, when set, to it
    as a 0-d array), ``slices`` (``name = source[(:,) * axis + (counter,)]``), runs ``body``,
    appends each ``stacks`` value (``out`` collects them, stacked along ``axis`` after the
    loop), and rebinds the carried names to their ``update`` values. ``length`` is static;
    ``None`` makes it a while loop that stops before the update when ``stop`` (a body
    buffer) holds no true entry. ``outs`` (name, shape, dtype): what the loop leaves behind
    (the carries and the stacks)."""

    target: str  # the first of ``outs``
    counter: str
    length: int | None
    reverse: bool
    init: tuple[tuple[str, Expr], ...]
    index: str | None
    slices: tuple[tuple[str, str, int], ...]
    body: tuple[Step, ...]  # the body's steps (the sub-plan's)
    update: tuple[tuple[str, str], ...]
    stacks: tuple[tuple[str, str, int], ...]
    stop: str | None
    outs: tuple[tuple[str, tuple[int, ...], Any], ...]
    #: set when the whole loop runs as one compiled loop nest (``compiler/loop_nests.py``)
    nest: LoopNest | None = None

    def body_names(self) -> set[str]:
        """The names the body binds (dropped after the loop unless they are results)."""
        names = {self.counter} | {n for n, _, _ in self.slices}
        if self.index:
            names.add(self.index)
        for step in self.body:
            for st in step.statements:
                names |= statement_writes(st)
        return names - {n for n, _, _ in self.outs}


@dataclass(frozen=True)
class Branch:
    """One branch of an ``If``: bind each ``init`` name to its value (the branch's operands
    and the values it closes over), run ``body`` (the branch's sub-plan), and hand over
    ``results``, one body buffer per ``If`` result."""

    init: tuple[tuple[str, Expr], ...]
    body: tuple[Step, ...]
    results: tuple[str, ...]

    def bound(self) -> set[str]:
        """The names the branch binds."""
        names = {n for n, _ in self.init}
        for step in self.body:
            for st in step.statements:
                names |= statement_writes(st)
        return names

    def releases(self) -> tuple[dict[tuple[int, int], tuple[str, ...]], tuple[str, ...]]:
        """``(step, statement) -> names`` the branch may drop right after that statement
        (its own temporaries, at their last reader), and the names to drop once its results
        are handed over (the results themselves)."""
        bound = self.bound()
        results = set(self.results)
        last: dict[str, tuple[int, int]] = {}
        for k, step in enumerate(self.body):
            for j, st in enumerate(step.statements):
                for name in statement_reads(st) | statement_writes(st):
                    last[name] = (k, j)
        out: dict[tuple[int, int], list[str]] = {}
        for name, at in last.items():
            if name in bound and name not in results:
                out.setdefault(at, []).append(name)
        drop = {at: tuple(sorted(names)) for at, names in out.items()}
        unread = sorted(n for n, _ in self.init if n not in last)  # bound, never read
        return drop, tuple(sorted(results & bound)) + tuple(unread)


@dataclass(frozen=True)
class If:
    """A branch of generated code (``lax.cond``/``switch`` on an unbatched traced index):
    only the taken branch runs. ``index`` is a 0-d expression: with two branches a bool or
    0/1 (``if index:`` runs ``branches[1]``), with more an int already clamped to the
    branches, bound to ``key`` and compared in turn. Every branch binds the ``outs``
    (name, shape, dtype) from its results; the names it binds besides die inside it."""

    target: str  # the first of ``outs``
    key: str
    index: Expr
    branches: tuple[Branch, ...]
    outs: tuple[tuple[str, tuple[int, ...], Any], ...]


Statement = Assign | Store | Scatter | Loop | If


@dataclass(frozen=True)
class Region:
    """One fused multilinear region: ``root`` = einsum(operands) with these labels."""

    root: Node
    operands: tuple[Node, ...]
    subscripts: tuple[tuple[str, ...], ...]
    out: tuple[str, ...]
    sizes: tuple[tuple[str, int], ...]

    @property
    def is_permutation(self) -> bool:
        """A pure transpose (or identity): no product, no sum — lowered to a view."""
        return (
            len(self.operands) == 1
            and len(set(self.subscripts[0])) == len(self.subscripts[0])
            and sorted(self.subscripts[0]) == sorted(self.out)
        )


@dataclass(frozen=True)
class Contraction:
    """The planning facts of one contraction step."""

    equation: str  # einsum equation with single letters, e.g. 'abc,dc->adb'
    path: tuple[tuple[int, ...], ...]  # opt_einsum path, () for one operand
    path_info: object | None  # opt_einsum PathInfo when >= 2 operands, else None
    flops: int
    largest_intermediate: int  # elements of the largest intermediate (0 if none)


#: What a step is: a fused contraction, a view (no allocation), a primitive's call, or an
#: output hand-over (a copy or a 0-d array).
StepKind = Literal["contraction", "view", "call", "output"]
STEP_KINDS: frozenset[str] = frozenset(get_args(StepKind))

#: How a step's operands meet NumPy's mixed-kind promotion, for a namespace that promotes
#: only within a kind (the Array API: float64 * int64 is an error there): "operands" casts
#: the operands of the step's ``ufunc`` calls to the dtype the function computes in (an
#: elementwise step), "result" casts every buffer the step reads to the step's result dtype
#: (a contraction or a concatenation), "none" casts nothing.
Promotion = Literal["none", "operands", "result"]
PROMOTIONS: frozenset[str] = frozenset(get_args(Promotion))


@dataclass(frozen=True)
class Step:
    """The statements computing one graph node (or one output hand-over)."""

    node: Node
    index: int  # the node's number in the graph's local numbering
    kind: StepKind
    statements: tuple[Statement, ...]
    result: Expr
    comment: str = ""
    contraction: Contraction | None = None
    region: Region | None = None
    nbytes: int = 0  # bytes the step allocates (0 for views and constants)
    promotion: Promotion = "none"

    def __post_init__(self) -> None:
        if self.kind not in STEP_KINDS:
            raise PlanError(f"step %{self.index}: unknown step kind {self.kind!r}")
        if self.promotion not in PROMOTIONS:
            raise PlanError(f"step %{self.index}: unknown promotion {self.promotion!r}")


@dataclass(frozen=True)
class Plan:
    """The program for one signature: named inputs (with their shapes and dtypes),
    constants, steps and outputs."""

    graph: Graph
    inputs: tuple[str, ...]
    steps: tuple[Step, ...]
    outputs: tuple[str, ...]
    constants: tuple[tuple[str, Any], ...]
    input_types: tuple[tuple[tuple[int, ...], np.dtype], ...]  # (shape, dtype) per input
    numbering: dict[Node, int] = field(default_factory=dict, compare=False)

    @property
    def contractions(self) -> tuple[Step, ...]:
        return tuple(
            s
            for s in self.steps
            if s.contraction is not None and s.region is not None and not s.region.is_permutation
        )


def result_dtype(step: Step) -> np.dtype | None:
    """The dtype the lowering recorded for ``step``'s result (None where none is)."""
    if isinstance(step.result, Ref):
        name = step.result.name
        for st in reversed(step.statements):
            if isinstance(st, (Assign, Store)) and st.target == name and st.dtype is not None:
                return st.dtype
    return None


def nbytes(shape: tuple[int, ...], dtype: np.dtype) -> int:
    return math.prod(int(s) for s in shape) * np.dtype(dtype).itemsize


def format_bytes(n: int) -> str:
    """``1.5 MiB``: a byte count for messages and tables."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


class LowerContext(Protocol):
    """What a primitive's lowering rule may ask of the compiler."""

    def dtype(self, dtype: np.dtype) -> Expr:
        """An expression naming ``dtype`` in the generated code."""
        ...

    def temp(self) -> str:
        """A fresh buffer name."""
        ...

    def constant(self, value: Any) -> Ref:
        """A plan constant holding ``value`` (an array, or a callback's Python function),
        named by the lowering's allocator."""
        ...

    def lower_body(
        self, graph: Graph, input_names: tuple[str, ...], repeat: int = 1
    ) -> tuple[tuple[Step, ...], tuple[str, ...], tuple[str, ...]]:
        """The steps computing a loop body ``graph`` (sharing this plan's names and
        constants), its input names and its output names; ``repeat``: how often the body
        runs per run of the plan (a loop's steps; it weighs what fusing its regions saves)."""
        ...


def statement_reads(st: Statement) -> set[str]:
    """The buffer names a statement reads (a Store/Scatter also needs its target alive)."""
    if isinstance(st, Loop):
        found = {src for _, src, _ in st.slices}
        for _, v in st.init:
            found |= expr_refs(v)
        return found
    if isinstance(st, If):
        found = expr_refs(st.index)
        for br in st.branches:
            for _, v in br.init:
                found |= expr_refs(v)
        return found
    found = expr_refs(st.value)
    if isinstance(st, (Store, Scatter)):
        found.add(st.target)
    if isinstance(st, Scatter):
        found |= expr_refs(st.index)
    if isinstance(st, Assign) and isinstance(st.value, Call):
        out = st.value.attr("out")
        if isinstance(out, str):
            found.add(out)
    return found


def statement_writes(st: Statement) -> set[str]:
    """The buffer names a statement binds."""
    if isinstance(st, Loop):
        return {n for n, _ in st.init} | {n for n, _, _ in st.outs}
    if isinstance(st, If):
        return {n for n, _, _ in st.outs}
    return {st.target}


def expr_refs(expr: Expr) -> set[str]:
    """The buffer names an expression reads (``out=`` targets included)."""
    if isinstance(expr, Ref):
        return {expr.name}
    found: set[str] = set()
    if isinstance(expr, Call):
        for a in expr.args:
            found |= expr_refs(a)
        for _, v in expr.kwargs:
            found |= expr_refs(v)
        out = expr.attr("out")
        if isinstance(out, str):
            found.add(out)
    return found


def releases(plan: Plan) -> dict[tuple[int, int], tuple[str, ...]]:
    """``(step, statement) -> names`` the program may drop right after that statement: the
    temporaries it last reads or assigns. Inputs, constants and outputs are never dropped.
    Emitters print these as ``del`` and the memory accounting frees them there."""
    keep = set(plan.inputs) | {name for name, _ in plan.constants} | set(plan.outputs)
    last: dict[str, tuple[int, int]] = {}
    for k, step in enumerate(plan.steps):
        for j, st in enumerate(step.statements):
            for name in statement_reads(st) | statement_writes(st):
                if name not in keep:
                    last[name] = (k, j)
    out: dict[tuple[int, int], list[str]] = {}
    for name, at in last.items():
        out.setdefault(at, []).append(name)
    return {at: tuple(sorted(names)) for at, names in out.items()}
