"""Products a fused loop computes as the contraction would: a multilinear region with no
sum (``x * 0.5``, ``a * b``, ``c[:, None] * r[None, :]``: a sum of length-1 axes is no
sum) joins an elementwise chain as
``multiply`` instructions, so ``tanh(0.5 * x) * y`` is one pass instead of three.

Only products whose rounding the loop can repeat exactly are taken: one or two arrays,
every other operand a Python-number literal. ``contraction.lower_contraction`` multiplies
the literals together first (in Python: ``scalar``) and folds their product into the
smallest array it makes, the latest on a tie (the operands in order, then their product);
``LoopProduct.fold`` says which, and the loop multiplies in that order. A product of
three arrays or more is left to the contraction, whose path decides how it associates.
"""

from __future__ import annotations

import functools
import math
import operator
from dataclasses import dataclass

import numpy as np

from ..core.graph import Node
from ..core.plan import Region
from .loop_literals import fits, literal

_NUMBERS = frozenset(np.dtype(t) for t in ("float32", "float64", "int32", "int64"))


@dataclass(frozen=True)
class LoopProduct:
    """``region`` as multiplies: ``arrays`` (operand positions, in order), the literal
    ``scalar`` (None without one) multiplied into ``arrays[fold]``, or into the product of
    both arrays when ``fold`` is 2; ``inlined``: the region's nodes below its root."""

    region: Region
    arrays: tuple[int, ...]
    scalar: bool | int | float | None
    fold: int
    inlined: frozenset[Node]

    def operand_axes(self, position: int, loop_map: tuple[int, ...]) -> tuple[int, ...]:
        """The loop axis of each axis of operand ``position``, given the root's (-1: a
        length-1 axis the product drops)."""
        out = self.region.out
        subs = self.region.subscripts[position]
        return tuple(loop_map[out.index(lab)] if lab in out else -1 for lab in subs)


def loop_product(node: Node, regions: dict[Node, Region]) -> LoopProduct | None:
    """``node``'s region as a ``LoopProduct``, when it is one a loop computes exactly."""
    if not node.op.multilinear or node.dtype not in _NUMBERS:
        return None
    region = regions.get(node)
    if region is None or region.root is not node or len(region.operands) < 2:
        return None
    subs = region.subscripts
    sizes = dict(region.sizes)
    labels = {lab for s in subs for lab in s}
    if not set(region.out) <= labels or any(sizes[lab] != 1 for lab in labels - set(region.out)):
        return None  # a sum (of a length-1 axis, as ``x[:, None]`` makes, it is the value)
    if any(len(set(s)) != len(s) for s in subs):
        return None  # a diagonal
    arrays = tuple(k for k, s in enumerate(subs) if s)
    if not 1 <= len(arrays) <= 2:
        return None
    if any(region.operands[k].dtype != node.dtype for k in arrays):
        return None  # NumPy would promote first
    values = [literal(region.operands[k]) for k in range(len(subs)) if not subs[k]]
    if any(v is None for v in values):
        return None  # a 0-d array: multiplied at run time, in its own dtype
    scalar = functools.reduce(operator.mul, values) if values else None
    if isinstance(scalar, float) and not math.isfinite(scalar):
        return None
    if scalar is not None and not fits(scalar, node.dtype):
        return None
    made = [math.prod(sizes[lab] for lab in subs[k]) for k in arrays]
    if len(arrays) == 2:
        made.append(math.prod(sizes[lab] for lab in region.out))
    fold = min(range(len(made)), key=lambda n: (made[n], -n))
    return LoopProduct(region, arrays, scalar, fold, _inlined(region))


def _inlined(region: Region) -> frozenset[Node]:
    """The multilinear nodes between ``region``'s root and its operands."""
    leaves = set(region.operands)
    seen: set[Node] = set()
    stack = [n for n in region.root.inputs if n not in leaves]
    while stack:
        node = stack.pop()
        if node in seen or node in leaves:
            continue
        seen.add(node)
        stack.extend(node.inputs)
    return frozenset(seen)
