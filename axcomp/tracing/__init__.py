"""Tracing Python kernels into the axis graph: the trace state, the Tracer, node building."""

from .build import Value, lift, make
from .trace import Level, LevelRecord, Trace, current_trace, function_name, new_trace
from .tracer import Tracer

__all__ = [
    "Level",
    "LevelRecord",
    "Trace",
    "Tracer",
    "Value",
    "current_trace",
    "function_name",
    "lift",
    "make",
    "new_trace",
]
