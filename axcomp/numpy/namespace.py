"""``axcomp.numpy``'s functions looked up at call time.

The functions composed from the namespace's own (``nanvar`` from ``mean``, ``cov`` from
``dot``...) call them through ``jnp`` here: importing the package from its own modules
would be an import cycle. ``array_methods.install`` fills ``FUNCTIONS`` once the package is
built (the same table routes ``np.<name>`` calls on tracers to ``axcomp.numpy``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

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
    # integers and bools become the default float, as in JAX with x64
    return np.result_type(jnp.asarray(x).dtype, 1.0)


def as_float(x: Any) -> Any:
    x = jnp.asarray(x)
    return jnp.astype(x, float_dtype(x))
