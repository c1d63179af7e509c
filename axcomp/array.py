"""``axcomp.Array``: the type ``jax.Array`` names, for annotations and ``isinstance``.

axcomp's results are NumPy arrays and its traced values are ``Tracer``s; both are
``Array``s, so code that checks ``isinstance(x, jax.Array)`` after an import swap takes the
branch it takes under JAX.
"""

from __future__ import annotations

import abc

import numpy as np

from .tracing.tracer import Tracer

__all__ = ["Array"]


class Array(abc.ABC):  # noqa: B024 (a virtual base: NumPy arrays and tracers register)
    """An array as JAX's programs see one: a NumPy array or a traced value."""


Array.register(np.ndarray)
Array.register(Tracer)
