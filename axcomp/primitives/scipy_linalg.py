"""``jax.scipy.linalg`` and ``jax.lax.linalg``: compositions of the ``linalg`` primitive
(``primitives/linalg.py``) and the masks, transposes and solves around it.

JAX's conventions, which SciPy's differ from in places: ``cholesky``/``cho_factor`` read one
triangle only (``lower``, SciPy's default upper) and return the factor with the other
triangle zeroed; their derivative is taken with respect to the whole input (JAX's
``cholesky`` primitive with ``symmetrize_input=False``); ``solve_triangular`` reads one
triangle and its gradient is masked to it; ``eigh`` symmetrizes its input;
``solve(assume_a='pos')`` reads one triangle for its value and differentiates through the
whole matrix, as JAX's ``custom_linear_solve`` does. Every triangular system is solved
with NumPy's ``solve`` on the masked factor (NumPy has no triangular solver): O(n^3), and
no explicit inverse is ever formed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import IncompatibleShapesError, ShapeError, UnsupportedError
from ..tracing.build import Value, lift, trace_of
from ..tracing.tracer import Tracer
from .api import export
from .contraction import multiply, swapaxes
from .elementwise import elementwise, where
from .gradients import stop_gradient
from .indexing import getitem
from .linalg import (
    _float,
    _prep,
    _sym,
    det,
    eigh,
    inv,
    qr,
    svd,
    triangular_solve,
    tridiagonal_matrix,
)
from .linalg import lax_cholesky as _lax_cholesky
from .linalg import solve as _solve
from .order import pad
from .shape import astype, concatenate, reshape


def _mT(x: Tracer) -> Tracer:
    return swapaxes(x, -1, -2)


def _symmetric_from(a: Tracer, lower: bool) -> Tracer:
    """The symmetric matrix that ``a``'s ``lower`` (or upper) triangle defines."""
    n = a.shape[-1]
    strict = np.tril(np.ones((n, n), bool), -1)
    t = a if lower else _mT(a)
    return where(strict, t, where(strict.T, _mT(t), t))


@export("scipy_linalg", "cholesky")
def cholesky(
    a: Value, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True
) -> Tracer:
    """``jax.scipy.linalg.cholesky``: the ``lower`` (default upper) factor, reading only
    that triangle of ``a``."""
    t = _prep(a, "cholesky")
    if lower:
        return _lax_cholesky(t, symmetrize_input=False)
    return _mT(_lax_cholesky(_mT(t), symmetrize_input=False))


@export("scipy_linalg", "cho_factor")
def cho_factor(
    a: Value, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True
) -> tuple[Tracer, bool]:
    """``jax.scipy.linalg.cho_factor``: ``(c, lower)``, ``c`` the factor of ``cholesky``."""
    return cholesky(a, lower=lower), bool(lower)


def _solve_shapes(what: str, ta: Tracer, tb: Tracer) -> bool:
    """Check ``a @ x = b`` shapes; True when ``b`` is one vector (``b.ndim == 1``)."""
    n = ta.shape[-1]
    if tb.ndim == 1:
        if tb.shape[0] != n:
            raise IncompatibleShapesError(
                f"{what}: b has shape {tb.shape}, incompatible with a of shape {ta.shape}"
            )
        return True
    if tb.ndim < 1 or tb.shape[-2] != n:
        raise IncompatibleShapesError(
            f"{what}: b has shape {tb.shape}, incompatible with a of shape {ta.shape}"
        )
    return False


def _operands(what: str, a: Value, b: Value) -> tuple[Tracer, Tracer, bool]:
    trace = trace_of((a, b))
    ta = _prep(a, what)
    tb = _float(lift(b, trace), what)
    vector = _solve_shapes(what, ta, tb)
    dtype = np.result_type(ta.dtype, tb.dtype)
    ta, tb = astype(ta, dtype), astype(tb, dtype)
    if vector:
        tb = reshape(tb, (tb.shape[0], 1))
    return ta, tb, vector


def _column(x: Tracer, vector: bool) -> Tracer:
    return reshape(x, x.shape[:-1]) if vector else x


@export("scipy_linalg", "cho_solve")
def cho_solve(
    c_and_lower: tuple[Value, bool], b: Value, overwrite_b: bool = False, check_finite: bool = True
) -> Tracer:
    """``jax.scipy.linalg.cho_solve``: solve ``A x = b`` from ``cho_factor(A)``, two
    triangular solves with the factor."""
    try:
        c, lower = c_and_lower
    except (TypeError, ValueError):
        raise ShapeError(
            "cho_solve: c_and_lower must be the pair (c, lower) that cho_factor returns"
        ) from None
    tc, tb, vector = _operands("cho_solve", c, b)
    low = bool(lower)
    y = triangular_solve(tc, tb, left_side=True, lower=low, transpose_a=not low)
    x = triangular_solve(tc, y, left_side=True, lower=low, transpose_a=low)
    return _column(x, vector)


