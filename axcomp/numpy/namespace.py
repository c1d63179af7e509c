"""``axcomp.numpy``'s functions looked up at call time.

The functions composed from the namespace's own (``nanvar`` from ``mean``, ``cov`` from
``dot``...) call them through ``jnp`` here: importing the package from its own modules
would be an import cycle. ``array_methods.install`` fills ``FUNCTIONS`` once the package is
built (the same table routes ``np.<name>`` calls on tracers to ``axcomp.numpy``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core.dtype_promotion import to_inexact
from .dispatch import any_traced

FUNCTIONS: dict[str, Callable[..., Any]] = {}


class _Namespace:
    def __getattr__(self, name: str) -> Any:
        return FUNCTIONS[name]


jnp: Any = _Namespace()


def traced(*values: Any) -> bool:
    """Whether any value, or any value in a nested list or tuple, is traced."""
    return any_traced(values)


def float_dtype(x: Any) -> Any:
    # JAX's inexact dtype: float32 from bools and integers of up to 32 bits (x64 on)
    return to_inexact(jnp.asarray(x).dtype)


def as_float(x: Any) -> Any:
    x = jnp.asarray(x)
    return jnp.astype(x, float_dtype(x))
