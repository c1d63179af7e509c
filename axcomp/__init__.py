"""axcomp: compile JAX-style nested vmap specs into optimized NumPy einsum code.

    import axcomp as ax
    import axcomp.numpy as anp

    pairwise = ax.vmap(ax.vmap(lambda M, v: anp.dot(M, v), in_axes=(None, 0)), in_axes=(0, None))
    ax.explain(pairwise, mats, vecs).equations   # ['abc,dc->adb']
"""

from __future__ import annotations

from . import numpy
from .errors import (
    AxcompError,
    AxisSpecError,
    AxisSpecTypeError,
    GradError,
    ShapeError,
    SpecSyntaxError,
    TracingError,
    UnsupportedError,
)
from .explain import Explanation, explain
from .staging import ShapeDtypeStruct
from .transforms import jit, vmap

__version__ = "0.1.0"

# Public names implemented in later layers, imported on first use so that importing
# axcomp stays fast and the core does not depend on them.
_LAZY = {
    "grad": "autodiff",
    "value_and_grad": "autodiff",
    "vjp": "autodiff",
    "compile": "dsl",
    "kernel": "dsl",
    "load": "dsl",
    "Module": "dsl",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'axcomp' has no attribute {name!r}")

__all__ = [
    "AxcompError",
    "AxisSpecError",
    "AxisSpecTypeError",
    "Explanation",
    "GradError",
    "ShapeDtypeStruct",
    "ShapeError",
    "SpecSyntaxError",
    "TracingError",
    "UnsupportedError",
    "explain",
    "jit",
    "numpy",
    "vmap",
    *_LAZY,
]
