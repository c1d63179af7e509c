"""Statistics of ``jax.numpy`` composed from the namespace's own functions: ``cov``,
``corrcoef``, ``digitize`` and ``histogram`` (a static number of bins)."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ..errors import UnsupportedError
from .dtypes import iscomplexobj
from .namespace import as_float as _as_float
from .namespace import float_dtype as _float_dtype
from .namespace import jnp as _jnp


def cov(
    m: Any,
    y: Any = None,
    rowvar: builtins.bool = True,
    bias: builtins.bool = False,
    ddof: int | None = None,
    fweights: Any = None,
    aweights: Any = None,
    dtype: Any = None,
) -> Any:
    if fweights is not None or aweights is not None:
        raise UnsupportedError("cov: fweights/aweights are not supported")

    def rows(v: Any) -> Any:
        v = _jnp.atleast_2d(_jnp.asarray(v))
        return _jnp.transpose(v) if not rowvar and _jnp.shape(v)[0] != 1 else v

    x = rows(m)
    if y is not None:
        x = _jnp.concatenate([x, rows(y)], 0)
    x = _jnp.astype(x, dtype or _float_dtype(x))
    ddof = (0 if bias else 1) if ddof is None else ddof
    xc = _jnp.subtract(x, _jnp.mean(x, axis=1, keepdims=True))
    c = _jnp.matmul(xc, _jnp.transpose(_jnp.conjugate(xc)))
    return _jnp.squeeze(_jnp.true_divide(c, _jnp.shape(x)[1] - ddof))


def corrcoef(x: Any, y: Any = None, rowvar: builtins.bool = True, dtype: Any = None) -> Any:
    c = cov(x, y, rowvar, dtype=dtype)
    if _jnp.ndim(c) == 0:
        return _jnp.true_divide(c, c)
    std = _jnp.sqrt(_jnp.real(_jnp.diagonal(c)))
    c = _jnp.true_divide(_jnp.true_divide(c, std[:, None]), std[None, :])
    if iscomplexobj(c):
        return c
    return _jnp.clip(c, -1.0, 1.0)  # rounding can step just outside [-1, 1]


def digitize(x: Any, bins: Any, right: builtins.bool = False) -> Any:
    bins = _jnp.asarray(bins)
    if _jnp.ndim(bins) != 1:
        raise ValueError("digitize: bins must be a 1-dimensional array")
    n = _jnp.shape(bins)[0]
    if n == 0:
        return np.zeros(_jnp.shape(x), np.int64)
    up = _jnp.searchsorted(bins, x, side="left" if right else "right")
    down = n - _jnp.searchsorted(_jnp.flip(bins), x, side="right" if right else "left")
    # decreasing bins are searched reversed, as NumPy does
    return _jnp.where(_jnp.greater_equal(bins[-1], bins[0]), up, down)


def histogram(
    a: Any, bins: Any = 10, range: Any = None, weights: Any = None, density: Any = None
) -> tuple[Any, Any]:
    """Static integer ``bins``; ``range`` may be traced; counts are floats, as in JAX."""
    if not isinstance(bins, (int, np.integer)):
        raise UnsupportedError("histogram: only a static integer number of bins is supported")
    a = _jnp.ravel(_as_float(a))
    if range is None:
        lo, hi = _jnp.min(a), _jnp.max(a)
    else:
        lo, hi = _as_float(range[0]), _as_float(range[1])
    # an empty range is widened by one half each way, as NumPy does
    same = _jnp.equal(lo, hi)
    lo, hi = _jnp.where(same, _jnp.subtract(lo, 0.5), lo), _jnp.where(same, _jnp.add(hi, 0.5), hi)
    edges = _jnp.linspace(lo, hi, int(bins) + 1)
    idx = _jnp.subtract(_jnp.searchsorted(edges, a, side="right"), 1)
    idx = _jnp.where(_jnp.equal(a, hi), int(bins) - 1, idx)  # the last bin is closed
    inside = _jnp.logical_and(_jnp.greater_equal(a, lo), _jnp.less_equal(a, hi))
    w = np.ones((), a.dtype) if weights is None else _jnp.ravel(_jnp.asarray(weights))
    w = _jnp.where(inside, w, 0)
    onehot = _jnp.equal(_jnp.expand_dims(idx, -1), np.arange(int(bins)))
    counts = _jnp.sum(_jnp.multiply(_jnp.astype(onehot, a.dtype), _jnp.expand_dims(w, -1)), axis=0)
    if density:
        widths = _jnp.subtract(edges[1:], edges[:-1])
        counts = _jnp.true_divide(counts, _jnp.multiply(_jnp.sum(counts), widths))
    return counts, edges
