"""``stop_gradient``: the identity whose derivative is zero (``jax.lax.stop_gradient``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..core.graph import Node
from ..core.independence import UNUSED, Relations, identity_relations
from ..core.plan import Assign, Expr, LowerContext, Statement
from ..core.primitive import primitive
from ..tracing.build import Value, lift, logical_names, make, trace_of
from ..tracing.tracer import Tracer


@dataclass(frozen=True)
class StopGradientParams:
    pass


stop_gradient_p = primitive(
    "stop_gradient",
    StopGradientParams,
    arity=1,
    aliases_input=True,
    allocates=False,
    moves_data=True,
)
stop_gradient_p.def_describe(lambda p: "stop_gradient")
stop_gradient_p.def_shape(lambda p, inputs: inputs[0].shape)


@stop_gradient_p.def_lower
def _lower(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
) -> tuple[Statement, ...]:
    return (Assign(target, args[0]),)  # the value itself: no copy


@stop_gradient_p.def_vjp
def _vjp(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    return [None]  # no cotangent flows through


@stop_gradient_p.def_jvp
def _jvp(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
    return None  # a constant for every derivative, forward ones included


def stop_gradient(x: Value) -> Tracer:
    """``x`` unchanged, treated as a constant by ``grad``/``vjp``/``jvp``."""
    trace = trace_of((x,))
    t = lift(x, trace)
    params = StopGradientParams()
    return make(trace, stop_gradient_p, (t,), params, t.levels, t.shape, t.dtype, logical_names(t))


@dataclass(frozen=True, eq=False)
class CustomRuleParams:
    """A user-defined reverse rule (``axcomp.custom_vjp``): ``rule(builder, node, ct,
    active)`` returns the cotangents of the node's inputs; ``jvp(builder, node, tangents)``,
    when given (``axcomp.custom_jvp``), the node's tangent. Compared by identity."""

    rule: Any
    name: str
    jvp: Any = None  # the forward rule: a custom_jvp's, or a custom_vjp's refusal


custom_rule_p = primitive(
    "custom_vjp", CustomRuleParams, aliases_input=True, allocates=False, moves_data=True
)
custom_rule_p.def_describe(lambda p: f"custom_vjp {p.name}")
custom_rule_p.def_shape(lambda p, inputs: inputs[0].shape)


@custom_rule_p.def_lower
def _lower_custom(
    ctx: LowerContext, node: Node, target: str, args: Sequence[Expr]
) -> tuple[Statement, ...]:
    return (Assign(target, args[0]),)  # the primal value is the first input, computed as usual


@custom_rule_p.def_vjp
def _vjp_custom(b: Any, node: Node, ct: Node, active: Sequence[bool]) -> list[Node | None]:
    out: list[Node | None] = node.params.rule(b, node, ct, active)
    return out


@custom_rule_p.def_jvp
def _jvp_custom(b: Any, node: Node, tangents: Sequence[Node | None]) -> Node | None:
    # custom_jvp: the user's forward rule; custom_vjp: JAX's refusal (its ``jvp`` says why)
    out: Node | None = node.params.jvp(b, node, tangents)
    return out


stop_gradient_p.def_axes(identity_relations)


@custom_rule_p.def_axes
def _custom_rule_axes(node: Node) -> Relations:
    # the value is the first input; the others only feed the user's derivative rule
    (first,) = identity_relations(node)[:1]
    return (first,) + tuple((UNUSED,) * i.ndim for i in node.inputs[1:])
