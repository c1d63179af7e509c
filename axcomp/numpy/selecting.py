"""Picking elements in ``jax.numpy``: ``compress`` and ``extract`` (by a condition: with
JAX's static ``size=`` when traced) and ``choose`` (by an index into choices)."""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..errors import ArgumentValueError, ConcretizationTypeError, ShapeError
from ..tracing.build import normalize_axis
from .indexing import _first_true, _need_size
from .namespace import jnp as _jnp
from .namespace import traced as _traced


def compress(
    condition: Any,
    a: Any,
    axis: int | None = None,
    *,
    size: int | None = None,
    fill_value: Any = 0,
    out: None = None,
) -> Any:
    """The slices of ``a`` along ``axis`` (flattened when None) where 1-d ``condition``
    is True; with ``size=``, the first ``size`` of them padded with ``fill_value``."""
    if out is not None:
        raise ArgumentValueError("compress: the 'out' argument is not supported")
    cond = _jnp.asarray(condition)
    if _jnp.ndim(cond) != 1:
        raise ShapeError(f"condition must be a 1D array, got shape {_jnp.shape(cond)}")
    if not _need_size("compress", size, condition, a):
        return np.compress(np.asarray(condition, np.bool_), a, axis)
    arr = _jnp.asarray(a)
    if axis is None:
        arr, axis = _jnp.ravel(arr), 0
    ax = normalize_axis(operator.index(axis), _jnp.ndim(arr), "axis")
    n = _jnp.shape(arr)[ax]
    cond = _jnp.astype(cond, np.bool_)
    m = _jnp.shape(cond)[0]
    if m > n:
        raise ShapeError(f"compress: condition of length {m} for an axis of size {n}")
    if m < n:  # NumPy: the entries past the condition's end are dropped
        cond = _jnp.concatenate([cond, np.zeros(n - m, np.bool_)], 0)
    pos, ok = _first_true(cond, operator.index(size))  # type: ignore[arg-type]
    picked = _jnp.take(arr, _jnp.where(ok, pos, 0), axis=ax)
    keep = _jnp.reshape(ok, [-1 if d == ax else 1 for d in range(_jnp.ndim(arr))])
    return _jnp.where(keep, picked, _jnp.astype(_jnp.asarray(fill_value), picked.dtype))


def extract(condition: Any, arr: Any, *, size: int | None = None, fill_value: Any = 0) -> Any:
    """The entries of flattened ``arr`` where flattened ``condition`` is nonzero."""
    cond = _jnp.not_equal(_jnp.ravel(_jnp.asarray(condition)), 0)
    return compress(cond, _jnp.ravel(_jnp.asarray(arr)), size=size, fill_value=fill_value)


def choose(a: Any, choices: Any, out: None = None, mode: str = "raise") -> Any:
    """``choices[a[i]][i]`` for each position ``i`` (all broadcast together); ``mode``
    ``'raise'`` (concrete ``a`` only), ``'clip'`` or ``'wrap'``."""
    if out is not None:
        raise ArgumentValueError("choose: the 'out' argument is not supported")
    if mode not in ("raise", "clip", "wrap"):
        raise ArgumentValueError(f"choose: invalid mode={mode!r}")
    options = (
        list(_jnp.unstack(choices))
        if _traced(choices) and not isinstance(choices, (list, tuple))
        else list(choices)
    )
    n = len(options)
    idx = _jnp.asarray(a)
    if mode == "raise":
        if _traced(a):
            raise ConcretizationTypeError(
                "choose: mode='raise' needs a concrete index array; pass mode='clip' or "
                "mode='wrap' under jit/vmap"
            )
        if np.any((np.asarray(a) < 0) | (np.asarray(a) >= n)):
            raise ArgumentValueError("invalid entry in choice array")
    if not _traced(a, options):
        return np.choose(a, options, mode="wrap" if mode == "wrap" else "clip")
    idx = _jnp.remainder(idx, n) if mode == "wrap" else _jnp.clip(idx, 0, n - 1)
    parts = _jnp.broadcast_arrays(idx, *options)
    stacked = _jnp.stack(parts[1:], 0)
    return _jnp.take_along_axis(stacked, _jnp.expand_dims(parts[0], 0), axis=0)[0]
