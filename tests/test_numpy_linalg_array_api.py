"""``axcomp.numpy.linalg``'s array-API names (cross, outer, diagonal, matrix_transpose,
trace, tensordot, vecdot) against JAX's outputs and gradients (recorded once by
tests/numpy_names_record.py), under jit and vmap, and their errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy_names_record import linalg_calls

import axcomp
import axcomp.numpy as jnp
from axcomp.errors import AxcompError

REF = np.load(Path(__file__).parent / "numpy_names_reference.npz")

CALLS = linalg_calls(jnp)


def _args(name: str) -> list[np.ndarray]:
    return [REF[f"{name}/in{i}"] for i in range(3) if f"{name}/in{i}" in REF]


@pytest.mark.parametrize("name", sorted(CALLS))
def test_matches_jax_eager_and_jit(name: str) -> None:
    args, want = _args(name), REF[f"{name}/out"]
    for got in (CALLS[name](*args), axcomp.jit(CALLS[name])(*args)):
        assert np.asarray(got).dtype == want.dtype
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(n for n in CALLS if f"{n}/grad" in REF))
def test_gradient_matches_jax(name: str) -> None:
    args = _args(name)
    g = axcomp.grad(lambda *a: jnp.sum(jnp.sin(CALLS[name](*a))))(*args)
    np.testing.assert_allclose(np.asarray(g), REF[f"{name}/grad"], rtol=1e-10, atol=1e-12)


def test_vmap_matches_each_slice() -> None:
    x = REF["linalg.tensordot/in0"]
    got = axcomp.vmap(lambda a: jnp.linalg.trace(jnp.linalg.outer(a[0], a[1])))(x[:, :2, :3])
    want = [np.trace(np.outer(s[0], s[1])) for s in x[:, :2, :3]]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    got = axcomp.vmap(lambda a: jnp.linalg.vecdot(a, a))(x)
    np.testing.assert_allclose(got, np.sum(x * x, -1), rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: jnp.linalg.cross(np.ones(2), np.ones(2)), "3-dimensional vectors"),
        (lambda: jnp.linalg.outer(np.ones((2, 2)), np.ones(2)), "one-dimensional"),
        (lambda: jnp.linalg.diagonal(np.ones(3)), "at least two dimensions"),
        (lambda: jnp.linalg.matrix_transpose(np.ones(3)), "at least two dimensions"),
        (lambda: jnp.linalg.trace(np.ones(3)), "at least two dimensions"),
        (lambda: jnp.linalg.vecdot(np.ones(3), np.ones(2)), "axes must match"),
    ],
)
def test_bad_shapes_are_value_errors(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        call()  # type: ignore[operator]
    assert isinstance(info.value, AxcompError)
