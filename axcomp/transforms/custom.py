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
import inspect
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import primitives as ops
from .. import pytree
from ..core.graph import Node
from ..errors import ArgumentTypeError, GradError
from ..primitives.gradients import CustomRuleParams, custom_rule_p
from ..tracing.build import lift, union_levels
from ..tracing.trace import Level, current_trace
from ..tracing.tracer import Tracer
from .autodiff import vjp
from .jit import static_jit


def _nondiff(argnums: Any) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not all(isinstance(a, int) for a in nums):
        raise GradError(f"nondiff_argnums must be ints, got {argnums!r}")
    return nums


@functools.lru_cache(maxsize=256)
def _signature(fun: Callable[..., Any]) -> inspect.Signature | None:
    # read once per function: custom-derivative functions are called on hot paths
    try:
        return inspect.signature(fun)
    except (TypeError, ValueError):
        return None


def _positional(
    fun: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, ...]:
    """``args`` and ``kwargs`` as one positional tuple, defaults filled in (JAX resolves
    keyword arguments of custom-derivative functions the same way)."""
    sig = _signature(fun)
    if sig is None:
        return args
    params = sig.parameters.values()
    if not kwargs and (len(args) >= len(params) or any(p.kind is p.VAR_POSITIONAL for p in params)):
        return args
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as e:
        raise ArgumentTypeError(f"{getattr(fun, '__name__', 'fun')}: {e}") from None
    bound.apply_defaults()
    if bound.kwargs:
        raise ArgumentTypeError(
            f"{getattr(fun, '__name__', 'fun')}: keyword-only arguments "
            f"{sorted(bound.kwargs)} are not supported by custom derivative rules (as in JAX)"
        )
    return tuple(bound.args)


def _zeros_like(tree: Any) -> Any:
    """Zeros of each leaf's shape and dtype, independent of the leaves' values."""
    leaves, treedef = pytree.flatten(tree)
    out: list[Any] = []
    for v in leaves:
        if isinstance(v, Tracer):
            out.append(ops.elementwise("multiply", ops.stop_gradient(v), 0.0))
        else:
            out.append(np.zeros(np.shape(v), np.result_type(v)))
    return pytree.unflatten(treedef, out)


