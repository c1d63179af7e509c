"""``axcomp.numpy``: a jax.numpy-like namespace.

On NumPy values every function is plain NumPy (eager, returns ndarrays). On traced values
(inside ``vmap``/``jit``) it records nodes in the axis graph instead.
"""

from __future__ import annotations

import operator as _operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as _np

from .. import primitives as _ops
from ..errors import ShapeError as _ShapeError
from ..errors import TracingError as _TracingError
from ..errors import UnsupportedError as _UnsupportedError
from ..errors import missing_function as _missing
from ..primitives import api as _api
from ..primitives.precision import check_precision as _check_precision
from ..primitives.precision import preferred_dtype as _preferred_dtype
from ..tracing.tracer import Tracer as _Tracer
from . import array_methods as _array_methods
from . import fft as fft
from . import linalg as linalg
from .convolution import convolve as convolve
from .convolution import correlate as correlate
from .creation import meshgrid as meshgrid
from .creation import tril as tril
from .creation import tril_indices as tril_indices
from .creation import triu as triu
from .creation import triu_indices as triu_indices
from .differences import diff as diff
from .dispatch import any_traced as _any_traced
from .dispatch import numpy_function as _numpy_function
from .elementwise import allclose as allclose
from .elementwise import around as around
from .elementwise import fix as fix
from .elementwise import float_power as float_power
from .elementwise import isclose as isclose
from .elementwise import logaddexp as logaddexp
from .elementwise import logaddexp2 as logaddexp2
from .elementwise import nan_to_num as nan_to_num
from .elementwise import round as round
from .elementwise import signbit as signbit
from .elementwise import sinc as sinc
from .indexing import bincount as bincount
from .indexing import diagonal as diagonal
from .indexing import interp as interp
from .indexing import select as select
from .indexing import take as take
from .indexing import take_along_axis as take_along_axis
from .manipulation import array_split as array_split
from .manipulation import atleast_1d as atleast_1d
from .manipulation import atleast_2d as atleast_2d
from .manipulation import atleast_3d as atleast_3d
from .manipulation import column_stack as column_stack
from .manipulation import diag as diag
from .manipulation import dstack as dstack
from .manipulation import flip as flip
from .manipulation import fliplr as fliplr
from .manipulation import flipud as flipud
from .manipulation import hstack as hstack
from .manipulation import pad as pad
from .manipulation import repeat as repeat
from .manipulation import roll as roll
from .manipulation import rot90 as rot90
from .manipulation import split as split
from .manipulation import tile as tile
from .manipulation import vstack as vstack
from .polynomial import polyval as polyval
from .reductions import average as average
from .reductions import count_nonzero as count_nonzero
from .reductions import cumprod as cumprod
from .reductions import cumsum as cumsum
from .reductions import median as median
from .reductions import nanmax as nanmax
from .reductions import nanmean as nanmean
from .reductions import nanmin as nanmin
from .reductions import nansum as nansum
from .reductions import percentile as percentile
from .reductions import ptp as ptp
from .reductions import quantile as quantile
from .reductions import std as std
from .reductions import trace as trace
from .reductions import var as var
from .sorting import argsort as argsort
from .sorting import searchsorted as searchsorted
from .sorting import sort as sort
from .tensor_contractions import cross as cross
from .tensor_contractions import kron as kron
from .vectorize import vectorize as vectorize

ndarray = _np.ndarray
float16, float32, float64 = _np.float16, _np.float32, _np.float64
int8, int16, int32, int64 = _np.int8, _np.int16, _np.int32, _np.int64
uint8, uint32, uint64 = _np.uint8, _np.uint32, _np.uint64
complex64, complex128 = _np.complex64, _np.complex128
bool_ = _np.bool_
pi, e, inf, nan, newaxis = _np.pi, _np.e, _np.inf, _np.nan, None
dtype, promote_types = _np.dtype, _np.promote_types
shape_of = _np.shape


def result_type(*arrays_and_dtypes: Any) -> _np.dtype:
    """``np.result_type``, reading a traced value's dtype (NumPy's own would hand the
    tracer back to this namespace through ``__array_function__``, forever)."""
    return _np.result_type(*(a.dtype if isinstance(a, _Tracer) else a for a in arrays_and_dtypes))


