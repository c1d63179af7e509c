"""The state of one compilation: vmap levels, the kernels being traced, level records.

vmap only adds a ``Level`` (names an axis); ops align batch axes by level, so no op needs
per-level batching code.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..errors import ShapeError, SpecSyntaxError

_level_ids = itertools.count()


@dataclass(eq=False)
class Level:
    """One vmap call: a named batch axis of a fixed size."""

    name: str
    size: int
    depth: int
    describe: str  # e.g. "vmap(in_axes=(None, 0))" — used in error messages
    id: int = field(default_factory=lambda: next(_level_ids))
    alive: bool = True
    named: bool = False  # given by vmap's axis_name=: collectives (psum, ...) can refer to it
    # a pmap shard: this level holds examples offset .. offset + size of an axis of
    # global_size (collectives then mean the whole axis: pmean divides by global_size)
    global_size: int | None = None
    offset: int = 0

    @property
    def total(self) -> int:
        """The size of the whole axis the collectives over this level reduce."""
        return self.size if self.global_size is None else self.global_size

    @property
    def label(self) -> str:
        return f"L{self.id}"


@dataclass(frozen=True)
class LevelRecord:
    """What one vmap call did, kept for ``axcomp.explain`` (outermost level first)."""

    name: str  # the batch axis's name in the axis graph
    depth: int  # 0 for the outermost vmap
    size: int
    function: str  # the function being vmapped
    in_axes: Any
    out_axes: Any
    # (argument label, logical axis, axis name in the graph before mapping) per mapped leaf
    mapped: tuple[tuple[str, int, str], ...]
    # (output label, position of the batch axis in that output of the vmapped function)
    placed: tuple[tuple[str, int | None], ...] = ()


class Trace:
    """State of one compilation: the active vmap levels and the kernels being traced."""

    def __init__(self) -> None:
        self.levels: list[Level] = []
        self.functions: list[str] = []
        self.level_records: list[LevelRecord] = []  # every vmap call, in call order
        # the nodes of the Tracers made while a branch of ``lax.cond`` is traced (None
        # otherwise): what the branch computes, as opposed to values it closes over
        self.created: set[Any] | None = None
        # eager differentiation (``grad`` outside ``jit``): the node -> concrete value
        # function that lets ``bool(tracer)`` answer, recording a guard; None when values
        # are abstract (under ``jit``, as in JAX)
        self.concretize: Callable[[Any], Any] | None = None
        # the nodes a sweep differentiates with respect to (``grad``/``vjp`` inputs,
        # ``jvp``/``linearize`` tangent seeds): each position along a level is its own
        # variable there even where the values repeat, so a gradient that depends on one
        # (of a sweep still pending) is never unmapped along a level it seems to repeat along
        self.differentiated: set[Any] = set()
        # the nodes run for their effects (``jax.debug.print``), in program order, of the
        # graph being traced: the function's, or a loop body's or cond branch's while one is
        # traced (``collecting_effects``)
        self.effects: list[Any] = []
        # while a ``while_loop`` body is traced: its "keep going" predicate (a Tracer), which
        # its callbacks read, since the generated loop also runs the body once after the
        # last step (whose update is masked) and a callback must not run there
        self.effect_guard: Any = None
        # the memory budget of the program being compiled (its ``memory_limit`` option;
        # None: the default): how many bytes of residual stacks a loop's reverse mode may
        # keep before it checkpoints (``primitives/control.py``)
        self.memory_limit: int | None = None

    def add_effect(self, node: Any) -> None:
        """Keep ``node`` in the graph being traced though no output reads it."""
        self.effects.append(node)
        if self.created is not None:  # a cond branch runs its effects inside the branch
            self.created.add(node)

    def level_name(self, axis_name: str | None) -> str:
        if axis_name is not None:
            return axis_name
        depth = len(self.levels)
        return "abcdefgh"[depth] if depth < 8 else f"v{depth}"

    def bound_level(self, axis_name: str) -> Level | None:
        """The innermost active level that ``vmap(..., axis_name=axis_name)`` bound, if any
        (a name bound by nested vmaps refers to the inner one, as in JAX)."""
        for lv in reversed(self.levels):
            if lv.named and lv.name == axis_name:
                return lv
        return None

    def bound_names(self) -> tuple[str, ...]:
        """The axis names collectives can use here, outermost first (each once)."""
        return tuple(dict.fromkeys(lv.name for lv in self.levels if lv.named))

    @property
    def current_function(self) -> str:
        return self.functions[-1] if self.functions else "<kernel>"


_state = threading.local()


def current_trace() -> Trace | None:
    return getattr(_state, "trace", None)


@contextmanager
def new_trace() -> Iterator[Trace]:
    previous = current_trace()
    trace = Trace()
    _state.trace = trace
    try:
        yield trace
    finally:
        _state.trace = previous


@contextmanager
def recording(trace: Trace, into: set[Any]) -> Iterator[set[Any]]:
    """Collect into ``into`` the node of every Tracer made in this block (nested blocks'
    nodes count for the enclosing one too). Values are abstract there, as in JAX's
    ``cond`` branches, also in an eager ``grad``."""
    previous, concretize = trace.created, trace.concretize
    trace.created, trace.concretize = into, None
    try:
        yield into
    finally:
        trace.created, trace.concretize = previous, concretize
        if previous is not None:
            previous |= into


@contextmanager
def collecting_effects(trace: Trace) -> Iterator[list[Any]]:
    """Collect the effects traced in this block (a loop body, a cond branch) apart from
    the enclosing graph's, which gets the loop or cond node instead."""
    previous = trace.effects
    trace.effects = []
    try:
        yield trace.effects
    finally:
        trace.effects = previous


