"""``axcomp.flatten_util.ravel_pytree``: a pytree of arrays as one flat vector and back.

Optimizers and evolution strategies flatten their parameters with it. It works on arrays
and on traced values alike (inside ``jit``/``grad``), built from ``axcomp.numpy``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import numpy as anp
from . import pytree
from .errors import ArgumentTypeError, ShapeError

__all__ = ["ravel_pytree"]


def ravel_pytree(pytree_: Any) -> tuple[Any, Callable[[Any], Any]]:
    """``(flat, unravel)``: the leaves raveled and joined in flattening order (promoted to
    one dtype), and the function that splits such a vector back into the tree, each leaf
    cast back to its own dtype."""
    leaves, treedef = pytree.flatten(pytree_)
    shapes = [tuple(np.shape(x)) for x in leaves]
    dtypes = [anp.result_type(x) for x in leaves]
    sizes = [math.prod(s) for s in shapes]
    if not leaves:
        flat = anp.zeros((0,), np.float32)
        dtype = np.dtype(np.float32)
    else:
        dtype = np.dtype(anp.result_type(*dtypes))
        flat = anp.concatenate([anp.ravel(anp.asarray(x)).astype(dtype) for x in leaves])

    def unravel(vector: Any) -> Any:
        shape, got = tuple(np.shape(vector)), anp.result_type(vector)
        if shape != (sum(sizes),):
            raise ShapeError(
                f"unravel function given an array of shape {shape}, but expected shape "
                f"{(sum(sizes),)}"
            )
        if got != dtype:
            raise ArgumentTypeError(
                f"unravel function given array of dtype {got}, but expected dtype {dtype}"
            )
        parts, start = [], 0
        for shp, dt, n in zip(shapes, dtypes, sizes):
            parts.append(anp.reshape(vector[start : start + n], shp).astype(dt))
            start += n
        return pytree.unflatten(treedef, parts)

    return flat, unravel
