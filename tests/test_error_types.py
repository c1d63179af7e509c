"""The built-in type of each error matches JAX's (checked against JAX 0.10 in a scratch
venv; with JAX installed the table is also compared live), and stays an AxcompError."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp

A43, A42, A45 = np.ones((4, 3)), np.ones((4, 2)), np.ones((5, 3))

# (name, builds the failing call from vmap and a numpy-like namespace, JAX's type)
CASES = [
    (
        "add",
        lambda vmap, np_: vmap(lambda x, y: x + y, in_axes=(0, 1))(A43, np.ones((2, 4))),
        TypeError,
    ),
    ("matmul", lambda vmap, np_: vmap(lambda x, y: x @ y)(A43, A42), TypeError),
    ("reshape", lambda vmap, np_: vmap(lambda x: x.reshape(5))(A43), TypeError),
    (
        "concatenate",
        lambda vmap, np_: vmap(lambda x, y: np_.concatenate([x, y], axis=1))(
            np.ones((4, 3, 2)), np.ones((4, 2, 2))
        ),
        TypeError,
    ),
    ("tensordot", lambda vmap, np_: vmap(lambda x, y: np_.tensordot(x, y, 1))(A43, A42), TypeError),
    ("tensordot 1-d default axes", lambda vmap, np_: np_.tensordot(A43[0], A43[0]), TypeError),
    (
        "tensordot 1-d rows default axes",
        lambda vmap, np_: vmap(lambda x, y: np_.tensordot(x, y))(A43, A43),
        TypeError,
    ),
    (
        "tensordot axes of unequal lengths",
        lambda vmap, np_: np_.tensordot(A43, A43.T, ([0, 1], [1])),
        TypeError,
    ),
    (
        "tensordot axis out of range",
        lambda vmap, np_: np_.tensordot(A43, A43, ([1], [3])),
        ValueError,
    ),
    ("dot", lambda vmap, np_: vmap(lambda x, y: np_.dot(x, y))(A43, A42), TypeError),
    ("vdot", lambda vmap, np_: vmap(lambda x, y: np_.vdot(x, y))(A43, A42), TypeError),
    ("stack", lambda vmap, np_: vmap(lambda x, y: np_.stack([x, y]))(A43, A42), ValueError),
    (
        "einsum size",
        lambda vmap, np_: vmap(lambda x, y: np_.einsum("i,i->", x, y))(A43, A42),
        ValueError,
    ),
    ("einsum operands", lambda vmap, np_: vmap(lambda x: np_.einsum("i,i->", x))(A43), ValueError),
    ("sum axis", lambda vmap, np_: vmap(lambda x: np_.sum(x, axis=3))(A43), ValueError),
    ("squeeze", lambda vmap, np_: vmap(lambda x: np_.squeeze(x, 0))(A43), ValueError),
    ("too many indices", lambda vmap, np_: vmap(lambda x: x[0, 0])(A43), IndexError),
    ("broadcast_to", lambda vmap, np_: vmap(lambda x: np_.broadcast_to(x, (2,)))(A43), ValueError),
    ("in_axes out of range", lambda vmap, np_: vmap(lambda x: x, in_axes=2)(A43), ValueError),
    ("inconsistent sizes", lambda vmap, np_: vmap(lambda x, y: x)(A43, A45), ValueError),
    ("out_axes out of range", lambda vmap, np_: vmap(lambda x: x, out_axes=3)(A43), ValueError),
    ("moveaxis", lambda vmap, np_: vmap(lambda x: np_.moveaxis(x, 3, 0))(A43), ValueError),
    ("transpose", lambda vmap, np_: vmap(lambda x: np_.transpose(x, (1, 0)))(A43), ValueError),
    ("expand_dims", lambda vmap, np_: vmap(lambda x: np_.expand_dims(x, 5))(A43), ValueError),
    ("matmul 0-d", lambda vmap, np_: vmap(lambda x, y: x @ y)(np.ones(4), np.ones(4)), ValueError),
    ("map a str", lambda vmap, np_: vmap(lambda x: x)("abc"), TypeError),
]


@pytest.mark.parametrize(("name", "call", "kind"), CASES, ids=[c[0] for c in CASES])
def test_error_type_matches_jax(name, call, kind):
    with pytest.raises(kind) as info:
        call(ax.vmap, anp)
    assert isinstance(info.value, ax.AxcompError), type(info.value).__mro__


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed")
@pytest.mark.parametrize(("name", "call", "kind"), CASES, ids=[c[0] for c in CASES])
def test_the_table_is_what_jax_raises(name, call, kind):
    import jax
    import jax.numpy as jnp

    with pytest.raises(kind):
        call(jax.vmap, jnp)


@pytest.mark.parametrize("staged", [False, True], ids=["eager", "jit"])
def test_tensordot_past_the_ranks_names_axes_and_shapes(staged):
    fn = ax.jit(anp.tensordot) if staged else anp.tensordot
    with pytest.raises(TypeError, match=r"axes=2 .* shape \(3,\) and b has shape \(3,\)") as info:
        fn(np.ones(3), np.ones(3))
    assert isinstance(info.value, ax.AxcompError)
