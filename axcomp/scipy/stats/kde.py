"""``jax.scipy.stats.gaussian_kde``: a Gaussian kernel density estimate, a pytree of its
arrays (``neff``, ``dataset``, ``weights``, ``covariance``, ``inv_cov``) as in JAX, so it
passes through ``jit``, ``vmap`` and ``grad`` like any argument.

Every density is a sum over the data of ``w_i exp(-|W (x - p_i)|^2 / 2)``: both point
sets are whitened by ``W`` (the Cholesky factor of ``inv_cov``, or the inverse factor of
a covariance sum for the ``integrate_*`` methods) and the pairwise squared distances are
``sum((x_j - p_i)^2)`` over the dimensions, the form the compiler's GEMM expansion turns
into one matrix product; the sum over the data is then a contraction with the weights
(``logpdf``: a ``logsumexp`` with ``log w``)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import ArgumentTypeError, ShapeError, UnsupportedError
from ...lax.linalg import triangular_solve
from ...primitives.contraction import multiply, swapaxes
from ...primitives.linalg import cholesky, inv
from ...primitives.order import diagonal
from ...primitives.products import matmul
from ...primitives.reductions import reduce_sum
from ...primitives.shape import astype, reshape
from ...pytree import register_node
from ...random import choice, multivariate_normal, split
from ...tracing.build import Value, lift, trace_of
from ...tracing.tracer import Tracer
from ...transforms.vmap import vmap
from ..special.distributions import ndtr
from ..special.reductions import logsumexp
from ._common import e, staged

_LOG_2PI = math.log(2 * math.pi)

BwMethod = None | str | Value | Callable[[Any], Any]


def _inexact(dtype: np.dtype) -> np.dtype:
    return dtype if dtype.kind in "fc" else np.dtype(np.float64)


def _atleast_2d(t: Tracer) -> Tracer:
    return reshape(t, (1,) * (2 - t.ndim) + t.shape) if t.ndim < 2 else t


@staged
def _prepare(dataset: Value, weights: Value = None) -> tuple[Tracer, Tracer, Tracer]:
    """The ``(d, n)`` dataset, its normalised weights and ``neff = 1 / sum(w^2)``."""
    t = lift(dataset, trace_of((dataset, weights)))
    if t.dtype.kind == "c":
        raise UnsupportedError("gaussian_kde does not support complex data")
    if t.ndim > 2:
        raise ShapeError(f"gaussian_kde: dataset must have at most 2 dimensions, got {t.shape}")
    t = _atleast_2d(t)
    if t.size <= 1:
        raise ShapeError("gaussian_kde: `dataset` input should have multiple elements.")
    n = t.shape[1]
    if weights is None:
        t = astype(t, _inexact(t.dtype))
        w = astype(lift(np.full(n, 1.0 / n), trace_of((t,))), t.dtype)
    else:
        w = lift(weights, trace_of((t, weights)))
        dtype = _inexact(np.result_type(t.dtype, w.dtype))
        t, w = astype(t, dtype), astype(w, dtype)
        w = reshape(w, (1,)) if w.ndim == 0 else w
        if w.ndim != 1:
            raise ShapeError("gaussian_kde: `weights` input should be one-dimensional.")
        if w.shape[0] != n:
            raise ShapeError(f"gaussian_kde: `weights` input should be of length n ({n})")
        w = e("true_divide", w, reduce_sum(w))
    neff = e("true_divide", 1.0, reduce_sum(multiply(w, w)))
    return t, w, neff


@staged
def _covariances(dataset: Value, weights: Value, factor: Value) -> tuple[Tracer, Tracer]:
    """``(covariance, inv_cov)``: the weighted data covariance (``jnp.cov`` with
    ``aweights``, ``bias=False``) times ``factor^2``, and its inverse."""
    trace = trace_of((dataset, weights, factor))
    t, w, f = (lift(v, trace) for v in (dataset, weights, factor))
    mean = reduce_sum(multiply(t, w), axis=1, keepdims=True)
    centered = e("subtract", t, mean)
    scale = e("subtract", 1.0, reduce_sum(multiply(w, w)))  # sum(w) = 1
    cov = e("true_divide", matmul(multiply(centered, w), swapaxes(centered, 0, 1)), scale)
    f2 = astype(multiply(f, f), t.dtype)
    return multiply(cov, f2), e("true_divide", inv(cov), f2)


def _sq_distances(x: Tracer, p: Tracer) -> Tracer:
    """``|x_j - p_i|^2`` for the rows of ``x`` (m, d) and ``p`` (n, d): (m, n)."""

    def pair(xj: Tracer, pi: Tracer) -> Tracer:
        diff = e("subtract", xj, pi)
        return reduce_sum(multiply(diff, diff))

    # named vmap levels, not broadcasting: the compiler sees the pairwise form it expands
    return vmap(vmap(pair, in_axes=(None, 0)), in_axes=(0, None))(x, p)


def _kernel_sums(x: Tracer, p: Tracer, w: Tracer, log_norm: Tracer, in_log: bool) -> Tracer:
    """``sum_i w_i exp(log_norm - |x_j - p_i|^2 / 2)`` for each row ``j`` of ``x`` (its
    log when ``in_log``), ``x`` and ``p`` already whitened."""
    arg = e("subtract", log_norm, multiply(0.5, _sq_distances(x, p)))
    if in_log:
        return logsumexp.traced(e("add", e("log", w), arg), axis=-1)
    return reduce_sum(multiply(w, e("exp", arg)), axis=-1)


def _points(points: Tracer, d: int) -> Tracer:
    if points.dtype.kind == "c":
        raise UnsupportedError("gaussian_kde does not support complex coordinates")
    t = _atleast_2d(points)
    if t.ndim != 2:
        raise ShapeError(f"gaussian_kde: points must have at most 2 dimensions, got {t.shape}")
    if t.shape[0] != d:
        if t.shape[0] == 1 and t.shape[1] == d:
            return reshape(t, (d, 1))
        raise ShapeError(f"points have dimension {t.shape[0]}, dataset has dimension {d}")
    return t


@staged
def _evaluate(in_log: bool, dataset: Value, weights: Value, points: Value, inv_cov: Value) -> Any:
    trace = trace_of((dataset, weights, points, inv_cov))
    data, w, pts, prec = (lift(v, trace) for v in (dataset, weights, points, inv_cov))
    d = data.shape[0]
    pts = _points(pts, d)
    dtype = _inexact(np.result_type(data.dtype, pts.dtype, prec.dtype))
    data, w, pts, prec = (astype(v, dtype) for v in (data, w, pts, prec))
    whitening = cholesky(prec)  # lower: |W^T (x - p)|^2 = (x - p)^T inv_cov (x - p)
    x = matmul(swapaxes(pts, 0, 1), whitening)
    p = matmul(swapaxes(data, 0, 1), whitening)
    log_det = reduce_sum(e("log", diagonal(whitening)))
    log_norm = e("subtract", log_det, 0.5 * d * _LOG_2PI)
    return _kernel_sums(x, p, w, log_norm, in_log)


@staged
def _convolve(covariance: Value, data: Value, weights: Value, means: Value) -> Any:
    """``sum_i w_i N(data_i; mean_j, covariance)`` for each column ``mean_j`` of ``means``
    (the Gaussian kernel convolved with one of variance ``covariance``)."""
    trace = trace_of((covariance, data, weights, means))
    cov, t, w, m = (lift(v, trace) for v in (covariance, data, weights, means))
    d = t.shape[0]
    factor = cholesky(cov)

    def whiten(points: Tracer) -> Tracer:  # L^-1 points, as rows
        z = triangular_solve.traced(factor, points, left_side=True, lower=True)
        return swapaxes(z, 0, 1)

    log_det = reduce_sum(e("log", diagonal(factor)))
    log_norm = e("negative", e("add", log_det, 0.5 * d * _LOG_2PI))
    return _kernel_sums(whiten(m), whiten(t), w, log_norm, False)


@staged
def _box_1d(covariance: Value, dataset: Value, weights: Value, low: Value, high: Value) -> Any:
    trace = trace_of((covariance, dataset, weights, low, high))
    cov, t, w, lo, hi = (lift(v, trace) for v in (covariance, dataset, weights, low, high))
    sigma = e("sqrt", reshape(cov, ()))
    x = reshape(t, t.shape[1:])

    def cdf(limit: Tracer) -> Tracer:
        return ndtr.traced(e("true_divide", e("subtract", limit, x), sigma))

    return reduce_sum(multiply(w, e("subtract", cdf(hi), cdf(lo))))


def _resample(key: Any, dataset: Any, weights: Any, covariance: Any, shape: tuple[int, ...]) -> Any:
    ind_key, eps_key = split(key)
    d, n = dataset.shape
    ind = choice(ind_key, n, shape=shape, p=weights)
    zeros = np.zeros(d, covariance.dtype)
    eps = multivariate_normal(eps_key, zeros, covariance, shape=shape, dtype=dataset.dtype)
    # (*shape, d) -> (d, *shape); JAX's ``.T`` reverses every axis, so its draws only
    # line up with the data for shapes of at most one axis (where both agree)
    eps = eps.transpose((eps.ndim - 1, *range(eps.ndim - 1)))
    return dataset[:, ind] + eps


def _is_scalar(value: Any) -> bool:
    if isinstance(value, (str, bool)):
        return False
    if isinstance(value, (int, float, np.number)):
        return True
    return isinstance(value, (np.ndarray, Tracer)) and value.ndim == 0


@dataclass(frozen=True, init=False)
class gaussian_kde:
    """``jax.scipy.stats.gaussian_kde``: a Gaussian kernel density estimate of
    ``dataset`` (``(n,)`` or ``(d, n)``) with bandwidth ``bw_method`` (``"scott"``, the
    default, ``"silverman"``, a scalar factor, or a callable of the estimate returning
    one) and optional ``weights``."""

    neff: Any
    dataset: Any
    weights: Any
    covariance: Any
    inv_cov: Any

    def __init__(self, dataset: Value, bw_method: BwMethod = None, weights: Value = None):
        data, w, neff = _prepare(dataset, weights)
        for name, value in (("dataset", data), ("weights", w), ("neff", neff)):
            object.__setattr__(self, name, value)
        d = data.shape[0]
        rule = "scott" if bw_method is None else bw_method
        if isinstance(rule, str) and rule == "scott":
            factor = neff ** (-1.0 / (d + 4))
        elif isinstance(rule, str) and rule == "silverman":
            factor = (neff * (d + 2) / 4.0) ** (-1.0 / (d + 4))
        elif _is_scalar(rule):
            factor = rule
        elif callable(rule):
            factor = rule(self)
        else:
            raise ArgumentTypeError(
                "gaussian_kde: `bw_method` should be 'scott', 'silverman', a scalar, or a "
                f"callable, got {bw_method!r}"
            )
        covariance, inv_cov = _covariances(data, w, factor)
        object.__setattr__(self, "covariance", covariance)
        object.__setattr__(self, "inv_cov", inv_cov)

    @property
    def d(self) -> int:
        """The number of dimensions."""
        return int(self.dataset.shape[0])

    @property
    def n(self) -> int:
        """The number of data points."""
        return int(self.dataset.shape[1])

    def evaluate(self, points: Value) -> Any:
        """The density at ``points`` (``(d, m)``, or ``(m,)`` for one dimension)."""
        return _evaluate(False, self.dataset, self.weights, points, self.inv_cov)

    def __call__(self, points: Value) -> Any:
        return self.evaluate(points)

    def pdf(self, x: Value) -> Any:
        """The density at ``x`` (``evaluate``)."""
        return self.evaluate(x)

    def logpdf(self, x: Value) -> Any:
        """The log density at ``x``, a ``logsumexp`` over the data (no underflow)."""
        return _evaluate(True, self.dataset, self.weights, x, self.inv_cov)

    def integrate_gaussian(self, mean: Value, cov: Value) -> Any:
        """The integral of the density times the Gaussian ``N(mean, cov)``."""
        m = np.shape(mean)
        size = int(np.prod(m)) if m else 1
        if size != self.d or sum(s != 1 for s in m) > 1:
            raise ShapeError(f"integrate_gaussian: mean does not have dimension {self.d}")
        if tuple(np.shape(cov)) not in ((self.d, self.d),) + (((), (1,)) if self.d == 1 else ()):
            raise ShapeError(f"integrate_gaussian: covariance does not have dimension {self.d}")
        total = _add_covariance(self.covariance, cov)
        means = _column(mean, self.d)
        return _sum_convolved(total, self.dataset, self.weights, means, None)

    def integrate_box_1d(self, low: Value, high: Value) -> Any:
        """The integral of a one-dimensional density from ``low`` to ``high``."""
        if self.d != 1:
            raise ShapeError("integrate_box_1d() only handles 1D pdfs")
        if np.ndim(low) != 0 or np.ndim(high) != 0:
            raise ShapeError("the limits of integration in integrate_box_1d must be scalars")
        return _box_1d(self.covariance, self.dataset, self.weights, low, high)

    def integrate_kde(self, other: gaussian_kde) -> Any:
        """The integral of the product of this density and ``other``'s."""
        if other.d != self.d:
            raise ShapeError("integrate_kde: KDEs are not the same dimensionality")
        total = _add_covariance(self.covariance, other.covariance)
        small, large = (self, other) if self.n < other.n else (other, self)
        return _sum_convolved(total, large.dataset, large.weights, small.dataset, small.weights)

    def resample(self, key: Any, shape: Sequence[int] = ()) -> Any:
        """``(d, *shape)`` draws from the density with the PRNG ``key``: a data point
        drawn by weight plus Gaussian noise of ``covariance`` (JAX's draws)."""
        shape = tuple(int(s) for s in shape)
        return _resample(key, self.dataset, self.weights, self.covariance, shape)

    def integrate_box(self, low_bounds: Any, high_bounds: Any, maxpts: Any = None) -> Any:
        """Not in JAX either: only ``integrate_box_1d``."""
        raise UnsupportedError("only 1D box integrations are supported; use `integrate_box_1d`")

    def set_bandwidth(self, bw_method: BwMethod = None) -> Any:
        """Not in JAX either: the estimate is immutable."""
        raise UnsupportedError("dynamically changing the bandwidth method is not supported")


