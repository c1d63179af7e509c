"""``jax.dtypes``: the dtype helpers JAX programs call, for axcomp's dtypes.

axcomp computes in NumPy's dtypes, as JAX with ``jax_enable_x64`` on, so
``canonicalize_dtype`` keeps 64-bit types (and reads Python's ``float``/``int``/``complex``
as float64/int64/complex128); ``result_type`` and ``issubdtype`` are ``axcomp.numpy``'s
(JAX's promotion lattice; typed PRNG keys are ``prng_key``s); ``float0`` is the dtype JAX
gives the tangents of integer inputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .core.extended_dtypes import ExtendedDtype, extended, prng_key
from .errors import TypePromotionError
from .numpy.dtypes import issubdtype, result_type

__all__ = [
    "TypePromotionError",
    "canonicalize_dtype",
    "extended",
    "finfo",
    "float0",
    "iinfo",
    "issubdtype",
    "itemsize_bits",
    "prng_key",
    "result_type",
    "scalar_type_of",
]

#: the dtype of the tangent of an integer or boolean input (JAX's ``float0``)
float0 = np.dtype([("float0", np.void, 0)])

finfo, iinfo = np.finfo, np.iinfo


def canonicalize_dtype(dtype: Any, allow_extended_dtype: bool = False) -> Any:
    """The dtype axcomp computes ``dtype`` in: NumPy's (64-bit kept, as JAX with x64)."""
    if isinstance(dtype, ExtendedDtype):
        if not allow_extended_dtype:
            raise TypePromotionError(f"canonicalize_dtype: {dtype} is an extended dtype")
        return dtype
    return np.dtype(dtype)


def scalar_type_of(x: Any) -> type:
    """The Python scalar type of ``x``'s dtype: ``bool``, ``int``, ``float`` or ``complex``."""
    kind = np.dtype(getattr(x, "dtype", None) or np.asarray(x).dtype).kind
    if kind == "b":
        return bool
    if kind in "iu":
        return int
    if kind == "f":
        return float
    if kind == "c":
        return complex
    raise TypePromotionError(f"scalar_type_of: no Python scalar type for dtype kind {kind!r}")


def itemsize_bits(dtype: Any) -> int:
    """Bits per element (8 for bool, as NumPy stores it)."""
    return int(np.dtype(dtype).itemsize * 8)
