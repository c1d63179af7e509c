"""The user-facing ``jax.lax`` control flow that is not a primitive of its own: ``map`` and
``associative_scan`` (``scan``, ``fori_loop``, ``while_loop``, ``cond``, ``switch`` build the
loop and cond primitives of ``primitives/control.py``).

``map`` is ``vmap`` (in chunks of ``batch_size`` stacked by ``scan``), never a loop over
examples. ``associative_scan`` computes all prefix combinations of an associative ``fn`` in
O(log n) rounds of vectorized ``fn`` calls (pairwise combine, recurse on the half, fill the
other half), built from slices, ``stack`` and ``reshape`` so derivatives and vmap come
from those primitives."""

from __future__ import annotations

import builtins
import operator
from collections.abc import Callable
from typing import Any

from ..errors import IncompatibleShapesError, ShapeError
from ..primitives.control import _flatten, _unflatten, scan
from ..primitives.indexing import getitem
from ..primitives.shape import concatenate, reshape, stack
from ..tracing.build import lift, trace_of
from ..transforms.jit import staged_export
from ..transforms.vmap import vmap


def _take(x: Any, axis: int, start: int | None, stop: int | None, step: int = 1) -> Any:
    return getitem(x, (slice(None),) * axis + (slice(start, stop, step),))


def _interleave(even: Any, odd: Any, axis: int, n: int) -> Any:
    """``even[0], odd[0], even[1], odd[1], ...`` along ``axis``, ``n`` entries."""
    if odd.shape[axis] < even.shape[axis]:
        odd = concatenate([odd, _take(even, axis, -1, None)], axis=axis)  # dropped below
    both = stack([even, odd], axis=axis + 1)
    shape = even.shape[:axis] + (2 * even.shape[axis],) + even.shape[axis + 1 :]
    return _take(reshape(both, shape), axis, 0, n)


def _scan(fn: Callable[[list[Any], list[Any]], list[Any]], xs: list[Any], axis: int) -> list[Any]:
    n = xs[0].shape[axis]
    if n < 2:
        return xs
    pairs = fn([_take(x, axis, 0, n - 1, 2) for x in xs], [_take(x, axis, 1, None, 2) for x in xs])
    odd = _scan(fn, pairs, axis)  # the prefixes ending at positions 1, 3, 5, ...
    rest = [_take(x, axis, 2, None, 2) for x in xs]
    head = odd if n % 2 else [_take(o, axis, 0, -1) for o in odd]
    filled = fn(head, rest) if rest[0].shape[axis] else rest
    even = [concatenate([_take(x, axis, 0, 1), f], axis=axis) for x, f in zip(xs, filled)]
    return [_interleave(e, o, axis, n) for e, o in zip(even, odd)]


@staged_export
def associative_scan(
    fn: Callable[[Any, Any], Any], elems: Any, reverse: bool = False, axis: int = 0
) -> Any:
    """``jax.lax.associative_scan``: ``out[i] = fn(... fn(elems[0], elems[1]) ..., elems[i])``
    along ``axis`` (from the end with ``reverse``); ``elems`` a pytree of arrays of equal
    length along ``axis``, ``fn`` associative and vectorized over it."""
    leaves, treedef = _flatten(elems)
    if not leaves:
        raise ShapeError("associative_scan: elems must hold at least one array")
    trace = trace_of(tuple(leaves))
    ts = [lift(x, trace) for x in leaves]
    nd = ts[0].ndim
    ax = operator.index(axis)
    if not -nd <= ax < nd:
        raise ShapeError(f"associative_scan: axis {axis} is out of bounds for rank {nd}")
    ax %= nd
    lengths = {t.shape[ax] if t.ndim == nd else None for t in ts}
    if len(lengths) != 1 or None in lengths:
        raise IncompatibleShapesError(
            "associative_scan: every array of elems must have the same rank and length along "
            f"axis {axis}; got shapes {[t.shape for t in ts]}"
        )
    if reverse:
        ts = [_take(t, ax, None, None, -1) for t in ts]

    def combine(a: list[Any], b: list[Any]) -> list[Any]:
        out = fn(_unflatten(treedef, a), _unflatten(treedef, b))
        new, new_def = _flatten(out)
        if new_def != treedef:
            raise IncompatibleShapesError(
                "associative_scan: fn must return the structure of its arguments"
            )
        return [lift(x, trace) for x in new]

    result = _scan(combine, ts, ax)
    if reverse:
        result = [_take(t, ax, None, None, -1) for t in result]
    return _unflatten(treedef, result)


@staged_export
def map(f: Callable[..., Any], xs: Any, batch_size: int | None = None) -> Any:
    """``jax.lax.map``: ``f`` over the leading axis of ``xs``. Vectorized with ``vmap``: all at
    once when ``batch_size`` is None, else ``vmap`` over chunks of ``batch_size`` stacked by
    ``scan`` (unrolled at trace time) with the remainder mapped at once; never a loop over
    examples."""
    leaves, treedef = _flatten(xs)
    n = {int(leaf.shape[0]) for leaf in leaves}
    if len(n) != 1:
        raise ValueError(f"map: xs leaves disagree on the leading axis length: {sorted(n)}")
    size = n.pop()
    mapped = vmap(f)
    if batch_size is None or batch_size >= size:
        return mapped(xs)
    bs = int(batch_size)
    if bs <= 0:
        raise ValueError(f"map: batch_size must be positive, got {batch_size}")
    full = size - size % bs

    def chunked(leaf: Any) -> Any:
        head = getitem(leaf, (builtins.slice(0, full),))
        return reshape(head, (full // bs, bs, *leaf.shape[1:]))

    chunks = _unflatten(treedef, [chunked(leaf) for leaf in leaves])
    _, ys = scan(lambda c, x: (c, mapped(x)), 0, chunks)
    y_leaves, ydef = _flatten(ys)
    y_leaves = [reshape(y, (full, *y.shape[2:])) for y in y_leaves]
    if full < size:
        rest = mapped(
            _unflatten(treedef, [getitem(x, (builtins.slice(full, size),)) for x in leaves])
        )
        y_leaves = [
            concatenate([a, b], axis=0) for a, b in zip(y_leaves, _flatten(rest)[0], strict=True)
        ]
    return _unflatten(ydef, y_leaves)
