"""More ``jnp.linalg``: ``eig`` and ``eigvals`` (complex, no derivatives), ``eigvalsh``,
``svdvals``, ``matrix_rank``, ``cond``, ``multi_dot``, ``vector_norm``, ``matrix_norm``,
``tensorinv``, ``tensorsolve``, built from the functions of ``primitives/linalg.py`` (so
each differentiates through their rules)."""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentTypeError, IncompatibleShapesError, ShapeError
from ..tracing.build import Value, lift, trace_of
from ..tracing.tracer import Tracer
from .api import export
from .contraction import moveaxis
from .elementwise import elementwise, where
from .linalg import _node, _packed, _prep, eigh, inv, norm, solve, svd
from .products import matmul
from .reductions import reduce, reduce_sum
from .shape import astype, reshape


@export("linalg")
def eigvalsh(a: Value, UPLO: str | None = "L", symmetrize_input: bool = True) -> Tracer:
    """Ascending eigenvalues of each symmetric matrix (``jnp.linalg.eigvalsh``)."""
    w, _ = eigh(a, UPLO=UPLO, symmetrize_input=symmetrize_input)
    return w


@export("linalg")
def eig(a: Value) -> tuple[Tracer, Tracer]:
    """``(eigenvalues, right eigenvectors)`` of each square matrix, always complex (as
    ``jnp.linalg.eig``, which JAX computes on CPU only and does not differentiate here)."""
    w, v = _packed("eig", _prep(a, "eig"))
    return w, v


@export("linalg")
def eigvals(a: Value) -> Tracer:
    """The eigenvalues of each square matrix, complex (``jnp.linalg.eigvals``)."""
    return _node("eigvals", [_prep(a, "eigvals")])


@export("linalg")
def svdvals(x: Value) -> Tracer:
    """Singular values of each matrix, descending (``jnp.linalg.svdvals``)."""
    return svd(x, compute_uv=False)


@export("linalg")
def matrix_rank(M: Value, rtol: Any = None, *, tol: Any = None) -> Tracer:
    """Number of singular values above ``rtol * max(s)`` (default ``max(m, n) * eps``, as
    NumPy and JAX); ``tol`` is an absolute threshold instead. Vectors: rank 1 unless zero."""
    t = lift(M, trace_of((M,)))
    if t.dtype.kind in "biu":
        t = astype(t, np.float64)
    if t.ndim < 2:
        return astype(reduce("max", elementwise("not_equal", t, 0)), np.int64)
    s = svd(t, compute_uv=False)
    if tol is not None:
        cut: Any = tol
    else:
        rel = max(t.shape[-2:]) * float(np.finfo(t.dtype).eps) if rtol is None else rtol
        cut = elementwise("multiply", reduce("max", s, axis=-1, keepdims=True), rel)
    return reduce_sum(astype(elementwise("greater", s, cut), np.int64), axis=-1)


@export("linalg")
def cond(x: Value, p: Any = None) -> Tracer:
    """Condition number in the norm ``p`` (None/2/-2 from the singular values, otherwise
    ``norm(x, p) * norm(inv(x), p)``)."""
    t = _prep(x, "cond", square=p not in (None, 2, -2))
    if p in (None, 2, -2):
        s = svd(t, compute_uv=False)
        big, small = reduce("max", s, axis=-1), reduce("min", s, axis=-1)
        return elementwise("true_divide", *((big, small) if p != -2 else (small, big)))
    r = elementwise("multiply", norm(t, ord=p, axis=(-2, -1)), norm(inv(t), ord=p, axis=(-2, -1)))
    # a singular matrix has an infinite condition number, as in NumPy and JAX
    return where(elementwise("isnan", r), np.inf, r)