_TRANS = {0: False, "N": False, 1: True, "T": True, 2: True, "C": True}


@export("scipy_linalg", "solve_triangular")
def solve_triangular(
    a: Value,
    b: Value,
    trans: int | str = 0,
    lower: bool = False,
    unit_diagonal: bool = False,
    overwrite_b: bool = False,
    debug: Any = None,
    check_finite: bool = True,
) -> Tracer:
    """``jax.scipy.linalg.solve_triangular``: ``op(a) x = b`` reading only ``a``'s
    ``lower`` (default upper) triangle; ``trans`` 0/'N', 1/'T' or 2/'C'."""
    if trans not in _TRANS:
        raise ShapeError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', got {trans!r}")
    ta, tb, vector = _operands("solve_triangular", a, b)
    x = triangular_solve(
        ta,
        tb,
        left_side=True,
        lower=bool(lower),
        transpose_a=_TRANS[trans],
        conjugate_a=trans in (2, "C"),
        unit_diagonal=bool(unit_diagonal),
    )
    return _column(x, vector)


@export("scipy_linalg", "solve")
def solve(
    a: Value,
    b: Value,
    lower: bool = False,
    overwrite_a: bool = False,
    overwrite_b: bool = False,
    debug: bool = False,
    check_finite: bool = True,
    assume_a: str = "gen",
) -> Tracer:
    """``jax.scipy.linalg.solve``: ``a @ x = b``. With ``assume_a='pos'`` the value reads
    ``a``'s ``lower`` (default upper) triangle and the derivative the whole ``a``, as JAX's
    ``custom_linear_solve`` with a Cholesky solve."""
    if assume_a not in ("gen", "sym", "her", "pos"):
        raise ShapeError(f"solve: assume_a must be 'gen', 'sym', 'her' or 'pos', got {assume_a!r}")
    if assume_a != "pos":
        return _solve(a, b)
    ta, tb, vector = _operands("solve", a, b)
    # value: the symmetric matrix of one triangle; tangent: that of a itself
    full = elementwise(
        "add", ta, stop_gradient(elementwise("subtract", _symmetric_from(ta, bool(lower)), ta))
    )
    return _column(_solve(full, tb), vector)


@export("scipy_linalg", "inv")
def _inv(a: Value, overwrite_a: bool = False, check_finite: bool = True) -> Tracer:
    """``jax.scipy.linalg.inv``: the inverse of each square matrix."""
    return inv(a)


@export("scipy_linalg", "det")
def _det(a: Value, overwrite_a: bool = False, check_finite: bool = True) -> Tracer:
    """``jax.scipy.linalg.det``: the determinant of each square matrix."""
    return det(a)


@export("scipy_linalg", "svd")
def _svd(
    a: Value,
    full_matrices: bool = True,
    compute_uv: bool = True,
    overwrite_a: bool = False,
    check_finite: bool = True,
    lapack_driver: str = "gesdd",
) -> Any:
    """``jax.scipy.linalg.svd``: ``(U, s, Vh)``, or ``s`` alone with ``compute_uv=False``."""
    return svd(a, full_matrices=full_matrices, compute_uv=compute_uv)


@export("scipy_linalg", "qr")
def _qr(
    a: Value,
    overwrite_a: bool = False,
    lwork: Any = None,
    mode: str = "full",
    pivoting: bool = False,
    check_finite: bool = True,
) -> Any:
    """``jax.scipy.linalg.qr``: ``(Q, R)`` (``mode`` 'full' or 'economic'; 'full' only
    where it equals 'economic', m <= n) or ``(R,)`` for ``mode='r'``."""
    if pivoting:
        raise UnsupportedError("qr: pivoting=True is not supported by axcomp")
    if mode not in ("full", "economic", "r"):
        raise ShapeError(f"qr: mode must be 'full', 'r' or 'economic', got {mode!r}")
    t = _prep(a, "qr", square=False)
    m, n = t.shape[-2:]
    if mode == "full" and m > n:
        raise UnsupportedError(
            f"qr: mode='full' of a tall matrix (shape {t.shape}) needs the complete Q, which "
            "axcomp does not compute; use mode='economic'"
        )
    q, r = qr(t)
    return (r,) if mode == "r" else (q, r)


