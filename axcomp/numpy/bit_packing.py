"""Bit packing in ``jax.numpy``: ``packbits`` (each 8 truth values along an axis as one
uint8) and ``unpackbits`` (each uint8 as its 8 bits), big- or little-endian bit order."""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..errors import ArgumentTypeError, ArgumentValueError
from ..tracing.build import normalize_axis
from .dispatch import numpy_function
from .namespace import jnp as _jnp


def _bit_weights(bitorder: str) -> np.ndarray:
    if bitorder not in ("big", "little"):
        raise ArgumentValueError("'order' must be either 'little' or 'big'")
    powers = np.arange(8) if bitorder == "little" else np.arange(7, -1, -1)
    return (1 << powers).astype(np.uint8)


def _flat_or_axis(t: Any, axis: Any) -> tuple[Any, int]:
    if axis is None:
        return _jnp.ravel(t), 0
    return t, normalize_axis(operator.index(axis), t.ndim, "axis")


@numpy_function()
def packbits(a: Any, axis: int | None = None, bitorder: str = "big") -> Any:
    t = _jnp.asarray(a)
    if t.dtype.kind not in "biu":
        raise ArgumentTypeError("Expected an input array of integer or boolean data type")
    weights = _bit_weights(bitorder)
    t, ax = _flat_or_axis(t, axis)
    bits = _jnp.moveaxis(_jnp.astype(_jnp.not_equal(t, 0), np.uint8), ax, -1)
    n = bits.shape[-1]
    extra = -n % 8
    if extra:
        bits = _jnp.concatenate([bits, np.zeros((*bits.shape[:-1], extra), np.uint8)], -1)
    groups = _jnp.reshape(bits, (*bits.shape[:-1], (n + extra) // 8, 8))
    packed = _jnp.sum(_jnp.multiply(groups, weights), axis=-1, dtype=np.uint8)
    return _jnp.moveaxis(packed, -1, ax)


@numpy_function()
def unpackbits(
    a: Any, axis: int | None = None, count: int | None = None, bitorder: str = "big"
) -> Any:
    t = _jnp.asarray(a)
    if t.dtype != np.uint8:
        raise ArgumentTypeError("Expected an input array of unsigned byte data type")
    weights = _bit_weights(bitorder)
    t, ax = _flat_or_axis(t, axis)
    moved = _jnp.moveaxis(t, ax, -1)
    bits = _jnp.astype(_jnp.not_equal(_jnp.bitwise_and(moved[..., None], weights), 0), np.uint8)
    bits = _jnp.reshape(bits, (*moved.shape[:-1], moved.shape[-1] * 8))
    if count is not None:
        n = bits.shape[-1]
        keep = operator.index(count)
        keep = keep if keep >= 0 else max(n + keep, 0)
        if keep > n:  # NumPy pads with zero bits
            bits = _jnp.concatenate([bits, np.zeros((*bits.shape[:-1], keep - n), np.uint8)], -1)
        bits = bits[..., :keep]
    return _jnp.moveaxis(bits, -1, ax)
