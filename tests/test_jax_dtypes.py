"""``axcomp.dtypes`` (``jax.dtypes``) and ``issubdtype`` with typed PRNG keys: the answers
JAX 0.10.2 gives with ``jax_enable_x64`` on (axcomp's dtypes are NumPy's, 64-bit kept)."""

from __future__ import annotations

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp import dtypes


def test_key_dtypes_are_prng_keys_and_nothing_numpy() -> None:
    key = ax.random.key(0)
    assert anp.issubdtype(key.dtype, dtypes.prng_key)
    assert anp.issubdtype(key.dtype, dtypes.extended)
    assert anp.issubdtype(key.dtype, key.dtype)
    for numpy_type in (anp.floating, anp.integer, np.generic, np.number):
        assert not anp.issubdtype(key.dtype, numpy_type)  # JAX: False; it raised here
    assert not anp.issubdtype(np.float32, dtypes.prng_key)
    assert not anp.issubdtype(np.float32, dtypes.extended)
    assert anp.issubdtype(np.float32, np.floating)  # NumPy's rule otherwise
    assert dtypes.issubdtype(np.int8, np.signedinteger)


def test_the_helpers_answer_as_jax_with_x64() -> None:
    assert dtypes.canonicalize_dtype(np.float64) == np.float64
    assert dtypes.canonicalize_dtype(float) == np.float64
    assert dtypes.canonicalize_dtype(int) == np.int64
    assert dtypes.result_type(1, 2.0) == np.float64
    assert dtypes.result_type(np.float32, 2.0) == np.float32  # a Python float is weak
    assert dtypes.float0 == np.dtype([("float0", np.void, 0)]) and dtypes.float0.itemsize == 0
    assert dtypes.finfo(np.float32).eps == np.finfo(np.float32).eps
    assert dtypes.iinfo(np.int8).max == 127
    assert dtypes.scalar_type_of(1.0) is float
    assert dtypes.scalar_type_of(np.ones(1, np.int32)) is int
    assert dtypes.scalar_type_of(np.array(True)) is bool
    assert dtypes.scalar_type_of(np.ones(1, np.complex64)) is complex
    assert dtypes.itemsize_bits(np.float16) == 16 and dtypes.itemsize_bits(bool) == 8


def test_extended_dtypes_are_refused_where_a_numpy_one_is_needed() -> None:
    key = ax.random.key(0)
    with pytest.raises(ValueError, match="extended dtype"):
        dtypes.canonicalize_dtype(key.dtype)
    assert dtypes.canonicalize_dtype(key.dtype, allow_extended_dtype=True) is key.dtype
    assert isinstance(dtypes.TypePromotionError("x"), ax.AxcompError)
    with pytest.raises(ValueError, match="kind"):
        dtypes.scalar_type_of(np.array("text"))
