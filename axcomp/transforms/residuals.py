"""``jax.ad_checkpoint.print_saved_residuals``: what the reverse sweep of ``fun`` reads from
its forward sweep.

``fun`` and its ``vjp`` are traced into one graph; a residual is a value of the forward
sweep (an argument or an intermediate, not a constant) that a node of the reverse sweep
reads. axcomp compiles both sweeps into one program and frees each temporary after its
last reader, so ``checkpoint``/``remat`` do not change this list, where JAX's
rematerialisation leaves only the arguments.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import pytree
from ..core.graph import Node, describe, topological
from ..core.leaves import const_p, input_p
from ..core.shapes import type_text
from ..errors import AxcompError, GradError
from ..primitives.contraction import is_rename
from ..tracing.build import lift
from ..tracing.trace import current_trace
from .autodiff import vjp
from .jit import jit
from .staging import input_names, signature_of, trace_to_graph
from .tracebacks import user_frames


def saved_residuals(fun: Callable[..., Any], *args: Any, **kwargs: Any) -> list[tuple[Any, str]]:
    """``(ShapeDtype-like type text, where it comes from)`` per residual: the arguments
    first (in argument order), then the intermediates in program order."""
    if not callable(fun):
        raise GradError(f"print_saved_residuals expects a callable, got {fun!r}")
    if current_trace() is not None:
        raise GradError("print_saved_residuals traces its own program: call it outside jit")
    forward: set[Node] = set()

    def both_sweeps(*primals: Any) -> Any:
        out, pullback = vjp(lambda *a: fun(*a, **kwargs), *primals)
        trace = current_trace()
        assert trace is not None
        leaves, treedef = pytree.flatten(out)
        nodes = [lift(o, trace).node for o in leaves]
        forward.update(topological(nodes))
        seeds = [np.ones(n.shape, n.dtype) for n in nodes]
        return pullback(pytree.unflatten(treedef, seeds))

    staged = jit(both_sweeps)
    sig = signature_of(args, {}, trace_scalars=True)  # Python scalars are traced, as in jit
    try:
        traced = trace_to_graph(staged._inline_unpacked, sig, input_names(fun, sig), staged.name)
    except AxcompError as exc:
        raise exc.with_traceback(user_frames(exc.__traceback__)) from None
    graph = traced.graph
    # what the reverse sweep reads, or returns as it is (the gradient of x * y is y)
    read: set[Node] = {n for n in graph.outputs if n in forward}
    for node in graph.nodes():
        if node not in forward:
            read.update(i for i in node.inputs if i in forward)
    read = {_source(n, forward) for n in read if n.op is not const_p}
    labels = _argument_labels(fun, args, len(graph.inputs))
    rows = []
    for node in graph.inputs:
        if node in read:
            label = labels[node.params.index] if labels else node.params.name
            rows.append((node, f"from the argument {label}"))
    for node in graph.nodes():
        if node in read and node.op is not input_p:
            rows.append((node, f"output of {describe(node)}"))
    return [(type_text(n.shape, n.dtype), where) for n, where in rows]


def _argument_labels(fun: Callable[..., Any], args: tuple[Any, ...], n: int) -> list[str]:
    """``p['w']`` per traced argument leaf, as JAX names them (empty if they do not line up
    with the graph's ``n`` inputs: some leaf was static)."""
    try:
        params = list(inspect.signature(fun).parameters)
    except (TypeError, ValueError):
        params = []
    labels = []
    for i, arg in enumerate(args):
        base = params[i] if i < len(params) else f"args[{i}]"
        labels += [base + path for path in pytree.leaf_paths(arg)]
    return labels if len(labels) == n else []


def _source(node: Node, forward: set[Node]) -> Node:
    """The value ``node`` holds: through the renames ``vjp`` marks its arguments with."""
    while is_rename(node) and node.inputs[0] in forward:
        node = node.inputs[0]
    return node


def print_saved_residuals(fun: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Print one line per residual of ``fun``'s reverse sweep at ``args``: its type and
    where it comes from (``jax.ad_checkpoint.print_saved_residuals``)."""
    for type_, where in saved_residuals(fun, *args, **kwargs):
        print(f"{type_} {where}")
