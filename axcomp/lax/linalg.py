"""``axcomp.lax.linalg`` (as ``jax.lax.linalg``): ``cholesky``, ``triangular_solve``,
``tridiagonal_solve``, ``qr``, ``eigh``, ``svd`` (compositions of the ``linalg`` primitive
of ``primitives/linalg.py``) and LU with partial pivoting, ``lu`` and
``lu_pivots_to_permutation``, the factorisation NumPy lacks.

LU's value is Doolittle elimination written as a ``fori_loop`` over the columns (row
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
from ..errors import GradError, IncompatibleShapesError, UnsupportedError
from ..errors import missing_function as _missing
from ..primitives import linalg as _linalg
from ..primitives.control import fori_loop
from ..primitives.elementwise import elementwise, where
from ..primitives.linalg import (
    _eye,
    _float,
    _mT,
    _node,
    _prep,
    _substitute,
    _sym,
    solve,
    tridiagonal_matrix,
)
from ..tracing.build import Value, lift, trace_of
from ..tracing.tracer import Tracer
from ..transforms.implicit import _with_derivative, linear_transpose
from ..transforms.jit import staged_export
from .schur import schur

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
        # LAPACK's pivot: the largest |x| (|Re x| + |Im x| for complex x, as izamax)
        size = ew("absolute", col)
        if col.dtype.kind == "c":
            size = ew("add", ew("absolute", ew("real", col)), ew("absolute", ew("imag", col)))
        cand = ops.where(_cmp("greater_equal", rows, j), size, -1.0)
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


@staged_export
def lu(a: Any) -> tuple[Tracer, Tracer, Tracer]:
    """``jax.lax.linalg.lu``: ``(lu, pivots, permutation)`` with ``a[permutation] = L U``,
    ``L`` unit lower (below the diagonal of ``lu``), ``U`` upper (on and above it)."""
    t = _prep(a, "lu", square=False)
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
        x = triangular_solve.traced(lower, pda, left_side=True, lower=True, unit_diagonal=True)
        x = triangular_solve.traced(upper, x, left_side=False, lower=False)
        dl = ops.matmul(lower, ops.where(square, x, 0.0))
        du = ops.matmul(ops.where(~square, x, 0.0), upper)
        return ew("add", dl, du)

    def backward(g: Any) -> Any:
        return linear_transpose(forward, t)(g)[0]

    out = _with_derivative(value, t, forward, backward, "lu")
    return out, piv, perm


@staged_export
def lu_pivots_to_permutation(pivots: Any, permutation_size: int) -> Tracer:
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


@staged_export
def cholesky(x: Value, symmetrize_input: bool = True) -> Tracer:
    """``jax.lax.linalg.cholesky``: the lower factor (of ``(x + x^H) / 2`` by default)."""
    t = _prep(x, "cholesky")
    return _node("cholesky", [_sym(t) if symmetrize_input else t])


@staged_export
def triangular_solve(
    a: Value,
    b: Value,
    left_side: bool = False,
    lower: bool = False,
    transpose_a: bool = False,
    conjugate_a: bool = False,
    unit_diagonal: bool = False,
) -> Tracer:
    """``jax.lax.linalg.triangular_solve``: ``op(a) @ x = b`` (``left_side``) or
    ``x @ op(a) = b``, reading only ``a``'s ``lower`` (or upper) triangle."""
    trace = trace_of((a, b))
    ta = _prep(a, "triangular_solve")
    tb = _float(lift(b, trace), "triangular_solve")
    n = ta.shape[-1]
    if tb.ndim < 2 or tb.shape[-2 if left_side else -1] != n:
        raise IncompatibleShapesError(
            f"triangular_solve: b has shape {tb.shape}, incompatible with a of shape "
            f"{ta.shape} (left_side={left_side})"
        )
    mask = np.tril(np.ones((n, n), bool), -1 if unit_diagonal else 0)
    if not lower:
        mask = mask.T
    # a Cholesky factor (or its transpose) is zero off its triangle already: no mask pass
    tri = ta if not unit_diagonal and _triangular_factor(ta) is lower else where(mask, ta, 0)
    if unit_diagonal:
        tri = elementwise("add", tri, _eye(n, tri.dtype))
    if conjugate_a and tri.dtype.kind == "c":
        tri = elementwise("conjugate", tri)
    low = lower
    if transpose_a:
        tri, low = _mT(tri), not low
    if left_side:
        return _substitute(tri, tb, low)
    # x @ A = b  <=>  A^T @ x^T = b^T
    return _mT(_substitute(_mT(tri), _mT(tb), not low))


