"""Flat and multi-dimensional indices of ``jax.numpy``: ``unravel_index`` and
``ravel_multi_index``, with JAX's out-of-bounds rules (``unravel_index`` clips; the
``ravel_multi_index`` default ``mode='raise'`` needs concrete indices)."""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentValueError, ConcretizationTypeError, ShapeError
from .dispatch import staged_function
from .namespace import jnp as _jnp
from .namespace import traced as _traced


def _dims(shape: Any, what: str) -> tuple[int, ...]:
    dims = (shape,) if np.ndim(shape) == 0 else tuple(shape)
    try:
        return tuple(operator.index(d) for d in dims)
    except TypeError:
        raise ArgumentValueError(f"{what}: shape must be static integers, got {shape!r}") from None


@staged_function
def unravel_index(indices: Any, shape: Any) -> tuple[Any, ...]:
    """The coordinates of flat ``indices`` in an array of ``shape`` (C order); as JAX,
    negative indices count from the end and out-of-bounds ones are clipped."""
    dims = _dims(shape, "unravel_index")
    idx = _jnp.asarray(indices)
    if not np.issubdtype(idx.dtype, np.integer):
        raise ShapeError(f"unravel_index: indices must be integers, got {idx.dtype}")
    total = math.prod(dims)
    idx = _jnp.where(_jnp.less(idx, 0), _jnp.add(idx, total), idx)
    idx = _jnp.clip(idx, 0, max(total - 1, 0))
    out = []
    for d in reversed(dims):
        out.append(_jnp.astype(_jnp.remainder(idx, d), idx.dtype))
        idx = _jnp.floor_divide(idx, d)
    return tuple(reversed(out))


def ravel_multi_index(
    multi_index: Sequence[Any],
    dims: Sequence[int],
    mode: str = "raise",
    order: str = "C",
    *,
    dtype: Any = None,
) -> Any:
    """The flat index of each coordinate tuple in an array of shape ``dims``; ``mode``
    ``'raise'`` (concrete indices only, as JAX), ``'clip'`` or ``'wrap'``."""
    shape = _dims(dims, "ravel_multi_index")
    if mode not in ("raise", "clip", "wrap"):
        raise ArgumentValueError(f"ravel_multi_index: invalid mode={mode!r}")
    if order not in ("C", "F"):
        raise ArgumentValueError(f"ravel_multi_index: invalid order={order!r}")
    if len(multi_index) != len(shape):
        raise ShapeError(
            f"ravel_multi_index: {len(multi_index)} index arrays for {len(shape)} dims"
        )
    coords = [_jnp.asarray(i) for i in multi_index]
    if any(not np.issubdtype(c.dtype, np.integer) for c in coords):
        raise ShapeError("ravel_multi_index: only int indices permitted")
    if mode == "raise":
        if _traced(*coords):
            raise ConcretizationTypeError(
                "ravel_multi_index: mode='raise' needs concrete indices; "
                "pass mode='clip' or mode='wrap' under jit/vmap"
            )
        for c, d in zip(coords, shape):
            if np.any((np.asarray(c) < 0) | (np.asarray(c) >= d)):
                raise ArgumentValueError("invalid entry in coordinates array")
    if mode == "wrap":
        coords = [_jnp.remainder(c, d) for c, d in zip(coords, shape)]
    else:
        coords = [_jnp.clip(c, 0, d - 1) for c, d in zip(coords, shape)]
    pairs = list(zip(coords, shape))
    if order == "F":
        pairs.reverse()
    out = _jnp.zeros((), np.result_type(*[c.dtype for c in coords]) if dtype is None else dtype)
    for c, d in pairs:
        out = _jnp.add(_jnp.multiply(out, d), c)
    return out
