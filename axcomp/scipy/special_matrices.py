"""``jax.scipy.linalg``'s structured matrices (SciPy's ``_special_matrices``): ``toeplitz``,
``hankel``, ``circulant``, ``companion``, ``leslie``, ``fiedler``, ``fiedler_companion``
and ``convolution_matrix`` from their vectors (over leading batch axes, as JAX vectorises
them), each one gather of the vector with a static index matrix (and a mask where
entries are zero); ``hilbert``, ``invhilbert``, ``helmert``, ``hadamard`` and ``dft`` of
an order ``n``, built once in NumPy (``invhilbert`` from exact integer binomials)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import primitives as ops
from ..errors import ArgumentValueError, ShapeError
from ..primitives.elementwise import where
from ..primitives.gathers import take_clamped
from ..primitives.shape import astype, concatenate, reshape
from ..tracing.build import Value, lift, trace_of
from ..tracing.tracer import Tracer
from ..transforms.jit import staged_export

ew = ops.elementwise


def _vector(v: Value, what: str) -> Tracer:
    t = lift(v, trace_of((v,)))
    return reshape(t, (1,)) if t.ndim == 0 else t


def _gather(v: Tracer, index: np.ndarray, mask: np.ndarray | None = None) -> Tracer:
    """``v[..., index]`` (``index`` a static int matrix), zero where ``mask`` is False."""
    out = take_clamped(v, np.clip(index, 0, v.shape[-1] - 1), -1)
    return out if mask is None else where(mask, out, 0)


def _pair(c: Tracer, r: Tracer) -> tuple[Tracer, Tracer]:
    dtype = np.result_type(c.dtype, r.dtype)
    batch = np.broadcast_shapes(c.shape[:-1], r.shape[:-1])
    return (
        ops.broadcast_to(astype(c, dtype), batch + c.shape[-1:]),
        ops.broadcast_to(astype(r, dtype), batch + r.shape[-1:]),
    )


@staged_export
def toeplitz(c: Value, r: Value = None) -> Tracer:
    """``jax.scipy.linalg.toeplitz``: first column ``c``, first row ``r`` (default
    ``conj(c)``; ``r[0]`` is ignored)."""
    tc = _vector(c, "toeplitz")
    tr = ew("conjugate", tc) if r is None else _vector(r, "toeplitz")
    tc, tr = _pair(tc, tr)
    m, n = tc.shape[-1], tr.shape[-1]
    elems = concatenate([_gather(tc, np.arange(m - 1, -1, -1)), _gather(tr, np.arange(1, n))], -1)
    return _gather(elems, (m - 1) - np.arange(m)[:, None] + np.arange(n)[None, :])


@staged_export
def hankel(c: Value, r: Value = None) -> Tracer:
    """``jax.scipy.linalg.hankel``: first column ``c``, last row ``r`` (default zeros;
    ``r[0]`` is ignored)."""
    tc = _vector(c, "hankel")
    tr = ops.multiply(tc, 0) if r is None else _vector(r, "hankel")
    tc, tr = _pair(tc, tr)
    m, n = tc.shape[-1], tr.shape[-1]
    elems = concatenate([tc, _gather(tr, np.arange(1, n))], axis=-1)
    return _gather(elems, np.arange(m)[:, None] + np.arange(n)[None, :])


@staged_export
def circulant(c: Value) -> Tracer:
    """``jax.scipy.linalg.circulant``: each column ``c`` rolled down by its index."""
    tc = _vector(c, "circulant")
    n = tc.shape[-1]
    return _gather(tc, (np.arange(n)[:, None] - np.arange(n)[None, :]) % n)


@staged_export
def companion(a: Value) -> Tracer:
    """``jax.scipy.linalg.companion``: the companion matrix of the polynomial ``a``
    (highest degree first): first row ``-a[1:] / a[0]``, ones below the diagonal."""
    t = _vector(a, "companion")
    n = t.shape[-1]
    if n < 2:
        raise ShapeError("companion: the length of `a` must be at least 2")
    t = t if t.dtype.kind in "fc" else astype(t, np.float64)
    first = ew("negative", ew("true_divide", _gather(t, np.arange(1, n)), _gather(t, np.arange(1))))
    rows = np.arange(n - 1)
    top = _gather(first, np.broadcast_to(rows[None, :], (n - 1, n - 1)), rows[:, None] == 0)
    return where(rows[:, None] == rows[None, :] + 1, 1, top)


@staged_export
def leslie(f: Value, s: Value) -> Tracer:
    """``jax.scipy.linalg.leslie``: fecundities ``f`` in the first row, survival
    coefficients ``s`` on the subdiagonal."""
    tf, ts = _pair(_vector(f, "leslie"), _vector(s, "leslie"))
    n = tf.shape[-1]
    if ts.shape[-1] != n - 1:
        raise ShapeError(f"leslie: s must have length {n - 1} (len(f) - 1), got {ts.shape[-1]}")
    rows, cols = np.arange(n)[:, None], np.arange(n)[None, :]
    top = _gather(tf, np.broadcast_to(cols, (n, n)), rows == 0)
    sub = _gather(ts, np.broadcast_to(cols, (n, n)), rows == cols + 1)
    return ew("add", top, sub)


@staged_export
def fiedler(a: Value) -> Tracer:
    """``jax.scipy.linalg.fiedler``: ``|a[i] - a[j]|``."""
    t = _vector(a, "fiedler")
    n = t.shape[-1]
    rows = _gather(t, np.broadcast_to(np.arange(n)[:, None], (n, n)))
    return ew("absolute", ew("subtract", rows, ops.swapaxes(rows, -1, -2)))


@staged_export
def fiedler_companion(a: Value) -> Tracer:
    """``jax.scipy.linalg.fiedler_companion``: the pentadiagonal Fiedler companion matrix
    of the polynomial ``a`` (highest degree first), normalised by ``a[0]``."""
    t = _vector(a, "fiedler_companion")
    t = t if t.dtype.kind in "fc" else astype(t, np.float64)
    n = t.shape[-1] - 1
    if n < 0:
        raise ShapeError("fiedler_companion: `a` must have at least one entry")
    t = ew("true_divide", t, _gather(t, np.zeros(1, np.int64)))
    i, j = np.arange(n)[:, None], np.arange(n)[None, :]
    even = i % 2 == 0
    # -a[idx] where ``neg``, 1 where ``one`` (SciPy's layout)
    neg_idx = np.where(j == i + 1, i + 2, np.where(j == i - 1, i + 1, 1))
    neg = (even & (j == i + 1)) | (even & (i >= 2) & (j == i - 1)) | ((i == 0) & (j == 0))
    one = (even & (j == i + 2)) | (~even & (i >= 3) & (j == i - 2)) | ((i == 1) & (j == 0))
    values = where(neg, ew("negative", _gather(t, neg_idx)), 0)
    return where(one, 1, values)


@staged_export
def convolution_matrix(a: Value, n: int, mode: str = "full") -> Tracer:
    """``jax.scipy.linalg.convolution_matrix``: ``A`` with ``A @ v == convolve(a, v,
    mode)`` for every ``v`` of length ``n``."""
    n = int(n)
    if n <= 0:
        raise ArgumentValueError(f"n must be a positive integer; got {n}.")
    t = lift(a, trace_of((a,)))
    if t.ndim == 0:
        raise ShapeError("convolution_matrix: a must be at least 1-dimensional, got a scalar.")
    if mode not in ("full", "valid", "same"):
        raise ArgumentValueError(f"mode must be one of 'full', 'valid', 'same'; got {mode!r}.")
    m = t.shape[-1]
    trim = min(n, m) - 1
    begin, end = {"full": (0, 0), "same": (trim // 2, trim - trim // 2), "valid": (trim, trim)}[
        mode
    ]
    rows = np.arange(begin, m + n - 1 - end)[:, None]
    shift = rows - np.arange(n)[None, :]
    return _gather(t, shift, (shift >= 0) & (shift < m))


def _constant(value: np.ndarray) -> Tracer:
    return lift(value, trace_of(()))


@staged_export
def hilbert(n: int) -> Tracer:
    """``jax.scipy.linalg.hilbert``: ``1 / (i + j + 1)``."""
    a = np.arange(int(n), dtype=np.float64)
    return _constant(1.0 / (a[:, None] + a[None, :] + 1.0))


@staged_export
def invhilbert(n: int) -> Tracer:
    """``jax.scipy.linalg.invhilbert``: the inverse of ``hilbert(n)``, from exact integer
    binomials (then rounded to float64)."""
    n = int(n)
    out = np.empty((n, n), np.float64)
    for i in range(n):
        for j in range(n):
            s = i + j
            exact = (
                (-1) ** s
                * (s + 1)
                * math.comb(n + i, n - j - 1)
                * math.comb(n + j, n - i - 1)
                * math.comb(s, i) ** 2
            )
            out[i, j] = float(exact)
    return _constant(out)


@staged_export
def helmert(n: int, full: bool = False) -> Tracer:
    """``jax.scipy.linalg.helmert``: the Helmert matrix (without its first row unless
    ``full``)."""
    n = int(n)
    if n < 1:
        raise ArgumentValueError(f"n must be a positive integer; got {n}.")
    k = np.arange(1, n, dtype=np.float64)[:, None]
    j = np.arange(n)[None, :]
    denom = np.sqrt(k * (k + 1))
    h = np.where(j < k, 1.0 / denom, np.where(j == k, -k / denom, 0.0))
    if full:
        h = np.concatenate([np.full((1, n), 1.0 / math.sqrt(n)), h])
    return _constant(h)


@staged_export
def hadamard(n: int, dtype: Any = int) -> Tracer:
    """``jax.scipy.linalg.hadamard``: Sylvester's construction, ``n`` a power of 2."""
    n = int(n)
    if n < 1 or not math.log2(n).is_integer():
        raise ArgumentValueError(f"n must be a positive power of 2; got {n}.")
    h = np.ones((1, 1), dtype=np.dtype(dtype))
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return _constant(h)


@staged_export
def dft(n: int, scale: str | None = None, *, dtype: Any = None) -> Tracer:
    """``jax.scipy.linalg.dft``: ``exp(-2 pi i j k / n)``, scaled by ``1/sqrt(n)``
    (``'sqrtn'``) or ``1/n`` (``'n'``)."""
    if scale not in (None, "sqrtn", "n"):
        raise ArgumentValueError(f"scale must be None, 'sqrtn', or 'n'; got {scale!r}.")
    dt = np.dtype(np.complex128 if dtype is None else dtype)
    if dt.kind != "c":
        raise ArgumentValueError(f"dtype must be a complex floating-point type; got {dt}.")
    n = int(n)
    a = np.arange(n)
    omegas = np.exp(-2j * np.pi * np.outer(a, a) / n)
    if scale == "sqrtn":
        omegas = omegas / math.sqrt(n)
    elif scale == "n":
        omegas = omegas / n
    return _constant(omegas.astype(dt))
