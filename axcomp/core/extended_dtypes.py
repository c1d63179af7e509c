"""JAX's extended dtypes: dtypes NumPy does not have (the ``key<fry>`` of typed PRNG keys),
and the abstract ``extended`` and ``prng_key`` that ``issubdtype`` tests them against.

As in JAX, ``extended`` and ``prng_key`` are abstract scalar types (subclasses of
``np.generic``, so NumPy's own ``issubdtype`` answers False for every NumPy dtype), and an
extended dtype names its scalar type in ``type``: ``issubdtype(key.dtype, prng_key)`` is
True, ``issubdtype(key.dtype, floating)`` False.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["ExtendedDtype", "extended", "extended_subdtype", "prng_key"]


class extended(np.generic):
    """The abstract type of every extended dtype (``jax.dtypes.extended``)."""


class prng_key(extended):
    """The abstract type of PRNG key dtypes (``jax.dtypes.prng_key``)."""


class ExtendedDtype:
    """Base of the dtypes NumPy does not have; ``type`` is the abstract scalar type."""

    type: type = extended
    name = "extended"


def extended_subdtype(arg1: Any, arg2: Any) -> bool | None:
    """``issubdtype(arg1, arg2)`` where either is extended (None: neither is, NumPy's rule
    decides)."""
    first = arg1.type if isinstance(arg1, ExtendedDtype) else arg1
    second = arg2.type if isinstance(arg2, ExtendedDtype) else arg2
    first_extended = isinstance(first, type) and issubclass(first, extended)
    second_extended = isinstance(second, type) and issubclass(second, extended)
    if not (first_extended or second_extended):
        return None
    if isinstance(arg2, ExtendedDtype):  # a concrete extended dtype: only itself
        return bool(arg1 == arg2)
    return bool(first_extended and second_extended and issubclass(first, second))
