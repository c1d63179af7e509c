"""The rest of the everyday ``numpy`` surface, composed from existing primitives.

Stacking (``hstack``, ``vstack``, ``dstack``, ``column_stack``, ``atleast_*d``), products
(``kron``, ``cross``), ``diag``, ``meshgrid``, ``tri[ul]_indices``, elementwise helpers
(``sinc``, ``signbit``, ``fix``, ``float_power``, ``round``, ``isclose``, ``allclose``),
reductions (``count_nonzero``, ``average``, ``ptp``), ``interp``, ``polyval``, 1-D
``convolve``/``correlate``, ``bincount`` with a static ``length`` and ``select``, plus the
cheap array methods (``x.clip()``, ``x.round()``, ``x.any()``, ``x.all()``, ``x.argmax()``,
``x.argmin()``, ``x.ptp()``).

No new primitive: every function is a few nodes of indexing, shape, elementwise,
contraction and reduction primitives, so lowering, both backends, vmap and the reverse
rules come from those. Data-dependent gathers (``interp``, ``bincount``) compare against
every knot / bin (O(n * k) work and memory): exact (selected with ``where``, so a NaN in
one knot does not leak into the others), vectorised, and meant for small ``k``.
"""

from __future__ import annotations

import builtins
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentTypeError, ShapeError, TracingError, UnsupportedError
from ..tracing.build import Value, lift, normalize_axis, trace_of
from ..tracing.tracer import Tracer
from .api import export
from .contraction import einsum, moveaxis, multiply
from .elementwise import elementwise, power, where
from .indexing import getitem
from .precision import check_precision, preferred_dtype
from .reductions import inexact_dtype, reduce, reduce_sum, with_inexact_default
from .shape import astype, broadcast_to, concatenate, expand_dims, reshape, stack
from .windows import windows


