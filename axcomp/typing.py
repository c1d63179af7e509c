"""``axcomp.typing``: the annotations of ``jax.typing`` (``ArrayLike``, ``DTypeLike``)."""

from __future__ import annotations

from typing import Any, Union

import numpy as np

from .array import Array

__all__ = ["ArrayLike", "DTypeLike"]

#: what an axcomp function accepts as an array argument
ArrayLike = Union[Array, np.ndarray, np.generic, bool, int, float, complex]  # noqa: UP007
#: what an axcomp function accepts as a dtype
DTypeLike = Union[str, type[Any], np.dtype]  # noqa: UP007
