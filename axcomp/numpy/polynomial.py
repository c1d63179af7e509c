"""Polynomials of ``jax.numpy``: ``polyval`` (Horner's scheme), ``polyadd``,
``polysub``, ``polymul``, ``polyder`` and ``polyint``."""

from __future__ import annotations

import builtins
import operator
from typing import Any

import numpy as np

from ..core import dtype_promotion as _promotion
from ..errors import ArgumentValueError, ConcretizationTypeError, ShapeError
from ..primitives.contraction import multiply
from ..primitives.elementwise import elementwise as _e
from ..primitives.indexing import getitem
from ..primitives.shape import astype, broadcast_to
from ..tracing.build import Value
from ..tracing.tracer import Tracer
from . import linalg as _linalg
from .dispatch import numpy_function
from .manipulation import unstack
from .namespace import as_float as _as_float
from .namespace import jnp as _jnp
from .namespace import traced as _traced
from .traced_values import lift_values as _lift


@numpy_function(promotes="operands")
def polyval(p: Value, x: Value) -> Tracer:
    """``numpy.polyval``: Horner's scheme over the (static number of) coefficients."""
    c, t = _lift(p, x)
    if c.ndim != 1:
        raise ShapeError(f"polyval: p must be 1-d, got shape {c.shape}")
    dtype = _promotion.result_type(c, t)  # JAX's: f32 coefficients at i32 points are f32
    y: Tracer = broadcast_to(np.zeros((), dtype), t.shape)
    y = astype(y, dtype)
    for j in range(c.shape[0]):
        y = _e("add", multiply(y, t), getitem(c, j))
    return astype(y, dtype)


def _pad_front(p: Any, n: int) -> Any:
    p = _jnp.atleast_1d(_jnp.asarray(p))
    extra = n - _jnp.shape(p)[0]
    return p if extra == 0 else _jnp.concatenate([np.zeros(extra, p.dtype), p], 0)


def polyadd(a1: Any, a2: Any) -> Any:
    n = builtins.max(_jnp.size(_jnp.atleast_1d(a1)), _jnp.size(_jnp.atleast_1d(a2)))
    return _jnp.add(_pad_front(a1, n), _pad_front(a2, n))


def polysub(a1: Any, a2: Any) -> Any:
    n = builtins.max(_jnp.size(_jnp.atleast_1d(a1)), _jnp.size(_jnp.atleast_1d(a2)))
    return _jnp.subtract(_pad_front(a1, n), _pad_front(a2, n))


def polymul(a1: Any, a2: Any, *, trim_leading_zeros: builtins.bool = False) -> Any:
    if trim_leading_zeros:
        if _traced(a1, a2):
            raise ConcretizationTypeError(
                "polymul: trim_leading_zeros=True has a data-dependent shape"
            )
        a1, a2 = np.trim_zeros(np.atleast_1d(a1), "f"), np.trim_zeros(np.atleast_1d(a2), "f")
    c1, c2 = _jnp.atleast_1d(a1), _jnp.atleast_1d(a2)
    dtype = _promotion.inexact_result(c1, c2)  # JAX's: promoted together, then inexact
    return _jnp.convolve(_jnp.astype(c1, dtype), _jnp.astype(c2, dtype))


def polyder(p: Any, m: int = 1) -> Any:
    if m < 0:
        raise ArgumentValueError("polyder: order of derivative must be positive")
    p = _as_float(_jnp.atleast_1d(_jnp.asarray(p)))  # JAX's result is inexact
    for _ in range(m):
        n = _jnp.shape(p)[0]
        p = _jnp.multiply(p[:-1], np.arange(n - 1, 0, -1))
    return p


def polyint(p: Any, m: int = 1, k: Any = None) -> Any:
    if m < 0:
        raise ArgumentValueError("polyint: order of integral must be positive")
    p = _jnp.atleast_1d(_jnp.asarray(p))
    # JAX promotes ``p`` with ``k`` (a weak 0 when absent): a bool ``p`` is float64
    k_like = k if k is None or isinstance(k, (int, float, complex)) else _jnp.asarray(k)
    p = _jnp.astype(p, _promotion.inexact_result(p, 0 if k_like is None else k_like))
    ks = np.zeros(m) if k is None else k
    ks = [ks] * m if _jnp.ndim(ks) == 0 else list(unstack(_jnp.asarray(ks)))
    if len(ks) != m:
        raise ShapeError("polyint: k must be a scalar or have length m")
    for i in range(m):
        n = _jnp.shape(p)[0]
        const = _jnp.astype(_jnp.reshape(_jnp.asarray(ks[i]), (1,)), p.dtype)
        p = _jnp.concatenate([_jnp.true_divide(p, np.arange(n, 0, -1)), const], 0)
    return p


def poly(seq_of_zeros: Any) -> Any:
    """The coefficients of the monic polynomial with roots ``seq_of_zeros`` (1-d), or
    with the eigenvalues of a square matrix as roots."""
    z = _jnp.asarray(seq_of_zeros)
    if _jnp.ndim(z) == 2:
        if _jnp.shape(z)[0] != _jnp.shape(z)[1]:
            raise ShapeError(f"poly: a 2-d input must be square, got shape {_jnp.shape(z)}")
        z = _linalg.eigvals(z)
    elif _jnp.ndim(z) > 1:
        raise ShapeError(f"poly: input must be 1d or a square 2d array, got shape {_jnp.shape(z)}")
    z = _as_float(_jnp.atleast_1d(z))
    a = np.ones(1, z.dtype)
    for k in range(_jnp.shape(z)[0]):
        a = _jnp.convolve(a, _jnp.stack([np.ones((), z.dtype), _jnp.negative(z[k])]))
    return a


