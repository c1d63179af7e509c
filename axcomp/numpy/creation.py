"""Array creation in ``jax.numpy``: ``array``/``asarray``/``copy``, ``zeros``/``ones``/
``full``/``empty`` and their ``*_like``, ranges (``arange``, ``linspace``, ``logspace``,
``geomspace``), ``meshgrid``, and the matrices ``eye``/``identity``/``tri``/``tril``/
``triu``/``diag``/``diagflat``/``vander`` with the static ``tri[ul]_indices``."""

from __future__ import annotations

import builtins
import operator
from typing import Any

import numpy as np

from .. import primitives as _ops
from ..errors import ShapeError, TracingError
from ..primitives.elementwise import where
from ..primitives.indexing import getitem
from ..primitives.order import _int
from ..primitives.shape import broadcast_to, reshape
from ..tracing.build import Value
from ..tracing.tracer import Tracer
from .dispatch import any_traced, numpy_function
from .manipulation import shape
from .namespace import as_float as _as_float
from .namespace import jnp as _jnp
from .traced_values import lift_value as _one
from .traced_values import lift_value as _t
from .traced_values import lift_values as _lift
from .traced_values import pad_last as _pad_last


@numpy_function()
def meshgrid(*xi: Value, copy: bool = True, sparse: bool = False, indexing: str = "xy") -> Any:
    """``numpy.meshgrid`` (``indexing`` 'xy' or 'ij', ``sparse``); a list, as in JAX."""
    if indexing not in ("xy", "ij"):
        raise ShapeError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    ts = [reshape(t, (-1,)) for t in _lift(*xi)]
    n = len(ts)
    shapes = [t.shape[0] for t in ts]
    if indexing == "xy" and n > 1:
        shapes[0], shapes[1] = shapes[1], shapes[0]
    out = []
    for i, t in enumerate(ts):
        pos = i
        if indexing == "xy" and n > 1 and i < 2:
            pos = 1 - i
        shape = [1] * n
        shape[pos] = t.shape[0]
        r = reshape(t, tuple(shape))
        out.append(r if sparse else broadcast_to(r, tuple(shapes)))
    return out


@numpy_function()
def triu_indices(n: int, k: int = 0, m: Any = None) -> Any:
    """``numpy.triu_indices``: static, NumPy arrays."""
    return np.triu_indices(n, k, m)


@numpy_function()
def tril_indices(n: int, k: int = 0, m: Any = None) -> Any:
    """``numpy.tril_indices``: static, NumPy arrays."""
    return np.tril_indices(n, k, m)


@numpy_function()
def diag(v: Value, k: int = 0) -> Tracer:
    """``numpy.diag``: a 1-d array to a matrix with it on diagonal ``k``, a 2-d array to its
    ``k``-th diagonal. Built by strided slicing of the flattened matrix (exact: no products
    with zeros, so a NaN or inf stays in its place)."""
    t = _one(v)
    k = operator.index(k)
    if t.ndim == 1:
        length = t.shape[0]
        n = length + abs(k)
        if n == 0:
            return _ops.reshape(t, (0, 0))
        # row i of (length, n + 1): v_i then n zeros; flattened, v_i lands at i*(n+1)
        padded = _pad_last(_ops.reshape(t, (length, 1)), 0, n)
        flat = _ops.reshape(padded, (length * (n + 1),))
        front = k if k >= 0 else -k * n
        have = length * (n + 1) + front
        flat = _pad_last(flat, front, builtins.max(0, n * n - have))
        return _ops.reshape(getitem(flat, slice(0, n * n)), (n, n))
    if t.ndim != 2:
        raise ShapeError(f"diag: input must be 1-d or 2-d, got shape {t.shape}")
    rows, cols = t.shape
    if k >= 0:
        length, start = builtins.max(0, builtins.min(rows, cols - k)), k
    else:
        length, start = builtins.max(0, builtins.min(rows + k, cols)), -k * cols
    flat = _ops.reshape(t, (rows * cols,))
    if length == 0:
        return getitem(flat, slice(0, 0))
    return getitem(flat, slice(start, start + (length - 1) * (cols + 1) + 1, cols + 1))


def _triangle(m: Value, k: Any, lower: bool) -> Tracer:
    t = _t(m)
    k = _int(k, "k")
    if t.ndim == 0:
        raise ShapeError("tril/triu: input must be at least 1-d")
    if t.ndim == 1:
        t = broadcast_to(t, (t.shape[0], t.shape[0]))
    rows, cols = t.shape[-2:]
    mask = np.tri(rows, cols, k if lower else k - 1, dtype=bool)
    if not lower:
        mask = ~mask
    return where(mask, t, np.zeros((), t.dtype))


@numpy_function()
def tril(m: Value, k: int = 0) -> Tracer:
    """Lower triangle (on and below diagonal ``k``) of the last two axes, as ``numpy.tril``."""
    return _triangle(m, k, True)


@numpy_function()
def triu(m: Value, k: int = 0) -> Tracer:
    """Upper triangle (on and above diagonal ``k``) of the last two axes, as ``numpy.triu``."""
    return _triangle(m, k, False)


def array(obj: Any, dtype: Any = None, copy: bool = True) -> Any:
    if isinstance(obj, Tracer):
        return obj if dtype is None else _ops.astype(obj, dtype)
    if isinstance(obj, (list, tuple)) and any_traced(obj):
        stacked = _ops.stack([array(o) for o in obj])
        return stacked if dtype is None else _ops.astype(stacked, dtype)
    return np.array(obj, dtype=dtype, copy=copy)


