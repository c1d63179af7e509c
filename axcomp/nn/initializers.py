"""``axcomp.nn.initializers``: JAX's parameter initializers, drawing with
``axcomp.random`` so the same key, shape and dtype give JAX's numbers.

Each factory returns ``init(key, shape, dtype=...)``; ``zeros`` and ``ones`` are
initializers themselves, as in JAX. The default dtype is float32 (JAX with x64 off).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import numpy as anp
from .. import random
from ..errors import RandomValueError, missing_function

Initializer = Callable[..., Any]
_F32 = np.dtype(np.float32)
# The standard deviation of a unit normal truncated to [-2, 2], and the same for the
# modulus of a complex one: JAX divides by them so the result has the asked variance.
_TRUNCATED_STD = 0.87962566103423978
_COMPLEX_TRUNCATED_STD = 0.95311164380491208


def _dt(dtype: Any) -> np.dtype:
    return random.keys.user_dtype(dtype, _F32)


def _shape(shape: Any) -> tuple[int, ...]:
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(d) for d in shape)


def zeros(key: Any, shape: Sequence[int], dtype: Any = None) -> Any:
    """An array of zeros (the key is ignored)."""
    return anp.zeros(_shape(shape), _dt(dtype))


def ones(key: Any, shape: Sequence[int], dtype: Any = None) -> Any:
    """An array of ones (the key is ignored)."""
    return anp.ones(_shape(shape), _dt(dtype))


def constant(value: Any, dtype: Any = None) -> Initializer:
    """An initializer filling arrays with ``value``."""

    def init(key: Any, shape: Sequence[int], dtype: Any = dtype) -> Any:
        return anp.full(_shape(shape), value, dtype=_dt(dtype))

    return init


def uniform(scale: float = 1e-2, dtype: Any = None) -> Initializer:
    """An initializer drawing uniformly from ``[0, scale)``."""

    def init(key: Any, shape: Sequence[int], dtype: Any = dtype) -> Any:
        dt = _dt(dtype)
        return random.uniform(key, shape, dt) * np.asarray(scale, dt)

    return init


def normal(stddev: float = 1e-2, dtype: Any = None) -> Initializer:
    """An initializer drawing from a normal with standard deviation ``stddev``."""

    def init(key: Any, shape: Sequence[int], dtype: Any = dtype) -> Any:
        dt = _dt(dtype)
        return random.normal(key, shape, dt) * np.asarray(stddev, dt)

    return init


def truncated_normal(
    stddev: float = 1e-2, dtype: Any = None, lower: float = -2.0, upper: float = 2.0
) -> Initializer:
    """An initializer drawing from a normal truncated to ``[lower, upper]``, scaled by
    ``stddev`` (the result's deviation is smaller than ``stddev``, as in JAX)."""

    def init(key: Any, shape: Sequence[int], dtype: Any = dtype) -> Any:
        dt = _dt(dtype)
        return random.truncated_normal(key, lower, upper, shape, dt) * np.asarray(stddev, dt)

    return init


def _size(shape: tuple[int, ...], axes: int | Sequence[int], what: str) -> int:
    try:
        return shape[axes] if isinstance(axes, int) else math.prod(shape[i] for i in axes)
    except IndexError:
        raise RandomValueError(
            f"variance_scaling: {what}={axes!r} is out of range for a weights shape {shape}"
        ) from None


def compute_fans(
    shape: tuple[int, ...],
    in_axis: int | Sequence[int] = -2,
    out_axis: int | Sequence[int] = -1,
    batch_axis: int | Sequence[int] = (),
) -> tuple[float, float]:
    """JAX's fan-in and fan-out: the in and out sizes times the receptive field (the
    product of the axes that are neither in, out nor batch)."""
    if isinstance(in_axis, int) and in_axis == -2 and len(shape) <= 1:
        raise RandomValueError(
            f"Can't compute input and output sizes of a {len(shape)}-dimensional weights "
            "tensor with default in_axis. Must be at least 2D or specify in_axis explicitly."
        )
    in_size = _size(shape, in_axis, "in_axis")
    out_size = _size(shape, out_axis, "out_axis")
    batch_size = _size(shape, batch_axis, "batch_axis")
    receptive = math.prod(shape) / in_size / out_size / batch_size
    return in_size * receptive, out_size * receptive


def _complex_uniform(key: Any, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    key_r, key_theta = random.split(key)
    real = np.finfo(dtype).dtype
    r = anp.sqrt(2 * random.uniform(key_r, shape, real)).astype(dtype)
    theta = 2 * np.pi * random.uniform(key_theta, shape, real).astype(dtype)
    return r * anp.exp(1j * theta)


def _complex_truncated_normal(
    key: Any, upper: float, shape: tuple[int, ...], dtype: np.dtype
) -> Any:
    key_r, key_theta = random.split(key)
    real = np.finfo(dtype).dtype
    t = (1 - anp.exp(np.asarray(-(upper**2), dtype))) * random.uniform(key_r, shape, real).astype(
        dtype
    )
    r = anp.sqrt(-anp.log(1 - t))
    theta = 2 * np.pi * random.uniform(key_theta, shape, real).astype(dtype)
    return r * anp.exp(1j * theta)


def variance_scaling(
    scale: float,
    mode: str,
    distribution: str,
    in_axis: int | Sequence[int] = -2,
    out_axis: int | Sequence[int] = -1,
    batch_axis: int | Sequence[int] = (),
    dtype: Any = None,
) -> Initializer:
    """An initializer with variance ``scale / n``, ``n`` the fan-in, fan-out, their mean
    (``fan_avg``) or geometric mean (``fan_geo_avg``), drawn from a truncated normal, a
    normal or a uniform distribution."""
    if mode not in ("fan_in", "fan_out", "fan_avg", "fan_geo_avg"):
        raise RandomValueError(f"invalid mode for variance scaling initializer: {mode}")
    if distribution not in ("truncated_normal", "normal", "uniform"):
        raise RandomValueError(
            f"invalid distribution for variance scaling initializer: {distribution}"
        )

    def init(key: Any, shape: Sequence[int], dtype: Any = dtype) -> Any:
        dims, dt = _shape(shape), _dt(dtype)
        fan_in, fan_out = compute_fans(dims, in_axis, out_axis, batch_axis)
        denominator = {
            "fan_in": fan_in,
            "fan_out": fan_out,
            "fan_avg": (fan_in + fan_out) / 2,
            "fan_geo_avg": (fan_in * fan_out) ** 0.5,
        }[mode]
        variance = np.asarray(scale / denominator, dtype=dt)
        real = np.issubdtype(dt, np.floating)
        if distribution == "truncated_normal":
            if real:
                stddev = np.sqrt(variance) / np.asarray(_TRUNCATED_STD, dt)
                return random.truncated_normal(key, -2, 2, dims, dt) * stddev
            stddev = np.sqrt(variance) / np.asarray(_COMPLEX_TRUNCATED_STD, dt)
            return _complex_truncated_normal(key, 2, dims, dt) * stddev
        if distribution == "normal":
            return random.normal(key, dims, dt) * np.sqrt(variance)
        if real:
            return random.uniform(key, dims, dt, -1) * np.sqrt(3 * variance)
        return _complex_uniform(key, dims, dt) * np.sqrt(variance)

    return init


def _scaled(scale: float, mode: str, distribution: str, doc: str) -> Callable[..., Initializer]:
    def factory(
        in_axis: int | Sequence[int] = -2,
        out_axis: int | Sequence[int] = -1,
        batch_axis: int | Sequence[int] = (),
        dtype: Any = None,
    ) -> Initializer:
        return variance_scaling(scale, mode, distribution, in_axis, out_axis, batch_axis, dtype)

    factory.__doc__ = doc
    return factory


glorot_uniform = _scaled(
    1.0, "fan_avg", "uniform", "Glorot (Xavier) uniform: variance 2 / (fan_in + fan_out)."
)
glorot_normal = _scaled(1.0, "fan_avg", "truncated_normal", "Glorot (Xavier) truncated normal.")
lecun_uniform = _scaled(1.0, "fan_in", "uniform", "LeCun uniform: variance 1 / fan_in.")
lecun_normal = _scaled(1.0, "fan_in", "truncated_normal", "LeCun truncated normal.")
he_uniform = _scaled(2.0, "fan_in", "uniform", "He (Kaiming) uniform: variance 2 / fan_in.")
he_normal = _scaled(2.0, "fan_in", "truncated_normal", "He (Kaiming) truncated normal.")
for _name, _fn in list(globals().items()):
    if _name.split("_")[0] in ("glorot", "lecun", "he"):
        _fn.__name__ = _fn.__qualname__ = _name
xavier_uniform, xavier_normal = glorot_uniform, glorot_normal
kaiming_uniform, kaiming_normal = he_uniform, he_normal


def orthogonal(scale: float = 1.0, column_axis: int = -1, dtype: Any = None) -> Initializer:
    """An initializer of (scaled) orthogonal matrices: the array is read as a matrix whose
    columns lie along ``column_axis``."""

    def init(key: Any, shape: Sequence[int], dtype: Any = dtype) -> Any:
        dims, dt = _shape(shape), _dt(dtype)
        if len(dims) < 2:
            raise RandomValueError("orthogonal initializer requires at least a 2D shape")
        if any(d == 0 for d in dims):
            return anp.zeros(dims, dt)
        n_cols = dims[column_axis]
        n_rows = math.prod(dims) // n_cols
        q = random.orthogonal(key, n_rows, (), dt, n_cols)
        q = anp.reshape(q, (*np.delete(dims, column_axis), n_cols))
        return np.asarray(scale, dt) * anp.moveaxis(q, -1, column_axis)

    return init


def delta_orthogonal(scale: float = 1.0, column_axis: int = -1, dtype: Any = None) -> Initializer:
    """An initializer for 3-, 4- and 5-d convolution kernels: an orthogonal matrix at the
    spatial centre, zeros elsewhere (Xiao et al., 2018)."""

    def init(key: Any, shape: Sequence[int], dtype: Any = dtype) -> Any:
        dims, dt = _shape(shape), _dt(dtype)
        if len(dims) not in (3, 4, 5):
            raise RandomValueError("Delta orthogonal initializer requires a 3D, 4D or 5D shape.")
        if dims[-1] < dims[-2]:
            raise RandomValueError("`fan_in` must be less or equal than `fan_out`. ")
        ortho = orthogonal(scale, column_axis, dt)(key, dims[-2:])
        centre = np.zeros(dims[:-2], dtype=bool)
        centre[tuple((k - 1) // 2 for k in dims[:-2])] = True
        return anp.where(centre[..., None, None], ortho, np.zeros((), dt))

    return init


def __getattr__(name: str) -> Any:
    """A jax.nn.initializers name axcomp lacks: an ``UnsupportedError`` naming it."""
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise missing_function("axcomp.nn.initializers", "jax.nn.initializers", name, __all__)


__all__ = [
    "constant",
    "delta_orthogonal",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "kaiming_normal",
    "kaiming_uniform",
    "lecun_normal",
    "lecun_uniform",
    "normal",
    "ones",
    "orthogonal",
    "truncated_normal",
    "uniform",
    "variance_scaling",
    "xavier_normal",
    "xavier_uniform",
    "zeros",
]
