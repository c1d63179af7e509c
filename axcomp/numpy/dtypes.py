"""Data types in ``jax.numpy``: ``result_type`` and ``astype`` (which read a traced
value's dtype), NumPy's dtype predicates and scalar types."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from .. import primitives as _ops
from ..core import dtype_promotion as _promotion
from ..core.extended_dtypes import extended_subdtype
from ..tracing.tracer import Tracer
from .dispatch import any_traced
from .namespace import jnp as _jnp


def result_type(*arrays_and_dtypes: Any) -> np.dtype:
    """``jax.numpy.result_type``: JAX's promotion (an integer with a smaller inexact type
    gives that type; Python scalars and traced Python scalars are weak)."""
    return _promotion.result_type(*arrays_and_dtypes)


def promote_types(a: Any, b: Any) -> np.dtype:
    """``jax.numpy.promote_types``: JAX's promotion of two dtypes (``int32`` with
    ``float32`` is ``float32``, where NumPy's is ``float64``)."""
    return _promotion.promote_types(a, b)


def astype(x: Any, dtype: Any) -> Any:
    return _ops.astype(x, dtype) if any_traced((x,)) else np.asarray(x).astype(dtype)


def dtype_of(x: Any) -> np.dtype:
    """The dtype of an array, a traced value, a NumPy or Python scalar or a nested list."""
    dtype = getattr(x, "dtype", None)
    return np.dtype(dtype) if dtype is not None else np.asarray(x).dtype


def iscomplexobj(x: Any) -> builtins.bool:
    return builtins.bool(np.issubdtype(_jnp.asarray(x).dtype, np.complexfloating))


def isrealobj(x: Any) -> builtins.bool:
    return not iscomplexobj(x)


def isscalar(element: Any) -> builtins.bool:
    # JAX: 0-d arrays count as scalars, as do Python and NumPy scalars
    if isinstance(element, (np.ndarray, Tracer)):
        return element.ndim == 0
    return builtins.bool(np.isscalar(element))


def issubdtype(arg1: Any, arg2: Any) -> builtins.bool:
    """``jax.numpy.issubdtype``: NumPy's, and JAX's extended dtypes: a typed PRNG key's
    ``key<fry>`` is a ``jax.dtypes.prng_key`` (and ``extended``), and no NumPy type."""
    found = extended_subdtype(arg1, arg2)
    return builtins.bool(np.issubdtype(arg1, arg2)) if found is None else found


finfo, iinfo, can_cast, iterable = (
    np.finfo,
    np.iinfo,
    np.can_cast,
    np.iterable,
)


isdtype = np.isdtype


bool = np.bool_


int_, uint, float_, complex_ = np.int64, np.uint64, np.float64, np.complex128


single, double, csingle, cdouble = np.float32, np.float64, np.complex64, np.complex128


integer, floating, inexact, number = np.integer, np.floating, np.inexact, np.number


signedinteger, unsignedinteger = np.signedinteger, np.unsignedinteger


complexfloating, generic, character, flexible = (
    np.complexfloating,
    np.generic,
    np.character,
    np.flexible,
)


object_ = np.object_