def asarray(obj: Any, dtype: Any = None) -> Any:
    if isinstance(obj, Tracer) or (isinstance(obj, (list, tuple)) and any_traced(obj)):
        return array(obj, dtype=dtype)
    return np.asarray(obj, dtype=dtype)


arange = np.arange
zeros = np.zeros
ones = np.ones
empty = np.zeros  # no uninitialised memory in compiled programs
eye = np.eye
identity = np.identity


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
    if not any_traced((start, stop, num)):
        return np.linspace(start, stop, num, endpoint, retstep, dtype, axis)  # type: ignore[call-overload]
    if isinstance(num, Tracer):
        raise TracingError("linspace: num must be a static int, not a traced value")
    num = operator.index(num)
    if num < 0:
        raise ShapeError(f"linspace: number of samples, {num}, must be non-negative")
    lo, hi = asarray(start), asarray(stop)
    rank = len(np.broadcast_shapes(shape(lo), shape(hi)))
    div = num - 1 if endpoint else num
    frac = np.arange(num, dtype=np.float64) / (div if div > 0 else 1)
    frac = frac.reshape((num,) + (1,) * rank)
    out = _ops.elementwise("add", lo, _ops.multiply(frac, _ops.elementwise("subtract", hi, lo)))
    if endpoint and num > 1:  # the last sample is exactly ``stop``, as in NumPy
        last = (np.arange(num) == num - 1).reshape(frac.shape)
        out = _ops.where(last, hi, out)
    if axis != 0:
        out = _ops.moveaxis(out, 0, axis)
    target = np.dtype(dtype) if dtype is not None else np.result_type(lo.dtype, hi.dtype, 1.0)
    out = _ops.astype(out, target)
    if retstep:
        step = _ops.elementwise("true_divide", _ops.elementwise("subtract", hi, lo), div)
        return out, step
    return out


def zeros_like(a: Any, dtype: Any = None) -> Any:
    """Depends only on ``a``'s shape and dtype, so the result is never batched."""
    return np.zeros(shape(a), dtype=dtype or a.dtype)


def ones_like(a: Any, dtype: Any = None) -> Any:
    return np.ones(shape(a), dtype=dtype or a.dtype)


def full(shape: Any, fill_value: Any, dtype: Any = None) -> Any:
    """``numpy.full``; inside kernels ``fill_value`` may be traced (a traced Python scalar
    under ``jit``): broadcast to ``shape``, as ``jnp.full`` does."""
    if isinstance(fill_value, Tracer):
        value = fill_value if dtype is None else _ops.astype(fill_value, dtype)
        return _ops.broadcast_to(value, shape)
    return np.full(shape, fill_value, dtype=dtype)


def full_like(a: Any, fill_value: Any, dtype: Any = None) -> Any:
    if isinstance(fill_value, Tracer):
        return _ops.broadcast_to(_ops.astype(fill_value, dtype or a.dtype), shape(a))
    return np.full(shape(a), fill_value, dtype=dtype or a.dtype)


def copy(a: Any, order: str | None = None) -> Any:
    # traced values are immutable, so the value itself is a copy
    return a if isinstance(a, Tracer) else np.array(a, copy=True)


def empty_like(prototype: Any, dtype: Any = None, shape: Any = None) -> Any:
    """Zeros (compiled programs have no uninitialised memory); never batched."""
    want = _jnp.shape(prototype) if shape is None else shape
    return np.zeros(want, dtype=dtype or _jnp.asarray(prototype).dtype)


def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> Any:
    return np.tri(N, M, k, dtype=dtype or np.float64)


def diagflat(v: Any, k: int = 0) -> Any:
    return _jnp.diag(_jnp.ravel(v), k)


def logspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: builtins.bool = True,
    base: Any = 10.0,
    dtype: Any = None,
    axis: int = 0,
) -> Any:
    exps = _jnp.linspace(start, stop, num, endpoint=endpoint, axis=axis)
    out = _jnp.power(base, exps)
    return out if dtype is None else _jnp.astype(out, dtype)


def geomspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: builtins.bool = True,
    dtype: Any = None,
    axis: int = 0,
) -> Any:
    """Real ``start``/``stop`` of one sign (NumPy's endpoints are exact)."""
    lo, hi = _as_float(start), _as_float(stop)
    sign = _jnp.sign(lo)
    logs = _jnp.linspace(
        _jnp.log10(_jnp.absolute(lo)), _jnp.log10(_jnp.absolute(hi)), num, endpoint
    )
    out = _jnp.multiply(sign, _jnp.power(10.0, logs))
    rank = len(np.broadcast_shapes(_jnp.shape(lo), _jnp.shape(hi)))
    pos = np.arange(num).reshape((num,) + (1,) * rank)
    out = _jnp.where(pos == 0, lo, out)
    if endpoint and num > 1:
        out = _jnp.where(pos == num - 1, hi, out)
    if axis != 0:
        out = _jnp.moveaxis(out, 0, axis)
    return out if dtype is None else _jnp.astype(out, dtype)


def vander(x: Any, N: int | None = None, increasing: builtins.bool = False) -> Any:
    x = _jnp.asarray(x)
    if _jnp.ndim(x) != 1:
        raise ShapeError("vander: x must be one-dimensional")
    n = _jnp.shape(x)[0] if N is None else N
    powers = np.arange(n) if increasing else np.arange(n - 1, -1, -1)
    return _jnp.power(_jnp.expand_dims(x, -1), powers.astype(np.result_type(x.dtype, 0)))
