"""LU with partial pivoting (``jax.lax.linalg.lu``), the factorisation NumPy lacks.

The value is Doolittle elimination written as a ``fori_loop`` over the columns (row
swaps and rank-one updates as masked, vectorized array operations, so a batch is one
loop; LAPACK's choices: the first largest pivot, a zero pivot leaves its column
unscaled). The loop is never differentiated: ``P A = L U`` gives the derivative in closed
form, ``X = L^-1 P dA U^-1``, ``dL = L tril(X, -1)``, ``dU = triu(X) U`` (two triangular
solves), carried by ``implicit._with_derivative`` (its transpose in reverse mode).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import primitives as ops
from ..errors import GradError, ShapeError
from ..primitives.control import fori_loop
from ..primitives.linalg import _prep, triangular_solve
from ..tracing.build import lift, trace_of
from ..tracing.tracer import Tracer
from .implicit import _with_derivative, linear_transpose

ew = ops.elementwise


def _cmp(fn: str, x: Any, j: Any) -> Any:
    """``x <fn> j`` for the loop's step ``j``: NumPy while it is a static int (unrolled)."""
    return ew(fn, x, j) if isinstance(j, Tracer) else getattr(np, fn)(x, j)


def _pick(x: Any, mask: Any, axis: int) -> Any:
    """The entries of ``x`` where the one-hot ``mask`` is set, along ``axis``."""
    return ops.reduce_sum(ops.where(mask, x, 0), axis=axis)


def _eliminate(a: Tracer) -> tuple[Tracer, Tracer, Tracer]:
    m, n = a.shape[-2:]
    k = min(m, n)
    rows, cols = np.arange(m), np.arange(n)
    rows_c = rows[:, None]

    def step(j: Any, state: Any) -> Any:
        lu, perm, piv = state
        col = _pick(lu, _cmp("equal", cols, j), -1)  # (..., m)
        cand = ops.where(_cmp("greater_equal", rows, j), ew("absolute", col), -1.0)
        p = _argmax(cand)
        at_j = _cmp("equal", rows, j)
        at_p = ew("equal", rows, ops.reshape(p, p.shape + (1,)))  # (..., m)
        row_j = _pick(lu, ops.reshape(at_j, (m, 1)), -2)  # (..., n)
        row_p = _pick(lu, ops.reshape(at_p, at_p.shape + (1,)), -2)
        col_at = ops.reshape(at_j, (m, 1))
        col_ap = ops.reshape(at_p, at_p.shape + (1,))
        row_j_b = ops.reshape(row_j, row_j.shape[:-1] + (1, n))
        row_p_b = ops.reshape(row_p, row_p.shape[:-1] + (1, n))
        lu = ops.where(col_at, row_p_b, ops.where(col_ap, row_j_b, lu))
        perm_j, perm_p = _pick(perm, at_j, -1), _pick(perm, at_p, -1)
        scalar = ops.reshape
        perm = ops.where(
            at_j,
            scalar(perm_p, perm_p.shape + (1,)),
            ops.where(at_p, scalar(perm_j, perm_j.shape + (1,)), perm),
        )
        piv = ops.where(_cmp("equal", np.arange(k), j), scalar(p, p.shape + (1,)), piv)
        # eliminate below the pivot (the swapped row j is row_p)
        pivot = _pick(row_p, _cmp("equal", cols, j), -1)
        col = _pick(lu, _cmp("equal", cols, j), -1)
        safe = ops.where(ew("equal", pivot, 0), 1.0, pivot)
        below = _cmp("greater", rows, j)
        scaled = ops.where(
            ew("logical_and", below, ew("not_equal", scalar(pivot, pivot.shape + (1,)), 0)),
            ew("true_divide", col, scalar(safe, safe.shape + (1,))),
            ops.where(below, col, 0.0),
        )
        right = ops.where(_cmp("greater", cols, j), row_p, 0.0)
        update = ops.multiply(
            ops.reshape(ops.where(below, scaled, 0.0), scaled.shape + (1,)),
            ops.reshape(right, right.shape[:-1] + (1, n)),
        )
        lu = ew("subtract", lu, update)
        here = _cmp("greater", rows_c, j) & _cmp("equal", cols, j)
        lu = ops.where(here, ops.reshape(scaled, scaled.shape + (1,)), lu)
        return lu, perm, piv

    lead = a.shape[:-2]
    perm0 = ops.broadcast_to(np.arange(m, dtype=np.int32), lead + (m,))
    piv0 = ops.broadcast_to(np.zeros(k, np.int32), lead + (k,))
    lu, perm, piv = fori_loop(0, k, step, (a, perm0, piv0))
    return lu, ops.astype(piv, np.int32), ops.astype(perm, np.int32)


def _argmax(x: Tracer) -> Tracer:
    return ops.astype(ops.reduce("argmax", x, axis=-1), np.int32)


def _permute_rows(x: Any, perm: Any) -> Any:
    """``x[perm]`` along the matrix rows, as a one-hot product (``perm`` is traced)."""
    m = x.shape[-2]
    onehot = ew("equal", ops.reshape(perm, perm.shape + (1,)), np.arange(m))
    return ops.matmul(ops.astype(onehot, x.dtype), x)


