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
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import lax
from .. import numpy as anp
from ..errors import RandomValueError
from ..tracing.tracer import Tracer
from ..transforms import custom_jvp
from . import threefry
from .keys import canonical_shape, check_key
from .samplers import (
    _as,
    _broadcast_shape,
    _check_shape,
    _dtype,
    _exponential,
    _finish,
    _normal,
    _shape_of,
    _split2,
    _uniform,
    rademacher,
)

State = tuple[Any, ...]


def _loop(active: Callable[[State], Any], body: Callable[[State], State], state: State) -> State:
    """Run ``body`` while any element is ``active``: a Python loop over NumPy state, a
    ``lax.while_loop`` over traced state."""
    live = active(state)
    while True:
        # traced when the loop's constants are, or once a round comes back traced (lax
        # functions record nodes inside any trace, even on constants): the rest of the
        # rounds then run as a while_loop from there
        if isinstance(live, Tracer) or any(isinstance(x, Tracer) for x in state):
            return tuple(lax.while_loop(lambda s: anp.any(active(s)), body, state))
        if not np.any(live):
            return state
        state = body(state)
        live = active(state)


def _keep(mask: Any, new: Any, old: Any) -> Any:
    m = anp.reshape(mask, (*mask.shape, *(1,) * (old.ndim - mask.ndim)))
    return anp.where(m, new, old)


def _gamma_flat(keys: Any, alpha: Any, dtype: np.dtype, log_space: bool) -> Any:
    """One gamma(alpha) sample per key, for keys ``(n, 2)`` and ``alpha`` ``(n,)``."""
    t = dtype.type
    boost = alpha >= t(1)
    a = anp.where(boost, alpha, alpha + t(1))
    d = a - t(1.0 / 3.0)
    c = t(1.0 / 3.0) / anp.sqrt(d)
    key, sub = _split2(keys)

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
            kk_next, kk_sub = _split2(kk)
            x_new = _normal(kk_sub, (), dtype)
            v_new = t(1) + x_new * c
            return _keep(go, kk_next, kk), _keep(go, x_new, x), _keep(go, v_new, v)

        zeros = anp.zeros_like(alpha)
        _, x, v = _loop(nonpositive, redraw, (k_x, zeros, zeros - t(1)))
        u_new = _uniform(k_u, (), dtype, 0.0, 1.0)
        return (
            _keep(live, k_next, k),
            _keep(live, x * x, x2),
            _keep(live, v * v * v, v3),
            _keep(live, u_new, u),
        )

    zeros = anp.zeros_like(alpha)
    _, _, v3, _ = _loop(rejecting, propose, (key, zeros, zeros + t(1), zeros + t(2)))
    if log_space:
        log_samples = -_exponential(sub, (), dtype)
        log_boost = anp.where(boost | (log_samples == t(0)), t(0), log_samples * (t(1) / alpha))
        return anp.log(d) + anp.log(v3) + log_boost
    samples = t(1) - _uniform(sub, (), dtype, 0.0, 1.0)
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
    dims = _broadcast_shape(name, shape, a)
    alpha = anp.broadcast_to(_as(a, dtype), dims)
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
    return _finish(_gamma(data, a, shape, _dtype("gamma", dtype), False, "gamma"))