@export("scipy_linalg", "eigh")
def _eigh(
    a: Value,
    b: Value | None = None,
    lower: bool = True,
    eigvals_only: bool = False,
    overwrite_a: bool = False,
    overwrite_b: bool = False,
    turbo: bool = True,
    eigvals: None = None,
    type: int = 1,
    check_finite: bool = True,
) -> Any:
    """``jax.scipy.linalg.eigh``: ascending eigenvalues (and eigenvectors). As JAX (whose
    ``lax.linalg.eigh`` symmetrizes by default), the input is symmetrized, ``(a + a^H) / 2``,
    so ``lower`` does not matter; ``b`` must be None."""
    if b is not None:
        raise UnsupportedError("eigh: only the standard problem (b=None) is supported, as in JAX")
    if eigvals is not None:
        raise UnsupportedError("eigh: eigvals != None is not supported, as in JAX")
    w, v = eigh(_prep(a, "eigh"))
    return w if eigvals_only else (w, v)


@export("scipy_linalg", "eigh_tridiagonal")
def eigh_tridiagonal(
    d: Value,
    e: Value,
    *,
    eigvals_only: bool = False,
    select: str = "a",
    select_range: Any = None,
    tol: Any = None,
) -> Any:
    """``jax.scipy.linalg.eigh_tridiagonal``: the eigenvalues (ascending) and eigenvectors
    of the symmetric tridiagonal matrix with diagonal ``d`` (n) and off-diagonal ``e``
    (n - 1); ``select='i'`` keeps indices ``select_range[0] ..= select_range[1]``. Solved as
    a dense ``eigh``, so it is differentiable in both modes (JAX's bisection is not in
    reverse mode)."""
    trace = trace_of((d, e))
    td = _float(lift(d, trace), "eigh_tridiagonal")
    te = astype(_float(lift(e, trace), "eigh_tridiagonal"), td.dtype)
    if td.ndim != 1 or te.ndim != 1 or te.shape[0] != max(td.shape[0] - 1, 0):
        raise ShapeError(
            f"eigh_tridiagonal: d must be 1-d (n,) and e (n - 1,), got {td.shape} and {te.shape}"
        )
    if select == "v":
        raise UnsupportedError("eigh_tridiagonal(..., select='v') is not implemented, as in JAX")
    if select not in ("a", "i"):
        raise ShapeError(f"eigh_tridiagonal: select must be 'a', 'i' or 'v', got {select!r}")
    zero = reshape(multiply(getitem(td, (slice(0, 1),)), 0.0), (1,))
    low = concatenate([zero, te], axis=0)
    high = concatenate([te, zero], axis=0)
    w, v = eigh(tridiagonal_matrix(low, td, high), symmetrize_input=False)
    if select == "i":
        if select_range is None:
            raise ShapeError("eigh_tridiagonal: select='i' needs select_range")
        lo, hi = (int(k) for k in select_range)
        if hi < lo:
            raise ShapeError(f"eigh_tridiagonal: empty index range {select_range}")
        w, v = getitem(w, (slice(lo, hi + 1),)), getitem(v, (slice(None), slice(lo, hi + 1)))
    return w if eigvals_only else (w, v)


@export("scipy_linalg", "block_diag")
def block_diag(*arrs: Value) -> Tracer:
    """``jax.scipy.linalg.block_diag``: the arrays (0-d to 2-d) on the diagonal of one
    matrix, zeros elsewhere."""
    trace = trace_of(arrs)
    ts = [lift(a, trace) for a in arrs] or [lift(np.zeros((1, 0)), trace)]
    for i, t in enumerate(ts):
        if t.ndim > 2:
            raise ShapeError(
                "block_diag: arguments must have at most 2 dimensions, got shape "
                f"{t.shape} at argument {i}"
            )
    dtype = np.result_type(*[t.dtype for t in ts])
    blocks = [reshape(astype(t, dtype), (1,) * (2 - t.ndim) + t.shape) for t in ts]
    width = sum(t.shape[1] for t in blocks)
    rows, left = [], 0
    for t in blocks:
        c = t.shape[1]
        rows.append(pad(t, ((0, 0), (left, width - left - c))))
        left += c
    return concatenate(rows, axis=0)


# ---------------------------------------------------------------- jax.lax.linalg


@export("lax", "linalg_qr")
def lax_qr(x: Value, *, pivoting: bool = False, full_matrices: bool = True) -> Any:
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
    return qr(t)


@export("lax", "linalg_eigh")
def lax_eigh(
    x: Value, *, lower: bool = True, symmetrize_input: bool = True, sort_eigenvalues: bool = True
) -> tuple[Tracer, Tracer]:
    """``jax.lax.linalg.eigh``: ``(v, w)`` (vectors first, as JAX's primitive)."""
    t = _prep(x, "eigh")
    t = _sym(t) if symmetrize_input else (t if lower else _mT(t))
    w, v = eigh(t, symmetrize_input=False)
    return v, w


@export("lax", "linalg_svd")
def lax_svd(x: Value, *, full_matrices: bool = True, compute_uv: bool = True) -> Any:
    """``jax.lax.linalg.svd``: ``(u, s, vh)``, or ``s`` with ``compute_uv=False``."""
    return svd(x, full_matrices=full_matrices, compute_uv=compute_uv)
