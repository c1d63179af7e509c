"""Binomial and multinomial sampling as JAX 0.10 does it: geometric-sum inversion where
``n * min(p, 1 - p) <= 10``, Hörmann's BTRS rejection elsewhere, both loops over the
whole array with one key (so every element sees JAX's draws)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import numpy as anp
from . import threefry
from .keys import canonical_shape, check_key, finish
from .params import as_dtype, check_shape, param_dtype, sampler_dtype, shape_of
from .rejection import State, loop_while_any, transformed_rejection
from .samplers import sample_uniform

# log(k!) minus its Stirling approximation for k = 0..9; the series above 9
_STIRLING_TAIL = (
    0.0810614667953272,
    0.0413406959554092,
    0.0276779256849983,
    0.02079067210376509,
    0.0166446911898211,
    0.0138761288230707,
    0.0118967099458917,
    0.0104112652619720,
    0.00925546218271273,
    0.00833056343336287,
)


def _stirling_tail(k: Any) -> Any:
    dt = np.dtype(k.dtype)
    table = np.asarray(_STIRLING_TAIL, dt)
    small = k <= dt.type(9)
    k = anp.clip(k, dt.type(0), dt.type(9))
    kp1sq = (k + 1) * (k + 1)
    approx = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)
    # NaN counts cast to any index: their approximation is the one selected
    index = anp.clip(anp.astype(anp.floor(k), np.int32), 0, 9)
    return anp.where(small, anp.take(table, index), approx)


def _inversion(data: Any, count: Any, prob: Any, shape: tuple[int, ...]) -> Any:
    """Count geometric gaps between successes until they pass ``count``."""
    dt = np.dtype(prob.dtype)
    log1m = anp.log1p(-prob)

    def summing(s: State) -> Any:
        return s[1] <= count

    def draw(s: State) -> State:
        num, total, key = s
        keys = threefry.split_data(key, (2,))
        sub, key = keys[..., 0, :], keys[..., 1, :]  # JAX's order here: subkey first
        num = anp.where(total <= count, num + 1, num)
        gap = anp.ceil(anp.log(sample_uniform(sub, shape, dt, 0.0, 1.0)) / log1m)
        return num, total + gap, key

    zeros = anp.zeros(shape, dt)
    return loop_while_any(summing, draw, (zeros, zeros, data))[0] - 1


def _btrs(data: Any, count: Any, prob: Any, shape: tuple[int, ...]) -> Any:
    """Hörmann's transformed rejection with squeeze for binomials (BTRS)."""
    dt = np.dtype(prob.dtype)
    stddev = anp.sqrt(count * prob * (1 - prob))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * prob
    c = count * prob + 0.5
    v_r = 0.92 - 4.2 / b
    r = prob / (1 - prob)
    alpha = (2.83 + 5.1 / b) * stddev
    m = anp.floor((count + 1) * prob)

    def candidate(u: Any, v: Any) -> tuple[Any, Any]:
        u = u - 0.5
        us = 0.5 - anp.abs(u)
        accept1 = (us >= 0.07) & (v <= v_r)
        k = anp.floor((2 * a / us + b) * u + c)
        reject = (k < 0) | (k > count)
        v = anp.log(v * alpha / (a / (us * us) + b))
        ub = (
            (m + 0.5) * anp.log((m + 1) / (r * (count - m + 1)))
            + (count + 1) * anp.log((count - m + 1) / (count - k + 1))
            + (k + 0.5) * anp.log(r * (count - k + 1) / (k + 1))
            + _stirling_tail(m)
            + _stirling_tail(count - m)
            - _stirling_tail(k)
            - _stirling_tail(count - k)
        )
        return k, accept1 | (~reject & (v <= ub))

    return transformed_rejection(data, shape, dt, candidate)


def _binomial(data: Any, n: Any, p: Any, dims: tuple[int, ...], dtype: np.dtype) -> Any:
    # both methods run on every element and one is selected: the other one's NaNs, zero
    # divisions and overflows are expected, not signs of trouble
    with np.errstate(all="ignore"):
        return _binomial_both(data, n, p, dims, dtype)


def _binomial_both(data: Any, n: Any, p: Any, dims: tuple[int, ...], dtype: np.dtype) -> Any:
    pdt = param_dtype(p)
    prob = anp.broadcast_to(as_dtype(p, pdt), dims)
    count = anp.broadcast_to(as_dtype(n, pdt), dims)
    t = pdt.type
    p_lt_half = prob < t(0.5)
    q = anp.where(p_lt_half, prob, t(1) - prob)
    count_bad = (count != count) | (count < t(0))
    count_inf = anp.isinf(count)
    q_nan, q_neg = q != q, q < t(0)
    q = anp.where(q_nan | q_neg, t(0.01), q)
    use_inversion = count_bad | (count * q <= t(10))
    count = anp.floor(count)
    inverted = _inversion(data, anp.where(use_inversion, count, t(0)), q, dims)
    rejected = _btrs(
        data, anp.where(use_inversion, t(1e4), count), anp.where(use_inversion, t(0.5), q), dims
    )
    samples = anp.astype(anp.where(use_inversion, inverted, rejected), dtype)
    invalid = q_neg | q_nan | count_bad
    samples = anp.where(invalid, dtype.type(np.nan), samples)
    samples = anp.where(count_inf & ~invalid, dtype.type(np.inf), samples)
    keep = p_lt_half | count_bad | q_nan | count_inf
    return anp.where(keep, samples, anp.astype(count, dtype) - samples)


def binomial(
    key: Any, n: Any, p: Any, shape: Sequence[int] | None = None, dtype: Any = None
) -> Any:
    """``jax.random.binomial``: successes in ``n`` trials of probability ``p`` (floats,
    NaN for invalid parameters, as in JAX)."""
    data = check_key("binomial", key)[0]
    dt = sampler_dtype("binomial", dtype)
    params = (shape_of(n), shape_of(p))
    if shape is None:
        dims = tuple(np.broadcast_shapes(*params))
    else:
        dims = canonical_shape("binomial", shape)
        check_shape("binomial", dims, *params)
    return finish(_binomial(data, n, p, dims, dt))


def multinomial(
    key: Any, n: Any, p: Any, *, shape: Sequence[int] | None = None, dtype: Any = None
) -> Any:
    """``jax.random.multinomial``: counts per category of ``n`` draws with probabilities
    ``p`` (last axis), by one conditional binomial per category."""
    data = check_key("multinomial", key)[0]
    dt = sampler_dtype("multinomial", dtype)
    pdt = np.result_type(param_dtype(n), param_dtype(p))
    dims = shape_of(p) if shape is None else canonical_shape("multinomial", shape)
    remainder = anp.broadcast_to(as_dtype(n, pdt), dims[:-1])
    probs = anp.moveaxis(anp.broadcast_to(as_dtype(p, pdt), dims), -1, 0)
    remaining = anp.flip(anp.cumsum(anp.flip(probs, 0), axis=0), 0)
    ratios = probs / anp.where(remaining == pdt.type(0), pdt.type(1), remaining)
    keys = threefry.split_data(data, (dims[-1],))
    counts = []
    for i in range(dims[-1]):  # a scan over the categories, unrolled
        ratio = anp.clip(ratios[i], pdt.type(0), pdt.type(1))
        count = _binomial(keys[..., i, :], remainder, ratio, dims[:-1], pdt)
        remainder = remainder - count
        counts.append(count)
    return finish(anp.astype(anp.stack(counts, axis=-1), dt))