def polydiv(u: Any, v: Any, *, trim_leading_zeros: builtins.bool = False) -> tuple[Any, Any]:
    """``(quotient, remainder)`` of ``u / v`` by long division; the remainder keeps
    ``u``'s length (leading zeros) unless ``trim_leading_zeros`` (concrete values only)."""
    num, den = _jnp.atleast_1d(u), _jnp.atleast_1d(v)
    dtype = _promotion.inexact_result(num, den)  # JAX's: promoted together, then inexact
    num, den = _jnp.astype(num, dtype), _jnp.astype(den, dtype)
    m, n = _jnp.shape(num)[0] - 1, _jnp.shape(den)[0] - 1
    scale = _jnp.true_divide(np.ones((), dtype), den[0])
    quotient = []
    r = num
    for k in range(m - n + 1):
        d = _jnp.multiply(scale, r[k])
        quotient.append(d)
        shifted = _jnp.concatenate(
            [np.zeros(k, dtype), _jnp.multiply(d, den), np.zeros(m - n - k, dtype)], 0
        )
        r = _jnp.subtract(r, shifted)
    q = _jnp.stack(quotient) if quotient else np.zeros(1, dtype)
    if trim_leading_zeros:
        if _traced(r):
            raise ConcretizationTypeError(
                "polydiv: trim_leading_zeros=True has a data-dependent shape"
            )
        tol = np.sqrt(np.finfo(dtype).eps)
        nz = np.flatnonzero(np.abs(np.asarray(r)) > tol)
        r = np.asarray(r)[nz[0] :] if nz.size else np.asarray(r)[:0]
    return q, r


def polyfit(
    x: Any,
    y: Any,
    deg: int,
    rcond: Any = None,
    full: builtins.bool = False,
    w: Any = None,
    cov: Any = False,
) -> Any:
    """Least-squares polynomial coefficients of degree ``deg`` (highest power first), by
    ``lstsq`` on the column-scaled Vandermonde matrix, as ``jnp.polyfit``."""
    deg = operator.index(deg)
    if deg < 0:
        raise ArgumentValueError("expected deg >= 0")
    xs, ys = _as_float(_jnp.asarray(x)), _as_float(_jnp.asarray(y))
    if _jnp.ndim(xs) != 1:
        raise ShapeError("expected 1D vector for x")
    if _jnp.size(xs) == 0:
        raise ShapeError("expected non-empty vector for x")
    if _jnp.ndim(ys) < 1 or _jnp.ndim(ys) > 2:
        raise ShapeError("expected 1D or 2D array for y")
    if _jnp.shape(xs)[0] != _jnp.shape(ys)[0]:
        raise ShapeError("expected x and y to have same length")
    order = deg + 1
    n = _jnp.shape(xs)[0]
    # static: lstsq's cutoff is part of the compiled program
    rc = float(n * np.finfo(np.result_type(xs.dtype, ys.dtype)).eps if rcond is None else rcond)
    lhs = _jnp.vander(xs, order)
    rhs = ys
    if w is not None:
        ws = _jnp.asarray(w)
        if _jnp.ndim(ws) != 1 or _jnp.shape(ws)[0] != n:
            raise ShapeError("expected a 1-d weight vector w of the same length as x")
        lhs = _jnp.multiply(lhs, ws[:, None])
        rhs = _jnp.multiply(rhs, ws if _jnp.ndim(rhs) == 1 else ws[:, None])
    scale = _jnp.sqrt(_jnp.sum(_jnp.multiply(lhs, lhs), axis=0))
    lhs = _jnp.true_divide(lhs, scale)
    c, resids, rank, s = _linalg.lstsq(lhs, rhs, rc)
    c = _jnp.true_divide(c, scale if _jnp.ndim(c) == 1 else scale[:, None])
    if full:
        return c, resids, rank, s, _jnp.asarray(rc)
    if not cov:
        return c
    base = _linalg.inv(_jnp.matmul(_jnp.transpose(lhs), lhs))
    base = _jnp.true_divide(base, _jnp.outer(scale, scale))
    if cov == "unscaled":
        fac: Any = 1.0
    else:
        if n <= order:
            raise ShapeError(
                "the number of data points must exceed order to scale the covariance matrix"
            )
        fac = _jnp.true_divide(_jnp.ravel(resids), n - order)[0]
    if _jnp.ndim(ys) == 1:
        return c, _jnp.multiply(base, fac)
    return c, _jnp.multiply(base[:, :, None], fac)


def roots(p: Any, *, strip_zeros: builtins.bool = True) -> Any:
    """The roots of the polynomial with coefficients ``p``: the eigenvalues of its
    companion matrix. ``strip_zeros`` drops leading zero coefficients (concrete ``p``
    only); without it, leading zeros give NaN roots, as JAX's."""
    c = _as_float(_jnp.atleast_1d(_jnp.asarray(p)))
    if _jnp.ndim(c) != 1:
        raise ShapeError("Input must be a rank-1 array.")
    cdtype = np.result_type(c.dtype, np.complex64)
    if strip_zeros:
        if _traced(c):
            raise ConcretizationTypeError(
                "roots: strip_zeros=True needs concrete coefficients; pass strip_zeros=False"
            )
        nz = np.flatnonzero(np.asarray(c) != 0)
        c = np.asarray(c)[nz[0] :] if nz.size else np.asarray(c)[:0]
    size = _jnp.shape(c)[0]
    if size < 2:
        return np.zeros(0, cdtype)
    below = np.eye(size - 1, k=-1, dtype=c.dtype)[1:]
    top = _jnp.true_divide(_jnp.negative(c[1:]), c[0])
    companion = _jnp.concatenate([top[None, :], below], 0)
    return _jnp.astype(_linalg.eigvals(companion), cdtype)
