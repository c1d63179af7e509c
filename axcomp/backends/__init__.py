"""Emitters and targets: a Plan becomes Python source for one array namespace, compiled once.

``numpy_backend`` is the default; ``array_api`` prints the same plans with the Array API
standard's functions for any other namespace (array-api-strict, PyTorch, JAX, ...). A
backend module provides ``emit(plan, name, ...) -> source`` and
``build(plan, name, namespace) -> (source, function)``; ``numpy_chunks`` and
``array_api_chunks`` print the drivers of chunked programs. ``target`` says, per way of
running (NumPy, Array API, chunked, dask, pmap), which passes apply and which emitter and
driver it uses; new namespaces plug in here only.
"""

from . import array_api, numpy_backend
from .source import MAX_SOURCES, live_sources
from .target import (
    ArrayApiTarget,
    ChunkedTarget,
    DaskGrid,
    DaskTarget,
    NumpyTarget,
    PmapTarget,
    Target,
)

BACKENDS = {"numpy": numpy_backend, "array_api": array_api}

__all__ = [
    "BACKENDS",
    "MAX_SOURCES",
    "ArrayApiTarget",
    "ChunkedTarget",
    "DaskGrid",
    "DaskTarget",
    "NumpyTarget",
    "PmapTarget",
    "Target",
    "array_api",
    "live_sources",
    "numpy_backend",
]
