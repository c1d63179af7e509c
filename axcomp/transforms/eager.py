"""Eager differentiation: Python control flow on values inside ``grad`` (outside ``jit``).

JAX evaluates ``grad``/``jvp``/... with concrete values, so ``if x < 3:`` and ``while err >
tol:`` just work there. axcomp compiles instead, so a function whose abstract trace needs
a value is traced again with the call's values attached: ``bool(tracer)``, ``int``,
``__index__`` and ``item`` answer from a program that computes that node from the inputs
(``Concretizer``), and each answer is a *guard*: the node and the value it took. The
program of the path taken also returns its guards' values; a later call runs a cached
program and keeps its result when every guard took the recorded value, and traces again
only when one differs (``PathCache``: a bounded list of paths per signature).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from .. import pytree
from ..core.graph import Graph, Node
from ..core.leaves import InputParams, input_p
from .compile import Compiled, Traced, compile_traced

PATHS_PER_SIGNATURE = 16  # a loop whose trip count varies gives one path per count


class Concretizer:
    """A trace's node -> concrete value (an ndarray), for the inputs' values of one call;
    None where the node is computed from a value no call provides (a loop body's carry, a
    ``cond`` branch's operand), which stays abstract as in JAX."""

    def __init__(
        self, inputs: tuple[Node, ...], values: list[Any], names: tuple[str, ...], namespace: str
    ) -> None:
        self.inputs = inputs
        self.values = values
        self.names = names
        self.namespace = namespace
        self.guards: list[tuple[Node, np.ndarray]] = []
        self._known: dict[Node, np.ndarray] = {}
        self._computable: dict[Node, bool] = {node: True for node in inputs}

    def __call__(self, node: Node) -> np.ndarray | None:
        value = self._known.get(node)
        if value is not None:
            return value
        if not self._is_computable(node):
            return None
        graph, names, values = self._from_known(node)
        program = compile_traced(Traced(graph, pytree.LEAF, names), "concrete_value")
        value = np.asarray(program.run(values))
        self._known[node] = value
        self.guards.append((node, value))
        return value

    def _from_known(self, node: Node) -> tuple[Graph, tuple[str, ...], list[Any]]:
        """The graph computing ``node`` from the inputs and the values already known (as
        more inputs): a loop's k-th guard compiles its own iteration, not all k before it."""
        inputs, names, values = list(self.inputs), list(self.names), list(self.values)
        new: dict[Node, Node] = {n: n for n in self.inputs}
        stack = [node]
        while stack:  # iterative post-order: a long Python loop builds deep graphs
            n = stack[-1]
            if n in new:
                stack.pop()
                continue
            known = self._known.get(n)
            if known is not None:
                label = f"known{len(inputs)}"
                params = InputParams(len(inputs), label)
                new[n] = Node(input_p, (), params, n.shape, n.dtype, n.axes)
                inputs.append(new[n])
                names.append(label)
                values.append(known)
                stack.pop()
                continue
            pending = [i for i in n.inputs if i not in new]
            if pending:
                stack.extend(pending)
                continue
            rebuilt = tuple(new[i] for i in n.inputs)
            same = all(a is b for a, b in zip(rebuilt, n.inputs))
            new[n] = n if same else n.replace_inputs(rebuilt)
            stack.pop()
        return Graph(tuple(inputs), (new[node],)), tuple(names), values

    def _is_computable(self, node: Node) -> bool:
        stack = [node]
        while stack:  # iterative: a long Python loop builds deep graphs
            n = stack[-1]
            if n in self._computable:
                stack.pop()
                continue
            if n.op is input_p:  # an input that is not the call's (a loop body's)
                self._computable[n] = False
                stack.pop()
                continue
            pending = [i for i in n.inputs if i not in self._computable]
            if pending:
                stack.extend(pending)
                continue
            self._computable[n] = all(self._computable[i] for i in n.inputs)
            stack.pop()
        return self._computable[node]


@dataclass(frozen=True, eq=False)
class GuardedProgram:
    """The program of one path: it returns ``(outputs, guard values)``."""

    compiled: Compiled
    expected: tuple[np.ndarray, ...]
    # a program with callbacks (``debug.print``) must not run them on a path not taken: a
    # program computing only the guards checks the path first
    check: Compiled | None = None
    # a 0-d guard (the usual ``if``/``while``) compares as a Python value: cheaper
    items: tuple[Any, ...] = field(init=False)

    def __post_init__(self) -> None:
        items = tuple(w.item() if w.ndim == 0 else None for w in self.expected)
        object.__setattr__(self, "items", items)

    def run(self, leaves: list[Any]) -> tuple[bool, Any]:
        """Whether every guard took its recorded value, and the outputs (None where a
        callback program's path was not taken)."""
        if self.check is not None:
            if not self._taken(self.check.run(leaves)):
                return False, None
            return True, self.compiled.run(leaves)[0]
        out, got = self.compiled.run(leaves)
        return self._taken(got), out

    def _taken(self, got: Any) -> bool:
        for v, w, item in zip(got, self.expected, self.items):
            if not (v.item() == item if item is not None else np.array_equal(v, w)):
                return False
        return True

    @classmethod
    def of(cls, traced: Traced, compile_graph: Callable[[Traced], Compiled]) -> GuardedProgram:
        """The program of ``traced`` (an eager trace), with its guard check when it has
        callbacks."""
        check = None
        graph = traced.graph
        if graph.effects:
            guards = graph.outputs[len(graph.outputs) - len(traced.guards) :]
            treedef = pytree.flatten(tuple(range(len(guards))))[1]
            only = Traced(Graph(graph.inputs, guards), treedef, traced.arg_names)
            check = compile_graph(only)
        return cls(compile_graph(traced), traced.guards, check)


class PathsInfo(NamedTuple):
    traces: int  # paths traced and compiled
    hits: int  # calls a cached path answered
    currsize: int  # paths cached, all signatures together


class PathCache:
    """Per signature, the paths seen (most recent first), bounded; thread-safe."""

    def __init__(self, max_signatures: int) -> None:
        self._paths: OrderedDict[Any, list[GuardedProgram]] = OrderedDict()
        self._max = max_signatures
        self._lock = threading.RLock()
        self._traces = self._hits = 0

    def knows(self, sig: Any) -> bool:
        return sig in self._paths

    def run(self, sig: Any, leaves: list[Any], trace_path: Callable[[], GuardedProgram]) -> Any:
        with self._lock:
            paths = list(self._paths.setdefault(sig, []))
            self._paths.move_to_end(sig)
        for path in paths:
            ok, out = path.run(leaves)
            if ok:
                with self._lock:
                    self._hits += 1
                    self._promote(sig, path)
                return out
        path = trace_path()
        # traced for these values: no guard check (a NaN guard never compares equal)
        out = path.compiled.run(leaves)[0]
        with self._lock:
            self._traces += 1
            self._promote(sig, path)
            while len(self._paths) > self._max:
                self._paths.popitem(last=False)
        return out

    def _promote(self, sig: Any, path: GuardedProgram) -> None:
        paths = self._paths.setdefault(sig, [])
        if path in paths:
            paths.remove(path)
        paths.insert(0, path)
        del paths[PATHS_PER_SIGNATURE:]

    def info(self) -> PathsInfo:
        with self._lock:
            size = sum(len(p) for p in self._paths.values())
            return PathsInfo(self._traces, self._hits, size)

    def clear(self) -> None:
        with self._lock:
            self._paths.clear()
            self._traces = self._hits = 0