def _triangular_factor(t: Tracer) -> bool | None:
    """True when ``t`` is a ``cholesky`` result (lower triangular, zeros above), False
    when it is one's transpose (upper), None otherwise."""
    node, upper = t.node, False
    if node.op.name == "einsum" and len(node.inputs) == 1:
        (sub,) = node.params.subscripts
        if len(set(sub)) < 2 or node.params.out != sub[:-2] + (sub[-1], sub[-2]):
            return None
        node, upper = node.inputs[0], True
    if node.op.name == "linalg" and node.params.fn == "cholesky" and node.params.pack < 0:
        return not upper
    return None


@staged_export
def tridiagonal_solve(dl: Value, d: Value, du: Value, b: Value) -> Tracer:
    """``jax.lax.linalg.tridiagonal_solve``: the system with diagonals ``dl`` (below,
    ``dl[..., 0]`` unused), ``d`` and ``du`` (above, ``du[..., -1]`` unused), each
    ``(..., m)``, and right-hand sides ``b`` of shape ``(..., m, n)``."""
    trace = trace_of((dl, d, du, b))
    tl, td, tu = (_float(lift(v, trace), "tridiagonal_solve") for v in (dl, d, du))
    tb = _float(lift(b, trace), "tridiagonal_solve")
    if td.ndim < 1 or tl.shape != td.shape or tu.shape != td.shape:
        raise IncompatibleShapesError(
            f"tridiagonal_solve: dl, d and du must have the same shape, got {tl.shape}, "
            f"{td.shape}, {tu.shape}"
        )
    if tb.ndim != td.ndim + 1 or tb.shape[:-1] != td.shape:
        raise IncompatibleShapesError(
            f"tridiagonal_solve: b must have shape {td.shape} + (n,), got {tb.shape}"
        )
    return solve(tridiagonal_matrix(tl, td, tu), tb)


@staged_export
def qr(x: Value, *, pivoting: bool = False, full_matrices: bool = True) -> Any:
    """``jax.lax.linalg.qr``: ``(q, r)``; ``full_matrices=True`` only where it equals the
    reduced factorisation (m <= n)."""
    t = _prep(x, "qr", square=False)
    if pivoting:
        raise UnsupportedError("lax.linalg.qr: pivoting=True is not supported by axcomp")
    if full_matrices and t.shape[-2] > t.shape[-1]:
        raise UnsupportedError(
            f"lax.linalg.qr: full_matrices=True of a tall matrix (shape {t.shape}) is not "
            "supported by axcomp; pass full_matrices=False"
        )
    return _linalg.qr(t)


@staged_export
def eigh(
    x: Value, *, lower: bool = True, symmetrize_input: bool = True, sort_eigenvalues: bool = True
) -> tuple[Tracer, Tracer]:
    """``jax.lax.linalg.eigh``: ``(v, w)`` (vectors first, as JAX's primitive)."""
    t = _prep(x, "eigh")
    t = _sym(t) if symmetrize_input else (t if lower else ops.swapaxes(t, -1, -2))
    w, v = _linalg.eigh(t, symmetrize_input=False)
    return v, w


@staged_export
def svd(x: Value, *, full_matrices: bool = True, compute_uv: bool = True) -> Any:
    """``jax.lax.linalg.svd``: ``(u, s, vh)``, or ``s`` with ``compute_uv=False``."""
    return _linalg.svd(x, full_matrices=full_matrices, compute_uv=compute_uv)


__all__ = [
    "cholesky",
    "eigh",
    "lu",
    "lu_pivots_to_permutation",
    "qr",
    "schur",
    "svd",
    "triangular_solve",
    "tridiagonal_solve",
]


def __getattr__(name: str) -> Any:
    """A jax.lax.linalg name axcomp lacks: ``MissingFunctionError`` (also an
    AttributeError) naming it and the nearest supported function."""
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise _missing("axcomp.lax.linalg", "jax.lax.linalg", name, __all__)
