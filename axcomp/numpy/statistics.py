"""Statistics of ``jax.numpy`` composed from the namespace's own functions: ``cov``,
``corrcoef``, ``digitize`` and ``histogram`` (a static number of bins)."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ..errors import ShapeError, UnsupportedError
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
        raise ShapeError("digitize: bins must be a 1-dimensional array")
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
    edges = histogram_bin_edges(a, bins, range)
    lo, hi = edges[0], edges[-1]
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


def histogram_bin_edges(a: Any, bins: Any = 10, range: Any = None, weights: Any = None) -> Any:
    """The bin edges ``histogram`` uses: ``bins`` edges as given, or ``bins + 1`` evenly
    spaced over ``range`` (default: the data's min and max, widened by a half if equal)."""
    if not isinstance(bins, (int, np.integer)):
        edges = _as_float(bins)
        if _jnp.ndim(edges) != 1:
            raise ShapeError("histogram_bin_edges: bins must be an integer or a 1-d array")
        return edges
    a = _jnp.ravel(_as_float(a))
    if range is None:
        lo, hi = _jnp.min(a), _jnp.max(a)
    else:
        lo, hi = _as_float(range[0]), _as_float(range[1])
    # an empty range is widened by one half each way, as NumPy does
    same = _jnp.equal(lo, hi)
    lo, hi = _jnp.where(same, _jnp.subtract(lo, 0.5), lo), _jnp.where(same, _jnp.add(hi, 0.5), hi)
    return _jnp.linspace(lo, hi, int(bins) + 1)


def histogramdd(
    sample: Any, bins: Any = 10, range: Any = None, weights: Any = None, density: Any = None
) -> tuple[Any, list[Any]]:
    """The D-dimensional histogram of the (N, D) ``sample``: per dimension static integer
    bins or an array of edges; counts are int64 without weights (float with weights or
    ``density``), as JAX gives them."""
    s = _jnp.asarray(sample)
    if _jnp.ndim(s) != 2:
        raise ShapeError(f"histogramdd: sample must be 2-d (N, D), got shape {_jnp.shape(s)}")
    d = _jnp.shape(s)[1]
    per_dim = [bins] * d if isinstance(bins, (int, np.integer)) else list(bins)
    if len(per_dim) != d:
        raise ShapeError(f"histogramdd: {len(per_dim)} bin specifications for {d} dimensions")
    ranges = [None] * d if range is None else list(range)
    edges = [histogram_bin_edges(s[:, i], per_dim[i], ranges[i]) for i in builtins.range(d)]
    sizes = [_jnp.shape(e)[0] - 1 for e in edges]
    w = None if weights is None else _jnp.ravel(_jnp.asarray(weights))
    cell = np.zeros((), np.int64)
    inside = np.ones((), np.bool_)
    for i, e in enumerate(edges):
        x = _as_float(s[:, i])
        idx = _jnp.subtract(_jnp.searchsorted(e, x, side="right"), 1)
        idx = _jnp.where(_jnp.equal(x, e[-1]), sizes[i] - 1, idx)  # the last bin is closed
        ok = _jnp.logical_and(_jnp.greater_equal(x, e[0]), _jnp.less_equal(x, e[-1]))
        inside = _jnp.logical_and(inside, ok)
        cell = _jnp.add(_jnp.multiply(cell, sizes[i]), _jnp.clip(idx, 0, sizes[i] - 1))
    total = int(np.prod(sizes))
    onehot = _jnp.logical_and(
        _jnp.equal(_jnp.expand_dims(cell, -1), np.arange(total)), _jnp.expand_dims(inside, -1)
    )
    if w is None:
        counts = _jnp.sum(_jnp.astype(onehot, np.int64), axis=0)
    else:
        counts = _jnp.sum(_jnp.where(onehot, _jnp.expand_dims(w, -1), 0), axis=0)
    hist = _jnp.reshape(counts, tuple(sizes))
    if density:
        hist = _jnp.true_divide(_as_float(hist), _jnp.sum(hist))
        for i, e in enumerate(edges):
            widths = _jnp.subtract(e[1:], e[:-1])
            shape = [1] * d
            shape[i] = sizes[i]
            hist = _jnp.true_divide(hist, _jnp.reshape(widths, tuple(shape)))
    return hist, edges


def histogram2d(
    x: Any, y: Any, bins: Any = 10, range: Any = None, weights: Any = None, density: Any = None
) -> tuple[Any, Any, Any]:
    """``histogramdd`` of the points ``(x, y)``: ``(hist, xedges, yedges)``."""
    sample = _jnp.stack([_as_float(x), _as_float(y)], 1)
    if isinstance(bins, (int, np.integer)) or (
        _jnp.ndim(bins) == 1 and not isinstance(bins, (list, tuple))
    ):
        bins = [bins, bins]
    hist, edges = histogramdd(sample, bins, range, weights, density)
    return hist, edges[0], edges[1]
