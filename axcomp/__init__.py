"""axcomp: compile JAX-style nested vmap specs into optimized NumPy einsum code.

    import axcomp as ax
    import axcomp.numpy as anp

    pairwise = ax.vmap(ax.vmap(lambda M, v: anp.dot(M, v), in_axes=(None, 0)), in_axes=(0, None))
    ax.explain(pairwise, mats, vecs).equations   # ['abc,dc->adb']

The package is layered by pipeline stage (see docs/architecture.md); this module only
gathers the public names from the layers below it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import (
    ad_checkpoint,
    debug,
    flatten_util,
    lax,
    nn,
    numpy,
    ops,
    random,
    scipy,
    tree,
    tree_util,
    typing,
)
from .array import Array
from .config import config, debug_infs, debug_nans, disable_jit
from .core.shapes import ShapeDtypeStruct
from .errors import (
    AxcompError,
    AxisSpecError,
    AxisSpecTypeError,
    GradError,
    MemoryBudgetError,
    ShapeError,
    SpecSyntaxError,
    TracingError,
    UnsupportedError,
)
from .inspect.explain import Explanation, explain
from .inspect.export import export
from .transforms import (
    custom_jvp,
    custom_vjp,
    grad,
    hessian,
    jacfwd,
    jacrev,
    jit,
    jvp,
    linearize,
    pmap,
    set_options,
    value_and_grad,
    vjp,
    vmap,
)
from .transforms.checkpoint import checkpoint, checkpoint_policies, named_call, remat
from .transforms.implicit import linear_transpose
from .transforms.rank_promotion import numpy_rank_promotion
from .transforms.shapes_only import block_until_ready, eval_shape

jacobian = jacrev  # jax.jacobian

__version__ = "0.1.0"

__all__ = [
    "Array",
    "AxcompError",
    "AxisSpecError",
    "AxisSpecTypeError",
    "Explanation",
    "GradError",
    "MemoryBudgetError",
    "Module",
    "ShapeDtypeStruct",
    "ShapeError",
    "SpecSyntaxError",
    "TracingError",
    "UnsupportedError",
    "ad_checkpoint",
    "block_until_ready",
    "checkpoint",
    "checkpoint_policies",
    "compile",
    "config",
    "custom_jvp",
    "custom_vjp",
    "debug",
    "debug_infs",
    "debug_nans",
    "disable_jit",
    "eval_shape",
    "explain",
    "export",
    "flatten_util",
    "grad",
    "hessian",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jit",
    "jvp",
    "kernel",
    "lax",
    "linear_transpose",
    "linearize",
    "load",
    "named_call",
    "nn",
    "numpy",
    "numpy_rank_promotion",
    "ops",
    "pmap",
    "random",
    "remat",
    "scipy",
    "set_options",
    "spec",
    "tree",
    "tree_util",
    "typing",
    "value_and_grad",
    "vjp",
    "vmap",
]


if TYPE_CHECKING:
    from .dsl.config import load
    from .dsl.decorators import kernel, spec
    from .dsl.module import Module, compile

#: the DSL's public names: the DSL (Lark and its grammar) is imported on first use, so
#: `import axcomp` does not pay for it
_DSL_NAMES = frozenset(("Module", "compile", "kernel", "load", "spec"))


def __getattr__(name: str) -> Any:
    if name in _DSL_NAMES:
        from . import dsl

        value = getattr(dsl, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'axcomp' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
