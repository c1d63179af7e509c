"""``axcomp.custom_gradient`` (``jax.custom_gradient``): a function returning its value and
its vjp; checked against the derivative the rule states and against JAX's documented
gradient-clipping example."""

from __future__ import annotations

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp


@ax.custom_gradient
def scaled_sin(x):
    # a deliberately wrong derivative (10 cos x), so the rule is what is tested
    return anp.sin(x), lambda g: (g * 10.0 * anp.cos(x),)


def test_the_rule_gives_the_gradient_eager_jit_and_vmap() -> None:
    np.testing.assert_allclose(scaled_sin(1.0), np.sin(1.0))
    np.testing.assert_allclose(ax.grad(scaled_sin)(1.0), 10 * np.cos(1.0))
    np.testing.assert_allclose(ax.jit(ax.grad(scaled_sin))(1.0), 10 * np.cos(1.0))
    xs = np.linspace(0.0, 1.0, 4)
    np.testing.assert_allclose(ax.vmap(ax.grad(scaled_sin))(xs), 10 * np.cos(xs))
    chained = ax.jit(ax.vmap(ax.grad(lambda x: scaled_sin(x) ** 2)))(xs)
    np.testing.assert_allclose(chained, 2 * np.sin(xs) * 10 * np.cos(xs))


def test_several_arguments_and_a_clipped_gradient() -> None:
    @ax.custom_gradient
    def clip_product(x, y):
        return x * y, lambda g: (anp.clip(g * y, -1.0, 1.0), g * x)

    gx, gy = ax.grad(clip_product, argnums=(0, 1))(2.0, 3.0)
    assert (float(gx), float(gy)) == (1.0, 2.0)  # JAX gives (1.0, 2.0)


def test_a_malformed_function_or_rule_says_what_is_wrong() -> None:
    @ax.custom_gradient
    def no_rule(x):
        return anp.sin(x)

    with pytest.raises(TypeError, match=r"must return \(value, vjp\)"):
        ax.grad(no_rule)(1.0)

    @ax.custom_gradient
    def two_for_one(x):
        return anp.sin(x), lambda g: (g, g)

    with pytest.raises(TypeError, match="2 cotangents for 1 positional"):
        ax.grad(two_for_one)(1.0)