def lu(a: Any) -> tuple[Tracer, Tracer, Tracer]:
    """``jax.lax.linalg.lu``: ``(lu, pivots, permutation)`` with ``a[permutation] = L U``,
    ``L`` unit lower (below the diagonal of ``lu``), ``U`` upper (on and above it)."""
    t = _prep(a, "lu", square=False)
    if t.dtype.kind == "c":
        raise ShapeError("lu: complex matrices are not supported by axcomp")
    value, piv, perm = _eliminate(ops.stop_gradient(t))
    value = ops.stop_gradient(value)
    m, n = t.shape[-2:]
    square = np.tril(np.ones((m, m), bool), -1)
    lower = ew("add", ops.where(square, value, 0.0), np.eye(m, dtype=t.dtype)) if m == n else t
    upper = ops.where(~square, value, 0.0) if m == n else t

    def forward(da: Any) -> Any:
        if m != n:
            raise GradError(
                f"lu: derivatives of non-square matrices (shape {(m, n)}) are not supported "
                "by axcomp"
            )
        pda = _permute_rows(da, perm)
        x = triangular_solve(lower, pda, left_side=True, lower=True, unit_diagonal=True)
        x = triangular_solve(upper, x, left_side=False, lower=False)
        dl = ops.matmul(lower, ops.where(square, x, 0.0))
        du = ops.matmul(ops.where(~square, x, 0.0), upper)
        return ew("add", dl, du)

    def backward(g: Any) -> Any:
        return linear_transpose(forward, t)(g)[0]

    out = _with_derivative(value, t, forward, backward, "lu")
    return out, piv, perm


def pivots_to_permutation(pivots: Any, permutation_size: int) -> Tracer:
    """``jax.lax.linalg.lu_pivots_to_permutation``: the row order that the swaps
    ``i <-> pivots[i]`` make of ``arange(permutation_size)``."""
    piv = lift(pivots, trace_of((pivots,)))
    k = piv.shape[-1]
    rows = np.arange(permutation_size)

    def swap(i: Any, perm: Any) -> Any:
        p = _pick(piv, _cmp("equal", np.arange(k), i), -1)
        at_i = _cmp("equal", rows, i)
        at_p = ew("equal", rows, ops.reshape(p, p.shape + (1,)))
        perm_i, perm_p = _pick(perm, at_i, -1), _pick(perm, at_p, -1)
        col = perm_i.shape + (1,)
        return ops.where(
            at_i, ops.reshape(perm_p, col), ops.where(at_p, ops.reshape(perm_i, col), perm)
        )

    start = ops.broadcast_to(
        np.arange(permutation_size, dtype=np.int32), piv.shape[:-1] + rows.shape
    )
    return ops.astype(fori_loop(0, k, swap, start), np.int32)


def scipy_lu(a: Any, permute_l: bool = False) -> Any:
    """``jax.scipy.linalg.lu``: ``(p, l, u)`` with ``a = p @ l @ u`` (``(p @ l, u)`` with
    ``permute_l``)."""
    value, _, perm = lu(a)
    m, n = value.shape[-2:]
    k = min(m, n)
    lead = (slice(None),) * (value.ndim - 2)
    left = ops.getitem(value, (*lead, slice(None), slice(0, k)))
    top = ops.getitem(value, (*lead, slice(0, k), slice(None)))
    lower = ew("add", ops.where(np.tril(np.ones((m, k), bool), -1), left, 0.0), np.eye(m, k))
    upper = ops.where(np.triu(np.ones((k, n), bool)), top, 0.0)
    onehot = ew("equal", np.arange(m)[:, None], ops.reshape(perm, perm.shape[:-1] + (1, m)))
    p = ops.astype(onehot, value.dtype)
    return (ops.matmul(p, lower), upper) if permute_l else (p, lower, upper)


def lu_factor(a: Any) -> tuple[Tracer, Tracer]:
    """``jax.scipy.linalg.lu_factor``: ``(lu, pivots)``."""
    value, piv, _ = lu(a)
    return value, piv


def lu_solve(lu_value: Any, pivots: Any, b: Any, trans: int = 0) -> Tracer:
    """``jax.scipy.linalg.lu_solve`` on ``(lu, pivots)`` from ``lu_factor``: ``a x = b``
    (``trans`` 0), ``a^T x = b`` (1 or 2)."""
    if trans not in (0, 1, 2):
        raise ShapeError(f"lu_solve: trans must be 0, 1 or 2, got {trans!r}")
    t = _prep(lu_value, "lu_solve")
    piv = lift(pivots, t.trace)
    n = t.shape[-1]
    tb = _prep_rhs(b, t)
    vector = tb.ndim == 1
    if vector:
        tb = ops.reshape(tb, (n, 1))
    if tb.shape[-2] != n:
        raise ShapeError(
            f"lu_solve: b has shape {tb.shape}, incompatible with lu of shape {t.shape}"
        )
    perm = pivots_to_permutation(piv, n)
    onehot = ops.astype(
        ew("equal", ops.reshape(perm, perm.shape + (1,)), np.arange(n)), tb.dtype
    )  # row i picks row perm[i]
    if trans == 0:
        x = ops.matmul(onehot, tb)
        x = triangular_solve(t, x, left_side=True, lower=True, unit_diagonal=True)
        x = triangular_solve(t, x, left_side=True, lower=False)
    else:
        x = triangular_solve(t, tb, left_side=True, lower=False, transpose_a=True)
        x = triangular_solve(t, x, left_side=True, lower=True, transpose_a=True, unit_diagonal=True)
        x = ops.matmul(ops.swapaxes(onehot, -1, -2), x)
    return ops.reshape(x, x.shape[:-1]) if vector else x


def _prep_rhs(b: Any, like: Tracer) -> Tracer:
    tb = lift(b, like.trace)
    return ops.astype(tb, np.result_type(tb.dtype, like.dtype))