def loggamma(key: Any, a: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """``jax.random.loggamma``: the log of Gamma(a, 1) samples, accurate for small ``a``."""
    data = check_key("loggamma", key)[0]
    return _finish(_gamma(data, a, shape, _dtype("loggamma", dtype), True, "gamma"))


def beta(key: Any, a: Any, b: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """``jax.random.beta``: ``Ga / (Ga + Gb)`` from two log-gamma draws."""
    data = check_key("beta", key)[0]
    dt = _dtype("beta", dtype)
    dims = _broadcast_shape("beta", shape, a, b)
    key_a, key_b = _split2(data)
    log_a = _gamma(key_a, anp.broadcast_to(_as(a, dt), dims), dims, dt, True, "gamma")
    log_b = _gamma(key_b, anp.broadcast_to(_as(b, dt), dims), dims, dt, True, "gamma")
    log_max = anp.maximum(log_a, log_b)
    ga, gb = anp.exp(log_a - log_max), anp.exp(log_b - log_max)
    return _finish(ga / (ga + gb))


def dirichlet(key: Any, alpha: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """``jax.random.dirichlet``: the softmax of log-gamma draws along the last axis."""
    data = check_key("dirichlet", key)[0]
    dt = _dtype("dirichlet", dtype)
    a_shape = _shape_of(alpha)
    if len(a_shape) < 1:
        raise RandomValueError(
            f"dirichlet requires alpha.ndim >= 1, got alpha.ndim == {len(a_shape)}"
        )
    dims = a_shape[:-1] if shape is None else canonical_shape("dirichlet", shape)
    _check_shape("dirichlet", dims, a_shape[:-1])
    logs = _gamma(data, _as(alpha, dt), (*dims, a_shape[-1]), dt, True, "gamma")
    unnormalised = anp.exp(logs - anp.max(logs, axis=-1, keepdims=True))
    return _finish(unnormalised / anp.sum(unnormalised, axis=-1, keepdims=True))


def t(key: Any, df: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """``jax.random.t``: Student's t, ``n * sqrt(df / 2 / g)`` for ``g`` ~ Gamma(df/2)."""
    data = check_key("t", key)[0]
    dt = _dtype("t", dtype)
    dims = _broadcast_shape("t", shape, df)
    half_df = _as(df, dt) / dt.type(2)
    key_n, key_g = _split2(data)
    n = _normal(key_n, dims, dt)
    g = _gamma(key_g, half_df, dims, dt, False, "gamma")
    return _finish(n * anp.sqrt(half_df / g))


def _chisquare(data: Any, df: Any, dims: tuple[int, ...], dt: np.dtype) -> Any:
    log_g = _gamma(data, _as(df, dt) / dt.type(2), dims, dt, True, "gamma")
    return anp.exp(log_g) * dt.type(2)


def chisquare(key: Any, df: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """``jax.random.chisquare``: ``2 * exp(loggamma(df / 2))``."""
    data = check_key("chisquare", key)[0]
    dt = _dtype("chisquare", dtype)
    return _finish(_chisquare(data, df, _broadcast_shape("chisquare", shape, df), dt))


def f(
    key: Any, dfnum: Any, dfden: Any, shape: Sequence[int] | None = None, dtype: Any = None
) -> Any:
    """``jax.random.f``: the ratio of two scaled chi-square draws."""
    data = check_key("f", key)[0]
    dt = _dtype("f", dtype)
    dims = _broadcast_shape("f", shape, dfnum, dfden)
    key_den, key_num = _split2(data)
    num = _chisquare(key_num, dfnum, dims, dt) / _as(dfnum, dt)
    den = _chisquare(key_den, dfden, dims, dt) / _as(dfden, dt)
    return _finish(num / den)


def _generalized_normal(data: Any, p: Any, dims: tuple[int, ...], dt: np.dtype) -> Any:
    keys = threefry.split_data(data, (2,))
    pp = _as(p, dt)
    g = _gamma(keys[..., 0, :], dt.type(1) / pp, dims, dt, False, "gamma")
    r = rademacher(keys[..., 1, :], dims, dt)
    return r * anp.power(g, dt.type(1) / pp)


def generalized_normal(key: Any, p: float, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """``jax.random.generalized_normal``: density proportional to ``exp(-|x|**p)``."""
    data = check_key("generalized_normal", key)[0]
    dt = _dtype("generalized_normal", dtype)
    dims = canonical_shape("generalized_normal", shape)
    return _finish(_generalized_normal(data, p, dims, dt))


def ball(key: Any, d: int, p: float = 2, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """``jax.random.ball``: uniform samples in the unit ``p``-norm ball of dimension ``d``."""
    data = check_key("ball", key)[0]
    dt = _dtype("ball", dtype)
    dims = canonical_shape("ball", shape)
    k1, k2 = _split2(data)
    g = _generalized_normal(k1, p, (*dims, int(d)), dt)
    e = _exponential(k2, dims, dt)
    pp = _as(p, dt)
    norm = anp.power(anp.sum(anp.power(anp.abs(g), pp), axis=-1) + e, dt.type(1) / pp)
    return _finish(g / norm[..., None])


def transformed_rejection(
    data: Any, shape: tuple[int, ...], dtype: Any, candidate: Callable[[Any, Any], tuple[Any, Any]]
) -> Any:
    """The rejection loop of Hörmann's transformed rejection samplers (``poisson``,
    ``binomial``): each round splits the key in three, draws two uniform arrays ``u, v``
    and keeps, per element, the first candidate ``k`` that ``candidate(u, v)`` accepts."""

    def rejecting(s: State) -> Any:
        return ~s[1]

    def propose(s: State) -> State:
        k_out, accepted, key = s
        keys = threefry.split_data(key, (3,))
        key, k0, k1 = keys[..., 0, :], keys[..., 1, :], keys[..., 2, :]
        k, accept = candidate(
            _uniform(k0, shape, dtype, 0.0, 1.0), _uniform(k1, shape, dtype, 0.0, 1.0)
        )
        return anp.where(accept, k, k_out), accepted | accept, key

    start = (anp.full(shape, np.dtype(dtype).type(-1)), anp.zeros(shape, bool), data)
    return _loop(rejecting, propose, start)[0]


def _poisson_knuth(data: Any, lam: Any, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    """Knuth's method for small rates: count uniforms until their product drops below
    ``exp(-lam)``, every element drawing from the same key each round."""

    def counting(s: State) -> Any:
        return s[2] > -lam

    def draw(s: State) -> State:
        rng, k, log_prod = s
        rng, sub = _split2(rng)
        k = anp.where(log_prod > -lam, k + 1, k)
        return rng, k, log_prod + anp.log(_uniform(sub, shape, np.dtype(np.float32), 0.0, 1.0))

    start = (data, anp.zeros(shape, dtype), anp.zeros(shape, np.float32))
    return anp.astype(_loop(counting, draw, start)[1] - 1, dtype)


def _poisson_rejection(data: Any, lam: Any, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    """Hörmann's transformed rejection with squeeze (PTRS) for large rates."""
    f32 = np.float32
    log_lam = anp.log(lam)
    b = f32(0.931) + f32(2.53) * anp.sqrt(lam)
    a = f32(-0.059) + f32(0.02483) * b
    inv_alpha = f32(1.1239) + f32(1.1328) / (b - f32(3.4))
    v_r = f32(0.9277) - f32(3.6224) / (b - f32(2))

    def candidate(u: Any, v: Any) -> tuple[Any, Any]:
        u = u - f32(0.5)
        u_shifted = f32(0.5) - anp.abs(u)
        k = anp.floor((f32(2) * a / u_shifted + b) * u + lam + f32(0.43))
        s_ = anp.log(v * inv_alpha / (a / (u_shifted * u_shifted) + b))
        t_ = -lam + k * log_lam - lax.lgamma(k + f32(1))
        accept1 = (u_shifted >= f32(0.07)) & (v <= v_r)
        reject = (k < f32(0)) | ((u_shifted < f32(0.013)) & (v > u_shifted))
        return k, accept1 | (~reject & (s_ <= t_))

    return anp.astype(transformed_rejection(data, shape, lam.dtype, candidate), dtype)


def poisson(key: Any, lam: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """``jax.random.poisson``: Knuth's method where ``lam < 10``, transformed rejection
    elsewhere (both run over the whole array, as in JAX)."""
    data = check_key("poisson", key)[0]
    dt = _dtype("poisson", dtype, np.integer, np.dtype(np.int32))
    dims = _shape_of(lam) if shape is None else canonical_shape("poisson", shape)
    rate = anp.broadcast_to(_as(lam, np.float32), dims)
    f32 = np.float32
    use_knuth = (rate != rate) | (rate < f32(10))
    knuth = _poisson_knuth(data, anp.where(use_knuth, rate, f32(0)), dims, dt)
    rejection = _poisson_rejection(data, anp.where(use_knuth, f32(1e5), rate), dims, dt)
    result = anp.where(use_knuth, knuth, rejection)
    return _finish(anp.where(rate == f32(0), anp.zeros_like(result), result))
