"""``poisson`` as JAX 0.10 samples it: Knuth's product of uniforms where the rate is
below 10, Hörmann's transformed rejection (PTRS) elsewhere, both over the whole array
with one key per round."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import lax
from .. import numpy as anp
from .keys import DEFAULT_INT, canonical_shape, check_key, finish
from .params import as_dtype, sampler_dtype, shape_of, split2
from .rejection import State, loop_while_any, transformed_rejection
from .samplers import sample_uniform


def _poisson_knuth(data: Any, lam: Any, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    """Knuth's method for small rates: count uniforms until their product drops below
    ``exp(-lam)``, every element drawing from the same key each round."""

    def counting(s: State) -> Any:
        return s[2] > -lam

    def draw(s: State) -> State:
        rng, k, log_prod = s
        rng, sub = split2(rng)
        k = anp.where(log_prod > -lam, k + 1, k)
        return (
            rng,
            k,
            log_prod + anp.log(sample_uniform(sub, shape, np.dtype(np.float32), 0.0, 1.0)),
        )

    start = (data, anp.zeros(shape, dtype), anp.zeros(shape, np.float32))
    return anp.astype(loop_while_any(counting, draw, start)[1] - 1, dtype)


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
    dt = sampler_dtype("poisson", dtype, np.integer, DEFAULT_INT)
    dims = shape_of(lam) if shape is None else canonical_shape("poisson", shape)
    rate = anp.broadcast_to(as_dtype(lam, np.float32), dims)
    f32 = np.float32
    use_knuth = (rate != rate) | (rate < f32(10))
    knuth = _poisson_knuth(data, anp.where(use_knuth, rate, f32(0)), dims, dt)
    rejection = _poisson_rejection(data, anp.where(use_knuth, f32(1e5), rate), dims, dt)
    result = anp.where(use_knuth, knuth, rejection)
    return finish(anp.where(rate == f32(0), anp.zeros_like(result), result))
