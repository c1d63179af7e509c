"""``axcomp.export``: the generated code as a standalone Python module.

``namespace`` picks the target the module is written for (by default the arguments'):
NumPy code that needs only NumPy, or Array API code (``namespace="array_api"``, or a
namespace module such as ``array_api_strict``) that needs NumPy for its constants and runs
on the arrays of any Array API library (``export_array_api``). Dask arrays are refused:
pass their shapes as ``ShapeDtypeStruct``s to export the whole-array program.

The module holds the generated function(s) as ``explain(...).source`` shows them, their
constants (arrays embedded as base64 of their bytes), a guard that checks the shapes and
dtypes the code was specialised for, and a docstring naming the spec it came from. A user
who cannot add a dependency can compile with axcomp at build time and ship the result.

Every module-level name but the public function's starts with ``_`` (the generated
functions are bound as ``_axcomp_<name>``) and the public function's parameters are the
plan's input names, which never do (``core.names``): no user name reaches the module's own.
User text in docstrings is escaped (``export_text.docstring_text``).
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from ..backends.numpy_backend import (
    BUILTINS,
    HELPERS,
    emit,
    function_name,
    fused_steps,
    loop_nest_steps,
)
from ..backends.target import ChunkedTarget, DaskTarget
from ..compiler.lower import lower
from ..core.plan import Plan
from ..errors import UnsupportedError
from ..transforms.compile import Compiled
from ..transforms.jit import jit
from ..transforms.namespaces import namespace_of
from ..transforms.staging import Signature, Staged, signature_of
from ..transforms.targets import choose_target
from .export_array_api import array_api_module
from .export_text import (
    RUN_BLOCKS,
    RUN_BLOCKS_THREADED,
    constant_text,
    docstring_text,
    factory_text,
    imports_text,
    origin_text,
    signature_parts,
)


def _plan_function(source: str, plan: Plan, name: str) -> tuple[str, str]:
    fname = function_name(name)
    if fused_steps(plan) or loop_nest_steps(plan):  # a module needs only NumPy: no numba
        plan = lower(plan.graph, plan.inputs)
        source = emit(plan, name)
    return factory_text(source, fname, {k: constant_text(v) for k, v in plan.constants}), fname


#: ``namespace="array_api"``: code for any Array API library, checked against this one
#: (the strictest) when it is exported
GENERIC_ARRAY_API = "array_api_strict"


def export(
    fun: Callable[..., Any],
    *args: Any,
    name: str | None = None,
    namespace: str | ModuleType | None = None,
    **kwargs: Any,
) -> str:
    """Python source of a module computing ``fun`` for these arguments (arrays or
    ``ShapeDtypeStruct``s); its function ``name`` (default: ``fun``'s name) takes the flat
    arrays. ``namespace`` (``"numpy"``, ``"array_api"`` or a namespace module; default:
    the arguments') is the array library the module's code is written for."""
    staged = fun if isinstance(fun, Staged) else jit(fun)
    compiled = _lower(staged, args, kwargs, namespace)
    if isinstance(compiled.target, DaskTarget):
        raise UnsupportedError(
            f"export writes whole-array code; these arguments are {compiled.namespace} arrays "
            "(pass their shapes as ShapeDtypeStructs, and namespace= for a library)"
        )
    if compiled.backend == "array_api":
        return array_api_module(compiled, fun, name)
    parts = []
    chunks = compiled.chunks
    if chunks is None or not isinstance(compiled.target, ChunkedTarget):  # pmap: whole
        body, entry = _plan_function(compiled.source, compiled.plan, compiled.name)
        parts.append(body)
    else:
        sources = compiled.source.split("\ndef ")
        driver, blocks = sources[0], ["def " + s for s in sources[1:]]
        block_body, block_fn = _plan_function(blocks[0], chunks.block, f"{compiled.name}_block")
        parts.append(block_body)
        consts = {"_block": f"_{block_fn}", "_progress": "None"}
        if chunks.tail is not None:
            tail_body, tail_fn = _plan_function(blocks[1], chunks.tail, f"{compiled.name}_tail")
            parts.append(tail_body)
            consts["_tail"] = f"_{tail_fn}"
        if chunks.prologue is not None:  # the block-invariant work, built last
            body, fn = _plan_function(blocks[-1], chunks.prologue, f"{compiled.name}_prologue")
            parts.append(body)
            consts["_prologue"] = f"_{fn}"
        for k, dtype in enumerate(chunks.out_dtypes):
            consts[f"_dt{k}"] = constant_text(np.dtype(dtype))
        threaded = chunks.threads > 1 and chunks.n_blocks > 1
        parts.append((RUN_BLOCKS_THREADED if threaded else RUN_BLOCKS).strip())
        entry = function_name(compiled.name)
        parts.append(factory_text(driver, entry, consts))
    inputs = compiled.graph.inputs
    named, arg_names, public, shapes = signature_parts(compiled, name)
    specs = ", ".join(f"({a!r}, {tuple(n.shape)!r}, {n.dtype.str!r})" for a, n in named)
    trailing = "," if len(inputs) == 1 else ""  # a one-element tuple
    guard = f'''

_SIGNATURE = ({specs}{trailing})


def {public}({arg_names}):
    """{docstring_text(f"{public}({shapes})")}, exported by axcomp: the flat outputs for
    exactly these shapes and dtypes (anything else is refused: the code is specialised to
    them)."""
    for _value, (_label, _shape, _dtype) in _zip(({arg_names}{trailing}), _SIGNATURE):
        _value = _np.asarray(_value)
        if _value.shape != _shape or _value.dtype != _np.dtype(_dtype):
            raise _ValueError(
                f"{{_label}} must have shape {{_shape}} and dtype {{_np.dtype(_dtype)}} (this "
                f"module was exported for them), got {{_value.shape}} {{_value.dtype}}"
            )
    return _{entry}({arg_names})
'''
    origin = origin_text(fun, compiled, shapes)
    # the helpers the code calls, copied (their annotations stay unevaluated strings)
    used = [fn for key, fn in HELPERS.items() if f"{key}(" in "".join(parts)]
    if used:
        parts[:0] = [inspect.getsource(fn).rstrip() for fn in used]
    future = "from __future__ import annotations\n\n" if used else ""
    body = "\n\n".join(parts) + guard
    header = f'''"""Generated by axcomp from {origin}.

Standalone: needs only NumPy. Regenerate with axcomp.export (or `axcomp export`) when the
spec or the shapes change.
"""

{future}{imports_text(body, BUILTINS)}

'''
    return header + body


def _lower(
    staged: Staged, args: tuple[Any, ...], kwargs: dict[str, Any], namespace: Any
) -> Compiled:
    """The program for these arguments, compiled for ``namespace`` (the name of a
    namespace, ``"array_api"`` or a module; ``None``: the arguments' own)."""
    if namespace is None:
        return staged.lower(*args, **kwargs)
    name = namespace.__name__ if isinstance(namespace, ModuleType) else str(namespace)
    if name == "array_api":
        name = GENERIC_ARRAY_API
        try:
            import array_api_strict  # noqa: F401  (the namespace the code is checked against)
        except ImportError:
            raise UnsupportedError(
                f"export(namespace='array_api') checks the code against {name}, which is not "
                "installed: pip install array-api-strict, or pass the namespace module"
            ) from None
    if name != "numpy":
        module = sys.modules.get(name)
        if module is None:
            raise UnsupportedError(
                f"export: the array namespace {name!r} is not imported: import it first "
                f"(import {name}) or pass the module itself as namespace="
            )
        # the namespace of that library's arrays (torch -> array_api_compat.torch)
        name = namespace_of([module.asarray(0)], ["a sample array"])
    if isinstance(choose_target(name), DaskTarget):
        raise UnsupportedError(
            f"export writes whole-array code, not dask graphs (namespace {name!r}); export for "
            "numpy and call the module on each block"
        )
    sig = signature_of(args, kwargs, staged.trace_scalars)
    return staged._compile_cached(Signature(sig.treedef, sig.arrays, sig.statics, name, sig.weak))
