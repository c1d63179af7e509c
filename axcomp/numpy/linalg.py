"""``axcomp.numpy.linalg``: ``jax.numpy.linalg``.

The factorizations and solvers (``cholesky``, ``inv``, ``solve``, ``eigh``, ``svd``,
``qr``, ``lstsq``...) call the builders of ``primitives/linalg.py`` (their primitives'
rules and ``scipy.linalg`` need them too); the rest (``eig``, ``eigvals``, ``eigvalsh``,
``svdvals``, ``matrix_rank``, ``cond``, ``multi_dot``, ``vector_norm``, ``matrix_norm``,
``tensorinv``, ``tensorsolve``) are built from those, so each differentiates through their
rules. On concrete arrays too, every function runs its traced program through ``jit``, so an
eager call gives what the same call inside a kernel gives and what JAX gives (NumPy's own
``eigh`` and ``cholesky`` read one triangle where JAX symmetrizes; its ``lstsq`` rank is
int32).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from ..core.dtype_promotion import to_inexact
from ..errors import ArgumentTypeError, IncompatibleShapesError, ShapeError
from ..errors import missing_attribute as _missing_attribute
from ..primitives import linalg as _linalg
from ..primitives.contraction import moveaxis
from ..primitives.elementwise import elementwise, where
from ..primitives.linalg import _node, _packed, _prep
from ..primitives.products import matmul
from ..primitives.reductions import reduce, reduce_sum
from ..primitives.shape import astype, reshape
from ..tracing.build import Value, lift, normalize_axis, trace_of
from ..tracing.tracer import Tracer
from .dispatch import staged_function
from .namespace import jnp as _jnp

LinAlgError = np.linalg.LinAlgError


@staged_function
def cholesky(a: Value) -> Tracer:
    """Lower Cholesky factor of the symmetrized ``(a + a^H) / 2`` (as ``jnp.linalg.cholesky``)."""
    return _linalg.cholesky(a)


@staged_function
def inv(a: Value) -> Tracer:
    """Inverse of each square matrix of ``a`` (stacked over leading axes)."""
    return _linalg.inv(a)


@staged_function
def det(a: Value) -> Tracer:
    """Determinant of each square matrix of ``a``."""
    return _linalg.det(a)


@staged_function
def slogdet(a: Value) -> tuple[Tracer, Tracer]:
    """``(sign, logabsdet)`` of each square matrix of ``a``."""
    return _linalg.slogdet(a)


@staged_function
def solve(a: Value, b: Value) -> Tracer:
    """Solve ``a @ x = b``; ``b`` is a vector only when 1-d (NumPy 2 and JAX)."""
    return _linalg.solve(a, b)


@staged_function
def eigh(a: Value, UPLO: str | None = None, symmetrize_input: bool = True) -> tuple[Tracer, Tracer]:
    """``(eigenvalues, eigenvectors)`` of each symmetric matrix, ascending. As
    ``jnp.linalg.eigh``, the input is symmetrized first (so ``UPLO`` does not matter)."""
    return _linalg.eigh(a, UPLO, symmetrize_input)


@staged_function
def svd(
    a: Value, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False
) -> Any:
    """``(U, S, Vh)`` of each matrix (``S`` alone with ``compute_uv=False``)."""
    return _linalg.svd(a, full_matrices, compute_uv, hermitian)


@staged_function
def qr(a: Value, mode: str = "reduced") -> tuple[Tracer, Tracer]:
    """``(Q, R)`` of each matrix, ``mode='reduced'`` only."""
    return _linalg.qr(a, mode)


@staged_function
def norm(x: Value, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tracer:
    """Vector or matrix norm, as ``numpy.linalg.norm`` (orders None/1/2/inf/-inf/0/p for
    vectors, fro/nuc/1/-1/2/-2/inf/-inf for matrices), in JAX's inexact dtype (float32
    from int32)."""
    return _linalg.norm(_inexact(x), ord, axis, keepdims)


def _inexact(x: Value) -> Tracer:
    # JAX's promote_dtypes_inexact: bools and integers of up to 32 bits as float32
    t = lift(x, trace_of((x,)))
    return astype(t, to_inexact(t.dtype))


@staged_function
def pinv(a: Value, rcond: Any = None, hermitian: bool = False, *, rtol: Any = None) -> Tracer:
    """Moore-Penrose pseudo-inverse from the reduced SVD; singular values at or below
    ``rtol * max(s)`` count as zero (NumPy's default ``rtol = max(m, n) * eps``)."""
    return _linalg.pinv(a, rcond, hermitian, rtol=rtol)


@staged_function
def lstsq(a: Value, b: Value, rcond: Any = None) -> tuple[Tracer, Tracer, Tracer, Tracer]:
    """``(x, residuals, rank, s)`` as ``jnp.linalg.lstsq``: residuals are always returned
    (the squared norm of ``b - a @ x`` per column)."""
    return _linalg.lstsq(a, b, rcond)


@staged_function
def matrix_power(a: Value, n: int) -> Tracer:
    """``a`` to the integer power ``n`` by repeated squaring (``inv`` first for n < 0)."""
    return _linalg.matrix_power(a, n)


@staged_function
def eigvalsh(a: Value, UPLO: str | None = "L", symmetrize_input: bool = True) -> Tracer:
    """Ascending eigenvalues of each symmetric matrix (``jnp.linalg.eigvalsh``)."""
    w, _ = _linalg.eigh(a, UPLO=UPLO, symmetrize_input=symmetrize_input)
    return w


@staged_function
def eig(a: Value) -> tuple[Tracer, Tracer]:
    """``(eigenvalues, right eigenvectors)`` of each square matrix, always complex (as
    ``jnp.linalg.eig``, which JAX computes on CPU only and does not differentiate here)."""
    w, v = _packed("eig", _prep(a, "eig"))
    return w, v


@staged_function
def eigvals(a: Value) -> Tracer:
    """The eigenvalues of each square matrix, complex (``jnp.linalg.eigvals``)."""
    return _node("eigvals", [_prep(a, "eigvals")])


@staged_function
def svdvals(x: Value) -> Tracer:
    """Singular values of each matrix, descending (``jnp.linalg.svdvals``)."""
    return cast(Tracer, _linalg.svd(x, compute_uv=False))  # (the values alone, not a tuple)


@staged_function
def matrix_rank(M: Value, rtol: Any = None, *, tol: Any = None) -> Tracer:
    """Number of singular values above ``rtol * max(s)`` (default ``max(m, n) * eps``, as
    NumPy and JAX); ``tol`` is an absolute threshold instead. Vectors: rank 1 unless zero."""
    t = lift(M, trace_of((M,)))
    if t.dtype.kind in "biu":
        t = astype(t, np.float64)
    if t.ndim < 2:
        return astype(reduce("max", elementwise("not_equal", t, 0)), np.int64)
    s = _linalg.svd(t, compute_uv=False)
    if tol is not None:
        cut: Any = tol
    else:
        rel = max(t.shape[-2:]) * float(np.finfo(t.dtype).eps) if rtol is None else rtol
        cut = elementwise("multiply", reduce("max", s, axis=-1, keepdims=True), rel)
    return reduce_sum(astype(elementwise("greater", s, cut), np.int64), axis=-1)


@staged_function
def cond(x: Value, p: Any = None) -> Tracer:
    """Condition number in the norm ``p`` (None/2/-2 from the singular values, otherwise
    ``norm(x, p) * norm(inv(x), p)``)."""
    t = _prep(x, "cond", square=p not in (None, 2, -2))
    if p in (None, 2, -2):
        s = _linalg.svd(t, compute_uv=False)
        big, small = reduce("max", s, axis=-1), reduce("min", s, axis=-1)
        return elementwise("true_divide", *((big, small) if p != -2 else (small, big)))
    r = elementwise(
        "multiply",
        _linalg.norm(t, ord=p, axis=(-2, -1)),
        _linalg.norm(_linalg.inv(t), ord=p, axis=(-2, -1)),
    )
    # a singular matrix has an infinite condition number, as in NumPy and JAX
    return where(elementwise("isnan", r), np.inf, r)


@staged_function
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


@staged_function
def vector_norm(x: Value, /, *, axis: Any = None, keepdims: bool = False, ord: Any = 2) -> Tracer:
    """The vector ``ord``-norm over ``axis`` (all axes by default, as one vector)."""
    t = lift(x, trace_of((x,)))
    axes = _axes(axis)
    if axes is None:
        out = _linalg.norm(reshape(t, (-1,)), ord=ord, axis=0)
        return reshape(out, (1,) * t.ndim) if keepdims else out
    if len(axes) == 1:
        return _linalg.norm(t, ord=ord, axis=axes[0], keepdims=keepdims)
    nd = t.ndim
    axes = tuple(a % nd for a in axes)
    rest = [i for i in range(nd) if i not in axes]
    moved = moveaxis(t, list(axes), list(range(nd - len(axes), nd)))
    flat = reshape(moved, tuple(t.shape[i] for i in rest) + (-1,))
    out = _linalg.norm(flat, ord=ord, axis=-1)
    if keepdims:
        out = reshape(out, tuple(1 if i in axes else n for i, n in enumerate(t.shape)))
    return out


@staged_function
def matrix_norm(x: Value, /, *, keepdims: bool = False, ord: Any = "fro") -> Tracer:
    """The matrix ``ord``-norm of each matrix of the stack (last two axes)."""
    t = _inexact(x)
    if t.ndim < 2:
        raise ShapeError(f"matrix_norm: x must be at least 2-d, got shape {t.shape}")
    return _linalg.norm(t, ord=ord, axis=(-2, -1), keepdims=keepdims)


@staged_function
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
    return reshape(_linalg.inv(reshape(t, (rows, cols))), t.shape[ind:] + t.shape[:ind])


@staged_function
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
    x = _linalg.solve(reshape(ta, (rows, cols)), reshape(tb, (rows,)))
    return reshape(x, out_shape)


# The array-API names of jnp.linalg: the namespace's functions over the last axes, with
# the stricter argument checks JAX's versions make.


@staged_function
def cross(x1: Value, x2: Value, /, *, axis: int = -1) -> Tracer:
    """Cross product of 3-vectors along ``axis`` (``jnp.linalg.cross``)."""
    trace = trace_of((x1, x2))
    a, b = lift(x1, trace), lift(x2, trace)
    na = a.shape[normalize_axis(axis, a.ndim, "axis")]
    nb = b.shape[normalize_axis(axis, b.ndim, "axis")]
    if na != 3 or nb != 3:
        raise ShapeError(
            "Both input arrays must be (arrays of) 3-dimensional vectors, but they have "
            f"x1.shape[axis]={na} and x2.shape[axis]={nb}"
        )
    return cast(Tracer, _jnp.cross(a, b, axis=axis))  # (_jnp is typed Any)


@staged_function
def outer(x1: Value, x2: Value, /) -> Tracer:
    """Outer product of two vectors (``jnp.linalg.outer``: 1-d inputs only)."""
    trace = trace_of((x1, x2))
    a, b = lift(x1, trace), lift(x2, trace)
    if a.ndim != 1 or b.ndim != 1:
        raise ShapeError(
            f"Input arrays must be one-dimensional, but they are x1.ndim={a.ndim} x2.ndim={b.ndim}"
        )
    return cast(Tracer, _jnp.outer(a, b))


def _at_least_2d(t: Tracer, what: str) -> None:
    if t.ndim < 2:
        raise ShapeError(
            f"{what} requires an array of at least two dimensions, got shape {t.shape}"
        )


@staged_function
def diagonal(x: Value, /, *, offset: int = 0) -> Tracer:
    """The ``offset`` diagonal of each matrix of ``x`` (its last two axes)."""
    t = lift(x, trace_of((x,)))
    _at_least_2d(t, "diagonal")
    return cast(Tracer, _jnp.diagonal(t, offset, axis1=-2, axis2=-1))


@staged_function
def matrix_transpose(x: Value, /) -> Tracer:
    """Each matrix of ``x`` transposed (its last two axes swapped)."""
    t = lift(x, trace_of((x,)))
    _at_least_2d(t, "matrix_transpose")
    return cast(Tracer, _jnp.matrix_transpose(t))


@staged_function
def trace(x: Value, /, *, offset: int = 0, dtype: Any = None) -> Tracer:
    """Sum of the ``offset`` diagonal of each matrix of ``x`` (its last two axes)."""
    t = lift(x, trace_of((x,)))
    _at_least_2d(t, "trace")
    return cast(Tracer, _jnp.trace(t, offset, axis1=-2, axis2=-1, dtype=dtype))


@staged_function
def tensordot(
    x1: Value,
    x2: Value,
    /,
    *,
    axes: Any = 2,
    precision: Any = None,
    preferred_element_type: Any = None,
) -> Tracer:
    """``jnp.tensordot`` with ``axes`` keyword-only."""
    out = _jnp.tensordot(
        x1, x2, axes, precision=precision, preferred_element_type=preferred_element_type
    )
    return cast(Tracer, out)


@staged_function
def vecdot(
    x1: Value,
    x2: Value,
    /,
    *,
    axis: int = -1,
    precision: Any = None,
    preferred_element_type: Any = None,
) -> Tracer:
    """Dot product of ``conj(x1)`` and ``x2`` along ``axis`` (the other axes broadcast)."""
    trace = trace_of((x1, x2))
    a, b = lift(x1, trace), lift(x2, trace)
    na = a.shape[normalize_axis(axis, a.ndim, "axis")]
    nb = b.shape[normalize_axis(axis, b.ndim, "axis")]
    if na != nb:
        raise ShapeError(f"axes must match; got shapes {a.shape} and {b.shape} with axis={axis}")
    out = _jnp.vecdot(a, b, axis=axis)
    if preferred_element_type is not None:
        out = _jnp.astype(out, preferred_element_type)
    return cast(Tracer, out)


__all__ = sorted(
    name
    for name, value in list(globals().items())
    if getattr(value, "__module__", None) == __name__
    and not name.startswith("_")
    and callable(value)
)

__getattr__ = _missing_attribute("axcomp.numpy.linalg", "jax.numpy.linalg", __all__)
