"""The corpus harness itself: the import swap and the leaf comparison it relies on."""

from __future__ import annotations

import sys

import numpy as np
from programs import leaves, swap

import axcomp


def test_the_swap_gives_axcomp_modules_and_is_undone() -> None:
    before = {n for n in sys.modules if n == "jax" or n.startswith("jax.")}
    with swap.jax_is_axcomp():
        import jax
        import jax.numpy as jnp
        from jax import lax

        assert jax is axcomp and jnp is axcomp.numpy and lax is axcomp.lax
    after = {n for n in sys.modules if n == "jax" or n.startswith("jax.")}
    assert after == before


def test_a_stand_in_never_touches_axcomp() -> None:
    # axcomp has its own config now: the stand-in is not used, and the flag is axcomp's
    try:
        with swap.jax_is_axcomp(("config",)):
            import jax

            jax.config.update("jax_enable_x64", True)
            assert jax.vmap is axcomp.vmap
        assert not isinstance(axcomp.config, swap.StandInConfig)
    finally:
        axcomp.config.update("jax_enable_x64", False)


def test_compare_finds_each_kind_of_disagreement() -> None:
    want = leaves.flatten({"a": np.arange(3.0), "b": (np.int64(2), None)})
    assert list(want) == ["['a']", "['b'][0]"]
    assert leaves.compare(want, leaves.flatten({"a": np.arange(3.0), "b": (np.int64(2),)})) is None
    near = np.arange(3.0) * (1 + 1e-12)
    assert leaves.compare(want, leaves.flatten({"a": near, "b": (np.int64(2),)})) is None
    off = np.array([0.0, 1.0, 2.0 + 1e-6])
    assert "[2]" in str(leaves.compare(want, leaves.flatten({"a": off, "b": (np.int64(2),)})))
    same_a = np.arange(3.0)
    assert "dtype" in str(leaves.compare(want, leaves.flatten({"a": same_a, "b": (np.int32(2),)})))
    assert "shape" in str(
        leaves.compare(want, leaves.flatten({"a": np.zeros(2), "b": (np.int64(2),)}))
    )
    assert "tree" in str(leaves.compare(want, leaves.flatten({"a": np.arange(3.0)})))
    assert leaves.compare(want, leaves.flatten({"a": np.arange(3.0), "b": (np.int64(3),)}))
