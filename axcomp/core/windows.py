"""The geometry of sliding windows, shared by the ``windows`` primitive and the backends
that print its plan operation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class WindowParams:
    """Windows of ``sizes`` along physical ``axes``, ``strides`` between window positions
    and ``dilations`` between the entries of one window."""

    axes: tuple[int, ...]
    sizes: tuple[int, ...]
    strides: tuple[int, ...]
    dilations: tuple[int, ...]

    def extent(self, k: int) -> int:
        """How many entries of axis ``axes[k]`` one window spans."""
        return (self.sizes[k] - 1) * self.dilations[k] + 1

    def positions(self, k: int, n: int) -> int:
        """The number of windows along an axis of length ``n``."""
        return (n - self.extent(k)) // self.strides[k] + 1 if n >= self.extent(k) else 0

    def offsets(self) -> list[tuple[int, ...]]:
        return list(np.ndindex(*self.sizes))


def windowed_shape(p: WindowParams, shape: Sequence[int]) -> tuple[int, ...]:
    out = list(shape)
    for k, a in enumerate(p.axes):
        out[a] = p.positions(k, shape[a])
    return (*out, *p.sizes)


def valid_window(p: WindowParams, ndim: int) -> bool:
    counts = {len(p.axes), len(p.sizes), len(p.strides), len(p.dilations)}
    return (
        len(counts) == 1
        and len(set(p.axes)) == len(p.axes)
        and all(0 <= a < ndim for a in p.axes)
        and all(v >= 1 for v in (*p.sizes, *p.strides, *p.dilations))
    )


def window_items(p: WindowParams, shape: Sequence[int], offset: Sequence[int]) -> tuple[Any, ...]:
    """Plan index items reading, from an array of ``shape``, the entry at ``offset`` of
    every window (one strided slice per windowed axis)."""
    items: list[tuple[Any, ...]] = [("slice", 0, n, 1) for n in shape]
    for k, a in enumerate(p.axes):
        start = offset[k] * p.dilations[k]
        count = p.positions(k, shape[a])
        items[a] = ("slice", start, start + (count - 1) * p.strides[k] + 1, p.strides[k])
        if count == 0:
            items[a] = ("slice", 0, 0, 1)
    return tuple(items)
