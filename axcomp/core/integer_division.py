"""JAX's integer ``floor_divide`` by zero on concrete values.

XLA's integer division by zero gives all ones bits (-1, or the unsigned maximum), and
``jnp.floor_divide`` then rounds the signed quotient down where the remainder (``x``
itself) is nonzero: ``x // 0`` is -2 for nonzero ``x``, -1 for 0 and the maximum for
unsigned types. NumPy gives 0 (and warns). The traced counterpart is
``primitives/elementwise.py:_integer_division_by_zero``.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def by_zero_filled(x: Any, y: Any, quotient: Any) -> Any:
    """``quotient`` (NumPy's integer ``x // y``) with JAX's value where ``y`` is 0;
    ``quotient`` itself where no divisor is 0 or the quotient is not an integer."""
    dtype = getattr(quotient, "dtype", None)
    if dtype is None or dtype.kind not in "iu":
        return quotient
    if type(y) is int or type(y) is bool:  # the common x // 3: one test
        if y:
            return quotient
    elif np.all(y):
        return quotient
    zero = np.equal(y, 0)
    if dtype.kind == "u":
        fill: Any = np.iinfo(dtype).max
    else:
        fill = np.where(np.equal(x, 0), -1, -2)
    return np.where(zero, np.asarray(fill, dtype), quotient).astype(dtype, copy=False)
