"""Differences, gradients and integrals in ``jax.numpy``: ``diff``, ``ediff1d``,
``gradient`` and ``trapezoid``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.dtype_promotion import inexact_result, to_inexact
from ..errors import ArgumentTypeError, ShapeError, UnsupportedError
from ..primitives.elementwise import elementwise
from ..primitives.order import _int, _slice
from ..primitives.shape import broadcast_to, concatenate
from ..tracing.build import Value, normalize_axis
from ..tracing.tracer import Tracer
from .dispatch import numpy_function
from .namespace import as_float as _as_float
from .namespace import jnp as _jnp
from .traced_values import lift_value as _t


@numpy_function()
def diff(a: Value, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Tracer:
    """``n``-th discrete difference along ``axis``, as ``numpy.diff``."""
    t = _t(a)
    n = _int(n, "diff n")
    if n < 0:
        raise ShapeError(f"diff: order must be non-negative but got {n}")
    if t.ndim == 0:
        raise ShapeError("diff requires input that is at least one dimensional")
    ax = normalize_axis(axis, t.ndim)
    if n == 0:
        return t
    parts: list[Tracer | None] = []
    for extra in (prepend, append):
        if extra is None:
            parts.append(None)
            continue
        e = _t(extra)
        if e.ndim == 0:
            e = broadcast_to(e, tuple(1 if d == ax else s for d, s in enumerate(t.shape)))
        parts.append(e)
    joined = [p for p in (parts[0], t, parts[1]) if p is not None]
    if len(joined) > 1:
        t = concatenate(joined, axis=ax)
    fn = "not_equal" if t.dtype == np.bool_ else "subtract"
    for _ in range(n):
        m = t.shape[ax]
        if m == 0:
            break
        t = elementwise(fn, _slice(t, ax, 1, None), _slice(t, ax, 0, m - 1))
    return t


def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Any:
    flat = _jnp.ravel(_jnp.asarray(ary))
    parts = [_jnp.subtract(flat[1:], flat[:-1])]
    if to_begin is not None:
        parts.insert(0, _jnp.astype(_jnp.ravel(_jnp.asarray(to_begin)), parts[0].dtype))
    if to_end is not None:
        parts.append(_jnp.astype(_jnp.ravel(_jnp.asarray(to_end)), parts[-1].dtype))
    return _jnp.concatenate(parts, 0)


def trapezoid(y: Any, x: Any = None, dx: Any = 1.0, axis: int = -1) -> Any:
    """``jnp.trapezoid``: in JAX's inexact dtype of ``y`` (and ``x``): float32 from int32."""
    y = _jnp.asarray(y)
    if x is None:
        d: Any = dx
        y = _jnp.astype(y, to_inexact(y.dtype))
    else:
        x = _jnp.asarray(x)
        dtype = inexact_result(y, x)
        y, x = _jnp.astype(y, dtype), _jnp.astype(x, dtype)
        d = _jnp.diff(x) if _jnp.ndim(x) == 1 else _jnp.diff(_jnp.moveaxis(x, axis, -1), axis=-1)
    y = _jnp.moveaxis(y, axis, -1)
    mid = _jnp.multiply(_jnp.add(y[..., 1:], y[..., :-1]), 0.5)
    return _jnp.sum(_jnp.multiply(d, mid), axis=-1)


def gradient(f: Any, *varargs: Any, axis: Any = None, edge_order: Any = None) -> Any:
    """Uniform spacing only (scalar ``varargs``), first-order edges as NumPy's default."""
    if edge_order is not None and edge_order != 1:
        raise UnsupportedError("gradient: only edge_order=1 is supported")
    f = _as_float(f)
    n = _jnp.ndim(f)
    axes = list(range(n)) if axis is None else [axis] if isinstance(axis, int) else list(axis)
    axes = [a % n for a in axes]
    steps = list(varargs) if len(varargs) > 1 else list(varargs) * len(axes) or [1.0] * len(axes)
    if len(steps) != len(axes):
        raise ArgumentTypeError("gradient: give one spacing, or one per axis")
    outs = []
    for ax, h in zip(axes, steps):
        if _jnp.ndim(h) != 0:
            raise UnsupportedError("gradient: only scalar (uniform) spacings are supported")
        g = _jnp.moveaxis(f, ax, -1)
        if _jnp.shape(g)[-1] < 2:
            raise ShapeError("gradient: each axis needs at least 2 samples (edge_order=1)")
        inner = _jnp.true_divide(_jnp.subtract(g[..., 2:], g[..., :-2]), 2.0)
        first = _jnp.subtract(g[..., 1:2], g[..., 0:1])
        last = _jnp.subtract(g[..., -1:], g[..., -2:-1])
        d = _jnp.true_divide(_jnp.concatenate([first, inner, last], -1), h)
        outs.append(_jnp.moveaxis(d, -1, ax))
    return outs[0] if len(outs) == 1 else outs
