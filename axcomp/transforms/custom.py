"""``custom_vjp`` and ``custom_jvp``: user-defined derivative rules, as in JAX.

The primal value is computed by the function (or ``fwd``) as usual; a ``custom_vjp`` node
passes it through and carries the user's rule, which the reverse sweep calls with the
cotangent instead of differentiating the forward computation. Under vmap the rule runs
per example (its values carry the vmap levels), and the cotangent of an argument that is
not batched along a level is summed over that level. A ``custom_jvp`` node carries the
user's tangent rule twice: the forward sweep (``jvp``, ``jacfwd``) calls it directly, and
the reverse sweep calls its transpose (the pullback of the linear tangent map). A
``custom_vjp`` node in the forward sweep transposes its reverse rule instead
(``primitives/gradients.py``).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import primitives as ops
from .. import pytree
from ..core.graph import Node
from ..errors import GradError
from ..primitives.gradients import CustomRuleParams, custom_rule_p
from ..tracing.build import lift, union_levels
from ..tracing.trace import Level, current_trace
from ..tracing.tracer import Tracer
from .autodiff import vjp
from .jit import jit


def _nondiff(argnums: Any) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not all(isinstance(a, int) for a in nums):
        raise GradError(f"nondiff_argnums must be ints, got {argnums!r}")
    return nums


class custom_vjp:
    """``@axcomp.custom_vjp`` with ``f.defvjp(fwd, bwd)``: ``fwd(*args) -> (out, res)``,
    ``bwd(*nondiff_args, res, g) -> one cotangent per differentiable argument``."""

    def __init__(self, fun: Callable[..., Any], nondiff_argnums: Any = ()) -> None:
        self.fun = fun
        self.nondiff_argnums = _nondiff(nondiff_argnums)
        self.fwd: Callable[..., Any] | None = None
        self.bwd: Callable[..., Any] | None = None
        functools.update_wrapper(self, fun, updated=())
        self._name = getattr(fun, "__name__", "fun")
        self._fwd_running = threading.local()
        self._jitted = jit(self._traced)
        # custom_jvp's rule(primals, tangents), which the forward sweep calls directly
        self._tangent_rule: Callable[..., Any] | None = None

    def defvjp(self, fwd: Callable[..., Any], bwd: Callable[..., Any]) -> None:
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args: Any) -> Any:
        if current_trace() is None:
            return self._jitted(*args)
        if getattr(self._fwd_running, "depth", 0):
            return self.fun(*args)  # fwd may call the function itself (as in JAX): the primal
        return self._traced(*args)

    def _traced(self, *args: Any) -> Any:
        if self.fwd is None or self.bwd is None:
            raise GradError(f"custom_vjp {self._name}: call defvjp(fwd, bwd) before using it")
        trace = current_trace()
        assert trace is not None
        self._fwd_running.depth = getattr(self._fwd_running, "depth", 0) + 1
        try:
            out, res = self.fwd(*args)
        finally:
            self._fwd_running.depth -= 1
        if pytree.node_kind(out) != "leaf":
            raise GradError(f"custom_vjp {self._name}: only array outputs are supported")
        out_t = lift(out, trace)
        diff = [k for k in range(len(args)) if k not in self.nondiff_argnums]
        arg_leaves = [lift(args[k], trace) for k in diff]
        res_leaves, res_def = pytree.flatten(res)
        res_t = [lift(r, trace) for r in res_leaves]
        nondiff = [args[k] for k in self.nondiff_argnums]
        bwd = self.bwd
        name = self._name

        def rule(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
            revived = [(lv, lv.alive) for t in (out_t, *arg_leaves, *res_t) for lv in t.levels]
            for lv, _ in revived:
                lv.alive = True  # the sweep may run after the vmap that made them returned
            try:
                g = Tracer(ct, out_t.levels, trace)
                r = pytree.unflatten(res_def, res_t)
                grads = bwd(*nondiff, r, g)
                if not isinstance(grads, tuple) or len(grads) != len(arg_leaves):
                    raise GradError(
                        f"custom_vjp {name}: bwd must return a tuple of {len(arg_leaves)} "
                        f"cotangent(s), one per differentiable argument, got {grads!r}"
                    )
                out: list[Node | None] = [None]  # the primal computation is not differentiated
                for k, (arg, grad) in enumerate(zip(arg_leaves, grads)):
                    if not active[1 + k] or grad is None:
                        out.append(None)
                        continue
                    out.append(_onto(lift(grad, trace), arg, name).node)
                out.extend([None] * len(res_t))
                return out
            finally:
                for lv, alive in revived:
                    lv.alive = alive

        forward = None
        if self._tangent_rule is not None:
            forward = _forward_rule(self._tangent_rule, args, diff, out_t, arg_leaves, name)
        inputs = (out_t.node, *(a.node for a in arg_leaves), *(r.node for r in res_t))
        node = Node(
            custom_rule_p,
            inputs,
            CustomRuleParams(rule, name, forward),
            out_t.node.shape,
            out_t.dtype,
            out_t.node.axes,
        )
        return Tracer(node, out_t.levels, trace)


def _forward_rule(
    user_rule: Callable[..., Any],
    args: tuple[Any, ...],
    diff: list[int],
    out_t: Tracer,
    arg_leaves: list[Tracer],
    name: str,
) -> Callable[[Any, Node, Sequence[Node | None]], Node | None]:
    """The node's forward rule: the user's ``rule(primals, tangents)`` on the arguments
    and their tangents (zeros where there are none), its tangent put onto the node."""
    trace = out_t.trace

    def forward(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
        revived = [(lv, lv.alive) for t in (out_t, *arg_leaves) for lv in t.levels]
        for lv, _ in revived:
            lv.alive = True  # a sweep after the vmap that made them (linearize) reads them
        try:
            # inputs 1.. of the node are the differentiable arguments (input 0, the primal
            # computation, is not differentiated: the rule replaces it)
            full = _zeros(args)
            primals = list(args)
            for k, arg, t in zip(diff, arg_leaves, tangents[1 : 1 + len(diff)]):
                primals[k] = arg
                if t is not None:
                    full[k] = Tracer(t, arg.levels, trace)
            result = user_rule(tuple(primals), tuple(full))
            if not isinstance(result, (tuple, list)) or len(result) != 2:
                raise GradError(
                    f"custom_jvp {name}: the rule must return a pair (primal_out, tangent_out)"
                )
            tangent = lift(result[1], trace)
            if tuple(tangent.shape) != tuple(out_t.shape):
                raise GradError(
                    f"custom_jvp {name}: the rule returned a tangent of shape {tangent.shape} "
                    f"for an output of shape {out_t.shape}"
                )
            out_ids = {lv.id for lv in out_t.levels}
            if not {lv.id for lv in tangent.levels} <= out_ids:
                raise GradError(
                    f"custom_jvp {name}: the rule's tangent is batched along a vmap axis "
                    "that its output is not"
                )
            full_t = ops.broadcast_levels(tangent, out_t.levels)
            return b.cast(full_t.node, node.dtype)
        finally:
            for lv, alive in revived:
                lv.alive = alive

    return forward


def _onto(grad: Tracer, arg: Tracer, name: str) -> Tracer:
    """``grad`` as a cotangent of ``arg``: its levels and shape (summed over the levels
    ``arg`` is not batched along)."""
    if tuple(grad.shape) != tuple(arg.shape):
        raise GradError(
            f"custom_vjp {name}: bwd returned a cotangent of shape {grad.shape} for an "
            f"argument of shape {arg.shape}"
        )
    levels: tuple[Level, ...] = union_levels([grad, arg])
    full = ops.broadcast_levels(grad, levels)
    extra = [k for k, lv in enumerate(levels) if lv.id not in {a.id for a in arg.levels}]
    phys = Tracer(full.node, (), full.trace)
    if extra:
        phys = ops.reduce_sum(phys, axis=tuple(extra))
    out = Tracer(phys.node, arg.levels, full.trace)
    return ops.astype(out, arg.dtype) if out.dtype != arg.dtype else out


class custom_jvp:
    """``@axcomp.custom_jvp`` with ``f.defjvp(rule)``: ``rule(primals, tangents) ->
    (out, tangent_out)``, linear in ``tangents``; jvp/jacfwd call it, grad uses its
    transpose."""

    def __init__(self, fun: Callable[..., Any], nondiff_argnums: Any = ()) -> None:
        self.fun = fun
        self.nondiff_argnums = _nondiff(nondiff_argnums)
        self.rule: Callable[..., Any] | None = None
        functools.update_wrapper(self, fun, updated=())
        self._vjp = custom_vjp(fun, nondiff_argnums)
        self._vjp.defvjp(self._fwd, self._bwd)

    def defjvp(self, rule: Callable[..., Any]) -> Callable[..., Any]:
        self.rule = rule
        self._vjp._tangent_rule = rule
        return rule

    def __call__(self, *args: Any) -> Any:
        if self.rule is None:
            name = getattr(self.fun, "__name__", "fun")
            raise GradError(f"custom_jvp {name}: call defjvp(rule) before using it")
        return self._vjp(*args)

    def _fwd(self, *args: Any) -> tuple[Any, Any]:
        return self.fun(*args), args

    def _bwd(self, *rest: Any) -> tuple[Any, ...]:
        *_, primals, g = rest  # the non-differentiable arguments are inside primals too
        rule = self.rule
        assert rule is not None
        diff = [k for k in range(len(primals)) if k not in self.nondiff_argnums]

        def tangent_map(*ts: Any) -> Any:
            full = list(_zeros(primals))
            for k, t in zip(diff, ts):
                full[k] = t
            return rule(tuple(primals), tuple(full))[1]

        zeros = [_zeros(primals)[k] for k in diff]
        _, pullback = vjp(tangent_map, *zeros)
        return tuple(pullback(g))


def _zeros(values: Sequence[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if isinstance(v, Tracer):
            out.append(ops.elementwise("multiply", v, 0.0))
        else:
            out.append(np.zeros(np.shape(v), np.result_type(v)))
    return out
