"""``jax.scipy.linalg``'s Schur-based functions: ``schur``, ``hessenberg``, ``rsf2csf``,
``sqrtm`` (the Björck–Hammarling recurrence on the complex Schur form) and ``funm``
(Parlett's recurrence, Golub and Van Loan's Algorithm 11.1.1). The decompositions are
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
    real = output == "real" and t.dtype.kind == "f"
    if not real and t.dtype.kind == "f":
        t = ops.astype(t, np.result_type(t.dtype, np.complex64))
    return schur_decomposition(t, real)


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
    tr, zr = _schur(t, "real")
    tt, z = complex_schur_form(*_complex_pair(tr, zr))
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
