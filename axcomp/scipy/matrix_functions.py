"""``jax.scipy.linalg``'s Schur-based functions: ``schur``, ``hessenberg``, ``rsf2csf``,
``sqrtm`` (the Björck–Hammarling recurrence on the complex Schur form), ``funm``
(Parlett's recurrence, Golub and Van Loan's Algorithm 11.1.1) and ``solve_sylvester``
(Bartels–Stewart); and ``polar`` (from the SVD). The decompositions are
``lax/schur.py``'s. Both recurrences fill the triangular result one superdiagonal at a
time: every entry of superdiagonal ``p`` needs only the diagonals below it, so a step is
two matrix products over the matrix built so far (the entries of ``p`` still zero).

As in JAX, ``schur``, ``hessenberg``, ``sqrtm`` and ``funm`` define no derivative (JAX's
Schur primitive has none), ``sqrtm`` and ``funm`` take one matrix (``vmap`` maps them)
and return complex values; ``rsf2csf`` is differentiable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import primitives as ops
from ..errors import ArgumentTypeError, ArgumentValueError, ShapeError, UnsupportedError
from ..lax.schur import (
    complex_schur_form,
    hessenberg_reduce,
    refuse_derivative,
    schur_decomposition,
)
from ..primitives.control import fori_loop
from ..primitives.elementwise import where
from ..primitives.linalg import _prep
from ..primitives.linalg import solve as _linalg_solve
from ..primitives.linalg import svd as _linalg_svd
from ..primitives.order import diagonal
from ..tracing.build import Value, lift, trace_of
from ..tracing.tracer import Tracer
from ..transforms.jit import staged_export

ew = ops.elementwise


def _square(a: Value, what: str) -> Tracer:
    t = lift(a, trace_of((a,)))
    if t.dtype.kind not in "fc":
        raise ArgumentTypeError(
            f"{what} does not accept dtype {t.dtype.name}: floating or complex matrices only"
        )
    return _prep(t, what)


def _schur(t: Tracer, output: str) -> tuple[Tracer, Tracer]:
    if output not in ("real", "complex"):
        raise ArgumentValueError(
            f"schur: expected 'output' to be either 'real' or 'complex', got {output!r}"
        )
    if t.dtype.kind == "c":
        return schur_decomposition(t, False)
    tt, z = schur_decomposition(t, True)
    if output == "real":
        return tt, z
    # a real matrix's complex form from its real one: real arithmetic, then one Givens
    # rotation per 2x2 block (much faster than complex QR steps)
    return complex_schur_form(*_complex_pair(tt, z))


@staged_export
def schur(a: Value, output: str = "real") -> tuple[Tracer, Tracer]:
    """``jax.scipy.linalg.schur``: ``(T, Z)`` with ``a = Z T Z^H``, ``Z`` unitary and
    ``T`` upper triangular (``output='complex'``) or quasi-triangular with LAPACK's
    standard 2x2 blocks for complex pairs (``'real'``, for real ``a``), over ``(..., N,
    N)``."""
    return _schur(_square(a, "schur"), output)


@staged_export
def hessenberg(
    a: Value, *, calc_q: bool = False, overwrite_a: bool = False, check_finite: bool = True
) -> Any:
    """``jax.scipy.linalg.hessenberg``: the upper Hessenberg ``H`` with ``a = Q H Q^H``
    (``(H, Q)`` with ``calc_q``), LAPACK's Householder reduction (SciPy's ``H`` and
    ``Q``)."""
    t = _square(a, "hessenberg")
    h, q = hessenberg_reduce(ops.stop_gradient(t))
    h = refuse_derivative(h, t, "hessenberg")
    return (h, refuse_derivative(q, t, "hessenberg")) if calc_q else h


@staged_export
def rsf2csf(T: Value, Z: Value, check_finite: bool = True) -> tuple[Tracer, Tracer]:
    """``jax.scipy.linalg.rsf2csf``: the complex Schur form ``(T, Z)`` of a real one."""
    trace = trace_of((T, Z))
    tt, tz = lift(T, trace), lift(Z, trace)
    for name, x in (("T", tt), ("Z", tz)):
        if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
            raise ShapeError(f"rsf2csf: input {name!r} must be square, got shape {x.shape}")
    if tt.shape[-1] != tz.shape[-1]:
        raise ShapeError(f"rsf2csf: input array shapes must match: Z: {tz.shape} vs. T: {tt.shape}")
    dtype = np.result_type(tt.dtype, tz.dtype, np.complex64)
    batch = np.broadcast_shapes(tt.shape[:-2], tz.shape[:-2])
    tt = ops.broadcast_to(ops.astype(tt, dtype), batch + tt.shape[-2:])
    tz = ops.broadcast_to(ops.astype(tz, dtype), batch + tz.shape[-2:])
    return complex_schur_form(tt, tz)


def _superdiagonal(n: int, p: Any) -> Any:
    """The mask of superdiagonal ``p`` (static or traced)."""
    gap = np.arange(n)[None, :] - np.arange(n)[:, None]
    return ew("equal", gap, p) if isinstance(p, Tracer) else gap == p


def _matrix(a: Value, what: str) -> Tracer:
    t = _square(a, what)
    if t.ndim != 2:
        raise ShapeError(f"{what}: expected one square matrix (N, N), got shape {t.shape}")
    return t


def _back(z: Tracer, f: Tracer) -> Tracer:
    zh = ew("conjugate", ops.swapaxes(z, -1, -2))
    return ops.matmul(ops.matmul(z, f), zh)


@staged_export
def sqrtm(A: Value, blocksize: int = 1) -> Tracer:
    """``jax.scipy.linalg.sqrtm``: the principal square root, complex, by the Schur
    method of Björck and Hammarling (1983)."""
    if blocksize > 1:
        raise UnsupportedError("sqrtm: the blocked version is not implemented (nor in JAX)")
    t = _matrix(A, "sqrtm")
    tt, z = _schur(t, "complex")
    n = tt.shape[-1]
    root = ew("sqrt", diagonal(tt, axis1=-2, axis2=-1))
    eye = np.eye(n, dtype=bool)
    u = where(eye, ops.reshape(root, (1, n)), 0.0)
    denom = ew("add", ops.reshape(root, (n, 1)), ops.reshape(root, (1, n)))
    safe = where(ew("equal", denom, 0), 1.0, denom)

    def step(p: Any, u: Any) -> Any:
        s = ops.matmul(u, u)  # only the products through earlier superdiagonals
        value = where(ew("equal", tt, s), 0.0, ew("true_divide", ew("subtract", tt, s), safe))
        return where(_superdiagonal(n, p), value, u)

    u = fori_loop(1, n, step, u) if n > 1 else u
    return _back(z, u)


def _parlett(f: Tracer, t: Tracer) -> tuple[Tracer, Tracer]:
    """Parlett's recurrence: ``F`` upper triangular with ``F T = T F`` from its diagonal,
    and the smallest gap ``|T_jj - T_ii|`` it divided by (``|T_00|`` for one entry)."""
    n = t.shape[-1]
    d = diagonal(t, axis1=-2, axis2=-1)
    gap = ew("subtract", ops.reshape(d, (1, n)), ops.reshape(d, (n, 1)))
    safe = where(ew("equal", gap, 0), 1.0, gap)
    upper = np.triu(np.ones((n, n), bool), 1)
    smallest = ew("absolute", ops.reduce_sum(where(np.arange(n) == 0, d, 0)))  # |T_00|
    smallest = ew("minimum", smallest, ops.reduce("min", where(upper, ew("absolute", gap), np.inf)))

    def step(p: Any, f: Any) -> Any:
        num = ew("subtract", ops.matmul(t, f), ops.matmul(f, t))
        value = where(ew("equal", gap, 0), num, ew("true_divide", num, safe))
        return where(_superdiagonal(n, p), value, f)

    return (fori_loop(1, n, step, f) if n > 1 else f), smallest


def funm(A: Value, func: Callable[[Any], Any], disp: bool = True) -> Any:
    """``jax.scipy.linalg.funm``: ``func`` of the matrix ``A`` through its complex Schur
    form, ``func`` applied to the eigenvalues (a complex vector) and Parlett's recurrence
    above the diagonal; ``disp=False`` also returns the error estimate JAX computes."""
    return _funm(A, func, bool(disp))


def _funm_traced(A: Value, func: Callable[[Any], Any], disp: bool) -> Any:
    t = _matrix(A, "funm")
    tt, z = _schur(t, "complex")
    n = tt.shape[-1]
    values = lift(func(diagonal(tt, axis1=-2, axis2=-1)), trace_of((tt,)))
    if values.shape != (n,):
        raise ShapeError(
            f"funm: func must map the {n} eigenvalues to {n} values, got {values.shape}"
        )
    f = where(np.eye(n, dtype=bool), ops.reshape(ops.astype(values, tt.dtype), (1, n)), 0.0)
    f, smallest = _parlett(f, tt)
    out = _back(z, f)
    if disp:
        return out
    tol = (
        float(np.finfo(np.float64).eps)
        if out.dtype == np.complex128
        else float(np.finfo(np.float32).eps)
    )
    smallest = where(ew("equal", smallest, 0), tol, smallest)
    off = ops.reduce(
        "max",
        ops.reduce_sum(ew("absolute", where(np.triu(np.ones((n, n), bool), 1), tt, 0.0)), axis=0),
    )
    err = ew(
        "minimum", 1.0, ew("maximum", tol, ops.multiply(ew("true_divide", tol, smallest), off))
    )
    blown = ops.reduce("any", ew("isinf", out))
    return out, where(blown, np.inf, err)


def _complex_pair(t: Tracer, z: Tracer) -> tuple[Tracer, Tracer]:
    dtype = np.result_type(t.dtype, np.complex64)
    return ops.astype(t, dtype), ops.astype(z, dtype)


_funm = staged_export("funm", _funm_traced)


@staged_export
def solve_sylvester(
    A: Value, B: Value, C: Value, *, method: str = "schur", tol: float = 1e-8
) -> Tracer:
    """``jax.scipy.linalg.solve_sylvester``: ``X`` with ``A X + X B = C`` over ``(...,
    M, M), (..., N, N), (..., M, N)``, by Bartels–Stewart on the complex Schur forms
    ``A = U R U^H``, ``B = V T V^H``: ``R Y + Y T = U^H C V`` column by column, each a
    triangular system; NaN where an eigenvalue of ``A`` plus one of ``B`` is below ``tol``
    in magnitude (no unique solution), as JAX."""
    if method != "schur":
        if method == "eigen":
            raise UnsupportedError("solve_sylvester: method='eigen' is not supported by axcomp")
        raise ArgumentValueError(
            f'Unrecognized method {method}. The two valid methods are either "schur" or "eigen".'
        )
    trace = trace_of((A, B, C))
    ta, tb = (_square(lift(v, trace), "solve_sylvester") for v in (A, B))
    tc = lift(C, trace)
    m, n = tc.shape[-2:]
    if ta.shape[-2:] != (m, m) or tb.shape[-2:] != (n, n):
        raise ShapeError(
            f"Incompatible shapes for Sylvester equation:\nA: {ta.shape}\nB: {tb.shape}\n"
            f"C: {tc.shape}"
        )
    cdtype = np.result_type(ta.dtype, tb.dtype, tc.dtype, np.complex64)
    batch = np.broadcast_shapes(ta.shape[:-2], tb.shape[:-2], tc.shape[:-2])
    ta = ops.broadcast_to(ops.astype(ta, cdtype), batch + (m, m))
    tb = ops.broadcast_to(ops.astype(tb, cdtype), batch + (n, n))
    r, u = _schur(ta, "complex")
    t, v = _schur(tb, "complex")
    f = ops.matmul(_ct(u), ops.matmul(ops.astype(tc, cdtype), v))
    cols = np.arange(n)
    eye = np.eye(m, dtype=cdtype)
    t_diag = diagonal(t, axis1=-2, axis2=-1)
    r_diag = diagonal(r, axis1=-2, axis2=-1)

    def step(k: Any, y: Any) -> Any:
        at_k = ew("equal", cols, k) if isinstance(k, Tracer) else cols == k
        # f[:, k] minus the columns solved so far times T[:k, k] (columns >= k are zero)
        rhs = ops.reduce_sum(where(at_k, ew("subtract", f, ops.matmul(y, t)), 0), axis=-1)
        tkk = ops.reduce_sum(where(at_k, t_diag, 0), axis=-1)
        shifted = ew("add", r, ops.multiply(ops.reshape(tkk, tkk.shape + (1, 1)), eye))
        # a singular system gives NaN below; solve the identity instead of raising
        gaps = ew("absolute", ew("add", r_diag, ops.reshape(tkk, tkk.shape + (1,))))
        bad = ops.reduce("any", ew("less", gaps, tol), axis=-1)
        shifted = where(ops.reshape(bad, bad.shape + (1, 1)), eye, shifted)
        col = ops.reshape(_solve_vec(shifted, rhs), rhs.shape + (1,))
        return where(at_k, col, y)

    y = fori_loop(0, n, step, ops.multiply(f, 0.0))
    x = ops.matmul(u, ops.matmul(y, _ct(v)))
    if tc.dtype.kind != "c":
        x = ew("real", x)
    sums = ew(
        "add",
        ops.reshape(r_diag, r_diag.shape + (1,)),
        ops.reshape(t_diag, t_diag.shape[:-1] + (1, n)),
    )
    singular = ops.reduce(
        "any", ew("less", ew("absolute", sums), tol), axis=(-2, -1), keepdims=True
    )
    return where(singular, np.nan, x)


def _ct(x: Tracer) -> Tracer:
    return ew("conjugate", ops.swapaxes(x, -1, -2))


def _solve_vec(a: Tracer, b: Tracer) -> Tracer:
    """``a x = b`` for a stack of vectors ``b`` (..., m)."""
    x = _linalg_solve(a, ops.reshape(b, b.shape + (1,)))
    return ops.reshape(x, b.shape)


@staged_export
def polar(
    a: Value,
    side: str = "right",
    *,
    method: str = "qdwh",
    eps: float | None = None,
    max_iterations: int | None = None,
) -> tuple[Tracer, Tracer]:
    """``jax.scipy.linalg.polar``: ``(U, P)`` with ``a = U P`` (``side='right'``) or
    ``a = P U`` (``'left'``), ``U`` with orthonormal columns and ``P`` positive
    semidefinite, from the SVD ``a = W S V^H``: ``U = W V^H`` (the same factors JAX's QDWH
    iteration converges to; ``method`` is accepted, both give this)."""
    if side not in ("right", "left"):
        raise ArgumentValueError(f"polar: side must be 'right' or 'left', got {side!r}")
    if method not in ("qdwh", "svd"):
        raise ArgumentValueError(f"polar: unknown method {method!r}")
    t = _prep(lift(a, trace_of((a,))), "polar", square=False)
    if t.ndim != 2:
        raise ShapeError(f"polar: expected a matrix (M, N), got shape {t.shape}")
    w, s, vh = _linalg_svd(t, full_matrices=False)
    unitary = ops.matmul(w, vh)
    if side == "right":
        factor, factor_h = _ct(vh), vh
    else:
        factor, factor_h = w, _ct(w)
    posdef = ops.matmul(ops.multiply(factor, ops.reshape(s, (1, s.shape[-1]))), factor_h)
    return unitary, posdef