def _elementwise(name: str, np_name: str | None = None) -> Callable[..., Any]:
    np_fn = getattr(_np, np_name or name)
    op_name = np_fn.__name__

    def fn(*args: Any) -> Any:
        if _any_traced(args):
            return _ops.elementwise(op_name, *args)
        return np_fn(*args)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``numpy.{np_name or name}``; traced inside kernels."
    return fn


_UNARY_BINARY = (
    "add subtract divide true_divide floor_divide remainder mod negative positive square sqrt "
    "exp exp2 log log2 log10 log1p expm1 abs absolute sign tanh sinh cosh sin cos tan arcsin "
    "arccos arctan arctan2 arcsinh arccosh arctanh maximum minimum fmax fmin greater "
    "greater_equal less less_equal equal not_equal logical_and logical_or logical_not "
    "logical_xor conjugate conj real imag floor ceil rint round_ trunc reciprocal isnan isinf "
    "isfinite hypot copysign cbrt deg2rad rad2deg heaviside"
).split()
_ALIASES = {
    "abs": "absolute",
    "divide": "true_divide",
    "mod": "remainder",
    "conj": "conjugate",
    "round_": "rint",
}

for _name in _UNARY_BINARY:
    globals()[_name] = _elementwise(_name, _ALIASES.get(_name))


def multiply(x: Any, y: Any) -> Any:
    return _ops.multiply(x, y) if _any_traced((x, y)) else _np.multiply(x, y)


def power(x: Any, y: Any) -> Any:
    return _ops.power(x, y) if _any_traced((x, y)) else _np.power(x, y)


def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    if x is None or y is None:
        if _any_traced((condition,)):
            raise _UnsupportedError(
                "where(condition) with one argument has a data-dependent shape and cannot be traced"
            )
        return _np.where(condition)
    if _any_traced((condition, x, y)):
        return _ops.where(condition, x, y)
    return _np.where(condition, x, y)


def clip(a: Any, a_min: Any = None, a_max: Any = None) -> Any:
    if not _any_traced((a, a_min, a_max)):
        return _np.clip(a, a_min, a_max)
    out = a
    if a_min is not None:
        out = _ops.elementwise("maximum", out, a_min)
    if a_max is not None:
        out = _ops.elementwise("minimum", out, a_max)
    return out


# ------------------------------------------------------------------ contractions
def _product(
    name: str, traced: Callable[..., Any], eager: Callable[..., Any]
) -> Callable[..., Any]:
    """A product with JAX's ``precision=`` (validated; NumPy is always exact) and
    ``preferred_element_type=`` (the result's dtype)."""

    def fn(
        a: Any, b: Any, *args: Any, precision: Any = None, preferred_element_type: Any = None
    ) -> Any:
        _check_precision(precision, name)
        out = traced(a, b, *args) if _any_traced((a, b)) else eager(a, b, *args)
        want = _preferred_dtype(preferred_element_type)
        return out if want is None else astype(out, want)

    fn.__name__ = fn.__qualname__ = name
    return fn


dot = _product("dot", _ops.dot, _np.dot)
vdot = _product("vdot", _ops.vdot, _np.vdot)
matmul = _product("matmul", _ops.matmul, _np.matmul)
inner = _product("inner", _ops.inner, _np.inner)
outer = _product("outer", _ops.outer, _np.outer)
_tensordot = _product("tensordot", _ops.tensordot, _np.tensordot)


def tensordot(
    a: Any, b: Any, axes: Any = 2, *, precision: Any = None, preferred_element_type: Any = None
) -> Any:
    return _tensordot(
        a, b, axes, precision=precision, preferred_element_type=preferred_element_type
    )


def einsum(
    subscripts: str,
    *operands: Any,
    precision: Any = None,
    preferred_element_type: Any = None,
    optimize: Any = "auto",
    **kwargs: Any,
) -> Any:
    _check_precision(precision, "einsum")
    if _any_traced(operands):
        out = _ops.einsum(subscripts, *operands)
    else:
        out = _np.einsum(
            subscripts, *operands, optimize=optimize if optimize != "auto" else True, **kwargs
        )
    want = _preferred_dtype(preferred_element_type)
    return out if want is None else astype(out, want)