class custom_vjp:
    """``@axcomp.custom_vjp`` with ``f.defvjp(fwd, bwd)``: ``fwd(*args) -> (out, res)``,
    ``bwd(*nondiff_args, res, g) -> one cotangent per differentiable argument``. Arguments
    and outputs may be pytrees; ``bwd`` returns a tree (or None) per argument."""

    def __init__(self, fun: Callable[..., Any], nondiff_argnums: Any = ()) -> None:
        self.fun = fun
        self.nondiff_argnums = _nondiff(nondiff_argnums)
        self.fwd: Callable[..., Any] | None = None
        self.bwd: Callable[..., Any] | None = None
        functools.update_wrapper(self, fun, updated=())
        self._name = getattr(fun, "__name__", "fun")
        self._fwd_running = threading.local()
        self._jitted = static_jit(self._traced)
        # custom_jvp's rule(primals, tangents), which the forward sweep calls directly
        self._tangent_rule: Callable[..., Any] | None = None

    def defvjp(self, fwd: Callable[..., Any], bwd: Callable[..., Any]) -> None:
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        args = _positional(self.fun, args, kwargs)
        if current_trace() is None:
            return self._jitted(*args)
        if getattr(self._fwd_running, "depth", 0):
            # fwd calls the function itself (as in JAX's fixed-point example): the primal
            # by the function, its residuals from fwd only if the reverse sweep asks (a
            # second derivative), so fwd does not recurse into itself
            return self._traced(*args, lazy=True)
        return self._traced(*args)

    def _forward(self, args: tuple[Any, ...]) -> tuple[Any, Any]:
        assert self.fwd is not None
        self._fwd_running.depth = getattr(self._fwd_running, "depth", 0) + 1
        try:
            out, res = self.fwd(*args)
        finally:
            self._fwd_running.depth -= 1
        return out, res

    def _traced(self, *args: Any, lazy: bool = False) -> Any:
        if self.fwd is None or self.bwd is None:
            raise GradError(f"custom_vjp {self._name}: call defvjp(fwd, bwd) before using it")
        trace = current_trace()
        assert trace is not None
        if lazy:
            out, res = self.fun(*args), None
        else:
            out, res = self._forward(args)
        out_leaves, out_def = pytree.flatten(out)
        outs_t = [lift(o, trace) for o in out_leaves]
        diff = [k for k in range(len(args)) if k not in self.nondiff_argnums]
        arg_flat, arg_def = pytree.flatten(tuple(args[k] for k in diff))
        arg_leaves = [lift(a, trace) for a in arg_flat]
        res_leaves, res_def = pytree.flatten(res)
        res_t = [lift(r, trace) for r in res_leaves]
        nondiff = [args[k] for k in self.nondiff_argnums]
        bwd = self.bwd
        name = self._name
        arg_trees = [pytree.flatten(args[k])[1] for k in diff]

        def make_rule(i: int) -> Callable[..., list[Node | None]]:
            # the reverse sweep meets one node per output leaf: each asks bwd for the
            # pullback of its own cotangent (zeros elsewhere; bwd is linear in it)
            def rule(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
                every = (*outs_t, *arg_leaves, *res_t)
                revived = [(lv, lv.alive) for t in every for lv in t.levels]
                for lv, _ in revived:
                    lv.alive = True  # the sweep may run after the vmap that made them returned
                try:
                    g_leaves = [
                        Tracer(ct, o.levels, trace)
                        if j == i
                        else lift(np.zeros(tuple(o.shape), o.dtype), trace)
                        for j, o in enumerate(outs_t)
                    ]
                    g = pytree.unflatten(out_def, g_leaves)
                    r = pytree.unflatten(res_def, res_t) if not lazy else self._forward(args)[1]
                    grads = bwd(*nondiff, r, g)
                    if not isinstance(grads, (tuple, list)) or len(grads) != len(diff):
                        raise GradError(
                            f"custom_vjp {name}: bwd must return a tuple of {len(diff)} "
                            f"cotangent(s), one per differentiable argument, got {grads!r}"
                        )
                    flat: list[Any] = []
                    for tree, grad in zip(arg_trees, grads):
                        if grad is None:
                            flat.extend([None] * tree.num_leaves)
                        else:
                            flat.extend(pytree.flatten_up_to(tree, grad, f"bwd of {name}"))
                    out: list[Node | None] = [None]  # the primal is not differentiated
                    for k, (arg, grad) in enumerate(zip(arg_leaves, flat)):
                        inexact = np.issubdtype(arg.dtype, np.inexact)
                        if not active[1 + k] or grad is None or not inexact:
                            out.append(None)
                            continue
                        out.append(_onto(lift(grad, trace), arg, name).node)
                    out.extend([None] * len(res_t))
                    return out
                finally:
                    for lv, alive in revived:
                        lv.alive = alive

            return rule

        results = []
        for i, out_t in enumerate(outs_t):
            forward = None
            if self._tangent_rule is not None:
                forward = _forward_rule(
                    self._tangent_rule, args, diff, arg_def, outs_t, i, arg_leaves, name
                )
            else:
                forward = _no_forward(name)
            inputs = (out_t.node, *(a.node for a in arg_leaves), *(r.node for r in res_t))
            node = Node(
                custom_rule_p,
                inputs,
                CustomRuleParams(make_rule(i), name, forward),
                out_t.node.shape,
                out_t.dtype,
                out_t.node.axes,
            )
            results.append(Tracer(node, out_t.levels, trace))
        return pytree.unflatten(out_def, results)


def _no_forward(name: str) -> Callable[[Any, Node, Sequence[Node | None]], Node | None]:
    def forward(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
        raise GradError(
            f"can't apply forward-mode autodiff (jvp) to a custom_vjp function ({name}), "
            "as in JAX; define a custom_jvp instead, or use grad/vjp/jacrev"
        )

    return forward


def _forward_rule(
    user_rule: Callable[..., Any],
    args: tuple[Any, ...],
    diff: list[int],
    arg_def: Any,
    outs_t: list[Tracer],
    index: int,
    arg_leaves: list[Tracer],
    name: str,
) -> Callable[[Any, Node, Sequence[Node | None]], Node | None]:
    """The forward rule of output leaf ``index``: the user's ``rule(primals, tangents)`` on
    the arguments and their tangents (zeros where there are none), the matching leaf of its
    tangent put onto the node."""
    out_t = outs_t[index]
    trace = out_t.trace

    def forward(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
        revived = [(lv, lv.alive) for t in (*outs_t, *arg_leaves) for lv in t.levels]
        for lv, _ in revived:
            lv.alive = True  # a sweep after the vmap that made them (linearize) reads them
        try:
            # inputs 1.. of the node are the differentiable arguments' leaves (input 0, the
            # primal computation, is not differentiated: the rule replaces it)
            zero_leaves = pytree.flatten(_zeros_like(tuple(args[k] for k in diff)))[0]
            t_leaves = [
                Tracer(t, arg.levels, trace) if t is not None else z
                for arg, t, z in zip(arg_leaves, tangents[1 : 1 + len(arg_leaves)], zero_leaves)
            ]
            primals = pytree.unflatten(arg_def, arg_leaves)
            tangent_trees = pytree.unflatten(arg_def, t_leaves)
            result = user_rule(*_rule_args(args, diff, primals, tangent_trees))
            if not isinstance(result, (tuple, list)) or len(result) != 2:
                raise GradError(
                    f"custom_jvp {name}: the rule must return a pair (primal_out, tangent_out)"
                )
            t_out = pytree.flatten(result[1])[0]
            if len(t_out) != len(outs_t):
                raise GradError(
                    f"custom_jvp {name}: the rule's tangent has {len(t_out)} leaves for "
                    f"{len(outs_t)} outputs"
                )
            tangent = lift(t_out[index], trace)
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
            cast_tangent: Node = b.cast(full_t.node, node.dtype)
            return cast_tangent
        finally:
            for lv, alive in revived:
                lv.alive = alive

    return forward


def _rule_args(
    args: tuple[Any, ...], diff: list[int], primals: Any, tangents: Any
) -> tuple[Any, ...]:
    """A custom_jvp rule's arguments, as JAX passes them: the non-differentiable arguments
    first, then the tuples of differentiable primals and their tangents."""
    nondiff = [a for k, a in enumerate(args) if k not in diff]
    return (*nondiff, tuple(primals), tuple(tangents))


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
    """``@axcomp.custom_jvp`` with ``f.defjvp(rule)``: ``rule(*nondiff_args, primals,
    tangents) -> (out, tangent_out)``, linear in ``tangents`` (or ``f.defjvps(*jvps)``, one
    ``jvp(tangent, primal_out, *primals)`` per argument); jvp/jacfwd call it, grad uses its
    transpose."""

    def __init__(self, fun: Callable[..., Any], nondiff_argnums: Any = ()) -> None:
        self.fun = fun
        self.nondiff_argnums = _nondiff(nondiff_argnums)
        self.rule: Callable[..., Any] | None = None
        functools.update_wrapper(self, fun, updated=())
        self._vjp = custom_vjp(fun, nondiff_argnums)
        self._vjp.defvjp(self._fwd, self._bwd)

    def defjvp(self, rule: Callable[..., Any], symbolic_zeros: bool = False) -> Callable[..., Any]:
        self.rule = rule
        self._vjp._tangent_rule = rule
        return rule

    def defjvps(self, *jvps: Callable[..., Any] | None) -> None:
        """One rule per differentiable argument, ``jvp(tangent, primal_out, *primals)``,
        their results summed (None: that argument has no tangent contribution)."""
        fun, nondiff = self.fun, self.nondiff_argnums

        def rule(*rest: Any) -> tuple[Any, Any]:
            *fixed, primals, tangents = rest
            full = _merge(len(fixed) + len(primals), nondiff, fixed, primals)
            out = fun(*full)
            total: Any = None
            for fn, t in zip(jvps, tangents):
                if fn is None:
                    continue
                term = fn(t, out, *full)
                total = term if total is None else pytree_add(total, term)
            return out, total if total is not None else _zeros_like(out)

        self.defjvp(rule)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.rule is None:
            name = getattr(self.fun, "__name__", "fun")
            raise GradError(f"custom_jvp {name}: call defjvp(rule) before using it")
        return self._vjp(*_positional(self.fun, args, kwargs))

    def _fwd(self, *args: Any) -> tuple[Any, Any]:
        return self.fun(*args), args

    def _bwd(self, *rest: Any) -> tuple[Any, ...]:
        *_, primals, g = rest  # the non-differentiable arguments are inside primals too
        rule = self.rule
        assert rule is not None
        diff = [k for k in range(len(primals)) if k not in self.nondiff_argnums]
        diff_primals = [primals[k] for k in diff]

        def tangent_map(*ts: Any) -> Any:
            return rule(*_rule_args(primals, diff, diff_primals, ts))[1]

        zeros = [_zeros_like(p) for p in diff_primals]
        _, pullback = vjp(tangent_map, *zeros)
        return tuple(pullback(g))


def _merge(
    n: int, nondiff: tuple[int, ...], fixed: Sequence[Any], primals: Sequence[Any]
) -> list[Any]:
    """All ``n`` arguments in order from the non-differentiable and the other ones."""
    it_fixed, it_primals = iter(fixed), iter(primals)
    return [next(it_fixed) if k in nondiff else next(it_primals) for k in range(n)]


def pytree_add(a: Any, b: Any) -> Any:
    """Leaf-wise sum of two trees of one structure."""
    la, da = pytree.flatten(a)
    lb = pytree.flatten_up_to(da, b, "a defjvps term")
    return pytree.unflatten(da, [x + y for x, y in zip(la, lb)])


def custom_gradient(fun: Callable[..., Any]) -> custom_vjp:
    """``@axcomp.custom_gradient`` (``jax.custom_gradient``): ``fun(*args)`` returns
    ``(value, vjp)``, where ``vjp(g)`` gives one cotangent per positional argument (a
    tuple; a lone cotangent is taken for a one-argument function).

    JAX turns ``vjp``'s closure into residuals; here the residuals are the arguments and
    the backward pass calls ``fun`` on them again to rebuild ``vjp``. The repeated forward
    operations are the same graph nodes' operations on the same values, which the
    compiler's common-value pass computes once."""

    def primal(*args: Any) -> Any:
        return _value_and_rule(fun, args)[0]

    def fwd(*args: Any) -> tuple[Any, Any]:
        return _value_and_rule(fun, args)[0], args

    def bwd(args: Any, g: Any) -> tuple[Any, ...]:
        cotangents = _value_and_rule(fun, args)[1](g)
        if not isinstance(cotangents, (tuple, list)):
            cotangents = (cotangents,)
        if len(cotangents) != len(args):
            raise GradError(
                f"custom_gradient {getattr(fun, '__name__', 'fun')}: the vjp returned "
                f"{len(cotangents)} cotangents for {len(args)} positional arguments"
            )
        return tuple(cotangents)

    wrapped = custom_vjp(primal)
    functools.update_wrapper(wrapped, fun, updated=())
    wrapped._name = getattr(fun, "__name__", "fun")
    wrapped.defvjp(fwd, bwd)
    return wrapped


def _value_and_rule(fun: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Any, Any]:
    out = fun(*args)
    if not (isinstance(out, tuple) and len(out) == 2 and callable(out[1])):
        raise GradError(
            f"custom_gradient {getattr(fun, '__name__', 'fun')} must return (value, vjp), "
            f"with vjp a function of the output cotangent; got {type(out).__name__}"
        )
    return out[0], out[1]
