"""Set operations of ``jax.numpy``: ``isin`` and ``unique`` (traced: with JAX's static
``size=``)."""

from __future__ import annotations

import builtins
import operator
from typing import Any

import numpy as np

from ..errors import UnsupportedError
from .indexing import _first_true, _need_size
from .namespace import jnp as _jnp


def isin(
    element: Any,
    test_elements: Any,
    assume_unique: builtins.bool = False,
    invert: builtins.bool = False,
) -> Any:
    tests = _jnp.ravel(_jnp.asarray(test_elements))
    hit = _jnp.any(_jnp.equal(_jnp.expand_dims(_jnp.asarray(element), -1), tests), axis=-1)
    return _jnp.logical_not(hit) if invert else hit


def unique(
    ar: Any,
    return_index: builtins.bool = False,
    return_inverse: builtins.bool = False,
    return_counts: builtins.bool = False,
    axis: int | None = None,
    *,
    equal_nan: builtins.bool = True,
    size: int | None = None,
    fill_value: Any = None,
) -> Any:
    """Flattened (``axis=None``) only; padding as JAX: ``fill_value`` defaults to the
    smallest value, its index and padded counts are 0-based as JAX gives them."""
    flags = (return_index, return_inverse, return_counts)
    if not _need_size("unique", size, ar):
        return np.unique(ar, *flags, axis=axis, equal_nan=equal_nan)  # type: ignore[call-overload]
    if axis is not None:
        raise UnsupportedError("unique: size= with axis is not supported")
    flat = _jnp.ravel(_jnp.asarray(ar))
    size = operator.index(size)  # type: ignore[arg-type]
    perm = _jnp.argsort(flat, stable=True)  # stable: each group's first index comes first
    s = _jnp.take(flat, perm)
    new = _jnp.not_equal(s[1:], s[:-1])
    if equal_nan and np.issubdtype(flat.dtype, np.inexact):
        new = _jnp.logical_and(
            new, _jnp.logical_not(_jnp.logical_and(_jnp.isnan(s[1:]), _jnp.isnan(s[:-1])))
        )
    first = _jnp.concatenate([np.ones(1, np.bool_), new], 0)
    starts, ok = _first_true(first, size + 1)
    at = _jnp.where(ok, starts, 0)[:size]
    fill = s[0] if fill_value is None else fill_value
    values = _jnp.where(ok[:size], _jnp.take(s, at), fill)
    out: list[Any] = [_jnp.astype(values, flat.dtype)]
    if return_index:
        # JAX pads the index with the fill value's own first index (0 when fill is s[0])
        out.append(_jnp.where(ok[:size], _jnp.take(perm, at), perm[0]))
    if return_inverse:
        group = _jnp.subtract(_jnp.cumsum(_jnp.astype(first, np.int64)), 1)
        inv = _jnp.take(group, _jnp.argsort(perm))
        out.append(_jnp.reshape(inv, _jnp.shape(ar)))
    if return_counts:
        counts = _jnp.subtract(starts[1:], starts[:size])
        out.append(_jnp.where(ok[:size], counts, 0))
    return out[0] if len(out) == 1 else tuple(out)