@contextmanager
def guarding_effects(trace: Trace, guard: Any) -> Iterator[None]:
    """Callbacks traced in this block run only when some entry of ``guard`` is true."""
    previous = trace.effect_guard
    trace.effect_guard = guard
    try:
        yield
    finally:
        trace.effect_guard = previous


@contextmanager
def discarding_effects(trace: Trace) -> Iterator[None]:
    """Drop the effects traced in this block: it traces again a function whose effects an
    earlier trace of the same call already keeps (a Jacobian's columns), so a
    ``debug.print`` runs once per call, as in JAX."""
    with collecting_effects(trace):
        yield


@contextmanager
def abstract_values(trace: Trace) -> Iterator[None]:
    """Values are abstract in this block (a ``jit`` inside an eager ``grad``): Python
    control flow on them raises, as in JAX."""
    previous = trace.concretize
    trace.concretize = None
    try:
        yield
    finally:
        trace.concretize = previous


@contextmanager
def tracing_function(trace: Trace, name: str) -> Iterator[None]:
    trace.functions.append(name)
    try:
        yield
    except ShapeError as exc:
        _add_kernel_context(exc, trace)
        raise
    finally:
        trace.functions.pop()


def _add_kernel_context(exc: ShapeError, trace: Trace) -> None:
    """Name the kernel (and the vmap levels around it) in an op's shape error, once."""
    if getattr(exc, "_axcomp_context", False) or type(exc).__str__ is not Exception.__str__:
        return
    if isinstance(exc, SpecSyntaxError):
        return  # DSL errors already point at the text with line, column and caret
    if not exc.args or not isinstance(exc.args[0], str):
        return
    levels = ", ".join(f"{lv.name}={lv.size} from {lv.describe}" for lv in trace.levels)
    where = f"in kernel {trace.current_function!r}"
    if levels:
        where += f" (per-example shapes shown; batch axes {levels})"
    exc.args = (f"{exc.args[0]}\n  {where}", *exc.args[1:])
    exc._axcomp_context = True  # type: ignore[attr-defined]


def function_name(fun: Any) -> str:
    return getattr(fun, "__qualname__", None) or getattr(fun, "__name__", None) or repr(fun)