@staged
def _add_covariance(a: Value, b: Value) -> Tracer:
    trace = trace_of((a, b))
    ta, tb = lift(a, trace), lift(b, trace)
    return e("add", ta, reshape(tb, ta.shape))


@staged
def _column(mean: Value, d: int) -> Tracer:
    return reshape(lift(mean, trace_of((mean,))), (d, 1))


@staged
def _sum_convolved(
    covariance: Value, data: Value, weights: Value, means: Value, mean_weights: Value
) -> Tracer:
    """``sum_j v_j sum_i w_i N(data_i; mean_j, covariance)`` (``v = 1`` for one mean)."""
    values = _convolve(covariance, data, weights, means)
    if mean_weights is None:
        return reshape(values, ())
    return reduce_sum(multiply(values, lift(mean_weights, trace_of((values, mean_weights)))))


register_node(
    gaussian_kde,
    lambda kde: ((kde.neff, kde.dataset, kde.weights, kde.covariance, kde.inv_cov), None),
    lambda _, children: _unflatten(children),
    ("neff", "dataset", "weights", "covariance", "inv_cov"),
)


def _unflatten(children: Any) -> gaussian_kde:
    kde = gaussian_kde.__new__(gaussian_kde)
    names = ("neff", "dataset", "weights", "covariance", "inv_cov")
    for name, value in zip(names, children):
        object.__setattr__(kde, name, value)
    return kde
