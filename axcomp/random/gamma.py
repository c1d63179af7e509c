"""Gamma sampling (Marsaglia and Tsang's rejection method, as JAX runs it) and the
samplers built on it: ``gamma``, ``loggamma``, ``beta``, ``dirichlet``, ``t``,
``chisquare``, ``f``, ``generalized_normal``, ``ball``.

JAX gives every element its own key (``split(key, a.size)``) and its own rejection loop,
so an element's value depends on how many proposals it rejected. Here the loop runs over
all elements at once: each step draws for the elements still rejecting and keeps the
others, which gives each element exactly the draws of its own loop. Eagerly the loop is a
Python loop over rejection rounds (vectorised over elements); traced, a ``lax.while_loop``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import lax
from .. import numpy as anp
from ..errors import RandomValueError
from ..tracing.tracer import Tracer
from ..transforms import custom_jvp
from . import threefry
from .keys import canonical_shape, check_key, finish
from .params import as_dtype, broadcast_shape, check_shape, sampler_dtype, shape_of, split2
from .rejection import State, keep_where, loop_while_any
from .samplers import rademacher, sample_exponential, sample_normal, sample_uniform


def _gamma_flat(keys: Any, alpha: Any, dtype: np.dtype, log_space: bool) -> Any:
    """One gamma(alpha) sample per key, for keys ``(n, 2)`` and ``alpha`` ``(n,)``."""
    t = dtype.type
    boost = alpha >= t(1)
    a = anp.where(boost, alpha, alpha + t(1))
    d = a - t(1.0 / 3.0)
    c = t(1.0 / 3.0) / anp.sqrt(d)
    key, sub = split2(keys)

    def rejecting(s: State) -> Any:
        _, x2, v3, u = s
        squeeze = u >= t(1) - t(0.0331) * (x2 * x2)
        return squeeze & (anp.log(u) >= x2 * t(0.5) + d * ((t(1) - v3) + anp.log(v3)))

    def propose(s: State) -> State:
        k, x2, v3, u = s
        live = rejecting(s)
        ks = threefry.split_data(k, (3,))
        k_next, k_x, k_u = ks[..., 0, :], ks[..., 1, :], ks[..., 2, :]

        def nonpositive(r: State) -> Any:
            return live & (r[2] <= t(0))

        def redraw(r: State) -> State:
            kk, x, v = r
            go = nonpositive(r)
            kk_next, kk_sub = split2(kk)
            x_new = sample_normal(kk_sub, (), dtype)
            v_new = t(1) + x_new * c
            return keep_where(go, kk_next, kk), keep_where(go, x_new, x), keep_where(go, v_new, v)

        zeros = anp.zeros_like(alpha)
        _, x, v = loop_while_any(nonpositive, redraw, (k_x, zeros, zeros - t(1)))
        u_new = sample_uniform(k_u, (), dtype, 0.0, 1.0)
        return (
            keep_where(live, k_next, k),
            keep_where(live, x * x, x2),
            keep_where(live, v * v * v, v3),
            keep_where(live, u_new, u),
        )

    zeros = anp.zeros_like(alpha)
    _, _, v3, _ = loop_while_any(rejecting, propose, (key, zeros, zeros + t(1), zeros + t(2)))
    if log_space:
        log_samples = -sample_exponential(sub, (), dtype)
        log_boost = anp.where(boost | (log_samples == t(0)), t(0), log_samples * (t(1) / alpha))
        return anp.log(d) + anp.log(v3) + log_boost
    samples = t(1) - sample_uniform(sub, (), dtype, 0.0, 1.0)
    return d * v3 * anp.where(boost, t(1), anp.power(samples, t(1) / alpha))


def _implicitly_differentiated(log_space: bool) -> custom_jvp:
    """Gamma sampling whose derivative in ``alpha`` is JAX's implicit one: the sample
    moves with ``alpha`` so that its CDF stays put, ``dx/da = -(dP(a, x)/da) / p(x; a)``
    (``P`` the regularised lower incomplete gamma, ``p`` the density), not the derivative
    of the accepted proposal."""

    def sample(keys: Any, alpha: Any) -> Any:
        return _gamma_flat(keys, alpha, np.dtype(alpha.dtype), log_space)

    def rule(primals: tuple[Any, ...], tangents: tuple[Any, ...]) -> tuple[Any, Any]:
        keys, alpha = primals
        out = sample(keys, alpha)
        x = out
        if log_space:  # d log(x) = dx / x, with x = exp(out) at least the smallest normal
            x = anp.exp(out)
            x = anp.where(x == 0, np.finfo(np.dtype(alpha.dtype)).tiny, x)
        density = anp.exp((alpha - 1) * anp.log(x) - x - lax.lgamma(alpha))
        dx = -lax.igamma_grad_a(alpha, x) / density
        return out, (dx / x if log_space else dx) * tangents[1]

    fn = custom_jvp(sample)
    fn.defjvp(rule)
    return fn


_GAMMA = {False: _implicitly_differentiated(False), True: _implicitly_differentiated(True)}


def _gamma(data: Any, a: Any, shape: Any, dtype: np.dtype, log_space: bool, name: str) -> Any:
    dims = broadcast_shape(name, shape, a)
    alpha = anp.broadcast_to(as_dtype(a, dtype), dims)
    n = math.prod(dims)
    keys = threefry.split_data(data, (n,))
    alpha = anp.reshape(alpha, (n,))
    if isinstance(keys, Tracer) or isinstance(alpha, Tracer):
        flat = _GAMMA[log_space](keys, alpha)
    else:  # nothing to differentiate: skip custom_jvp's staging
        flat = _gamma_flat(keys, alpha, dtype, log_space)
    return anp.reshape(flat, dims)


def gamma(key: Any, a: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """``jax.random.gamma``: Gamma(a, 1) samples."""
    data = check_key("gamma", key)[0]
    return finish(_gamma(data, a, shape, sampler_dtype("gamma", dtype), False, "gamma"))


def loggamma(key: Any, a: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """``jax.random.loggamma``: the log of Gamma(a, 1) samples, accurate for small ``a``."""
    data = check_key("loggamma", key)[0]
    return finish(_gamma(data, a, shape, sampler_dtype("loggamma", dtype), True, "gamma"))


def beta(key: Any, a: Any, b: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """``jax.random.beta``: ``Ga / (Ga + Gb)`` from two log-gamma draws."""
    data = check_key("beta", key)[0]
    dt = sampler_dtype("beta", dtype)
    dims = broadcast_shape("beta", shape, a, b)
    key_a, key_b = split2(data)
    log_a = _gamma(key_a, anp.broadcast_to(as_dtype(a, dt), dims), dims, dt, True, "gamma")
    log_b = _gamma(key_b, anp.broadcast_to(as_dtype(b, dt), dims), dims, dt, True, "gamma")
    log_max = anp.maximum(log_a, log_b)
    ga, gb = anp.exp(log_a - log_max), anp.exp(log_b - log_max)
    return finish(ga / (ga + gb))


def dirichlet(key: Any, alpha: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """``jax.random.dirichlet``: the softmax of log-gamma draws along the last axis."""
    data = check_key("dirichlet", key)[0]
    dt = sampler_dtype("dirichlet", dtype)
    a_shape = shape_of(alpha)
    if len(a_shape) < 1:
        raise RandomValueError(
            f"dirichlet requires alpha.ndim >= 1, got alpha.ndim == {len(a_shape)}"
        )
    dims = a_shape[:-1] if shape is None else canonical_shape("dirichlet", shape)
    check_shape("dirichlet", dims, a_shape[:-1])
    logs = _gamma(data, as_dtype(alpha, dt), (*dims, a_shape[-1]), dt, True, "gamma")
    unnormalised = anp.exp(logs - anp.max(logs, axis=-1, keepdims=True))
    return finish(unnormalised / anp.sum(unnormalised, axis=-1, keepdims=True))


def t(key: Any, df: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """``jax.random.t``: Student's t, ``n * sqrt(df / 2 / g)`` for ``g`` ~ Gamma(df/2)."""
    data = check_key("t", key)[0]
    dt = sampler_dtype("t", dtype)
    dims = broadcast_shape("t", shape, df)
    half_df = as_dtype(df, dt) / dt.type(2)
    key_n, key_g = split2(data)
    n = sample_normal(key_n, dims, dt)
    g = _gamma(key_g, half_df, dims, dt, False, "gamma")
    return finish(n * anp.sqrt(half_df / g))


