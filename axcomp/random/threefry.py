"""Threefry-2x32, the hash behind JAX's default PRNG, and the key operations built on it
(seeding, splitting, folding in, drawing bits), on raw ``uint32[..., 2]`` key data.

This is the counterpart of JAX's ``threefry2x32.py``. Every function is written with
``axcomp.numpy``, so it runs as vectorised uint32 NumPy on arrays and records the same
operations on traced keys under ``jit`` and ``vmap``. The counters are always static (they
depend on shapes only), so they are NumPy constants even when the key is traced.

JAX 0.10 sets ``jax_threefry_partitionable``: the counter of element ``i`` of a draw of
shape ``s`` is the 64-bit ``i`` split in two 32-bit words, and 32 random bits are the
xor of the hash's two outputs.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import numpy as anp
from ..config import config

_U32 = np.uint32
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = _U32(0x1BD11BDA)  # Threefish's key-schedule constant
_UINTS = {8: np.uint8, 16: np.uint16, 32: np.uint32, 64: np.uint64}


def _rotate_left(x: Any, d: int) -> Any:
    return anp.bitwise_or(anp.left_shift(x, _U32(d)), anp.right_shift(x, _U32(32 - d)))


def hash2x32(k1: Any, k2: Any, x1: Any, x2: Any) -> tuple[Any, Any]:
    """Threefry-2x32 with 20 rounds: keys ``k1, k2`` and counters ``x1, x2`` (uint32,
    broadcastable) to two uint32 words per counter."""
    with np.errstate(over="ignore"):  # uint32 sums wrap on purpose (NumPy scalars warn)
        ks = (k1, k2, k1 ^ k2 ^ _PARITY)
        x1 = x1 + ks[0]
        x2 = x2 + ks[1]
        for i in range(5):
            for r in _ROTATIONS[i % 2]:
                x1 = x1 + x2
                x2 = x1 ^ _rotate_left(x2, r)
            x1 = x1 + ks[(i + 1) % 3]
            x2 = x2 + ks[(i + 2) % 3] + _U32(i + 1)
    return x1, x2


def counters(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The high and low 32-bit words of ``arange(prod(shape))`` in ``shape`` (uint64
    counters, so draws of more than 2**32 elements do not repeat)."""
    flat = np.arange(math.prod(shape), dtype=np.uint64).reshape(shape)
    return (flat >> np.uint64(32)).astype(_U32), (flat & np.uint64(0xFFFFFFFF)).astype(_U32)


def seed_data(seed: Any) -> Any:
    """``uint32[2]`` key data from an integer seed, as JAX: with x64 off the seed becomes
    an int32 (its low 32 bits), so the high word is 0 and the low word its bits; with x64
    on it is an int64 whose two halves are the words."""
    wide = config.jax_enable_x64
    if isinstance(seed, int):
        bits = seed & 0xFFFFFFFFFFFFFFFF
        high = (bits >> 32) if wide else 0
        return np.array([high, bits & 0xFFFFFFFF], dtype=_U32)
    if _is_u32(seed):
        return anp.stack([anp.zeros_like(seed), seed])
    as64 = anp.asarray(seed).astype(np.int64)
    low = as64.astype(_U32)
    if not wide:
        return anp.stack([anp.zeros_like(low), low])
    high = anp.right_shift(as64.astype(np.uint64), np.uint64(32)).astype(_U32)
    return anp.stack([high, low])


def _is_u32(x: Any) -> bool:
    return bool(np.dtype(x.dtype) == _U32)


def _words(key: Any, ndim: int) -> tuple[Any, Any]:
    """The two words of key data ``(*batch, 2)``, shaped to broadcast against counters of
    ``ndim`` dimensions (one draw per key of a batch)."""
    k1, k2 = key[..., 0], key[..., 1]
    if ndim and k1.ndim:
        k1 = anp.reshape(k1, (*k1.shape, *(1,) * ndim))
        k2 = anp.reshape(k2, (*k2.shape, *(1,) * ndim))
    return k1, k2


def split_data(key: Any, shape: tuple[int, ...]) -> Any:
    """The data of ``split(key, shape)``: one hash per new key, the two words its data.
    Key data ``(*batch, 2)`` gives ``(*batch, *shape, 2)``."""
    hi, lo = counters(shape)
    b1, b2 = hash2x32(*_words(key, len(shape)), hi, lo)
    return anp.stack([b1, b2], axis=-1)


def fold_in_data(key: Any, data: Any) -> Any:
    """The data of ``fold_in(key, data)`` for a uint32 scalar ``data``: the hash of the
    counter pair (0, data), as JAX hashes a seed made from ``data``."""
    b1, b2 = hash2x32(key[..., 0], key[..., 1], _U32(0), data)
    return anp.stack([b1, b2])


def random_bits(key: Any, bit_width: int, shape: tuple[int, ...]) -> Any:
    """``bit_width`` random bits per element of ``shape`` as ``uint{bit_width}`` (key data
    ``(*batch, 2)`` gives ``(*batch, *shape)``: one draw per key)."""
    hi, lo = counters(shape)
    b1, b2 = hash2x32(*_words(key, len(shape)), hi, lo)
    dtype = _UINTS[bit_width]
    if bit_width == 64:
        return anp.bitwise_or(
            anp.left_shift(b1.astype(np.uint64), np.uint64(32)), b2.astype(np.uint64)
        )
    bits = b1 ^ b2
    return bits if bit_width == 32 else bits.astype(dtype)
