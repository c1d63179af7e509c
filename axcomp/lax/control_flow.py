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
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentValueError, IncompatibleShapesError, ShapeError, TracingError
from ..primitives import control as _control
from ..primitives.control import (
    MAX_UNROLL,
    _abstract,
    _aval,
    _check_carry,
    _flatten,
    _is_traced,
    _keep_dtype,
    _merge,
    _scalar_pred,
    _scan_loop,
    _static_branch,
    _static_int,
    _unflatten,
    _where,
    branch,
)
from ..primitives.elementwise import elementwise
from ..primitives.indexing import getitem
from ..primitives.shape import astype, concatenate, reshape, stack
from ..tracing.build import Value, lift, trace_of
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
        raise ShapeError(f"map: xs leaves disagree on the leading axis length: {sorted(n)}")
    size = n.pop()
    mapped = vmap(f)
    if batch_size is None or batch_size >= size:
        return mapped(xs)
    bs = int(batch_size)
    if bs <= 0:
        raise ArgumentValueError(f"map: batch_size must be positive, got {batch_size}")
    full = size - size % bs

    def chunked(leaf: Any) -> Any:
        head = getitem(leaf, (builtins.slice(0, full),))
        return reshape(head, (full // bs, bs, *leaf.shape[1:]))

    chunks = _unflatten(treedef, [chunked(leaf) for leaf in leaves])
    _, ys = scan.traced(lambda c, x: (c, mapped(x)), 0, chunks)
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


@staged_export
def select(pred: Value, on_true: Value, on_false: Value) -> Any:
    """``jax.lax.select``: ``on_true`` where ``pred`` (bool, scalar or the operands' shape)."""
    ps, pd = _aval(pred)
    ts, td = _aval(on_true)
    fs, fd = _aval(on_false)
    if pd != np.bool_:
        raise IncompatibleShapesError(f"select: pred must be a bool array, got dtype {pd}")
    if ts != fs or td != fd:
        raise IncompatibleShapesError(
            f"select: on_true {ts} {td} and on_false {fs} {fd} must have the same shape and dtype"
        )
    if ps not in ((), ts):
        raise IncompatibleShapesError(
            f"select: pred shape {ps} must be () or the operands' shape {ts}"
        )
    return _where(pred, on_true, on_false)


@staged_export
def cond(
    pred: Value, true_fun: Callable[..., Any], false_fun: Callable[..., Any], *operands: Any
) -> Any:
    """``jax.lax.cond``: ``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``.

    A static predicate runs one branch at trace time; a traced unbatched one becomes an
    ``if`` of generated code; a batched one runs both branches and selects.
    """
    _scalar_pred("cond", pred)
    if not _is_traced(pred):
        return _static_branch(true_fun if bool(np.asarray(pred)) else false_fun, operands)
    t = lift(pred, trace_of((pred,)))
    p = t if t.dtype == np.bool_ else elementwise("not_equal", t, 0)
    if not p.levels:  # one predicate for the whole batch: only the taken branch runs
        return branch("cond", p, [false_fun, true_fun], operands)
    on_false = false_fun(*operands)  # traced first, as JAX's branches are (index 0 first):
    return _merge("cond", p, true_fun(*operands), on_false)  # debug.print order follows


@staged_export
def switch(index: Value, branches: Sequence[Callable[..., Any]], *operands: Any) -> Any:
    """``jax.lax.switch``: ``branches[clamp(index, 0, n - 1)](*operands)``."""
    n = len(branches)
    if n == 0:
        raise ArgumentValueError("switch: branches must be a non-empty sequence")
    _scalar_pred("switch", index)
    if not _is_traced(index):
        k = int(np.clip(np.asarray(index), 0, n - 1))
        return _static_branch(branches[k], operands)
    t = lift(index, trace_of((index,)))
    if t.dtype.kind not in "iub":
        raise TracingError(f"switch: index must be an integer scalar, got dtype {t.dtype}")
    if n == 1:
        return branches[0](*operands)
    idx = elementwise("clip", astype(t, np.int64), 0, n - 1)
    if not idx.levels:  # one index for the whole batch: only the taken branch runs
        return branch("switch", idx, list(branches), operands)
    results = [br(*operands) for br in branches]
    out = results[-1]
    for k in range(n - 2, -1, -1):
        out = _merge("switch", elementwise("equal", idx, k), results[k], out)
    return out


@staged_export
def scan(
    f: Callable[[Any, Any], tuple[Any, Any]],
    init: Any,
    xs: Any = None,
    length: int | None = None,
    reverse: bool = False,
    unroll: int = 1,
) -> tuple[Any, Any]:
    """``jax.lax.scan``: ``carry, y = f(carry, x)`` over the leading axis of ``xs``;
    returns the final carry and the stacked ``y``s."""
    del unroll
    leaves, xdef = _flatten(xs)
    if any(_aval(v)[0] == () for v in leaves):
        raise ShapeError("scan: every leaf of xs needs a leading axis to scan over")
    lengths = {int(_aval(v)[0][0]) for v in leaves}
    if length is not None:
        lengths.add(_static_int("scan", length))
    if len(lengths) != 1:
        if not lengths:
            raise ArgumentValueError("scan: length must be given when xs is None")
        raise ShapeError(f"scan: xs leaves and length disagree on the length: {sorted(lengths)}")
    n = lengths.pop()
    if n > MAX_UNROLL or n == 0:
        # a loop traces the body once, so a length-0 scan knows the stacked ys' shapes too
        return _scan_loop(f, init, leaves, xdef, n, bool(reverse))
    carry = init
    ys: list[Any] = [None] * n
    for i in reversed(range(n)) if reverse else range(n):
        x = _unflatten(xdef, [getitem(v, (i,)) if _is_traced(v) else v[i] for v in leaves])
        new, y = _abstract(f, carry, x)
        _check_carry("scan", carry, new)
        carry = _keep_dtype(carry, new)
        ys[i] = y
    first, ydef = _flatten(ys[0])
    cols = [_flatten(y)[0] for y in ys]
    stacked: list[Any] = []
    for j, leaf in enumerate(first):
        col = [c[j] for c in cols]
        if any(_is_traced(c) for c in col):
            stacked.append(stack(col, axis=0))
        else:
            stacked.append(np.stack([np.asarray(c) for c in col]))
        del leaf
    return carry, _unflatten(ydef, stacked)


@staged_export
def fori_loop(lower: Any, upper: Any, body_fun: Callable[[Any, Any], Any], init_val: Any) -> Any:
    """``jax.lax.fori_loop``: ``val = body_fun(i, val)`` for i in range; a traced bound
    (a traced Python int under ``jit``) makes it a ``while_loop``, as in JAX."""
    return _control.fori_loop(lower, upper, body_fun, init_val)


@staged_export
def while_loop(
    cond_fun: Callable[[Any], Any], body_fun: Callable[[Any], Any], init_val: Any
) -> Any:
    """``jax.lax.while_loop`` while the predicate is static (not traced); a traced predicate
    is refused (it needs a loop in the Plan)."""
    return _control.while_loop(cond_fun, body_fun, init_val)
