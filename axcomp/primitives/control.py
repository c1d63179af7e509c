"""Control flow of ``jax.lax``: ``select``, ``cond``, ``switch``, ``fori_loop``, ``scan``,
``while_loop`` — built from existing primitives (``where``, ``getitem``, ``stack``), so
lowering, reverse mode and both backends come for free.

What each one does here (and how that differs from JAX in cost, never in value):

* ``select``/``cond``/``switch`` with a *traced* predicate or index (batched or not)
  evaluate every branch and pick the results with ``where``, as JAX does under ``vmap``.
  An unbatched traced predicate therefore also runs both branches (the Plan has no
  conditional statement); a static Python/NumPy predicate picks its branch at trace time,
  so only that branch is traced and run.
* ``fori_loop`` (static bounds) and ``scan`` (static length) are unrolled at trace time:
  the body is traced once per step, each step vectorized over every vmap level. Gradients
  follow from the unrolled graph. The Plan has no loop statement yet, so long loops make
  long programs (see ``MAX_UNROLL``).
* ``while_loop`` runs at trace time while its predicate is static (it does not depend on
  traced values); a traced predicate needs a loop in the Plan and is refused with
  ``UnsupportedError``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import IncompatibleShapesError, ShapeError, TracingError, UnsupportedError
from ..tracing.build import Value, lift, trace_of
from ..tracing.tracer import Tracer
from .api import export
from .elementwise import elementwise
from .indexing import getitem
from .shape import astype, stack

#: the most steps ``fori_loop``/``scan`` unroll into one program
MAX_UNROLL = 10_000


# --- tiny pytrees (tuple, list, dict in sorted key order, None) -------------------------


def _flatten(tree: Any) -> tuple[list[Any], Any]:
    if tree is None:
        return [], ("none",)
    if isinstance(tree, (tuple, list)) and not hasattr(tree, "_fields"):
        leaves: list[Any] = []
        defs = []
        for t in tree:
            lv, d = _flatten(t)
            leaves += lv
            defs.append((len(lv), d))
        return leaves, (type(tree), tuple(defs))
    if isinstance(tree, tuple):  # namedtuple
        lv, d = _flatten(tuple(tree))
        return lv, ("named", type(tree), d)
    if isinstance(tree, dict):
        keys = sorted(tree)
        lv, d = _flatten([tree[k] for k in keys])
        return lv, ("dict", tuple(keys), d)
    return [tree], ("leaf",)


def _unflatten(treedef: Any, leaves: Sequence[Any]) -> Any:
    tag = treedef[0]
    if tag == "none":
        return None
    if tag == "leaf":
        return leaves[0]
    if tag == "named":
        return treedef[1](*_unflatten(treedef[2], leaves))
    if tag == "dict":
        return dict(zip(treedef[1], _unflatten(treedef[2], leaves), strict=True))
    out, k = [], 0
    for n, d in treedef[1]:
        out.append(_unflatten(d, leaves[k : k + n]))
        k += n
    return tag(out)


def _structure(what: str, a: Any, b: Any) -> tuple[list[Any], list[Any], Any]:
    la, da = _flatten(a)
    lb, db = _flatten(b)
    if da != db:
        raise TracingError(f"{what}: the branches return different structures ({da} vs {db})")
    return la, lb, da


def _aval(v: Value) -> tuple[tuple[int, ...], np.dtype]:
    if isinstance(v, Tracer):
        return v.shape, v.dtype
    a = np.asarray(v)
    return a.shape, a.dtype


def _is_traced(v: Any) -> bool:
    return isinstance(v, Tracer)


# --- select, cond, switch ----------------------------------------------------------------


def _where(pred: Value, a: Value, b: Value) -> Any:
    if not (_is_traced(pred) or _is_traced(a) or _is_traced(b)):
        return np.where(pred, a, b)
    return elementwise("where", pred, a, b)


@export("lax", "select")
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


def _merge(what: str, pred: Value, a: Any, b: Any) -> Any:
    la, lb, d = _structure(what, a, b)
    out = []
    for x, y in zip(la, lb, strict=True):
        (xs, xd), (ys, yd) = _aval(x), _aval(y)
        if xs != ys or xd != yd:
            raise IncompatibleShapesError(
                f"{what}: branch outputs differ in shape or dtype: {xs} {xd} vs {ys} {yd}"
            )
        out.append(_where(pred, x, y))
    return _unflatten(d, out)


def _scalar_pred(what: str, pred: Value) -> None:
    shape, _ = _aval(pred)
    if shape != ():
        raise ShapeError(f"{what}: the predicate must be a scalar, got shape {shape}")


@export("lax", "cond")
def cond(
    pred: Value, true_fun: Callable[..., Any], false_fun: Callable[..., Any], *operands: Any
) -> Any:
    """``jax.lax.cond``: ``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``.

    A static predicate runs one branch; a traced one (batched or not) runs both and selects.
    """
    _scalar_pred("cond", pred)
    if not _is_traced(pred):
        return true_fun(*operands) if bool(np.asarray(pred)) else false_fun(*operands)
    t = lift(pred, trace_of((pred,)))
    p = t if t.dtype == np.bool_ else elementwise("not_equal", t, 0)
    return _merge("cond", p, true_fun(*operands), false_fun(*operands))


@export("lax", "switch")
def switch(index: Value, branches: Sequence[Callable[..., Any]], *operands: Any) -> Any:
    """``jax.lax.switch``: ``branches[clamp(index, 0, n - 1)](*operands)``."""
    n = len(branches)
    if n == 0:
        raise ValueError("switch: branches must be a non-empty sequence")
    _scalar_pred("switch", index)
    if not _is_traced(index):
        k = int(np.clip(np.asarray(index), 0, n - 1))
        return branches[k](*operands)
    t = lift(index, trace_of((index,)))
    if t.dtype.kind not in "iub":
        raise TracingError(f"switch: index must be an integer scalar, got dtype {t.dtype}")
    idx = elementwise("clip", astype(t, np.int64), 0, n - 1)
    results = [br(*operands) for br in branches]
    out = results[-1]
    for k in range(n - 2, -1, -1):
        out = _merge("switch", elementwise("equal", idx, k), results[k], out)
    return out


# --- loops ---------------------------------------------------------------------------------


def _static_int(what: str, v: Any) -> int:
    if _is_traced(v):
        raise UnsupportedError(
            f"{what}: loop bounds must be static ints (a traced bound needs a loop in the Plan)"
        )
    return int(v)


def _check_steps(what: str, n: int) -> None:
    if n > MAX_UNROLL:
        raise UnsupportedError(f"{what}: {n} steps exceed the unroll limit {MAX_UNROLL}")


def _check_carry(what: str, before: Any, after: Any) -> None:
    lb, db = _flatten(before)
    la, da = _flatten(after)
    if db != da:
        raise TracingError(f"{what}: the body changed the carry's structure ({db} -> {da})")
    for x, y in zip(lb, la, strict=True):
        (xs, xd), (ys, yd) = _aval(x), _aval(y)
        if xs != ys:
            raise IncompatibleShapesError(
                f"{what}: the body changed a carry's shape from {xs} to {ys}"
            )
        del xd, yd


def _keep_dtype(before: Any, after: Any) -> Any:
    lb, _ = _flatten(before)
    la, d = _flatten(after)
    out = []
    for x, y in zip(lb, la, strict=True):
        xd = _aval(x)[1]
        if _aval(y)[1] != xd:
            y = astype(y, xd) if _is_traced(y) else np.asarray(y).astype(xd)
        out.append(y)
    return _unflatten(d, out)


@export("lax", "fori_loop")
def fori_loop(lower: Any, upper: Any, body_fun: Callable[[Any, Any], Any], init_val: Any) -> Any:
    """``jax.lax.fori_loop`` with static bounds: ``val = body_fun(i, val)`` for i in range."""
    lo, hi = _static_int("fori_loop", lower), _static_int("fori_loop", upper)
    _check_steps("fori_loop", hi - lo)
    val = init_val
    for i in range(lo, hi):
        new = body_fun(i, val)
        _check_carry("fori_loop", val, new)
        val = _keep_dtype(val, new)
    return val


@export("lax", "scan")
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
            raise ValueError("scan: length must be given when xs is None")
        raise ShapeError(f"scan: xs leaves and length disagree on the length: {sorted(lengths)}")
    n = lengths.pop()
    _check_steps("scan", n)
    carry = init
    ys: list[Any] = [None] * n
    for i in reversed(range(n)) if reverse else range(n):
        x = _unflatten(xdef, [getitem(v, (i,)) if _is_traced(v) else v[i] for v in leaves])
        new, y = f(carry, x)
        _check_carry("scan", carry, new)
        carry = _keep_dtype(carry, new)
        ys[i] = y
    if n == 0:
        raise UnsupportedError("scan: a length-0 scan needs the body's output shapes")
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


@export("lax", "while_loop")
def while_loop(
    cond_fun: Callable[[Any], Any], body_fun: Callable[[Any], Any], init_val: Any
) -> Any:
    """``jax.lax.while_loop`` while the predicate is static (not traced); a traced predicate
    is refused (it needs a loop in the Plan)."""
    val = init_val
    for _ in range(MAX_UNROLL + 1):
        p = cond_fun(val)
        if _is_traced(p):
            raise UnsupportedError(
                "while_loop: the predicate depends on traced values; axcomp's Plan has no "
                "loop statement yet, so only predicates known at trace time are supported "
                "(use fori_loop or scan with a static trip count and lax.select to mask)"
            )
        if not bool(np.asarray(p)):
            return val
        new = body_fun(val)
        _check_carry("while_loop", val, new)
        val = _keep_dtype(val, new)
    raise UnsupportedError(f"while_loop: more than {MAX_UNROLL} iterations")