# ------------------------------------------------------------------ reductions
def sum(a: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Any:
    if _any_traced((a,)):
        return _ops.reduce_sum(a, axis=axis, dtype=dtype, keepdims=keepdims)
    return _np.sum(a, axis=axis, dtype=dtype, keepdims=keepdims)


def mean(a: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Any:
    if _any_traced((a,)):
        return _ops.mean(a, axis=axis, dtype=dtype, keepdims=keepdims)
    if dtype is None:  # JAX's dtype: booleans and narrow integers average in float32
        dtype = _ops.inexact_dtype(_np.asarray(a).dtype)
    return _np.mean(a, axis=axis, dtype=dtype, keepdims=keepdims)


def _reducer(name: str) -> Callable[..., Any]:
    np_fn = getattr(_np, name)

    def fn(a: Any, axis: Any = None, keepdims: bool = False, **kwargs: Any) -> Any:
        if _any_traced((a,)):
            return _ops.reduce(name, a, axis=axis, keepdims=keepdims, **kwargs)
        return np_fn(a, axis=axis, keepdims=keepdims, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    return fn


max = _reducer("max")
min = _reducer("min")
prod = _reducer("prod")
any = _reducer("any")
all = _reducer("all")
amax, amin = max, min


def argmax(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    if _any_traced((a,)):
        return _ops.reduce("argmax", a, axis=axis, keepdims=keepdims)
    return _np.argmax(a, axis=axis, keepdims=keepdims)


def argmin(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    if _any_traced((a,)):
        return _ops.reduce("argmin", a, axis=axis, keepdims=keepdims)
    return _np.argmin(a, axis=axis, keepdims=keepdims)


# ------------------------------------------------------------------ shape
def reshape(a: Any, shape: Any = None, order: str = "C", **kwargs: Any) -> Any:
    shape = kwargs.pop("newshape", shape)
    if _any_traced((a,)):
        return _ops.reshape(a, shape, order=order)
    return _np.reshape(a, shape, order=order)  # type: ignore[call-overload]


def transpose(a: Any, axes: Any = None) -> Any:
    return _ops.transpose(a, axes) if _any_traced((a,)) else _np.transpose(a, axes)


def swapaxes(a: Any, axis1: int, axis2: int) -> Any:
    return _ops.swapaxes(a, axis1, axis2) if _any_traced((a,)) else _np.swapaxes(a, axis1, axis2)


def moveaxis(a: Any, source: Any, destination: Any) -> Any:
    if _any_traced((a,)):
        return _ops.moveaxis(a, source, destination)
    return _np.moveaxis(a, source, destination)


def expand_dims(a: Any, axis: Any) -> Any:
    return _ops.expand_dims(a, axis) if _any_traced((a,)) else _np.expand_dims(a, axis)


def squeeze(a: Any, axis: Any = None) -> Any:
    return _ops.squeeze(a, axis) if _any_traced((a,)) else _np.squeeze(a, axis)


def broadcast_to(a: Any, shape: Any) -> Any:
    return _ops.broadcast_to(a, shape) if _any_traced((a,)) else _np.broadcast_to(a, shape)


def ravel(a: Any) -> Any:
    return _ops.reshape(a, (-1,)) if _any_traced((a,)) else _np.ravel(a)


def concatenate(arrays: Sequence[Any], axis: int = 0) -> Any:
    if _any_traced(tuple(arrays)):
        return _ops.concatenate(arrays, axis)
    return _np.concatenate(arrays, axis)


def stack(arrays: Sequence[Any], axis: int = 0) -> Any:
    return _ops.stack(arrays, axis) if _any_traced(tuple(arrays)) else _np.stack(arrays, axis)


def astype(x: Any, dtype: Any) -> Any:
    return _ops.astype(x, dtype) if _any_traced((x,)) else _np.asarray(x).astype(dtype)


def shape(a: Any) -> tuple[int, ...]:
    return tuple(a.shape) if isinstance(a, _Tracer) else _np.shape(a)


def ndim(a: Any) -> int:
    return a.ndim if isinstance(a, _Tracer) else _np.ndim(a)


def size(a: Any) -> int:
    return a.size if isinstance(a, _Tracer) else _np.size(a)


# ------------------------------------------------------------------ creation
def array(obj: Any, dtype: Any = None, copy: bool = True) -> Any:
    if isinstance(obj, _Tracer):
        return obj if dtype is None else _ops.astype(obj, dtype)
    if isinstance(obj, (list, tuple)) and _any_traced(obj):
        stacked = _ops.stack([array(o) for o in obj])
        return stacked if dtype is None else _ops.astype(stacked, dtype)
    return _np.array(obj, dtype=dtype, copy=copy)


def asarray(obj: Any, dtype: Any = None) -> Any:
    if isinstance(obj, _Tracer) or (isinstance(obj, (list, tuple)) and _any_traced(obj)):
        return array(obj, dtype=dtype)
    return _np.asarray(obj, dtype=dtype)


arange = _np.arange
zeros = _np.zeros
ones = _np.ones
empty = _np.zeros  # no uninitialised memory in compiled programs
eye = _np.eye
identity = _np.identity


def linspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    retstep: bool = False,
    dtype: Any = None,
    axis: int = 0,
) -> Any:
    """``numpy.linspace``; inside kernels ``start``/``stop`` may be traced (``num`` is static)."""
    if not _any_traced((start, stop, num)):
        return _np.linspace(start, stop, num, endpoint, retstep, dtype, axis)  # type: ignore[call-overload]
    if isinstance(num, _Tracer):
        raise _TracingError("linspace: num must be a static int, not a traced value")
    num = _operator.index(num)
    if num < 0:
        raise _ShapeError(f"linspace: number of samples, {num}, must be non-negative")
    lo, hi = asarray(start), asarray(stop)
    rank = len(_np.broadcast_shapes(shape(lo), shape(hi)))
    div = num - 1 if endpoint else num
    frac = _np.arange(num, dtype=_np.float64) / (div if div > 0 else 1)
    frac = frac.reshape((num,) + (1,) * rank)
    out = _ops.elementwise("add", lo, _ops.multiply(frac, _ops.elementwise("subtract", hi, lo)))
    if endpoint and num > 1:  # the last sample is exactly ``stop``, as in NumPy
        last = (_np.arange(num) == num - 1).reshape(frac.shape)
        out = _ops.where(last, hi, out)
    if axis != 0:
        out = _ops.moveaxis(out, 0, axis)
    target = _np.dtype(dtype) if dtype is not None else _np.result_type(lo.dtype, hi.dtype, 1.0)
    out = _ops.astype(out, target)
    if retstep:
        step = _ops.elementwise("true_divide", _ops.elementwise("subtract", hi, lo), div)
        return out, step
    return out


def zeros_like(a: Any, dtype: Any = None) -> Any:
    """Depends only on ``a``'s shape and dtype, so the result is never batched."""
    return _np.zeros(shape(a), dtype=dtype or a.dtype)


def ones_like(a: Any, dtype: Any = None) -> Any:
    return _np.ones(shape(a), dtype=dtype or a.dtype)


def full(shape: Any, fill_value: Any, dtype: Any = None) -> Any:
    """``numpy.full``; inside kernels ``fill_value`` may be traced (a traced Python scalar
    under ``jit``): broadcast to ``shape``, as ``jnp.full`` does."""
    if isinstance(fill_value, _Tracer):
        value = fill_value if dtype is None else _ops.astype(fill_value, dtype)
        return _ops.broadcast_to(value, shape)
    return _np.full(shape, fill_value, dtype=dtype)


def full_like(a: Any, fill_value: Any, dtype: Any = None) -> Any:
    if isinstance(fill_value, _Tracer):
        return _ops.broadcast_to(_ops.astype(fill_value, dtype or a.dtype), shape(a))
    return _np.full(shape(a), fill_value, dtype=dtype or a.dtype)


# the integer ufuncs primitives/lax_elementwise.py still exports (fmod, invert, ...)
for _name, _traced in _api.exported("numpy").items():
    globals()[_name] = _numpy_function()(_traced)

from .extras import *  # noqa: E402, F403 - more jax.numpy names, built on the above

__all__ = [
    name
    for name, value in list(globals().items())
    if not name.startswith("_")
    and (callable(value) or name in ("pi", "e", "inf", "nan", "newaxis"))
]

_array_methods.install(globals(), __all__)


def __getattr__(name: str) -> Any:
    """A jax.numpy name axcomp lacks: ``UnsupportedError`` (also an AttributeError) naming
    it and the nearest supported function."""
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise _missing("axcomp.numpy", "jax.numpy", name, __all__)
