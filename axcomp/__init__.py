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
    dtypes,
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
from .config import (
    check_tracer_leaks,
    config,
    debug_infs,
    debug_key_reuse,
    debug_nans,
    default_device,
    default_matmul_precision,
    default_prng_impl,
    disable_jit,
    enable_checks,
    enable_custom_prng,
    explain_cache_misses,
    legacy_prng_key,
    log_compiles,
    numpy_dtype_promotion,
    softmax_custom_jvp,
    threefry_partitionable,
    transfer_guard,
    transfer_guard_device_to_device,
    transfer_guard_device_to_host,
    transfer_guard_host_to_device,
)
from .core.shapes import ShapeDtypeStruct
from .devices import (
    Device,
    default_backend,
    device_count,
    device_get,
    device_put,
    devices,
    host_count,
    host_id,
    host_ids,
    local_device_count,
    local_devices,
    print_environment_info,
    process_count,
    process_index,
    process_indices,
)
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
    missing_function,
)
from .host_callbacks import pure_callback
from .inspect.explain import Explanation, explain
from .inspect.export import export
from .trace_scopes import effects_barrier, ensure_compile_time_eval, named_scope
from .transforms import (
    custom_gradient,
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
from .transforms.staging import clear_caches

jacobian = jacrev  # jax.jacobian

__version__ = "0.1.0"

__all__ = [
    "Array",
    "AxcompError",
    "AxisSpecError",
    "AxisSpecTypeError",
    "Device",
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
    "check_tracer_leaks",
    "checkpoint",
    "checkpoint_policies",
    "clear_caches",
    "compile",
    "config",
    "custom_gradient",
    "custom_jvp",
    "custom_vjp",
    "debug",
    "debug_infs",
    "debug_key_reuse",
    "debug_nans",
    "default_backend",
    "default_device",
    "default_matmul_precision",
    "default_prng_impl",
    "device_count",
    "device_get",
    "device_put",
    "devices",
    "disable_jit",
    "dtypes",
    "effects_barrier",
    "enable_checks",
    "enable_custom_prng",
    "ensure_compile_time_eval",
    "eval_shape",
    "explain",
    "explain_cache_misses",
    "export",
    "flatten_util",
    "grad",
    "hessian",
    "host_count",
    "host_id",
    "host_ids",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jit",
    "jvp",
    "kernel",
    "lax",
    "legacy_prng_key",
    "linear_transpose",
    "linearize",
    "load",
    "local_device_count",
    "local_devices",
    "log_compiles",
    "named_call",
    "named_scope",
    "nn",
    "numpy",
    "numpy_dtype_promotion",
    "numpy_rank_promotion",
    "ops",
    "pmap",
    "print_environment_info",
    "process_count",
    "process_index",
    "process_indices",
    "pure_callback",
    "random",
    "remat",
    "scipy",
    "set_options",
    "softmax_custom_jvp",
    "spec",
    "threefry_partitionable",
    "transfer_guard",
    "transfer_guard_device_to_device",
    "transfer_guard_device_to_host",
    "transfer_guard_host_to_device",
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
    if name.startswith("__"):  # (Python's own probes: __path__, __wrapped__...)
        raise AttributeError(f"module 'axcomp' has no attribute {name!r}")
    # a JAX name axcomp lacks says so; any other name is not in JAX either
    raise missing_function("axcomp", "jax", name, __all__)


def __dir__() -> list[str]:
    return sorted(__all__)