def _eager(fn: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Use ``fn`` instead of NumPy's namesake outside a trace (JAX-only keywords)."""

    def mark(traced: Callable[..., Any]) -> Callable[..., Any]:
        traced.__axcomp_eager__ = fn  # type: ignore[attr-defined]
        return traced

    return mark


def _lift(*values: Value) -> list[Tracer]:
    trace = trace_of(values)
    return [lift(v, trace) for v in values]


def _one(v: Value) -> Tracer:
    return _lift(v)[0]


def _inexact(t: Tracer) -> Tracer:
    """``t`` as a floating dtype (ints and bools become float64, as in NumPy)."""
    return t if t.dtype.kind in "fc" else astype(t, np.float64)


def _zeros(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    return np.zeros(shape, dtype=dtype)


# ------------------------------------------------------------------ stacking


@export("numpy")
def atleast_1d(*arys: Value) -> Any:
    """``numpy.atleast_1d``; several arguments give a list, as in JAX."""
    out = [reshape(t, (1,)) if t.ndim == 0 else t for t in _lift(*arys)]
    return out[0] if len(out) == 1 else out


@export("numpy")
def atleast_2d(*arys: Value) -> Any:
    """``numpy.atleast_2d``: 0-d to (1, 1), 1-d (n,) to (1, n)."""
    out = [reshape(t, (1,) * (2 - t.ndim) + t.shape) if t.ndim < 2 else t for t in _lift(*arys)]
    return out[0] if len(out) == 1 else out


@export("numpy")
def atleast_3d(*arys: Value) -> Any:
    """``numpy.atleast_3d``: 0-d to (1, 1, 1), (n,) to (1, n, 1), (m, n) to (m, n, 1)."""
    out = []
    for t in _lift(*arys):
        if t.ndim == 0:
            t = reshape(t, (1, 1, 1))
        elif t.ndim == 1:
            t = reshape(t, (1, t.shape[0], 1))
        elif t.ndim == 2:
            t = reshape(t, (*t.shape, 1))
        out.append(t)
    return out[0] if len(out) == 1 else out


def _seq(tup: Any, what: str) -> list[Tracer]:
    if isinstance(tup, Tracer) or not isinstance(tup, (list, tuple)):
        raise ArgumentTypeError(f"{what}: expects a sequence of arrays, got {type(tup).__name__}")
    if not tup:
        raise ShapeError(f"{what}: need at least one array to concatenate")
    return _lift(*tup)


@export("numpy")
def hstack(tup: Sequence[Value]) -> Tracer:
    """``numpy.hstack``: along axis 1, or axis 0 for 1-d arrays."""
    ts = [atleast_1d(t) for t in _seq(tup, "hstack")]
    return concatenate(ts, axis=0 if ts[0].ndim == 1 else 1)


@export("numpy")
def vstack(tup: Sequence[Value]) -> Tracer:
    """``numpy.vstack``: along axis 0 after ``atleast_2d``."""
    return concatenate([atleast_2d(t) for t in _seq(tup, "vstack")], axis=0)


@export("numpy")
def dstack(tup: Sequence[Value]) -> Tracer:
    """``numpy.dstack``: along axis 2 after ``atleast_3d``."""
    return concatenate([atleast_3d(t) for t in _seq(tup, "dstack")], axis=2)


@export("numpy")
def column_stack(tup: Sequence[Value]) -> Tracer:
    """``numpy.column_stack``: 1-d arrays become columns, then ``hstack``."""
    ts = [
        reshape(t, (t.shape[0], 1)) if t.ndim < 2 else t
        for t in map(atleast_1d, _seq(tup, "column_stack"))
    ]
    return concatenate(ts, axis=1)


# ------------------------------------------------------------------ products


@export("numpy")
def kron(a: Value, b: Value) -> Tracer:
    """``numpy.kron``: the Kronecker product (one broadcast multiply and a reshape)."""
    x, y = _lift(a, b)
    nd = builtins.max(x.ndim, y.ndim)
    xs = (1,) * (nd - x.ndim) + x.shape
    ys = (1,) * (nd - y.ndim) + y.shape
    xr = reshape(x, tuple(v for s in xs for v in (s, 1)))
    yr = reshape(y, tuple(v for s in ys for v in (1, s)))
    return reshape(multiply(xr, yr), tuple(p * q for p, q in zip(xs, ys)))


@export("numpy")
def cross(
    a: Value, b: Value, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: Any = None
) -> Tracer:
    """``numpy.cross`` of 3-vectors along ``axisa``/``axisb``, result along ``axisc``."""
    if axis is not None:
        axisa = axisb = axisc = axis
    x, y = _lift(a, b)
    x = moveaxis(x, normalize_axis(axisa, x.ndim, "axisa"), -1)
    y = moveaxis(y, normalize_axis(axisb, y.ndim, "axisb"), -1)
    if x.shape[-1] != 3 or y.shape[-1] != 3:
        raise ShapeError(
            f"cross: incompatible vector dimensions {x.shape[-1]} (a) and {y.shape[-1]} (b) "
            "(axcomp supports 3-vectors only)"
        )
    x0, x1, x2 = (getitem(x, (Ellipsis, i)) for i in range(3))
    y0, y1, y2 = (getitem(y, (Ellipsis, i)) for i in range(3))

    def sub(p: Tracer, q: Tracer) -> Tracer:
        return elementwise("subtract", p, q)

    c = stack(
        [
            sub(multiply(x1, y2), multiply(x2, y1)),
            sub(multiply(x2, y0), multiply(x0, y2)),
            sub(multiply(x0, y1), multiply(x1, y0)),
        ],
        axis=-1,
    )
    return moveaxis(c, -1, normalize_axis(axisc, c.ndim, "axisc"))


# ------------------------------------------------------------------ diag, meshgrid, tri


def _pad_last(t: Tracer, before: int, after: int) -> Tracer:
    parts: list[Any] = []
    if before:
        parts.append(_zeros((*t.shape[:-1], before), t.dtype))
    parts.append(t)
    if after:
        parts.append(_zeros((*t.shape[:-1], after), t.dtype))
    return concatenate(parts, axis=-1) if len(parts) > 1 else t


@export("numpy")
def diag(v: Value, k: int = 0) -> Tracer:
    """``numpy.diag``: a 1-d array to a matrix with it on diagonal ``k``, a 2-d array to its
    ``k``-th diagonal. Built by strided slicing of the flattened matrix (exact: no products
    with zeros, so a NaN or inf stays in its place)."""
    t = _one(v)
    k = operator.index(k)
    if t.ndim == 1:
        length = t.shape[0]
        n = length + abs(k)
        if n == 0:
            return reshape(t, (0, 0))
        # row i of (length, n + 1): v_i then n zeros; flattened, v_i lands at i*(n+1)
        padded = _pad_last(reshape(t, (length, 1)), 0, n)
        flat = reshape(padded, (length * (n + 1),))
        front = k if k >= 0 else -k * n
        have = length * (n + 1) + front
        flat = _pad_last(flat, front, builtins.max(0, n * n - have))
        return reshape(getitem(flat, slice(0, n * n)), (n, n))
    if t.ndim != 2:
        raise ShapeError(f"diag: input must be 1-d or 2-d, got shape {t.shape}")
    rows, cols = t.shape
    if k >= 0:
        length, start = builtins.max(0, builtins.min(rows, cols - k)), k
    else:
        length, start = builtins.max(0, builtins.min(rows + k, cols)), -k * cols
    flat = reshape(t, (rows * cols,))
    if length == 0:
        return getitem(flat, slice(0, 0))
    return getitem(flat, slice(start, start + (length - 1) * (cols + 1) + 1, cols + 1))


@export("numpy")
def meshgrid(*xi: Value, copy: bool = True, sparse: bool = False, indexing: str = "xy") -> Any:
    """``numpy.meshgrid`` (``indexing`` 'xy' or 'ij', ``sparse``); a list, as in JAX."""
    if indexing not in ("xy", "ij"):
        raise ShapeError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    ts = [reshape(t, (-1,)) for t in _lift(*xi)]
    n = len(ts)
    shapes = [t.shape[0] for t in ts]
    if indexing == "xy" and n > 1:
        shapes[0], shapes[1] = shapes[1], shapes[0]
    out = []
    for i, t in enumerate(ts):
        pos = i
        if indexing == "xy" and n > 1 and i < 2:
            pos = 1 - i
        shape = [1] * n
        shape[pos] = t.shape[0]
        r = reshape(t, tuple(shape))
        out.append(r if sparse else broadcast_to(r, tuple(shapes)))
    return out


@export("numpy")
def triu_indices(n: int, k: int = 0, m: Any = None) -> Any:
    """``numpy.triu_indices``: static, NumPy arrays."""
    return np.triu_indices(n, k, m)


@export("numpy")
def tril_indices(n: int, k: int = 0, m: Any = None) -> Any:
    """``numpy.tril_indices``: static, NumPy arrays."""
    return np.tril_indices(n, k, m)


# ------------------------------------------------------------------ elementwise helpers


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


@export("numpy")
def sinc(x: Value) -> Tracer:
    """``numpy.sinc``: sin(pi x) / (pi x), 1 at 0 (derivative 0 there, as in JAX)."""
    t = _inexact(_one(x))
    zero = _e("equal", t, 0)
    px = multiply(np.pi, t)
    safe = where(zero, np.asarray(1, t.dtype), px)
    return where(zero, np.asarray(1, t.dtype), _e("true_divide", _e("sin", safe), safe))


@export("numpy")
def signbit(x: Value) -> Tracer:
    """``numpy.signbit``: True where the sign bit is set (-0.0 and -nan included)."""
    t = _one(x)
    if t.dtype.kind in "fc":
        return _e("less", _e("copysign", np.asarray(1, t.dtype), t), 0)
    if t.dtype.kind == "b":
        return _e("logical_and", t, False)
    return _e("less", t, 0)


@export("numpy")
def fix(x: Value, out: Any = None) -> Tracer:
    """``numpy.fix``: round toward zero."""
    if out is not None:
        raise UnsupportedError("fix: out= is not supported on traced values")
    t = _one(x)
    target = np.fix(np.ones(1, t.dtype)).dtype
    return astype(t, target) if t.dtype.kind in "biu" else _e("trunc", t)


@export("numpy")
def float_power(x1: Value, x2: Value) -> Tracer:
    """``numpy.float_power``: power in float64 (complex128 for complex operands)."""
    x, y = _lift(x1, x2)
    wide = np.complex128 if "c" in (x.dtype.kind, y.dtype.kind) else np.float64
    return power(astype(x, wide), astype(y, wide))


@export("numpy")
@export("numpy", "around")
@export("methods")
def round(a: Value, decimals: int = 0, out: Any = None) -> Tracer:
    """``numpy.round``: to ``decimals`` places, halves to even (as NumPy, scaling by 10**d)."""
    if out is not None:
        raise UnsupportedError("round: out= is not supported on traced values")
    t = _one(a)
    d = operator.index(decimals)
    if t.dtype.kind in "biu":
        if d >= 0:
            return t
        scale = 10 ** (-d)
        # NumPy rounds integers half to even too: via float64 and back
        return astype(multiply(_e("rint", _e("true_divide", t, scale)), scale), t.dtype)
    if d == 0:
        return _e("rint", t)
    if d > 0:
        scale = np.asarray(10.0**d, t.dtype if t.dtype.kind == "f" else np.float64)
        return _e("true_divide", _e("rint", multiply(t, scale)), scale)
    scale = np.asarray(10.0 ** (-d), t.dtype if t.dtype.kind == "f" else np.float64)
    return multiply(_e("rint", _e("true_divide", t, scale)), scale)


@export("numpy")
def isclose(
    a: Value, b: Value, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tracer:
    """``numpy.isclose``: |a - b| <= atol + rtol * |b| where b is finite, or a == b."""
    x, y = _lift(a, b)
    dtype = np.result_type(x.dtype, y.dtype, 1.0)
    x, y = astype(x, dtype), astype(y, dtype)
    diff = _e("absolute", _e("subtract", x, y))
    tol = _e("add", atol, multiply(rtol, _e("absolute", y)))
    close = _e("logical_and", _e("less_equal", diff, tol), _e("isfinite", y))
    out = _e("logical_or", close, _e("equal", x, y))
    if equal_nan:
        out = _e("logical_or", out, _e("logical_and", _e("isnan", x), _e("isnan", y)))
    return out


@export("numpy")
def allclose(
    a: Value, b: Value, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tracer:
    """``numpy.allclose``; on traced values a traced boolean scalar (as in JAX)."""
    return reduce("all", isclose(a, b, rtol, atol, equal_nan))


# ------------------------------------------------------------------ reductions


@export("numpy")
def count_nonzero(a: Value, axis: Any = None, *, keepdims: bool = False) -> Tracer:
    """``numpy.count_nonzero`` along ``axis`` (all axes when None); int64 counts."""
    t = _one(a)
    return reduce_sum(
        astype(_e("not_equal", t, 0), np.int64), axis=axis, dtype=np.int64, keepdims=keepdims
    )


@export("numpy")
@export("methods")
def ptp(a: Value, axis: Any = None, out: Any = None, keepdims: bool = False) -> Tracer:
    """``numpy.ptp``: max - min along ``axis``."""
    if out is not None:
        raise UnsupportedError("ptp: out= is not supported on traced values")
    t = _one(a)
    return _e(
        "subtract",
        reduce("max", t, axis=axis, keepdims=keepdims),
        reduce("min", t, axis=axis, keepdims=keepdims),
    )


@export("numpy")
def average(
    a: Value,
    axis: Any = None,
    weights: Any = None,
    returned: bool = False,
    *,
    keepdims: bool = False,
) -> Any:
    """``numpy.average``: the ``weights``-weighted mean along ``axis``; with ``returned``
    also the sum of the weights (broadcast to the average's shape)."""
    t = _one(a)
    if weights is None:
        dtype = inexact_dtype(t.dtype)
        tf = astype(t, dtype)
        avg = _e("true_divide", reduce_sum(tf, axis=axis, keepdims=keepdims), 1)
        count = t.size if axis is None else None
        if count is None:
            axes = (axis,) if isinstance(axis, int) else tuple(axis)
            count = 1
            for ax in axes:
                count *= t.shape[normalize_axis(ax, t.ndim)]
        avg = astype(_e("true_divide", avg, count), dtype)
        if returned:
            return avg, broadcast_to(np.asarray(count, dtype), avg.shape)
        return avg
    w = _one(weights)
    dtype = np.result_type(t.dtype, w.dtype, 1.0)
    t, w = astype(t, dtype), astype(w, dtype)
    if w.shape != t.shape:
        if axis is None:
            raise ShapeError(
                f"average: axis must be specified when shapes of a {t.shape} and weights "
                f"{w.shape} differ"
            )
        if w.ndim != 1:
            raise ShapeError(
                f"average: 1D weights expected when shapes of a {t.shape} and weights "
                f"{w.shape} differ"
            )
        ax = normalize_axis(axis, t.ndim)
        if w.shape[0] != t.shape[ax]:
            raise ShapeError(
                f"average: length of weights {w.shape[0]} differs from that of a along axis "
                f"{axis} ({t.shape[ax]})"
            )
        w = reshape(w, tuple(w.shape[0] if i == ax else 1 for i in range(t.ndim)))
        w = broadcast_to(w, t.shape)
    scl = reduce_sum(w, axis=axis, keepdims=keepdims)
    avg = _e("true_divide", reduce_sum(multiply(t, w), axis=axis, keepdims=keepdims), scl)
    if returned:
        return avg, scl
    return avg


average.__axcomp_eager__ = with_inexact_default(np.average)  # type: ignore[attr-defined]


# ------------------------------------------------------------------ interp, polyval


@export("numpy")
def interp(
    x: Value, xp: Value, fp: Value, left: Any = None, right: Any = None, period: Any = None
) -> Tracer:
    """``numpy.interp`` (JAX's formulas): piecewise-linear through (xp, fp), ``xp``
    increasing. ``xp``/``fp`` may be static or traced; each ``x`` is compared against every
    knot (O(len(x) * len(xp)), no searchsorted), knots picked with ``where``."""
    if period is not None:
        raise UnsupportedError("interp: period= is not supported; use x % period first")
    t, kx, kf = _lift(x, xp, fp)
    if kx.ndim != 1 or kf.ndim != 1 or kx.shape != kf.shape or kx.shape[0] == 0:
        raise ShapeError(
            f"interp: xp and fp must be 1-d of the same nonzero length, got {kx.shape} and "
            f"{kf.shape}"
        )
    # NumPy computes in (and returns) float64, or complex128 for complex fp
    dtype = np.dtype(np.complex128 if kf.dtype.kind == "c" else np.float64)
    t, kx, kf = astype(t, np.float64), astype(kx, np.float64), astype(kf, dtype)
    k = kx.shape[0]
    nd = t.ndim
    knots_x = reshape(kx, (1,) * nd + (k,))
    knots_f = reshape(kf, (1,) * nd + (k,))
    # searchsorted(xp, x, side='right') as a count, clipped to [1, k - 1]
    count = reduce_sum(
        astype(_e("less_equal", knots_x, expand_dims(t, -1)), np.int64), axis=-1, dtype=np.int64
    )
    i = _e("maximum", _e("minimum", count, builtins.max(k - 1, 1)), 1)
    ar = np.arange(k).reshape((1,) * nd + (k,))

    def pick(knots: Tracer, idx: Tracer) -> Tracer:
        hit = _e("equal", expand_dims(idx, -1), ar)
        return reduce_sum(where(hit, knots, np.asarray(0, knots.dtype)), axis=-1)

    if k == 1:
        f = broadcast_to(getitem(kf, 0), t.shape)
    else:
        im = _e("subtract", i, 1)
        x0, x1 = pick(knots_x, im), pick(knots_x, i)
        f0, f1 = pick(knots_f, im), pick(knots_f, i)
        dx = _e("subtract", x1, x0)
        flat = _e("equal", dx, 0)
        slope = _e("true_divide", _e("subtract", t, x0), where(flat, np.asarray(1.0), dx))
        f = where(flat, f1, _e("add", f0, multiply(slope, _e("subtract", f1, f0))))
    lo = getitem(kf, 0) if left is None else left
    hi = getitem(kf, k - 1) if right is None else right
    f = where(_e("less", t, getitem(kx, 0)), lo, f)
    f = where(_e("greater", t, getitem(kx, k - 1)), hi, f)
    return astype(f, dtype)


@export("numpy")
def polyval(p: Value, x: Value) -> Tracer:
    """``numpy.polyval``: Horner's scheme over the (static number of) coefficients."""
    c, t = _lift(p, x)
    if c.ndim != 1:
        raise ShapeError(f"polyval: p must be 1-d, got shape {c.shape}")
    dtype = np.result_type(c.dtype, t.dtype)
    y: Tracer = broadcast_to(np.zeros((), dtype), t.shape)
    y = astype(y, dtype)
    for j in range(c.shape[0]):
        y = _e("add", multiply(y, t), getitem(c, j))
    return astype(y, dtype)


# ------------------------------------------------------------------ convolve, correlate


def _conv(a: Tracer, v: Tracer, mode: str, what: str, late: bool = False) -> Tracer:
    if a.ndim != 1 or v.ndim != 1:
        raise ShapeError(f"{what}: a and v must be 1-d, got shapes {a.shape} and {v.shape}")
    if a.shape[0] == 0 or v.shape[0] == 0:
        raise ShapeError(f"{what}: inputs cannot be empty")
    if mode not in ("full", "same", "valid"):
        raise ShapeError(f"{what}: mode must be 'full', 'same' or 'valid', got {mode!r}")
    dtype = np.result_type(a.dtype, v.dtype)
    s, kern = (a, v) if a.shape[0] >= v.shape[0] else (v, a)
    n_s, n_k = s.shape[0], kern.shape[0]
    total = n_s + n_k - 1
    # full[t] = sum_j kern[j] s_padded[t + n_k - 1 - j]: the reversed kernel against the
    # sliding-window view of the padded signal (no copy of the windows)
    sp = _pad_last(s, n_k - 1, n_k - 1)
    view = windows(sp, (0,), (n_k,), (1,), (1,))
    full = einsum("j,tj->t", getitem(kern, slice(None, None, -1)), view)
    assert full.shape == (total,)
    if mode == "full":
        out = full
    elif mode == "same":
        # correlate with the shorter input first centres one sample later (NumPy swaps
        # its inputs and reverses the result; JAX agrees)
        start = n_k // 2 if late else (n_k - 1) // 2
        out = getitem(full, slice(start, start + n_s))
    else:
        out = getitem(full, slice(n_k - 1, n_s))
    return astype(out, dtype) if out.dtype != dtype else out


def _precision(
    x: Tracer, y: Tracer, precision: Any, preferred: Any, what: str
) -> tuple[Tracer, Tracer]:
    check_precision(precision, what)
    dtype = preferred_dtype(preferred)
    return (x, y) if dtype is None else (astype(x, dtype), astype(y, dtype))


def _numpy_with_precision(fn: Callable[..., Any], what: str, default: str) -> Callable[..., Any]:
    """NumPy's ``fn`` taking JAX's ``precision``/``preferred_element_type`` keywords."""

    def eager(
        a: Any,
        v: Any,
        mode: str = default,
        *,
        precision: Any = None,
        preferred_element_type: Any = None,
    ) -> Any:
        check_precision(precision, what)
        dtype = preferred_dtype(preferred_element_type)
        if dtype is not None:
            a, v = np.asarray(a, dtype), np.asarray(v, dtype)
        return fn(a, v, mode)

    return eager


@export("numpy")
@_eager(_numpy_with_precision(np.convolve, "convolve", "full"))
def convolve(
    a: Value,
    v: Value,
    mode: str = "full",
    *,
    precision: Any = None,
    preferred_element_type: Any = None,
) -> Tracer:
    """``numpy.convolve`` of 1-d arrays (modes full, same, valid): one einsum of the kernel
    with the windows view of the longer input, no loop over the batch."""
    x, y = _lift(a, v)
    x, y = _precision(x, y, precision, preferred_element_type, "convolve")
    return _conv(x, y, mode, "convolve")


@export("numpy")
@_eager(_numpy_with_precision(np.correlate, "correlate", "valid"))
def correlate(
    a: Value,
    v: Value,
    mode: str = "valid",
    *,
    precision: Any = None,
    preferred_element_type: Any = None,
) -> Tracer:
    """``numpy.correlate`` of 1-d arrays: c[k] = sum_n a[n + k] * conj(v[n])."""
    x, y = _lift(a, v)
    x, y = _precision(x, y, precision, preferred_element_type, "correlate")
    if y.ndim == 1 and y.dtype.kind == "c":
        y = _e("conjugate", y)
    if x.ndim != 1 or y.ndim != 1:
        raise ShapeError(f"correlate: a and v must be 1-d, got shapes {x.shape} and {y.shape}")
    # NumPy 2 (and JAX): correlate(a, v, mode) == convolve(a, conj(v)[::-1], mode)
    late = x.ndim == 1 and y.ndim == 1 and x.shape[0] < y.shape[0]
    return _conv(x, getitem(y, slice(None, None, -1)), mode, "correlate", late)


# ------------------------------------------------------------------ bincount, select


def _np_bincount(x: Any, weights: Any = None, minlength: int = 0, *, length: Any = None) -> Any:
    if length is None:
        return np.bincount(x, weights, minlength)
    x = np.asarray(x)
    w = np.ones(x.shape, np.int64) if weights is None else np.asarray(weights)
    out = np.zeros(length, w.dtype)
    x = np.clip(x, 0, None)  # JAX clips negative values to bin 0
    keep = x < length
    np.add.at(out, x[keep], w[keep])
    return out


@export("numpy")
@_eager(_np_bincount)
def bincount(x: Value, weights: Any = None, minlength: int = 0, *, length: Any = None) -> Tracer:
    """``jax.numpy.bincount``: on traced values ``length`` (static) is required; values
    below 0 count in bin 0 and those >= length are dropped; the result has the weights'
    dtype (int64 without). One-hot comparison against every bin, then a sum (O(len(x) * length))."""
    t = _one(x)
    if length is None:
        raise TracingError(
            "bincount: the output length depends on the data; pass a static length= "
            "(as jax.numpy.bincount requires under jit)"
        )
    length = builtins.max(operator.index(length), 0)
    if t.ndim != 1:
        raise ShapeError(f"bincount: x must be 1-d, got shape {t.shape}")
    if t.dtype.kind not in "biu":
        raise ArgumentTypeError(f"bincount: x must be an integer array, got {t.dtype}")
    t = _e("maximum", t, 0)  # JAX clips negative values to bin 0, drops those >= length
    hit = _e("equal", expand_dims(t, -1), np.arange(length))  # (n, length)
    if weights is None:
        return reduce_sum(astype(hit, np.int64), axis=0, dtype=np.int64)
    w = _one(weights)
    if w.shape != t.shape:
        raise ShapeError(f"bincount: weights shape {w.shape} must match x shape {t.shape}")
    return reduce_sum(where(hit, expand_dims(w, -1), np.asarray(0, w.dtype)), axis=0)


@export("numpy")
def select(condlist: Sequence[Value], choicelist: Sequence[Value], default: Any = 0) -> Tracer:
    """``numpy.select``: the first choice whose condition holds, else ``default``."""
    if len(condlist) != len(choicelist):
        raise ShapeError(
            f"select: condlist ({len(condlist)}) and choicelist ({len(choicelist)}) must have "
            "the same length"
        )
    if not condlist:
        raise ShapeError("select: condlist must not be empty")
    conds = _lift(*condlist)
    for i, c in enumerate(conds):
        if c.dtype != np.bool_:
            raise ArgumentTypeError(f"select: condlist entry {i} is not boolean but {c.dtype}")
    out = _one(default) if isinstance(default, Tracer) else default
    for c, v in reversed(list(zip(conds, choicelist))):
        out = where(c, v, out)
    return _one(out)


# ------------------------------------------------------------------ cheap array methods


@export("methods", "clip")
def _clip_method(self: Tracer, min: Any = None, max: Any = None) -> Tracer:
    out = self
    if min is not None:
        out = _e("maximum", out, min)
    if max is not None:
        out = _e("minimum", out, max)
    return out


@export("methods", "any")
def _any_method(self: Tracer, axis: Any = None, keepdims: bool = False) -> Tracer:
    return reduce("any", self, axis=axis, keepdims=keepdims)


@export("methods", "all")
def _all_method(self: Tracer, axis: Any = None, keepdims: bool = False) -> Tracer:
    return reduce("all", self, axis=axis, keepdims=keepdims)


@export("methods", "argmax")
def _argmax_method(self: Tracer, axis: Any = None, keepdims: bool = False) -> Tracer:
    return reduce("argmax", self, axis=axis, keepdims=keepdims)


@export("methods", "argmin")
def _argmin_method(self: Tracer, axis: Any = None, keepdims: bool = False) -> Tracer:
    return reduce("argmin", self, axis=axis, keepdims=keepdims)
