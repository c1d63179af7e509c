"""Polynomials of ``jax.numpy``: ``polyval`` (Horner's scheme), ``polyadd``,
``polysub``, ``polymul``, ``polyder`` and ``polyint``."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..primitives.contraction import multiply
from ..primitives.elementwise import elementwise as _e
from ..primitives.gathers import BooleanIndexError as _BooleanIndexError
from ..primitives.indexing import getitem
from ..primitives.shape import astype, broadcast_to
from ..tracing.build import Value
from ..tracing.tracer import Tracer
from .dispatch import numpy_function
from .manipulation import unstack
from .namespace import as_float as _as_float
from .namespace import jnp as _jnp
from .namespace import traced as _traced
from .traced_values import lift_values as _lift


@numpy_function()
def polyval(p: Value, x: Value) -> Tracer:
    """``numpy.polyval``: Horner's scheme over the (static number of) coefficients."""
    c, t = _lift(p, x)
    if c.ndim != 1:
        raise ShapeError(f"polyval: p must be 1-d, got shape {c.shape}")
    dtype = np.result_type(c.dtype, t.dtype)
    y: Tracer = broadcast_to(np.zeros((), dtype), t.shape)
    y = astype(y, dtype)
    for j in range(c.shape[0]):
        y = _e("add", multiply(y, t), getitem(c, j))
    return astype(y, dtype)


def _pad_front(p: Any, n: int) -> Any:
    p = _jnp.atleast_1d(_jnp.asarray(p))
    extra = n - _jnp.shape(p)[0]
    return p if extra == 0 else _jnp.concatenate([np.zeros(extra, p.dtype), p], 0)


def polyadd(a1: Any, a2: Any) -> Any:
    n = builtins.max(_jnp.size(_jnp.atleast_1d(a1)), _jnp.size(_jnp.atleast_1d(a2)))
    return _jnp.add(_pad_front(a1, n), _pad_front(a2, n))


def polysub(a1: Any, a2: Any) -> Any:
    n = builtins.max(_jnp.size(_jnp.atleast_1d(a1)), _jnp.size(_jnp.atleast_1d(a2)))
    return _jnp.subtract(_pad_front(a1, n), _pad_front(a2, n))


def polymul(a1: Any, a2: Any, *, trim_leading_zeros: builtins.bool = False) -> Any:
    if trim_leading_zeros:
        if _traced(a1, a2):
            raise _BooleanIndexError("polymul: trim_leading_zeros=True has a data-dependent shape")
        a1, a2 = np.trim_zeros(np.atleast_1d(a1), "f"), np.trim_zeros(np.atleast_1d(a2), "f")
    # JAX's result is inexact
    return _jnp.convolve(_as_float(_jnp.atleast_1d(a1)), _as_float(_jnp.atleast_1d(a2)))


def polyder(p: Any, m: int = 1) -> Any:
    if m < 0:
        raise ValueError("polyder: order of derivative must be positive")
    p = _as_float(_jnp.atleast_1d(_jnp.asarray(p)))  # JAX's result is inexact
    for _ in range(m):
        n = _jnp.shape(p)[0]
        p = _jnp.multiply(p[:-1], np.arange(n - 1, 0, -1))
    return p


def polyint(p: Any, m: int = 1, k: Any = None) -> Any:
    if m < 0:
        raise ValueError("polyint: order of integral must be positive")
    p = _as_float(_jnp.atleast_1d(_jnp.asarray(p)))
    ks = np.zeros(m) if k is None else k
    ks = [ks] * m if _jnp.ndim(ks) == 0 else list(unstack(_jnp.asarray(ks)))
    if len(ks) != m:
        raise ValueError("polyint: k must be a scalar or have length m")
    for i in range(m):
        n = _jnp.shape(p)[0]
        const = _jnp.astype(_jnp.reshape(_jnp.asarray(ks[i]), (1,)), p.dtype)
        p = _jnp.concatenate([_jnp.true_divide(p, np.arange(n, 0, -1)), const], 0)
    return p
