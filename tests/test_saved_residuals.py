"""``ad_checkpoint.print_saved_residuals``: one line per value the reverse sweep reads from
the forward one, typed as JAX prints types (``f64[3,4]``), arguments named as JAX names them
(``p['w']``). axcomp does not rematerialise, so ``checkpoint`` leaves the list unchanged
(JAX's would list only the arguments: a deliberate difference, docs/architecture.md)."""

from __future__ import annotations

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as jnp
from axcomp.ad_checkpoint import print_saved_residuals
from axcomp.core.shapes import type_text
from axcomp.errors import GradError
from axcomp.transforms.residuals import saved_residuals


def _layer(W, x):
    return jnp.sin(jnp.dot(W, x)).sum()


def test_a_layer_saves_its_operands_and_the_pre_activation(capsys):
    W, x = jnp.ones((3, 4)), jnp.ones(4)
    print_saved_residuals(_layer, W, x)
    # the same three lines as JAX's (which says "output of cos" for the saved derivative)
    assert capsys.readouterr().out.splitlines() == [
        "f64[3,4] from the argument W",
        "f64[4] from the argument x",
        "f64[3] output of einsum 'ab,b->a'",
    ]
    assert saved_residuals(ax.checkpoint(_layer), W, x) == saved_residuals(_layer, W, x)


def test_pytree_arguments_are_named_by_their_path_and_scalars_are_arguments():
    got = saved_residuals(lambda p: (p["w"] * p["b"]).sum(), {"w": jnp.ones(2), "b": jnp.ones(2)})
    assert got == [("f64[2]", "from the argument p['b']"), ("f64[2]", "from the argument p['w']")]
    got = saved_residuals(lambda x: jnp.sin(jnp.sin(x)) * 2.0, 1.0)
    assert got == [("f64[]", "from the argument x"), ("f64[]", "output of sin")]


def test_a_linear_function_saves_nothing(capsys):
    print_saved_residuals(lambda x: (2.0 * x).sum(), jnp.ones(3))
    assert capsys.readouterr().out == ""


def test_type_text_spells_dtypes_as_jax():
    assert type_text((3, 4), np.dtype(np.float32)) == "f32[3,4]"
    assert type_text((), np.dtype(np.int64)) == "i64[]"
    assert type_text((2,), np.dtype(bool)) == "bool[2]"
    assert type_text((1,), np.dtype(np.complex128)) == "c128[1]"


def test_bad_calls_raise():
    with pytest.raises(GradError, match="callable"):
        print_saved_residuals(3, 1.0)
    with pytest.raises(GradError, match="outside jit"):
        ax.jit(lambda x: (print_saved_residuals(jnp.sin, x), x)[1])(1.0)
