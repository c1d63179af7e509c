"""The axcomp language: index-notation kernels and transform expressions as text.

    import axcomp
    mod = axcomp.compile('''
    kernel matvec(M[m, n], v[n]) -> [m] = sum[n](M[m, n] * v[n])
    pairwise = vmap(vmap(matvec, in_axes=(None, 0)), in_axes=(0, None))
    ''')
    mod.pairwise(mats, vecs)

Layers, one job each: ``parser`` (text → AST), ``semantics`` (static checks),
``evaluate``/``kernel`` (AST → axcomp ops while tracing), ``bindings`` (transform
expressions → axcomp.vmap/jit/grad), ``module``/``config`` (public entry points).
"""

from __future__ import annotations

from .config import load
from .decorators import kernel, spec
from .errors import (
    ConfigError,
    DslAxisSpecError,
    DslCallError,
    DslError,
    DslIndexError,
    DslNameError,
    DslNestingError,
    DslShapeError,
    DslSyntaxError,
    DslUnsupportedError,
)
from .kernel import Kernel
from .module import Module, compile
from .parser import MAX_DEPTH, MAX_NESTING

__all__ = [
    "MAX_DEPTH",
    "MAX_NESTING",
    "ConfigError",
    "DslAxisSpecError",
    "DslCallError",
    "DslError",
    "DslIndexError",
    "DslNameError",
    "DslNestingError",
    "DslShapeError",
    "DslSyntaxError",
    "DslUnsupportedError",
    "Kernel",
    "Module",
    "compile",
    "kernel",
    "load",
    "spec",
]
