"""Compositions with their own derivative rule: a value computed from ``stop_gradient``
copies of the operands, carrying JAX's closed-form derivative on a ``custom_rule_p`` node
(``primitives/gradients.py``; the elementwise primitive's ``derivative_terms`` applies the
rule), so both sweeps use the formula, never the derivative of an approximation or of a
loop. ``lax.clamp``, ``lax.logistic``, ``lax.erf_inv``, ``lax.igamma``, ``lax.betainc`` and
``scipy.special``'s compositions use it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..core.graph import Node
from ..primitives.elementwise import derivative_terms, tangent_sum
from ..primitives.gradients import CustomRuleParams, custom_rule_p, stop_gradient
from ..primitives.shape import broadcast_levels
from ..tracing.build import broadcast_map, union_levels
from ..tracing.tracer import Tracer

#: ``rule(k, xs, z)``: the factors of dz/dx_k (None: no derivative for operand k)
Rule = Callable[[int, list[Tracer], Tracer], list[Any] | None]


def with_rule(name: str, value: Tracer, args: Sequence[Tracer], rule: Rule) -> Tracer:
    """``value`` (computed from ``stop_gradient`` copies of ``args``) with the derivative
    ``rule(k, xs, z)``: the factors of dz/dx_k, read on the operands ``xs`` aligned with
    the result ``z`` (physical arrays, as the elementwise table reads them). The factors'
    product with the cotangent, summed over broadcast axes, is the reverse rule; with the
    tangent, broadcast to the result, the forward one."""
    trace = value.trace
    levels = union_levels([value, *args])
    value = broadcast_levels(value, levels)
    maps = tuple(broadcast_map(a, levels, value.shape) for a in args)

    def factors(b: Any, node: Node, k: int) -> list[Any] | None:
        xs = [b.align(inp, m, node.ndim) for inp, m in zip(node.inputs[1:], maps)]
        # z is this node (not its stop-gradient input), so the factors differentiate again
        return rule(k, xs, b.p(node))

    def rule_factors(b: Any, node: Node) -> Callable[[int, Any], list[Any] | None]:
        return lambda k, _seed: factors(b, node, k)

    def vjp(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
        # the primal computation (input 0) is not differentiated
        seeds = [ct if a else None for a in active[1:]]
        operands = node.inputs[1:]
        return [
            None,
            *derivative_terms(b, node, operands, maps, seeds, rule_factors(b, node), True),
        ]

    def jvp(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
        operands = node.inputs[1:]
        terms = derivative_terms(
            b, node, operands, maps, tangents[1:], rule_factors(b, node), False
        )
        return tangent_sum(b, terms)

    node = Node(
        custom_rule_p,
        (value.node, *(a.node for a in args)),
        CustomRuleParams(vjp, name, jvp),
        value.node.shape,
        value.dtype,
        value.node.axes,
    )
    return Tracer(node, levels, trace)


def ruled(name: str, fn: Callable[..., Tracer], args: Sequence[Tracer], rule: Rule) -> Tracer:
    """``fn(*args)`` with the derivative ``rule`` (see ``with_rule``)."""
    return with_rule(name, fn(*[stop_gradient(a) for a in args]), args, rule)
