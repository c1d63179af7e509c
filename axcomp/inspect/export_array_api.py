"""Exported modules for the Array API target: ``export(..., namespace="array_api")``.

The module holds the Array API emitter's function(s) (and, for a chunked program, its
driver), each inside a factory taking the namespace ``_xp``; the public function checks
the shapes and dtypes, takes the namespace of its arguments (``array_api_compat`` when
installed, else the arrays' ``__array_namespace__``), builds the functions once per
namespace and calls them. The code was checked against the namespace it was exported for
(``array_api_strict`` for ``"array_api"``); NumPy is needed only to decode the constants.

As in ``export``, every module-level name but the public function's starts with ``_`` and
the public function's parameters are the plan's input names, which never do.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import numpy as np

from ..backends import array_api
from ..backends.array_api import XP
from ..backends.array_api_chunks import emit_driver
from ..backends.numpy_backend import BUILTINS, function_name
from ..core.plan import Plan
from ..errors import UnsupportedError
from ..transforms.compile import Compiled
from ..transforms.namespaces import numpy_dtype
from .export_text import (
    RUN_BLOCKS,
    constant_text,
    docstring_text,
    factory_text,
    imports_text,
    origin_text,
    signature_parts,
)

#: Helpers the emitter puts next to ``_xp``, copied into the module (standard functions only).
_HELPERS = (array_api._diagonal, array_api._place)

_NAMESPACE_OF = """
try:
    from array_api_compat import array_namespace as _array_namespace
except ImportError:  # without array_api_compat: the arrays name their namespace

    def _array_namespace(*_arrays):
        return _arrays[0].__array_namespace__()
"""


def _plan_factory(plan: Plan, name: str, xp_name: str) -> tuple[str, str]:
    """(a factory ``_make_<fname>(_xp)`` of ``plan``'s function, ``fname``)."""
    source, names = array_api.bindings(plan, name, xp_name)
    helpers = {fn.__name__ for fn in _HELPERS}
    consts: dict[str, str] = {}
    for key, value in names.items():
        if key == XP or key in BUILTINS or key in helpers:
            continue  # the factory's parameter, or module-level names
        if isinstance(value, np.ndarray):
            consts[key] = constant_text(value)
        else:  # a dtype object of the namespace
            consts[key] = f"{XP}.{numpy_dtype(value).name}"
    fname = function_name(name)
    return factory_text(source, fname, consts, params=(XP,)), fname


def array_api_module(compiled: Compiled, fun: Any, name: str | None) -> str:
    """The source of a module computing ``compiled`` (an Array API program) on the arrays
    of any Array API library."""
    inputs = compiled.graph.inputs
    if not inputs:
        raise UnsupportedError(
            "export for an Array API namespace needs an array argument (the module takes its "
            "namespace from the arguments); export for NumPy instead"
        )
    xp_name = compiled.namespace
    chunks = compiled.chunks
    entry = function_name(compiled.name)
    parts: list[str] = []
    if chunks is None:
        body, _ = _plan_factory(compiled.plan, compiled.name, xp_name)
        parts.append(body)
        build = f"_make_{entry}({XP})"
    else:
        block, block_fn = _plan_factory(chunks.block, f"{compiled.name}_block", xp_name)
        parts.append(block)
        tail = "None"
        if chunks.tail is not None:
            tail_body, tail_fn = _plan_factory(chunks.tail, f"{compiled.name}_tail", xp_name)
            parts.append(tail_body)
            tail = f"_make_{tail_fn}({XP})"
        parts.append(RUN_BLOCKS.strip())
        driver = emit_driver(chunks, compiled.name, chunks.block.inputs)
        parts.append(
            factory_text(driver, entry, {"_progress": "None"}, params=(XP, "_block", "_tail"))
        )
        build = f"_make_{entry}({XP}, _make_{block_fn}({XP}), {tail})"
    # the helpers the generated code calls, and only those
    code = "\n".join(parts)
    used = [fn for fn in _HELPERS if re.search(rf"\b{fn.__name__}\(", code)]
    parts[:0] = [inspect.getsource(fn).rstrip() for fn in used]
    named, arg_names, public, shapes = signature_parts(compiled, name)
    specs = ", ".join(f"({a!r}, {tuple(n.shape)!r}, {n.dtype.name!r})" for a, n in named)
    trailing = "," if len(inputs) == 1 else ""  # a one-element tuple
    guard = f'''

_SIGNATURE = ({specs}{trailing})
_BUILT = {{}}  # namespace module -> the function built for it


def _build({XP}):
    return {build}


def {public}({arg_names}):
    """{docstring_text(f"{public}({shapes})")}, exported by axcomp: the flat outputs, as
    arrays of the arguments' library, for exactly these shapes and dtypes (anything else is
    refused: the code is specialised to them)."""
    for _value, (_label, _shape, _dtype) in _zip(({arg_names}{trailing}), _SIGNATURE):
        _got = _str(_value.dtype).rsplit(".", 1)[-1]
        if _tuple(_value.shape) != _shape or _got != _dtype:
            raise _ValueError(
                f"{{_label}} must have shape {{_shape}} and dtype {{_dtype}} (this module was "
                f"exported for them), got {{_tuple(_value.shape)}} {{_got}}"
            )
    {XP} = _array_namespace({arg_names})
    _fn = _BUILT.get({XP})
    if _fn is None:
        _fn = _BUILT[{XP}] = _build({XP})
    return _fn({arg_names})
'''
    origin = origin_text(fun, compiled, shapes)
    body = _NAMESPACE_OF + "\n\n" + "\n\n\n".join(parts) + guard
    header = f'''"""Generated by axcomp from {origin}.

Array API code: runs on the arrays of any Array API library; needs NumPy to decode its
constants. Checked against {xp_name} when exported. Regenerate with axcomp.export (or
`axcomp export --namespace array_api`) when the spec or the shapes change.
"""

from __future__ import annotations

{imports_text(body, {**BUILTINS, "_str": str})}'''
    return header + body
