"""The axis graph (nodes, graphs, primitives, a verifier) and the Plan data types."""

from .graph import Graph, GraphError, Node, consumers, describe, topological
from .leaves import ConstParams, InputParams, const_p, input_p
from .plan import Plan, Step
from .primitive import Primitive, primitive, registered
from .shapes import ShapeDtypeStruct

__all__ = [
    "ConstParams",
    "Graph",
    "GraphError",
    "InputParams",
    "Node",
    "Plan",
    "Primitive",
    "ShapeDtypeStruct",
    "Step",
    "const_p",
    "consumers",
    "describe",
    "input_p",
    "primitive",
    "registered",
    "topological",
]
