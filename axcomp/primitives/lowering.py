"""Helpers shared by the lowering rules of several primitive families."""

from __future__ import annotations

from collections.abc import Sequence

from ..core.plan import Expr, call


def aligned(src: Expr, out_ndim: int, maps: Sequence[int], in_shape: Sequence[int]) -> Expr:
    """``src`` transposed/reshaped so that NumPy broadcasting lines its axes up with the
    result axes ``maps`` names (``-1``: a size-1 axis broadcast away)."""
    present = sorted((m, k) for k, m in enumerate(maps) if m >= 0)
    perm = [k for _, k in present] + [k for k, m in enumerate(maps) if m < 0]
    expr = src
    if perm != list(range(len(perm))):
        expr = call("transpose", expr, perm=tuple(perm))
    if not present:
        return expr if not in_shape else call("reshape", expr, shape=())
    first = present[0][0]
    target = [1] * (out_ndim - first)
    for m, k in present:
        target[m - first] = in_shape[k]
    if [in_shape[k] for k in perm] != target:
        expr = call("reshape", expr, shape=tuple(target))
    return expr
