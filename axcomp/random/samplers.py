"""JAX's samplers (``jax/_src/random/core.py`` in JAX 0.10) over threefry bits, step by
step as JAX takes them, so the same key, shape and dtype give the same numbers: bit for
bit where JAX's arithmetic is exact (``uniform``, ``randint``, ``bernoulli``,
``permutation``, ``choice``), within a few ulp where it goes through ``log``, ``erf_inv``,
``tan`` and friends.

Every function is written with ``axcomp.numpy``/``axcomp.lax``: NumPy on arrays, the axis
graph on traced keys (``jit``, ``vmap`` over keys). Default dtypes are JAX's with x64 off
(float32, int32); an explicit ``float64`` gives what JAX gives with x64 on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import lax
from .. import numpy as anp
from ..errors import RandomKeyError, RandomValueError
from ..tracing.tracer import Tracer
from . import threefry
from .keys import DEFAULT_FLOAT, canonical_shape, finish, user_dtype
from .params import (
    F32,
    I32,
    as_dtype,
    bitcast,
    broadcast_shape,
    check_shape,
    key_data_of,
    param_dtype,
    sampler_dtype,
    shape_of,
    split2,
)

_ONE = np.float32(1)  # lognormal's default sigma, a float32 as in JAX

_INT32 = np.dtype(np.int32)  # randint draws narrow integers as int32, as JAX does


# ------------------------------------------------------------------ helpers


def _linalg(name: str) -> Callable[..., Any]:
    # axcomp.numpy.linalg fills its namespace at import time, out of mypy's sight
    fn: Callable[..., Any] = getattr(anp.linalg, name)
    return fn


# ------------------------------------------------------------------ exact samplers


def sample_uniform(
    data: Any, shape: tuple[int, ...], dtype: np.dtype, minval: Any, maxval: Any
) -> Any:
    """Random mantissa bits under the exponent of 1.0, minus 1, scaled to [minval, maxval)
    (key data ``(*batch, 2)`` draws ``(*batch, *shape)``, one draw per key)."""
    finfo = np.finfo(dtype)
    nbits, nmant = finfo.bits, finfo.nmant
    rng_bits = 8 if nmant < 8 else nbits
    uint = threefry._UINTS[nbits]
    bits = threefry.random_bits(data, rng_bits, shape)
    if rng_bits != nbits:
        bits = bits.astype(uint)
    one_bits = np.array(1.0, dtype).view(uint)
    float_bits = anp.bitwise_or(anp.right_shift(bits, uint(rng_bits - nmant)), one_bits)
    floats = bitcast(float_bits, dtype) - dtype.type(1.0)
    return _scale(floats, dtype, minval, maxval)


def _scale(floats: Any, dtype: np.dtype, minval: Any, maxval: Any) -> Any:
    lo, hi = as_dtype(minval, dtype), as_dtype(maxval, dtype)
    span = hi - lo
    if dtype.itemsize <= 4:
        # XLA fuses ``floats * span + lo`` into one fused multiply-add; in float64 the
        # product of two float32s is exact, so rounding the float64 sum once gives the
        # same (correctly rounded) result.
        wide = as_dtype(floats, np.float64) * as_dtype(span, np.float64) + as_dtype(lo, np.float64)
        return anp.maximum(lo, as_dtype(wide, dtype))
    return anp.maximum(lo, floats * span + lo)


def uniform(
    key: Any, shape: Sequence[int] = (), dtype: Any = None, minval: Any = 0.0, maxval: Any = 1.0
) -> Any:
    """``jax.random.uniform``: floats in ``[minval, maxval)``."""
    data = key_data_of("uniform", key)
    dt = sampler_dtype("uniform", dtype)
    return finish(sample_uniform(data, canonical_shape("uniform", shape), dt, minval, maxval))


def _clip_to(x: Any, dtype: np.dtype) -> Any:
    info = np.iinfo(dtype)
    src = np.iinfo(x.dtype)
    return anp.clip(x, max(info.min, src.min), min(info.max, src.max)).astype(dtype)


def _int_param(x: Any) -> Any:
    if isinstance(x, Tracer):
        return x if np.issubdtype(x.dtype, np.integer) else anp.astype(x, np.int64)
    arr = np.asarray(x)
    return arr if np.issubdtype(arr.dtype, np.integer) else arr.astype(np.int64)


def _randint(data: Any, shape: tuple[int, ...], minval: Any, maxval: Any, dtype: np.dtype) -> Any:
    lo, hi = _int_param(minval), _int_param(maxval)
    check_shape("randint", shape, shape_of(lo), shape_of(hi))
    out_of_range = hi > np.iinfo(dtype).max
    lo, hi = _clip_to(lo, dtype), _clip_to(hi, dtype)
    nbits = dtype.itemsize * 8
    uint = threefry._UINTS[nbits]
    k1, k2 = split2(data)
    higher, lower = threefry.random_bits(k1, nbits, shape), threefry.random_bits(k2, nbits, shape)
    with np.errstate(over="ignore"):  # spans wrap as in XLA's unsigned arithmetic
        span = (hi - lo).astype(uint)
        span = anp.where(hi <= lo, uint(1), span)
        span = anp.where(out_of_range & (hi > lo), span + uint(1), span)
        multiplier = anp.remainder(uint(2 ** (nbits // 2)), span)
        multiplier = anp.remainder(multiplier * multiplier, span)
        offset = anp.remainder(higher, span) * multiplier + anp.remainder(lower, span)
        offset = anp.remainder(offset, span)
        return anp.broadcast_to(lo + offset.astype(dtype), shape)


def randint(key: Any, shape: Sequence[int], minval: Any, maxval: Any, dtype: Any = None) -> Any:
    """``jax.random.randint``: integers in ``[minval, maxval)`` (int32 by default)."""
    data = key_data_of("randint", key)
    dt = user_dtype(dtype, I32)
    if not np.issubdtype(dt, np.integer):
        raise RandomKeyError(f"randint only accepts integer dtypes, got {dt}")
    dims = canonical_shape("randint", shape)
    info = np.iinfo(dt)
    if info.bits < 32:  # JAX samples narrow integers as int32 within their range
        lo = anp.clip(as_dtype(_int_param(minval), _INT32), int(info.min), int(info.max))
        hi = anp.clip(as_dtype(_int_param(maxval), _INT32), int(info.min), int(info.max) + 1)
        return finish(_randint(data, dims, lo, hi, _INT32).astype(dt))
    return finish(_randint(data, dims, minval, maxval, dt))


def bernoulli(key: Any, p: Any = 0.5, shape: Sequence[int] | None = None, mode: str = "low") -> Any:
    """``jax.random.bernoulli``: booleans that are True with probability ``p``."""
    if mode not in ("high", "low"):
        raise RandomValueError(f"bernoulli: mode must be 'high' or 'low', got {mode!r}")
    data = key_data_of("bernoulli", key)
    if isinstance(p, (np.ndarray, np.generic, Tracer)) and not np.issubdtype(p.dtype, np.floating):
        raise RandomKeyError(
            f"bernoulli probability `p` must have a floating dtype, got {p.dtype}."
        )
    dt = param_dtype(p)
    dims = broadcast_shape("bernoulli", shape, p)
    p = as_dtype(p, dt)
    if mode == "high":
        u = sample_uniform(data, (2, *dims), dt, 0.0, 1.0)
        return finish(u[1] * dt.type(2.0 ** -np.finfo(dt).nmant) < p - u[0])
    return finish(sample_uniform(data, dims, dt, 0.0, 1.0) < p)


def _shuffle(data: Any, x: Any, axis: int) -> Any:
    size = math.prod(shape_of(x))
    rounds = int(np.ceil(3 * np.log(max(1, size)) / np.log(np.iinfo(np.uint32).max)))
    for _ in range(rounds):
        data, sub = split2(data)
        sort_keys = threefry.random_bits(sub, 32, shape_of(x))
        if isinstance(sort_keys, Tracer) or isinstance(x, Tracer):
            x = lax.sort_key_val(sort_keys, x, dimension=axis, is_stable=True)[1]
        else:  # the same stable sort, straight in NumPy
            order = np.argsort(sort_keys, axis=axis, kind="stable")
            x = np.take_along_axis(np.asarray(x), order, axis=axis)
    return x


def _canonical_axis(name: str, axis: int, ndim: int) -> int:
    if not -ndim <= axis < ndim:
        raise RandomValueError(f"{name}: axis {axis} is out of bounds for {ndim} dimensions")
    return axis % ndim


def permutation(key: Any, x: Any, axis: int = 0, independent: bool = False) -> Any:
    """``jax.random.permutation``: a shuffled ``arange(x)`` or ``x`` shuffled along
    ``axis`` (each slice on its own with ``independent=True``)."""
    data = key_data_of("permutation", key)
    ndim = len(shape_of(x))
    axis = _canonical_axis("permutation", axis, ndim or 1)
    if not ndim:
        if isinstance(x, Tracer) or not np.issubdtype(np.asarray(x).dtype, np.integer):
            raise RandomKeyError("x must be an integer or at least 1-dimensional")
        return finish(_shuffle(data, np.arange(int(x), dtype=I32.resolve()), 0))
    if independent or ndim == 1:
        return finish(_shuffle(data, x, axis))
    order = _shuffle(data, np.arange(shape_of(x)[axis], dtype=I32.resolve()), 0)
    return finish(anp.take(x, order, axis=axis))


def choice(
    key: Any,
    a: Any,
    shape: Sequence[int] = (),
    replace: bool = True,
    p: Any = None,
    axis: int = 0,
    mode: str | None = None,
) -> Any:
    """``jax.random.choice``: draws from ``arange(a)`` or along ``axis`` of ``a``, with or
    without replacement, uniform or with probabilities ``p``."""
    data = key_data_of("choice", key)
    if not isinstance(shape, Sequence):
        raise RandomKeyError(f"shape argument of jax.random.choice must be a sequence, got {shape}")
    dims = canonical_shape("choice", shape)
    arr = a if isinstance(a, Tracer) else np.asarray(a)
    if arr.ndim == 0:
        if isinstance(arr, Tracer):
            raise RandomKeyError("choice: a scalar `a` must be a concrete integer, not traced")
        n_inputs = int(arr)
        arr = np.asarray(n_inputs, dtype=I32.resolve())
    else:
        axis = _canonical_axis("choice", axis, arr.ndim)
        n_inputs = arr.shape[axis]
    n_draws = math.prod(dims)
    if n_draws == 0:
        return np.zeros(dims, dtype=arr.dtype)
    if n_inputs <= 0:
        raise RandomValueError("a must be greater than 0 unless no samples are taken")
    if not replace and n_draws > n_inputs:
        raise RandomValueError(
            f"Cannot take a larger sample (size {n_draws}) than population (size {n_inputs}) "
            "when 'replace=False'"
        )
    if p is None:
        if replace:
            ind = _randint(data, dims, 0, n_inputs, I32.resolve())
        else:
            perm = _shuffle(data, np.arange(n_inputs, dtype=I32.resolve()), 0)
            ind = perm[:n_draws]
    else:
        dt = param_dtype(p)
        p_arr = as_dtype(p, dt)
        if shape_of(p_arr) != (n_inputs,):
            raise RandomValueError(
                "p must be None or a 1D vector with the same size as a.shape[axis]. "
                f"p has shape {shape_of(p_arr)} and a.shape[axis] is {n_inputs}."
            )
        if replace:
            cuml = anp.cumsum(p_arr)
            r = cuml[-1] * (dt.type(1) - sample_uniform(data, dims, dt, 0.0, 1.0))
            ind = anp.searchsorted(cuml, r).astype(I32.resolve())
        else:
            g = _gumbel(data, (n_inputs,), dt, mode or "low") + anp.log(p_arr)
            ind = lax.top_k(g, n_draws)[1].astype(I32.resolve())
    if arr.ndim == 0:
        return finish(anp.reshape(ind, dims))
    out = anp.take(arr, anp.reshape(ind, (-1,)), axis=axis)
    return finish(anp.reshape(out, (*arr.shape[:axis], *dims, *arr.shape[axis + 1 :])))


def rademacher(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """``jax.random.rademacher``: -1 or 1 with equal probability (int32 by default)."""
    data = key_data_of("rademacher", key)
    dt = user_dtype(dtype, I32)
    unit = DEFAULT_FLOAT.resolve()  # JAX: bernoulli(key, 0.5), a Python float p
    b = sample_uniform(data, canonical_shape("rademacher", shape), unit, 0.0, 1.0) < unit.type(0.5)
    return finish((2 * b.astype(dt) - 1).astype(dt))


# ------------------------------------------------------------------ through transcendentals


def sample_normal(data: Any, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    if np.issubdtype(dtype, np.complexfloating):
        real = np.finfo(dtype).dtype
        kr, ki = split2(data)
        re, im = sample_normal(kr, shape, real), sample_normal(ki, shape, real)
        return (re.astype(dtype) + dtype.type(1j) * im.astype(dtype)) / dtype.type(np.sqrt(2))
    lo = np.nextafter(np.array(-1.0, dtype), np.array(0.0, dtype))
    u = sample_uniform(data, shape, dtype, lo, 1.0)
    with np.errstate(invalid="ignore"):  # erf_inv evaluates both of its branches
        return dtype.type(np.sqrt(2)) * lax.erf_inv(u)


def normal(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """``jax.random.normal``: standard normal samples (``sqrt(2) * erf_inv(u)``)."""
    data = key_data_of("normal", key)
    dt = sampler_dtype("normal", dtype, np.inexact)
    return finish(sample_normal(data, canonical_shape("normal", shape), dt))


def truncated_normal(
    key: Any, lower: Any, upper: Any, shape: Sequence[int] | None = None, dtype: Any = None
) -> Any:
    """``jax.random.truncated_normal``: normal samples within ``(lower, upper)``."""
    data = key_data_of("truncated_normal", key)
    dt = sampler_dtype("truncated_normal", dtype)
    dims = broadcast_shape("truncated_normal", shape, lower, upper)
    sqrt2 = dt.type(np.sqrt(2))
    lo, hi = as_dtype(lower, dt), as_dtype(upper, dt)
    a, b = lax.erf(lo / sqrt2), lax.erf(hi / sqrt2)
    with np.errstate(invalid="ignore"):  # erf_inv evaluates both of its branches
        out = sqrt2 * lax.erf_inv(sample_uniform(data, dims, dt, a, b))
    # the clip bounds carry no gradient (JAX stops it), so grad flows through erf/erf_inv
    floor = anp.nextafter(lax.stop_gradient(lo), dt.type(np.inf))
    ceiling = anp.nextafter(lax.stop_gradient(hi), dt.type(-np.inf))
    return finish(anp.clip(out, floor, ceiling))


def cauchy(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """``jax.random.cauchy``: ``tan(pi * (u - 1/2))``."""
    data = key_data_of("cauchy", key)
    dt = sampler_dtype("cauchy", dtype)
    u = sample_uniform(data, canonical_shape("cauchy", shape), dt, np.finfo(dt).eps, 1.0)
    return finish(anp.tan(dt.type(np.pi) * (u - dt.type(0.5))))


def sample_exponential(data: Any, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    return -anp.log1p(-sample_uniform(data, shape, dtype, 0.0, 1.0))


def exponential(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """``jax.random.exponential``: ``-log1p(-u)``."""
    data = key_data_of("exponential", key)
    dt = sampler_dtype("exponential", dtype)
    return finish(sample_exponential(data, canonical_shape("exponential", shape), dt))


def _bits_to_unit_float32(bits: Any) -> Any:
    """64 random bits (two uint32 words, high first) as a float32 in (0, 1) without
    losing the small values: the leading zeros set the exponent, the next 23 bits the
    mantissa (JAX's ``_safe_int_to_float``)."""
    u32 = np.uint32
    hiclz, loclz = lax.clz(bits[0]), lax.clz(bits[1])
    hi, lo = bits[0], bits[1]
    low_part = anp.where(
        hiclz == u32(32), lax.shift_left(lo, loclz), lax.shift_right_logical(lo, u32(32) - hiclz)
    )
    mantissa = anp.bitwise_or(lax.shift_left(hi, hiclz), low_part)
    mantissa = anp.bitwise_and(anp.right_shift(mantissa, u32(8)), u32((1 << 23) - 1))
    zeros = anp.where(hiclz == u32(32), u32(32) + loclz, hiclz)
    exponent = anp.left_shift(u32(126) - zeros, u32(23))
    exponent = anp.bitwise_and(exponent, u32((1 << 30) - (1 << 22)))
    return bitcast(anp.bitwise_or(exponent, mantissa), np.dtype(np.float32))


def _gumbel_highest(data: Any, shape: tuple[int, ...]) -> Any:
    """float32 Gumbel samples from 64 bits each, accurate far into both tails."""
    u32 = np.uint32
    bits = threefry.random_bits(data, 32, (2, *shape))
    neg = anp.bitwise_not(bits)
    carry = anp.astype(neg[1] == u32(0xFFFFFFFF), u32)
    with np.errstate(over="ignore"):  # the two's complement of the 64-bit pair
        neg = anp.stack([neg[0] + carry, neg[1] + u32(1)])
    flip = bits[0] < u32(1 << 31)
    x = _bits_to_unit_float32(anp.where(flip, bits, neg))
    with np.errstate(divide="ignore"):
        return anp.where(flip, -anp.log(-anp.log1p(-x)), -anp.log(-anp.log(x)))


def _gumbel(data: Any, shape: tuple[int, ...], dtype: np.dtype, mode: str) -> Any:
    info = np.finfo(dtype)
    if mode == "highest" and dtype == np.float32:
        return _gumbel_highest(data, shape)
    if mode in ("high", "highest"):
        u = sample_uniform(data, (2, *shape), dtype, 0.0, 1.0)
        high, low = u[0], u[1]
        x = anp.where(
            high >= dtype.type(0.5),
            high,
            high + dtype.type(2.0**-info.nmant) * low + dtype.type(info.tiny),
        )
        return -anp.log(-anp.log1p(-x))
    return -anp.log(-anp.log(sample_uniform(data, shape, dtype, info.tiny, 1.0)))


def _gumbel_mode(mode: str | None) -> str:
    if mode not in (None, "low", "high", "highest"):
        raise RandomValueError(
            f"gumbel: mode must be None, 'low', 'high' or 'highest', got {mode!r}"
        )
    return mode or "low"


def gumbel(key: Any, shape: Sequence[int] = (), dtype: Any = None, mode: str | None = None) -> Any:
    """``jax.random.gumbel``: ``-log(-log(u))`` (``mode='high'`` and ``'highest'`` for
    more range in the tails)."""
    data = key_data_of("gumbel", key)
    dt = sampler_dtype("gumbel", dtype)
    return finish(_gumbel(data, canonical_shape("gumbel", shape), dt, _gumbel_mode(mode)))


def categorical(
    key: Any,
    logits: Any,
    axis: int = -1,
    shape: Sequence[int] | None = None,
    replace: bool = True,
    mode: str | None = None,
) -> Any:
    """``jax.random.categorical``: indices drawn with probabilities ``softmax(logits)``
    along ``axis`` (the Gumbel-max trick, as JAX)."""
    data = key_data_of("categorical", key)
    arr = logits if isinstance(logits, Tracer) else np.asarray(logits)
    if not np.issubdtype(arr.dtype, np.floating):
        arr = anp.astype(arr, F32)
    ndim = arr.ndim
    axis = _canonical_axis("categorical", axis, ndim)
    batch_shape = tuple(d for i, d in enumerate(arr.shape) if i != axis)
    dims = batch_shape if shape is None else canonical_shape("categorical", shape)
    check_shape("categorical", dims, batch_shape)
    prefix = dims[: len(dims) - len(batch_shape)]
    dt = np.dtype(arr.dtype)
    gmode = _gumbel_mode(mode)
    if replace:
        g_shape = list(dims[len(prefix) :])
        g_shape.insert(axis, arr.shape[axis])
        g = _gumbel(data, (*prefix, *g_shape), dt, gmode)
        return finish(anp.argmax(g + arr, axis=axis - ndim).astype(I32.resolve()))
    perturbed = arr + _gumbel(data, arr.shape, dt, gmode)
    k = math.prod(prefix)
    if k > arr.shape[axis]:
        raise RandomValueError(
            f"Number of samples without replacement ({k}) cannot exceed number of "
            f"categories ({arr.shape[axis]})."
        )
    indices = lax.top_k(anp.moveaxis(perturbed, axis, -1), k)[1]
    indices = anp.moveaxis(indices, -1, 0)
    return finish(anp.reshape(indices, dims).astype(I32.resolve()))


def laplace(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """``jax.random.laplace``: ``sign(u) * log1p(-|u|)`` for ``u`` in (-1, 1)."""
    data = key_data_of("laplace", key)
    dt = sampler_dtype("laplace", dtype)
    lo = dt.type(-1.0) + dt.type(np.finfo(dt).epsneg)
    u = sample_uniform(data, canonical_shape("laplace", shape), dt, lo, 1.0)
    return finish(anp.sign(u) * anp.log1p(-anp.abs(u)))


def logistic(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """``jax.random.logistic``: ``log(u) - log1p(-u)``."""
    data = key_data_of("logistic", key)
    dt = sampler_dtype("logistic", dtype)
    x = sample_uniform(data, canonical_shape("logistic", shape), dt, np.finfo(dt).tiny, 1.0)
    return finish(anp.log(x) - anp.log1p(-x))


def pareto(key: Any, b: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """``jax.random.pareto``: ``exp(e / b)`` for exponential ``e``."""
    data = key_data_of("pareto", key)
    dt = sampler_dtype("pareto", dtype)
    dims = broadcast_shape("pareto", shape, b)
    return finish(anp.exp(sample_exponential(data, dims, dt) / as_dtype(b, dt)))


def _normal_float(name: str, key: Any, dtype: Any) -> tuple[Any, np.dtype]:
    return key_data_of(name, key), sampler_dtype(name, dtype)


def maxwell(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """``jax.random.maxwell``: the norm of three standard normals."""
    data, dt = _normal_float("maxwell", key, dtype)
    return finish(_maxwell(data, canonical_shape("maxwell", shape), dt))


def _maxwell(data: Any, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    z = sample_normal(data, (*shape, 3), dtype)
    return anp.sqrt(anp.sum(z * z, axis=-1))


def double_sided_maxwell(
    key: Any, loc: Any, scale: Any, shape: Sequence[int] = (), dtype: Any = None
) -> Any:
    """``jax.random.double_sided_maxwell``: a Maxwell sample with a random sign, scaled
    and shifted (``shape`` is prepended to the parameters' broadcast shape, as in JAX)."""
    data, dt = _normal_float("double_sided_maxwell", key, dtype)
    params = tuple(np.broadcast_shapes(shape_of(loc), shape_of(scale)))
    dims = canonical_shape("double_sided_maxwell", shape) or params
    dims = (*dims, *params)
    k_maxwell, k_sign = split2(data)
    m = _maxwell(k_maxwell, dims, dt)
    sign = sample_uniform(k_sign, dims, DEFAULT_FLOAT.resolve(), 0.0, 1.0) < 0.5
    sign = (2 * sign.astype(dt) - 1).astype(dt)
    return finish(sign * m * as_dtype(scale, dt) + as_dtype(loc, dt))


def weibull_min(
    key: Any, scale: Any, concentration: Any, shape: Sequence[int] = (), dtype: Any = None
) -> Any:
    """``jax.random.weibull_min``: ``(-log1p(-u)) ** (1 / concentration) * scale``."""
    data, dt = _normal_float("weibull_min", key, dtype)
    u = sample_uniform(data, canonical_shape("weibull_min", shape), dt, 0.0, 1.0)
    c, s = as_dtype(concentration, dt), as_dtype(scale, dt)
    return finish(anp.power(-anp.log1p(-u), dt.type(1.0) / c) * s)


def rayleigh(key: Any, scale: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """``jax.random.rayleigh``: ``scale * sqrt(-2 log u)``."""
    data, dt = _normal_float("rayleigh", key, dtype)
    dims = broadcast_shape("rayleigh", shape, scale)
    u = sample_uniform(data, dims, dt, 0.0, 1.0)
    return finish(as_dtype(scale, dt) * anp.sqrt(anp.log(u) * dt.type(-2)))


def wald(key: Any, mean: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """``jax.random.wald``: the inverse Gaussian, by Michael, Schucany and Haas."""
    data, dt = _normal_float("wald", key, dtype)
    dims = broadcast_shape("wald", shape, mean)
    k1, k2 = split2(data)
    mu = anp.broadcast_to(as_dtype(mean, dt), dims)
    v = sample_normal(k1, dims, dt)
    z = sample_uniform(k2, dims, dt, 0.0, 1.0)
    y = v * v
    mean_sq = mu * mu
    root = anp.sqrt(dt.type(4) * mu * y + mean_sq * (y * y))
    x = mu + mean_sq * y / dt.type(2) - mu / dt.type(2) * root
    return finish(anp.where(z <= mu / (mu + x), x, mean_sq / x))


def geometric(key: Any, p: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """``jax.random.geometric``: the number of Bernoulli(p) trials to the first success."""
    data = key_data_of("geometric", key)
    dt = sampler_dtype("geometric", dtype, np.integer, I32)
    dims = broadcast_shape("geometric", shape, p)
    pdt = param_dtype(p)
    u = sample_uniform(data, dims, pdt, 0.0, 1.0)
    u = anp.where(u == pdt.type(0), pdt.type(1), u)
    g = anp.floor(anp.log(u) / anp.log1p(-as_dtype(p, pdt))) + pdt.type(1)
    return finish(g.astype(dt))


def triangular(
    key: Any,
    left: Any,
    mode: Any,
    right: Any,
    shape: Sequence[int] | None = None,
    dtype: Any = None,
) -> Any:
    """``jax.random.triangular``: inverse-CDF sampling of the triangular distribution."""
    data, dt = _normal_float("triangular", key, dtype)
    dims = broadcast_shape("triangular", shape, left, mode, right)
    lft, mid, rgt = (anp.broadcast_to(as_dtype(v, dt), dims) for v in (left, mode, right))
    fc = (mid - lft) / (rgt - lft)
    u = sample_uniform(data, dims, dt, 0.0, 1.0)
    out1 = lft + anp.sqrt(u * (rgt - lft) * (mid - lft))
    out2 = rgt - anp.sqrt((dt.type(1) - u) * (rgt - lft) * (rgt - mid))
    return finish(anp.where(u < fc, out1, out2))


def lognormal(
    key: Any, sigma: Any = _ONE, shape: Sequence[int] | None = None, dtype: Any = None
) -> Any:
    """``jax.random.lognormal``: ``exp(sigma * z)`` for standard normal ``z``."""
    data = key_data_of("lognormal", key)
    dt = sampler_dtype("lognormal", dtype, np.inexact)
    dims = broadcast_shape("lognormal", shape, sigma)
    return finish(anp.exp(sample_normal(data, dims, dt) * as_dtype(sigma, dt)))


def multivariate_normal(
    key: Any,
    mean: Any,
    cov: Any,
    shape: Sequence[int] | None = None,
    dtype: Any = None,
    method: str = "cholesky",
) -> Any:
    """``jax.random.multivariate_normal``: ``mean + factor @ z`` with ``factor`` from a
    Cholesky (default), SVD or eigh factorisation of ``cov``."""
    data = key_data_of("multivariate_normal", key)
    if method not in ("svd", "eigh", "cholesky"):
        raise RandomValueError(
            f"method must be one of {{'svd', 'eigh', 'cholesky'}}, got {method!r}"
        )
    common = np.result_type(param_dtype(mean), param_dtype(cov))
    dt = sampler_dtype("multivariate_normal", common if dtype is None else dtype)
    mu, sigma = as_dtype(mean, common), as_dtype(cov, common)
    if mu.ndim < 1:
        raise RandomValueError(
            f"multivariate_normal requires mean.ndim >= 1, got mean.ndim == {mu.ndim}"
        )
    if sigma.ndim < 2:
        raise RandomValueError(
            f"multivariate_normal requires cov.ndim >= 2, got cov.ndim == {sigma.ndim}"
        )
    n = mu.shape[-1]
    if tuple(sigma.shape[-2:]) != (n, n):
        raise RandomValueError(
            f"multivariate_normal requires cov.shape == (..., n, n) for n={n}, but got "
            f"cov.shape == {tuple(sigma.shape)}."
        )
    batch = (tuple(mu.shape[:-1]), tuple(sigma.shape[:-2]))
    if shape is None:
        dims = tuple(np.broadcast_shapes(*batch))
    else:
        dims = canonical_shape("multivariate_normal", shape)
        check_shape("normal", dims, *batch)
    if method == "svd":
        u, s, _ = _linalg("svd")(sigma)
        factor = u * anp.sqrt(s[..., None, :])
    elif method == "eigh":
        w, v = _linalg("eigh")(sigma)
        factor = v * anp.sqrt(w[..., None, :])
    else:
        factor = _linalg("cholesky")(sigma)
    z = sample_normal(data, (*dims, n), dt)
    return finish(mu + anp.einsum("...ij,...j->...i", factor, z))


def orthogonal(
    key: Any, n: int, shape: Sequence[int] = (), dtype: Any = None, m: int | None = None
) -> Any:
    """``jax.random.orthogonal``: Haar-random ``n x m`` matrices with orthonormal columns
    (or rows), by QR of a normal matrix with the signs of R's diagonal."""
    data = key_data_of("orthogonal", key)
    dt = sampler_dtype("orthogonal", dtype, np.inexact)
    rows, cols = int(n), int(n if m is None else m)
    dims = canonical_shape("orthogonal", shape)
    z = sample_normal(data, (*dims, max(rows, cols), min(rows, cols)), dt)
    q, r = _linalg("qr")(z)
    d = anp.diagonal(r, axis1=-2, axis2=-1)
    x = q * anp.expand_dims(anp.sign(d), -2)
    return finish(anp.swapaxes(x, -1, -2) if rows < cols else x)
