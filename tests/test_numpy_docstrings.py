"""Every function of ``axcomp.numpy`` has a docstring that an IDE and the API reference
show: hand-written for the most used, generated (naming the ``jax.numpy`` function) for
the rest, each with the link to JAX's documentation of its namesake."""

from __future__ import annotations

import types

import axcomp.numpy as anp
from axcomp.numpy.docstrings import JAX_DOCS, generated

HAND_WRITTEN = [
    "dot", "vdot", "matmul", "inner", "outer", "tensordot", "einsum", "matvec", "vecmat",
    "vecdot", "sum", "mean", "where", "take", "clip", "multiply", "power", "kron", "cross",
]  # fmt: skip


def functions() -> dict[str, types.FunctionType]:
    return {
        n: f
        for n in anp.__all__
        if isinstance(f := getattr(anp, n), types.FunctionType)
        and f.__module__.startswith("axcomp.")
    }


def test_every_function_has_a_docstring_and_jax_link() -> None:
    found = functions()
    assert len(found) > 250
    for name, fn in found.items():
        doc = fn.__doc__ or ""
        assert doc.strip(), name
        assert "JAX's documentation: https://docs.jax.dev/" in doc, name


def test_the_most_used_functions_say_more_than_the_generated_line() -> None:
    for name in HAND_WRITTEN:
        doc = getattr(anp, name).__doc__
        assert generated(name) not in doc, name
        assert JAX_DOCS.format(name=name) in doc, name


def test_docstrings_are_dedented_so_markdown_does_not_read_code_blocks() -> None:
    for name, fn in functions().items():
        body = (fn.__doc__ or "").splitlines()[1:]
        assert not all(ln.startswith("    ") for ln in body if ln.strip()), name


def test_the_array_methods_share_the_docstrings() -> None:
    import numpy as np

    x = anp.asarray(np.ones(3))  # an ArrayImpl, whose methods wrap the functions
    assert type(x).sum.__doc__ == anp.sum.__doc__
