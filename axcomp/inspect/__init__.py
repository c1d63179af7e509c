"""Looking at what a spec compiles to: ``explain`` reports and Graphviz pictures."""

from .dot import graph_to_dot, write_picture
from .explain import Explanation, explain
from .levels import LevelInfo

__all__ = ["Explanation", "LevelInfo", "explain", "graph_to_dot", "write_picture"]
