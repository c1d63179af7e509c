"""``axcomp.Array``: the type ``jax.Array`` names, for annotations and ``isinstance``.

axcomp's results are ``ArrayImpl``s (``core.array_impl``: immutable NumPy arrays with JAX's
array surface) and its traced values are ``Tracer``s; both are ``Array``s, as are the plain
NumPy arrays users pass in, so code that checks ``isinstance(x, jax.Array)`` after an
import swap takes the branch it takes under JAX.
"""

from __future__ import annotations

import abc

import numpy as np

from .tracing.tracer import Tracer

__all__ = ["Array"]


class Array(abc.ABC):  # noqa: B024 (a virtual base: NumPy arrays and tracers register)
    """An array as JAX's programs see one: a concrete array or a traced value."""


Array.register(np.ndarray)  # ArrayImpl too: it is a subclass
Array.register(Tracer)
