"""Argument handling every ``axcomp.random`` sampler shares: dtypes as JAX reads them
with x64 off, parameter shapes against ``shape``, conversions that work on NumPy values
and tracers alike, and the key split most samplers start with."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import lax
from .. import numpy as anp
from ..errors import RandomValueError
from ..tracing.tracer import Tracer
from . import threefry
from .keys import DEFAULT_FLOAT, DEFAULT_INT, DefaultDtype, canonical_shape, check_key, user_dtype

F32 = np.dtype(np.float32)


def sampler_dtype(
    name: str, dtype: Any, kind: Any = np.floating, default: np.dtype | DefaultDtype = DEFAULT_FLOAT
) -> np.dtype:
    """The ``dtype`` argument of sampler ``name``: ``default`` for None, JAX's error for
    the wrong kind."""
    dt = user_dtype(dtype, default)
    if not np.issubdtype(dt, kind):
        what = {np.floating: "a float", np.integer: "an integer", np.inexact: "a float or complex"}
        raise RandomValueError(
            f"dtype argument to `{name}` must be {what.get(kind, str(kind))} dtype, got {dt}"
        )
    return dt


def param_dtype(x: Any) -> np.dtype:
    """JAX's dtype for a float parameter: Python numbers and integer arrays become the
    default float (float32, float64 with x64); float arrays keep their dtype."""
    if isinstance(x, (np.ndarray, np.generic, Tracer)) and np.issubdtype(x.dtype, np.inexact):
        return np.dtype(x.dtype)
    return DEFAULT_FLOAT.resolve()


def as_dtype(x: Any, dtype: Any) -> Any:
    """``x`` (a number, array or tracer) converted to ``dtype``."""
    return anp.astype(x if isinstance(x, Tracer) else np.asarray(x), dtype)


def shape_of(x: Any) -> tuple[int, ...]:
    """The shape of a number, array or tracer."""
    return tuple(x.shape) if isinstance(x, Tracer) else np.shape(x)


def check_shape(name: str, shape: tuple[int, ...], *param_shapes: tuple[int, ...]) -> None:
    """JAX's check that parameter shapes broadcast to exactly ``shape``."""
    if not param_shapes:
        return
    try:
        result = np.broadcast_shapes(shape, *param_shapes)
    except ValueError:
        result = None
    if result != shape:
        raise RandomValueError(
            f"{name} parameter shapes must be broadcast-compatible with shape argument, and "
            "the result of broadcasting the shapes must equal the shape argument, but got "
            f"result {result} for shape argument {shape} (parameter shapes {list(param_shapes)})."
        )


def broadcast_shape(name: str, shape: Any, *params: Any) -> tuple[int, ...]:
    """The draw's shape: ``shape`` checked against the parameters, or their broadcast
    shape when ``shape`` is None."""
    shapes = [shape_of(p) for p in params]
    if shape is None:
        try:
            return tuple(np.broadcast_shapes(*shapes)) if shapes else ()
        except ValueError:
            raise RandomValueError(
                f"{name}: parameter shapes {shapes} do not broadcast together"
            ) from None
    dims = canonical_shape(name, shape)
    check_shape(name, dims, *shapes)
    return dims


def bitcast(x: Any, dtype: np.dtype) -> Any:
    """The same bits as ``dtype`` (a view on arrays, ``bitcast_convert_type`` traced)."""
    return lax.bitcast_convert_type(x, dtype) if isinstance(x, Tracer) else x.view(dtype)


def split2(data: Any) -> tuple[Any, Any]:
    """``split(key)`` on key data: the two new keys' data."""
    keys = threefry.split_data(data, (2,))
    return keys[..., 0, :], keys[..., 1, :]


def key_data_of(name: str, key: Any) -> Any:
    """The data of sampler ``name``'s single key (typed or raw), checked."""
    return check_key(name, key)[0]


I32 = DEFAULT_INT  # the default integer of randint, rademacher, geometric, poisson
