"""``axcomp.export``: the generated code as a standalone Python module that needs only NumPy.

The module holds the generated function(s) as ``explain(...).source`` shows them, their
constants (arrays embedded as base64 of their bytes), a guard that checks the shapes and
dtypes the code was specialised for, and a docstring naming the spec it came from. A user
who cannot add a dependency can compile with axcomp at build time and ship the result.

Every module-level name but the public function's starts with ``_`` (the generated
functions are bound as ``_axcomp_<name>``) and the public function's parameters are the
plan's input names, which never do (``core.names``): no user name reaches the module's own.
User text in docstrings is escaped (``_docstring_text``).
"""

from __future__ import annotations

import base64
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np

from ..backends.numpy_backend import BUILTINS, function_name
from ..core.names import python_name
from ..core.plan import Plan
from ..errors import UnsupportedError
from ..transforms.compile import Compiled
from ..transforms.jit import jit
from ..transforms.staging import Staged

_RUN_BLOCKS = """
def _run_blocks(_one, _size, _chunk, _threads, _progress):
    # blocks one after the other (the axcomp runtime would use a thread pool)
    for _start in _range(0, _size, _chunk):
        _one(_start, _min(_start + _chunk, _size))
"""


def _docstring_text(text: str) -> str:
    """``text`` inside a ``\"\"\"`` docstring: quotes, backslashes and unprintable
    characters as escapes, so user text can neither end the string nor break a line."""
    return "".join(
        c if c.isprintable() and c not in '"\\' else ascii(c)[1:-1].replace('"', "\\x22")
        for c in text
    )


def _constant(value: Any) -> str:
    if isinstance(value, np.dtype):
        return f"_np.dtype({value.str!r})"
    if isinstance(value, (bool, int, float, complex)) and not isinstance(value, np.generic):
        if isinstance(value, (float, complex)) and not np.isfinite(value):
            return f"{type(value).__name__}({repr(value)!r})"  # repr gives a bare inf/nan
        return repr(value)
    arr = np.array(value, order="C")  # (np.ascontiguousarray makes a 0-d value 1-d)
    if arr.dtype == object:
        raise UnsupportedError(f"cannot export the constant {value!r}")
    data = base64.b64encode(arr.tobytes()).decode("ascii")
    return (
        f"_np.frombuffer(_b64.b64decode({data!r}), dtype={arr.dtype.str!r})"
        f".reshape({arr.shape!r}).copy()"
    )


def _factory(source: str, fname: str, constants: dict[str, str]) -> str:
    """``source`` (one generated ``def``) inside a function that binds its constants, so
    several generated functions' constants cannot collide in one module."""
    lines = [f"def _make_{fname}():"]
    lines += [f"    {name} = {text}" for name, text in constants.items()]
    lines.append(textwrap.indent(source.rstrip(), "    "))
    lines.append(f"    return {fname}")
    lines.append("")
    lines.append("")
    lines.append(f"_{fname} = _make_{fname}()")
    return "\n".join(lines)


def _plan_function(source: str, plan: Plan, name: str) -> tuple[str, str]:
    fname = function_name(name)
    return _factory(source, fname, {k: _constant(v) for k, v in plan.constants}), fname


def export(fun: Callable[..., Any], *args: Any, name: str | None = None, **kwargs: Any) -> str:
    """Python source of a module computing ``fun`` for these arguments (arrays or
    ``ShapeDtypeStruct``s); its function ``name`` (default: ``fun``'s name) takes the flat
    arrays."""
    staged = fun if isinstance(fun, Staged) else jit(fun)
    compiled: Compiled = staged.lower(*args, **kwargs)
    if compiled.namespace != "numpy":
        raise UnsupportedError(
            f"export writes NumPy code; these arguments are {compiled.namespace} arrays"
        )
    parts = []
    chunks = compiled.chunks
    if chunks is None or chunks.reason.startswith("pmap"):
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
        for k, dtype in enumerate(chunks.out_dtypes):
            consts[f"_dt{k}"] = _constant(np.dtype(dtype))
        parts.append(_RUN_BLOCKS.strip())
        entry = function_name(compiled.name)
        parts.append(_factory(driver, entry, consts))
    inputs = compiled.graph.inputs
    named = list(zip(compiled.plan.inputs, inputs, strict=True))  # the parameters' names
    specs = ", ".join(f"({a!r}, {tuple(n.shape)!r}, {n.dtype.str!r})" for a, n in named)
    arg_names = ", ".join(compiled.plan.inputs)
    public = python_name(name if name is not None else compiled.name)
    shapes = ", ".join(f"{a}: {n.dtype.name}{list(n.shape)}" for a, n in named)
    trailing = "," if len(inputs) == 1 else ""  # a one-element tuple
    guard = f'''

_SIGNATURE = ({specs}{trailing})


def {public}({arg_names}):
    """{_docstring_text(f"{public}({shapes})")}, exported by axcomp: the flat outputs for
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
    levels = "".join(
        f"\n    vmap level {r.depth + 1} over {r.function}: in_axes={r.in_axes!r}, "
        f"out_axes={r.out_axes!r}, size {r.size}"
        for r in compiled.levels
    )
    origin = "\n".join(
        _docstring_text(line) for line in f"{fun!r} for {shapes}{levels}".split("\n")
    )
    builtins = ", ".join(BUILTINS)
    header = f'''"""Generated by axcomp from {origin}.

Standalone: needs only NumPy. Regenerate with axcomp.export (or `axcomp export`) when the
spec or the shapes change.
"""

import base64 as _b64

import numpy as _np

# the builtins the code calls, under names no parameter can take
{builtins} = {", ".join(f.__name__ for f in BUILTINS.values())}


'''
    return header + "\n\n".join(parts) + guard
