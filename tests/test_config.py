"""``axcomp.config``: JAX's flags; ``jax_enable_x64`` decides axcomp.random's defaults and
seeding exactly as in JAX (values recorded from JAX 0.10 by tests/random_x64_record.py)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from random_x64_record import RECORDING, cases

import axcomp as ax
import axcomp.numpy as anp
import axcomp.random as arandom


@pytest.fixture
def x64() -> Iterator[None]:
    ax.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        ax.config.update("jax_enable_x64", False)


def test_samplers_with_x64_give_jax_values_and_dtypes(x64: None) -> None:
    recorded = np.load(RECORDING)
    for name, draw in cases(arandom, anp).items():
        got, want = np.asarray(draw()), recorded[name]
        assert got.dtype == want.dtype, name
        if np.issubdtype(want.dtype, np.inexact):
            np.testing.assert_allclose(got, want, rtol=1e-13, err_msg=name)
        else:
            np.testing.assert_array_equal(got, want, err_msg=name)


def test_without_x64_the_defaults_are_32_bits() -> None:
    key = arandom.PRNGKey(0)
    assert arandom.uniform(key, (2,)).dtype == np.float32
    assert arandom.randint(key, (2,), 0, 5).dtype == np.int32
    assert arandom.bits(key, (2,)).dtype == np.uint32
    np.testing.assert_array_equal(arandom.PRNGKey(2**40 + 7), [0, 7])  # low 32 bits


def test_flags_are_read_and_refused_as_jax_does() -> None:
    assert ax.config.jax_enable_x64 is False and ax.config.x64_enabled is False
    ax.config.update("jax_platform_name", "cpu")
    ax.config.update("jax_log_compiles", True)
    ax.config.update("jax_log_compiles", False)
    with pytest.raises(AttributeError, match="Unrecognized config option"):
        ax.config.update("jax_no_such_flag", 1)
    with pytest.raises(NotImplementedError, match="jax_default_prng_impl"):
        ax.config.update("jax_default_prng_impl", "rbg")
    with pytest.raises(AttributeError, match=r"config.update\('jax_enable_x64', True\)"):
        ax.config.jax_enable_x64 = True  # (an attribute would shadow the flag, silently)
    assert ax.config.jax_enable_x64 is False
    with pytest.raises(AttributeError):
        _ = ax.config.jax_no_such_flag