@export("linalg")
def multi_dot(arrays: Sequence[Value], *, precision: Any = None) -> Tracer:
    """``a @ b @ ...``; a 1-d first (last) array is a row (column) vector. The planner
    picks the contraction order."""
    items = list(arrays)
    if len(items) < 2:
        raise ShapeError(f"multi_dot: at least two arrays are needed, got {len(items)}")
    trace = trace_of(tuple(items))
    ts = [lift(a, trace) for a in items]
    for i, t in enumerate(ts):
        allowed = (1, 2) if i in (0, len(ts) - 1) else (2,)
        if t.ndim not in allowed:
            raise ShapeError(
                f"multi_dot: argument {i} has shape {t.shape}; only the first and last "
                "arrays may be 1-d, the others must be 2-d"
            )
    out = ts[0]
    for t in ts[1:]:
        out = matmul(out, t)
    return out


def _axes(axis: Any) -> tuple[int, ...] | None:
    if axis is None:
        return None
    raw = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    return tuple(operator.index(a) for a in raw)


@export("linalg")
def vector_norm(x: Value, /, *, axis: Any = None, keepdims: bool = False, ord: Any = 2) -> Tracer:
    """The vector ``ord``-norm over ``axis`` (all axes by default, as one vector)."""
    t = lift(x, trace_of((x,)))
    axes = _axes(axis)
    if axes is None:
        out = norm(reshape(t, (-1,)), ord=ord, axis=0)
        return reshape(out, (1,) * t.ndim) if keepdims else out
    if len(axes) == 1:
        return norm(t, ord=ord, axis=axes[0], keepdims=keepdims)
    nd = t.ndim
    axes = tuple(a % nd for a in axes)
    rest = [i for i in range(nd) if i not in axes]
    moved = moveaxis(t, list(axes), list(range(nd - len(axes), nd)))
    flat = reshape(moved, tuple(t.shape[i] for i in rest) + (-1,))
    out = norm(flat, ord=ord, axis=-1)
    if keepdims:
        out = reshape(out, tuple(1 if i in axes else n for i, n in enumerate(t.shape)))
    return out


@export("linalg")
def matrix_norm(x: Value, /, *, keepdims: bool = False, ord: Any = "fro") -> Tracer:
    """The matrix ``ord``-norm of each matrix of the stack (last two axes)."""
    t = lift(x, trace_of((x,)))
    if t.ndim < 2:
        raise ShapeError(f"matrix_norm: x must be at least 2-d, got shape {t.shape}")
    return norm(t, ord=ord, axis=(-2, -1), keepdims=keepdims)


@export("linalg")
def tensorinv(a: Value, ind: int = 2) -> Tracer:
    """The inverse of ``a`` as the linear map from its last ``a.ndim - ind`` axes to its first
    ``ind`` ones (``jnp.linalg.tensorinv``)."""
    t = lift(a, trace_of((a,)))
    ind = operator.index(ind)
    if ind <= 0:
        raise ShapeError(f"tensorinv: ind must be a positive integer, got {ind}")
    rows, cols = math.prod(t.shape[:ind]), math.prod(t.shape[ind:])
    if rows != cols:
        raise IncompatibleShapesError(
            f"tensorinv: a of shape {t.shape} with ind={ind} is not square ({rows} x {cols})"
        )
    return reshape(inv(reshape(t, (rows, cols))), t.shape[ind:] + t.shape[:ind])


@export("linalg")
def tensorsolve(a: Value, b: Value, axes: Any = None) -> Tracer:
    """``x`` with ``tensordot(a, x, x.ndim) == b`` (``jnp.linalg.tensorsolve``)."""
    trace = trace_of((a, b))
    ta, tb = lift(a, trace), lift(b, trace)
    if axes is not None:
        if isinstance(axes, Tracer):
            raise ArgumentTypeError("tensorsolve: axes must be static integers")
        moved = [operator.index(i) % ta.ndim for i in axes]
        ta = moveaxis(ta, moved, [ta.ndim - len(moved) + k for k in range(len(moved))])
    out_shape = ta.shape[tb.ndim :]
    rows, cols = math.prod(tb.shape), math.prod(out_shape)
    if ta.shape[: tb.ndim] != tb.shape or rows != cols:
        raise IncompatibleShapesError(
            f"tensorsolve: a of shape {ta.shape} does not map onto b of shape {tb.shape} "
            "as a square system"
        )
    x = solve(reshape(ta, (rows, cols)), reshape(tb, (rows,)))
    return reshape(x, out_shape)
