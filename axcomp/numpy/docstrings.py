"""The docstrings of ``axcomp.numpy``'s functions, completed in one place: each function
written without one gets a generated line that names the ``jax.numpy`` function it stands
for and says how it runs, and every function gains a link to JAX's documentation of its
namesake (the arguments are JAX's). The most used functions have hand-written docstrings
in their own modules."""

from __future__ import annotations

import inspect
import types
from collections.abc import Iterable
from typing import Any

JAX_DOCS = "https://docs.jax.dev/en/latest/_autosummary/jax.numpy.{name}.html"


def generated(name: str) -> str:
    return (
        f"``jax.numpy.{name}``: NumPy's computation on concrete arrays; inside ``vmap``, "
        "``jit`` or ``grad`` it is recorded in the axis graph and compiled with the rest "
        "of the kernel."
    )


def with_reference(doc: str, name: str) -> str:
    """``doc`` and the link to JAX's page of ``name`` (one link: an alias such as ``amin``
    keeps the link of the function it is)."""
    doc = inspect.cleandoc(doc)  # the link line must not undo the body's dedent
    if "JAX's documentation: " in doc:
        return doc
    return f"{doc}\n\nJAX's documentation: {JAX_DOCS.format(name=name)}"


def complete(namespace: dict[str, Any], names: Iterable[str]) -> None:
    """Give every function of ``names`` in ``namespace`` a docstring and JAX's link."""
    for name in names:
        fn = namespace[name]
        if not _is_ours(fn):
            continue
        doc = (fn.__doc__ or "").strip() or generated(name)
        fn.__doc__ = with_reference(doc, name)


def _is_ours(fn: Any) -> bool:
    """An axcomp function (not a NumPy dtype, ufunc or class re-exported as is)."""
    return isinstance(fn, types.FunctionType) and fn.__module__.startswith("axcomp.")
