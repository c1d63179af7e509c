"""Forward mode on the axis graph: the tangent sweep behind ``jvp``, ``linearize``, ``jacfwd``.

A JVP is not the transpose of a pullback here: the sweep walks the traced graph in
topological order and, for every node that depends on a seeded leaf, calls its primitive's
``jvp`` rule, which *adds graph nodes* for the node's tangent. The tangent graph is lowered
like any other, so a tangent contraction (``dA @ v`` next to ``A @ v``) is one more einsum
of the same multilinear region and fuses with the primal ones (``explain`` shows them).

Conventions, shared with the reverse sweep (``autodiff``):

* Rules work on *physical* arrays. A node's tangent has exactly the node's shape (its vmap
  batch axes included) and dtype, so a linear primitive applies itself to the tangent with
  its own params; ``None`` is a symbolic zero and costs nothing.
* A seeded leaf is broadcast to the levels of its primal and of its tangent together, so
  under vmap a batched tangent of an unbatched primal (a Jacobian's basis) gets one
  tangent per example.
* Every seeded leaf is a fresh node, so values the function closes over are constants
  (no perturbation confusion), and nesting works both ways: ``jvp(grad(f))`` sweeps the
  backward nodes, ``grad(jvp(f))`` differentiates the tangent nodes, each with its rules.
* Integer and boolean values have no tangent. Where JAX returns ``float0`` tangents for
  them, ``jvp`` returns zeros of the value's own shape and dtype (as ``vjp`` does for the
  cotangents of integer primals).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import primitives as ops
from ..core.graph import Node, describe, topological
from ..errors import GradError
from ..primitives.contraction import identity
from ..tracing.build import lift, union_levels
from ..tracing.trace import Trace, function_name, tracing_function
from ..tracing.tracer import Tracer
from .autodiff import _Builder, backprop

__all__ = ["forward_sweep", "jvp_flat", "linearize_flat"]

FlatFunction = Callable[..., Sequence[Any]]  # flat leaves in, flat leaves out


def _inexact(dtype: np.dtype) -> bool:
    return np.issubdtype(dtype, np.inexact)


class TangentBuilder(_Builder):
    """What a ``jvp`` rule gets: the reverse sweep's node helpers, plus what forward rules
    need (zeros, a local transpose of a node's own reverse rule, a nested sweep)."""

    def __init__(self, trace: Trace) -> None:
        super().__init__(trace)
        # per sweep: results a rule computes once for several nodes (a loop's outputs)
        self.memo: dict[Any, Any] = {}

    def zeros(self, node: Node) -> Node:
        return self.filled(0.0, node.shape, node.dtype)

    def tangent(self, tangent: Node | None, like: Node) -> Node:
        """``tangent`` as a node of ``like``'s shape and dtype (zeros for a symbolic zero)."""
        return self.zeros(like) if tangent is None else self.cast(tangent, like.dtype)

    def apply(self, node: Node, inputs: Sequence[Node]) -> Node:
        """``node``'s primitive and params on other inputs of the same shapes: how a node
        that is linear in those inputs maps their tangents."""
        return Node(node.op, tuple(inputs), node.params, node.shape, node.dtype, node.axes)

    def sweep(self, outputs: Sequence[Node], seeds: dict[Node, Node]) -> list[Node | None]:
        """Tangents of ``outputs`` given ``seeds`` (a loop body's, say), with this builder."""
        return _sweep(self, outputs, seeds)

    def transpose_vjp(self, node: Node, tangents: Sequence[Node | None]) -> Node | None:
        """``J t`` from the node's reverse rule ``ct -> Jᵀ ct``, which is linear in ``ct``:
        the cotangent of a fresh ``ct`` in ``sum_k <(Jᵀ ct)_k, t_k>``. One reverse sweep over
        that one node's rule, for rules whose closed forward form would be long."""
        rule = node.op.vjp
        if rule is None:
            raise GradError(f"axcomp.jvp: {describe(node)} is not differentiable (no rule)")
        # any value of ct gives the same linear map; a fresh node keeps it apart
        ct = identity(self.zeros(node))
        cts = rule(self, node, ct, [t is not None for t in tangents])
        outs, seeds = [], []
        for g, t in zip(cts, tangents):
            if g is not None and t is not None:
                outs.append(g)
                seeds.append(self.cast(t, g.dtype))
        if not outs:
            return None
        (result,) = backprop(self.trace, outs, seeds, [ct])
        return result


def forward_sweep(
    trace: Trace, outputs: Sequence[Node], seeds: dict[Node, Node]
) -> list[Node | None]:
    """Tangents of ``outputs`` (None: zero) given the tangents ``seeds`` of some of their
    ancestors (each of its node's shape), as new nodes of the current trace."""
    return _sweep(TangentBuilder(trace), outputs, seeds)


def _sweep(
    b: TangentBuilder, outputs: Sequence[Node], seeds: dict[Node, Node]
) -> list[Node | None]:
    tangents: dict[Node, Node] = dict(seeds)
    for node in topological(list(outputs)):
        if node in tangents or not _inexact(node.dtype):
            continue  # a seed, or an integer/bool value: no tangent
        ins = [tangents.get(i) for i in node.inputs]
        if all(t is None for t in ins):
            continue
        rule = node.op.jvp
        if rule is None:
            raise GradError(f"axcomp.jvp: {describe(node)} is not differentiable (no jvp rule)")
        t = rule(b, node, ins)
        if t is None:
            continue
        if t.shape != node.shape:
            raise AssertionError(
                f"jvp rule of {describe(node)} gave a tangent of shape {t.shape} for a node "
                f"of shape {node.shape}"
            )
        tangents[node] = b.cast(t, node.dtype)
    return [tangents.get(o) for o in outputs]


# ---------------------------------------------------------------- seeding and reading out


def _seed(primal: Any, tangent: Any, trace: Trace) -> tuple[Any, Node | None]:
    """A fresh leaf for ``primal`` and its tangent node (None: a constant), both carrying
    the levels of the primal and of the tangent."""
    p = lift(primal, trace)
    if not _inexact(p.dtype):
        return primal, None  # an integer or bool argument: a constant (float0 in JAX)
    if tangent is None:
        return primal, None  # a symbolic zero: nothing to seed
    t = lift(tangent, trace)
    _check_complex_tangent(p.dtype, t.dtype)
    if t.dtype != p.dtype:
        t = ops.astype(t, p.dtype)
    levels = union_levels([p, t])
    pb = ops.broadcast_levels(p, levels)
    fresh = Tracer(identity(pb.node), levels, trace)  # a node of its own for the sweep
    trace.differentiated.add(fresh.node)
    return fresh, ops.broadcast_levels(t, levels).node


def _check_complex_tangent(primal: np.dtype, tangent: np.dtype) -> None:
    """JAX refuses a real tangent for a complex primal (a real one would silently drop the
    imaginary direction); other dtype differences are cast, as before."""
    if np.issubdtype(primal, np.complexfloating) and not np.issubdtype(tangent, np.complexfloating):
        raise GradError(
            "primal and tangent arguments to jax.jvp do not match; dtypes must be equal, or "
            "in case of int/bool primal dtype the tangent dtype must be float0. Got primal "
            f"dtype {primal.name} and so expected tangent dtype {primal.name}, but got "
            f"tangent dtype {tangent.name} instead."
        )


def _read_out(outs: Sequence[Tracer], seeds: dict[Node, Node], trace: Trace) -> list[Tracer]:
    """The outputs' tangents as tracers of their levels (zeros for a symbolic zero)."""
    b = TangentBuilder(trace)
    tangents = _sweep(b, [o.node for o in outs], seeds)
    return [
        Tracer(t if t is not None else b.zeros(o.node), o.levels, trace)
        for o, t in zip(outs, tangents)
    ]


def jvp_flat(
    fun: FlatFunction,
    primals: Sequence[Any],
    tangents: Sequence[Any],
    trace: Trace,
) -> tuple[list[Tracer], list[Tracer]]:
    """``fun(*primals)`` and its tangent for ``tangents`` (flat leaves; a None tangent is a
    symbolic zero), traced into ``trace``."""
    seeded = [_seed(p, t, trace) for p, t in zip(primals, tangents)]
    with tracing_function(trace, function_name(fun)):
        out = fun(*[s[0] for s in seeded])
    outs = [lift(o, trace) for o in out]
    seeds = {s[0].node: s[1] for s in seeded if s[1] is not None}
    tangent_outs = _read_out(outs, seeds, trace)
    if any(_levels_of(s[0]) != _levels_of(p) for s, p in zip(seeded, primals)):
        # A tangent is batched where its primal is not (vmap over tangents, as in jacfwd):
        # the sweep needs the primal broadcast to the tangent's levels, but the primal
        # outputs must keep their own levels (JAX's out_axes=None works on them), so they
        # are traced again from the unbroadcast primals.
        with tracing_function(trace, function_name(fun)):
            outs = [lift(o, trace) for o in fun(*primals)]
    return outs, tangent_outs


def _levels_of(x: Any) -> tuple[int, ...]:
    return tuple(lv.id for lv in x.levels) if isinstance(x, Tracer) else ()


def linearize_flat(
    fun: FlatFunction, primals: Sequence[Any], trace: Trace
) -> tuple[list[Tracer], Callable[[Sequence[Any]], list[Tracer]]]:
    """``fun(*primals)`` traced once, and ``f_jvp(tangents)`` that sweeps that graph for
    each new tangent (retracing only when a tangent is batched along a level the primal
    graph lacks)."""
    levels = tuple(trace.levels)
    leaves: list[Any] = []
    fresh: list[Tracer | None] = []
    for p in primals:
        t = lift(p, trace)
        if _inexact(t.dtype):
            f = Tracer(identity(ops.broadcast_levels(t, levels).node), levels, trace)
            trace.differentiated.add(f.node)
            leaves.append(f)
            fresh.append(f)
        else:
            leaves.append(p)
            fresh.append(None)
    with tracing_function(trace, function_name(fun)):
        out = fun(*leaves)
    outs = [lift(o, trace) for o in out]
    ids = {lv.id for lv in levels}

    def f_jvp(tangents: Sequence[Any]) -> list[Tracer]:
        seeds: dict[Node, Node] = {}
        for f, t in zip(fresh, tangents):
            if f is None or t is None:
                continue
            tt = lift(t, trace)
            _check_complex_tangent(f.dtype, tt.dtype)
            if not {lv.id for lv in tt.levels} <= ids:
                # batched along a newer level (vmap of f_jvp): trace the primal with it
                return jvp_flat(fun, primals, tangents, trace)[1]
            tt = ops.astype(tt, f.dtype) if tt.dtype != f.dtype else tt
            seeds[f.node] = ops.broadcast_levels(tt, levels).node
        return _read_out(outs, seeds, trace)

    return outs, f_jvp
