"""``axcomp.numpy``'s window functions: NumPy's windows eagerly, ``kaiser`` traced in
``beta`` against JAX's values and gradient (recorded once by tests/numpy_names_record.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import axcomp
import axcomp.numpy as jnp
from axcomp.errors import AxcompError

REF = np.load(Path(__file__).parent / "numpy_names_reference.npz")


@pytest.mark.parametrize("name", ["bartlett", "blackman", "hamming", "hanning"])
@pytest.mark.parametrize("m", [0, 1, 2, 7])
def test_windows_match_numpy(name: str, m: int) -> None:
    got = getattr(jnp, name)(m)
    np.testing.assert_allclose(got, getattr(np, name)(m), atol=1e-15)
    assert np.asarray(got).dtype == np.float64


def test_kaiser_traced_in_beta_matches_jax() -> None:
    beta = REF["kaiser/in0"]
    got = axcomp.vmap(lambda b: jnp.kaiser(7, b))(beta)
    np.testing.assert_allclose(got, REF["kaiser/out"], rtol=1e-12)
    np.testing.assert_allclose(jnp.kaiser(7, beta[1]), REF["kaiser/out"][1], rtol=1e-12)
    g = axcomp.grad(lambda b: jnp.sum(jnp.sin(axcomp.vmap(lambda x: jnp.kaiser(7, x))(b))))(beta)
    np.testing.assert_allclose(g, REF["kaiser/grad"], rtol=1e-10)
    np.testing.assert_allclose(axcomp.vmap(lambda b: jnp.kaiser(1, b))(beta), np.ones((3, 1)))


def test_traced_window_length_is_an_error() -> None:
    with pytest.raises(TypeError) as info:
        axcomp.jit(jnp.hanning)(5)
    assert isinstance(info.value, AxcompError)
