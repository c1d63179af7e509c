"""Tables of the public functions that primitive modules provide, by namespace.

A primitive module exports its user-facing functions here (``axcomp.lax.cumsum``,
``axcomp.nn.relu``); the namespaces above build themselves from these tables, so a new
primitive needs no edit outside its own module. ``axcomp.numpy`` (with ``linalg``, ``fft``
and the Tracer's methods) defines its functions in its own modules instead; its table
only holds the integer ufuncs ``lax_elementwise.py`` still exports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

NAMESPACES = ("numpy", "lax", "special")
_TABLES: dict[str, dict[str, Callable[..., Any]]] = {ns: {} for ns in NAMESPACES}


def export(namespace: str, name: str | None = None) -> Callable[[F], F]:
    """Register the decorated traced implementation as ``namespace.name``."""
    if namespace not in _TABLES:
        raise ValueError(f"unknown namespace {namespace!r}; known: {', '.join(NAMESPACES)}")

    def register(fn: F) -> F:
        key = name or fn.__name__
        if key in _TABLES[namespace]:
            raise ValueError(f"{namespace}.{key} is exported twice")
        _TABLES[namespace][key] = fn
        return fn

    return register


def exported(namespace: str) -> dict[str, Callable[..., Any]]:
    """The functions exported to ``namespace`` (a copy)."""
    return dict(_TABLES[namespace])
