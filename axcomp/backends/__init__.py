"""Emitters: a Plan becomes Python source for one array namespace, compiled once.

``numpy_backend`` is the default; ``array_api`` prints the same plans with the Array API
standard's functions for any other namespace (array-api-strict, PyTorch, JAX, ...). A
backend module provides ``emit(plan, name, ...) -> source`` and
``build(plan, name, namespace) -> (source, function)``; new namespaces plug in here only.
"""

from . import array_api, numpy_backend
from .source import MAX_SOURCES, live_sources

BACKENDS = {"numpy": numpy_backend, "array_api": array_api}

__all__ = ["BACKENDS", "MAX_SOURCES", "array_api", "live_sources", "numpy_backend"]
