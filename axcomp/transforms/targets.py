"""The one place that decides where a call runs (``backends.target``).

``choose_target`` maps the arguments' namespace (``namespaces.namespace_of``) and the
transform (``pmap`` or not) to a target: NumPy arrays get ``NumpyTarget``, dask arrays
``DaskTarget``, any other Array API library ``ArrayApiTarget``, and a pmap ``PmapTarget``.
Whether a NumPy or Array API program then runs in blocks (``ChunkedTarget``) is decided
after it compiled, when its temporaries are known (``chunking.maybe_chunk``), by the
target's ``chunking`` flag and the options' memory budget.
"""

from __future__ import annotations

import functools

from ..backends.target import ArrayApiTarget, DaskTarget, NumpyTarget, PmapTarget, Target
from ..errors import UnsupportedError
from .namespaces import NUMPY, is_dask


@functools.lru_cache(maxsize=64)
def choose_target(namespace: str, pmap: bool = False) -> Target:
    """The target of a call on arrays of ``namespace`` (cached: a call's dispatch is one
    lookup)."""
    if pmap:
        if namespace != NUMPY:
            raise UnsupportedError(
                f"pmap takes NumPy arrays (got {namespace} arrays); call a vmap on dask "
                "arrays for a lazy blockwise graph instead"
            )
        return PmapTarget()
    if namespace == NUMPY:
        return NumpyTarget()
    if is_dask(namespace):
        return DaskTarget(namespace)
    return ArrayApiTarget(namespace)
