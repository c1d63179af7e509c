"""Primitives: one object per operation, carrying every rule about it.

A ``Primitive`` is what ``Node.op`` holds. Its rules live on it, registered by the module
that declares the primitive (``axcomp/primitives/*.py``), side by side:

* ``shape_rule(params, inputs) -> shape`` — what the verifier re-derives and checks;
* ``describe(params) -> str`` — how a node prints in graphs and comments;
* ``vjp(builder, node, cotangent, active) -> [input cotangents]`` — reverse mode;
  ``vjp_group(builder, nodes, cotangents, active) -> [input cotangents]`` instead, for a
  primitive whose nodes are the results of one operation (a loop's, sharing
  ``params.group`` and the inputs): the sweep calls it once with every result's cotangent
  (``None`` where a result has none), so one reverse program serves them all;
* ``jvp(builder, node, tangents) -> tangent`` — forward mode: ``tangents`` holds one entry
  per input (``None`` for a symbolic zero), the result is the node's tangent (its shape,
  ``None`` for zero); the sweep (``transforms/tangents.py``) calls it only for a node with
  an inexact dtype and at least one tangent;
* ``lower(ctx, node, target, args) -> statements`` — the node as plan statements;
* ``flops(node) -> int`` — what ``explain`` counts;
* ``axes(node) -> Relations`` — how each input axis reaches the output (carried position by
  position, reduced with a known combiner, or mixed), which decides where a blocked run may
  split (``core/independence.py``); ``split(node, states) -> state`` instead, for a
  primitive whose answer depends on which inputs are split (loops, conds). An undeclared
  primitive mixes every axis: nothing is assumed.

Layers above read the rules; none of them switch on an operation's name. Adding an
operation is one declaration plus its rules (see ``docs/architecture.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

# Rules take nodes (``core.graph.Node``); typed ``Any`` here because the graph module
# imports this one, and the layering allows no cycle, not even for type checking.
ShapeRule = Callable[[Any, Sequence[Any]], tuple[int, ...]]
DescribeRule = Callable[[Any], str]
VjpRule = Callable[[Any, Any, Any, Sequence[bool]], list[Any]]
VjpGroupRule = Callable[[Any, Sequence[Any], Sequence[Any], Sequence[bool]], list[Any]]
JvpRule = Callable[[Any, Any, Sequence[Any]], Any]
LowerRule = Callable[[Any, Any, str, Sequence[Any]], tuple[Any, ...]]
FlopsRule = Callable[[Any], int]
AxesRule = Callable[[Any], tuple[tuple[Any, ...], ...]]
SplitRule = Callable[[Any, Sequence[Any]], Any]


class Primitive:
    """A named operation of the axis graph. Hashable by identity; rules are set once."""

    __slots__ = (
        "aliases_input",
        "allocates",
        "arity",
        "axes",
        "describe",
        "effect",
        "flops",
        "inline_literals",
        "jvp",
        "lower",
        "moves_data",
        "multilinear",
        "name",
        "params_type",
        "readonly_result",
        "shape_rule",
        "split",
        "vjp",
        "vjp_group",
    )

    def __init__(
        self,
        name: str,
        params_type: type | None,
        *,
        arity: int | None = None,
        multilinear: bool = False,
        aliases_input: bool = False,
        readonly_result: bool = False,
        allocates: bool = True,
        moves_data: bool = False,
        inline_literals: bool = False,
        effect: bool = False,
    ) -> None:
        self.name = name
        self.params_type = params_type  # every node of this primitive has params of this type
        self.arity = arity  # number of inputs, None for variadic
        self.multilinear = multilinear  # fused into contractions by the compiler
        self.aliases_input = aliases_input  # the result may be a view of its first input
        self.readonly_result = readonly_result  # the result may be a read-only view
        self.allocates = allocates  # False: a view that allocates nothing
        self.moves_data = moves_data  # only moves, views or converts data: no arithmetic
        self.inline_literals = inline_literals  # Python scalar operands may stay literals
        # run for its effect (a callback): never merged with another node, never dropped
        # where a graph keeps it among its effects
        self.effect = effect
        self.shape_rule: ShapeRule | None = None
        self.describe: DescribeRule = lambda params: name
        self.vjp: VjpRule | None = None
        self.vjp_group: VjpGroupRule | None = None
        self.jvp: JvpRule | None = None
        self.lower: LowerRule | None = None
        self.flops: FlopsRule = lambda node: 0
        self.axes: AxesRule | None = None
        self.split: SplitRule | None = None

    def __repr__(self) -> str:
        return self.name

    # Decorator-style registration, so rules sit next to the code they belong to.
    def def_shape(self, rule: ShapeRule) -> ShapeRule:
        self.shape_rule = rule
        return rule

    def def_describe(self, rule: DescribeRule) -> DescribeRule:
        self.describe = rule
        return rule

    def def_vjp(self, rule: VjpRule) -> VjpRule:
        self.vjp = rule
        return rule

    def def_vjp_group(self, rule: VjpGroupRule) -> VjpGroupRule:
        self.vjp_group = rule
        return rule

    def def_jvp(self, rule: JvpRule) -> JvpRule:
        self.jvp = rule
        return rule

    def def_lower(self, rule: LowerRule) -> LowerRule:
        self.lower = rule
        return rule

    def def_flops(self, rule: FlopsRule) -> FlopsRule:
        self.flops = rule
        return rule

    def def_axes(self, rule: AxesRule) -> AxesRule:
        self.axes = rule
        return rule

    def def_split(self, rule: SplitRule) -> SplitRule:
        self.split = rule
        return rule


_REGISTRY: dict[str, Primitive] = {}


def register(primitive: Primitive) -> Primitive:
    """Add ``primitive`` to the registry; a second primitive of the same name is a bug."""
    if primitive.name in _REGISTRY:
        raise ValueError(f"primitive {primitive.name!r} is already registered")
    _REGISTRY[primitive.name] = primitive
    return primitive


def primitive(name: str, params_type: type | None, **flags: Any) -> Primitive:
    """Declare and register a primitive."""
    return register(Primitive(name, params_type, **flags))


def registered() -> dict[str, Primitive]:
    """Every declared primitive by name (a copy)."""
    return dict(_REGISTRY)
