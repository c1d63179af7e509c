"""Emitters: a Plan becomes Python source for one array namespace, compiled once.

``numpy_backend`` is the default. A backend module provides ``emit(plan, name) -> source``
and ``build(plan, name) -> (source, function)``; new namespaces plug in here only.
"""

from . import numpy_backend
from .source import MAX_SOURCES, live_sources

BACKENDS = {"numpy": numpy_backend}

__all__ = ["BACKENDS", "MAX_SOURCES", "live_sources", "numpy_backend"]
