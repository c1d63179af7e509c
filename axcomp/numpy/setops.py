"""Set operations of ``jax.numpy``: ``isin`` and ``unique`` (traced: with JAX's static
``size=``)."""

from __future__ import annotations

import builtins
import operator
from typing import Any, NamedTuple

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


def _sorted_firsts(values: Any, assume_unique: builtins.bool) -> tuple[Any, Any]:
    """``values`` flattened and sorted, and which entries are the first of their value."""
    s = _jnp.sort(_jnp.ravel(_jnp.asarray(values)))
    if assume_unique:
        return s, _jnp.ones(_jnp.shape(s), np.bool_)
    return s, _jnp.concatenate([np.ones(1, np.bool_), _jnp.not_equal(s[1:], s[:-1])], 0)


def _kept(s: Any, keep: Any, size: Any, fill_value: Any) -> Any:
    """The kept entries of sorted ``s`` in order, padded to ``size`` with ``fill_value``
    (default: the first kept value, as JAX)."""
    pos, ok = _first_true(keep, operator.index(size))
    at = _jnp.where(ok, pos, 0)
    values = _jnp.take(s, at)
    fill = values[0] if fill_value is None else fill_value
    return _jnp.astype(_jnp.where(ok, values, fill), s.dtype)


def union1d(ar1: Any, ar2: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    if not _need_size("union1d", size, ar1, ar2):
        return np.union1d(ar1, ar2)
    both = _jnp.concatenate([_jnp.ravel(_jnp.asarray(ar1)), _jnp.ravel(_jnp.asarray(ar2))], 0)
    return unique(both, size=size, fill_value=fill_value)


def intersect1d(
    ar1: Any,
    ar2: Any,
    assume_unique: builtins.bool = False,
    return_indices: builtins.bool = False,
    *,
    size: int | None = None,
    fill_value: Any = None,
) -> Any:
    if not _need_size("intersect1d", size, ar1, ar2):
        return np.intersect1d(ar1, ar2, assume_unique, return_indices)  # type: ignore[call-overload]
    if return_indices:
        raise UnsupportedError("intersect1d: return_indices with size= is not supported")
    s, first = _sorted_firsts(ar1, assume_unique)
    return _kept(s, _jnp.logical_and(first, isin(s, ar2)), size, fill_value)


def setdiff1d(
    ar1: Any,
    ar2: Any,
    assume_unique: builtins.bool = False,
    *,
    size: int | None = None,
    fill_value: Any = None,
) -> Any:
    if not _need_size("setdiff1d", size, ar1, ar2):
        return np.setdiff1d(ar1, ar2, assume_unique)
    s, first = _sorted_firsts(ar1, assume_unique)
    keep = _jnp.logical_and(first, isin(s, ar2, invert=True))
    return _kept(s, keep, size, 0 if fill_value is None else fill_value)  # JAX pads with 0


def setxor1d(
    ar1: Any,
    ar2: Any,
    assume_unique: builtins.bool = False,
    *,
    size: int | None = None,
    fill_value: Any = None,
) -> Any:
    if not _need_size("setxor1d", size, ar1, ar2):
        return np.setxor1d(ar1, ar2, assume_unique)
    both = _jnp.concatenate([_jnp.ravel(_jnp.asarray(ar1)), _jnp.ravel(_jnp.asarray(ar2))], 0)
    s, first = _sorted_firsts(both, False)
    once = _jnp.logical_xor(isin(s, ar1), isin(s, ar2))
    return _kept(s, _jnp.logical_and(first, once), size, fill_value)


class UniqueAllResult(NamedTuple):
    values: Any
    indices: Any
    inverse_indices: Any
    counts: Any


class UniqueCountsResult(NamedTuple):
    values: Any
    counts: Any


class UniqueInverseResult(NamedTuple):
    values: Any
    inverse_indices: Any


def unique_values(x: Any, /, *, size: int | None = None, fill_value: Any = None) -> Any:
    return unique(x, size=size, fill_value=fill_value)


def unique_counts(
    x: Any, /, *, size: int | None = None, fill_value: Any = None
) -> UniqueCountsResult:
    return UniqueCountsResult(*unique(x, return_counts=True, size=size, fill_value=fill_value))


def unique_inverse(
    x: Any, /, *, size: int | None = None, fill_value: Any = None
) -> UniqueInverseResult:
    values, inverse = unique(x, return_inverse=True, size=size, fill_value=fill_value)
    return UniqueInverseResult(values, _jnp.reshape(inverse, _jnp.shape(x)))


def unique_all(x: Any, /, *, size: int | None = None, fill_value: Any = None) -> UniqueAllResult:
    values, index, inverse, counts = unique(x, True, True, True, size=size, fill_value=fill_value)
    return UniqueAllResult(values, index, _jnp.reshape(inverse, _jnp.shape(x)), counts)