def _chisquare(data: Any, df: Any, dims: tuple[int, ...], dt: np.dtype) -> Any:
    log_g = _gamma(data, as_dtype(df, dt) / dt.type(2), dims, dt, True, "gamma")
    return anp.exp(log_g) * dt.type(2)


def chisquare(key: Any, df: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """``jax.random.chisquare``: ``2 * exp(loggamma(df / 2))``."""
    data = check_key("chisquare", key)[0]
    dt = sampler_dtype("chisquare", dtype)
    return finish(_chisquare(data, df, broadcast_shape("chisquare", shape, df), dt))


def f(
    key: Any, dfnum: Any, dfden: Any, shape: Sequence[int] | None = None, dtype: Any = None
) -> Any:
    """``jax.random.f``: the ratio of two scaled chi-square draws."""
    data = check_key("f", key)[0]
    dt = sampler_dtype("f", dtype)
    dims = broadcast_shape("f", shape, dfnum, dfden)
    key_den, key_num = split2(data)
    num = _chisquare(key_num, dfnum, dims, dt) / as_dtype(dfnum, dt)
    den = _chisquare(key_den, dfden, dims, dt) / as_dtype(dfden, dt)
    return finish(num / den)


def _generalized_normal(data: Any, p: Any, dims: tuple[int, ...], dt: np.dtype) -> Any:
    keys = threefry.split_data(data, (2,))
    pp = as_dtype(p, dt)
    g = _gamma(keys[..., 0, :], dt.type(1) / pp, dims, dt, False, "gamma")
    r = rademacher(keys[..., 1, :], dims, dt)
    return r * anp.power(g, dt.type(1) / pp)


def generalized_normal(key: Any, p: float, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """``jax.random.generalized_normal``: density proportional to ``exp(-|x|**p)``."""
    data = check_key("generalized_normal", key)[0]
    dt = sampler_dtype("generalized_normal", dtype)
    dims = canonical_shape("generalized_normal", shape)
    return finish(_generalized_normal(data, p, dims, dt))


def ball(key: Any, d: int, p: float = 2, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """``jax.random.ball``: uniform samples in the unit ``p``-norm ball of dimension ``d``."""
    data = check_key("ball", key)[0]
    dt = sampler_dtype("ball", dtype)
    dims = canonical_shape("ball", shape)
    k1, k2 = split2(data)
    g = _generalized_normal(k1, p, (*dims, int(d)), dt)
    e = sample_exponential(k2, dims, dt)
    pp = as_dtype(p, dt)
    norm = anp.power(anp.sum(anp.power(anp.abs(g), pp), axis=-1) + e, dt.type(1) / pp)
    return finish(g / norm[..., None])
