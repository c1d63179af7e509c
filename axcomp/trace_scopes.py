"""JAX's tracing contexts whose whole effect axcomp already has.

- ``named_scope(name)``: JAX writes the name into the compiled program's metadata, for
  profilers; axcomp's programs have no such metadata, so the context only checks the
  name is a string.
- ``ensure_compile_time_eval()``: inside ``jit``, JAX computes operations on concrete
  values when the trace runs instead of staging them; axcomp always does (an
  ``axcomp.numpy`` call with no traced operand runs NumPy), so the context changes
  nothing here.
- ``effects_barrier()``: JAX waits for pending ``debug.callback``s; axcomp runs them
  before a call returns.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from .errors import ArgumentTypeError

__all__ = ["effects_barrier", "ensure_compile_time_eval", "named_scope"]


@contextlib.contextmanager
def named_scope(name: str) -> Iterator[None]:
    """``with axcomp.named_scope("layer1"):`` (``jax.named_scope``)."""
    if not isinstance(name, str):
        raise ArgumentTypeError(f"named_scope name must be a string, got {type(name).__name__}")
    yield


@contextlib.contextmanager
def ensure_compile_time_eval() -> Iterator[None]:
    """``with axcomp.ensure_compile_time_eval():`` (``jax.ensure_compile_time_eval``)."""
    yield


def effects_barrier() -> None:
    """``jax.effects_barrier()``: every effect has run already."""
