"""``axcomp.export``: the generated code as a standalone Python module that needs only NumPy.

The module holds the generated function(s) as ``explain(...).source`` shows them, their
constants (arrays embedded as base64 of their bytes), a guard that checks the shapes and
dtypes the code was specialised for, and a docstring naming the spec it came from. A user
who cannot add a dependency can compile with axcomp at build time and ship the result.
"""

from __future__ import annotations

import base64
import keyword
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np

from ..backends.numpy_backend import function_name
from ..core.plan import Plan
from ..errors import UnsupportedError
from ..transforms.compile import Compiled
from ..transforms.jit import jit
from ..transforms.staging import Staged

_RUN_BLOCKS = """
def _run_blocks(block, size, chunk, threads, progress):
    # blocks one after the other (the axcomp runtime would use a thread pool)
    for start in range(0, size, chunk):
        block(start, min(start + chunk, size))
"""


def _constant(value: Any) -> str:
    if isinstance(value, np.dtype):
        return f"_np.dtype({value.str!r})"
    if isinstance(value, (bool, int, float, complex)) and not isinstance(value, np.generic):
        if isinstance(value, (float, complex)) and not np.isfinite(value):
            return f"{type(value).__name__}({repr(value)!r})"  # repr gives a bare inf/nan
        return repr(value)
    arr = np.ascontiguousarray(np.asarray(value))
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
    lines.append(f"{fname} = _make_{fname}()")
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
        consts = {"_block": block_fn, "_progress": "None"}
        if chunks.tail is not None:
            tail_body, tail_fn = _plan_function(blocks[1], chunks.tail, f"{compiled.name}_tail")
            parts.append(tail_body)
            consts["_tail"] = tail_fn
        for k, dtype in enumerate(chunks.out_dtypes):
            consts[f"_dt{k}"] = _constant(np.dtype(dtype))
        parts.append(_RUN_BLOCKS.strip())
        entry = function_name(compiled.name)
        parts.append(_factory(driver, entry, consts))
    inputs = compiled.graph.inputs
    specs = ", ".join(f"({n.params.name!r}, {tuple(n.shape)!r}, {n.dtype.str!r})" for n in inputs)
    arg_names = ", ".join(compiled.plan.inputs)
    wanted = name if name is not None else compiled.name
    public = "".join(c if c.isalnum() or c == "_" else "_" for c in wanted) or "fun"
    if public[0].isdigit() or keyword.iskeyword(public):
        public = "f_" + public
    shapes = ", ".join(f"{n.params.name}: {n.dtype.name}{list(n.shape)}" for n in inputs)
    guard = f'''

_SIGNATURE = ({specs}{"," if len(inputs) == 1 else ""})


def {public}({arg_names}):
    """{public}({shapes}), exported by axcomp: the flat outputs for exactly these shapes and
    dtypes (anything else is refused: the code is specialised to them)."""
    for value, (label, shape, dtype) in zip(({arg_names}{"," if len(inputs) == 1 else ""}),
                                             _SIGNATURE):
        value = _np.asarray(value)
        if value.shape != shape or value.dtype != _np.dtype(dtype):
            raise ValueError(
                f"{{label}} must have shape {{shape}} and dtype {{_np.dtype(dtype)}} (this module "
                f"was exported for them), got {{value.shape}} {{value.dtype}}"
            )
    return {entry}({arg_names})
'''
    levels = "".join(
        f"\n    vmap level {r.depth + 1} over {r.function}: in_axes={r.in_axes!r}, "
        f"out_axes={r.out_axes!r}, size {r.size}"
        for r in compiled.levels
    )
    origin = f"{fun!r} for {shapes}{levels}".replace("\\", "/").replace('"""', "'''")
    header = f'''"""Generated by axcomp from {origin}.

Standalone: needs only NumPy. Regenerate with axcomp.export (or `axcomp export`) when the
spec or the shapes change.
"""

import base64 as _b64

import numpy as _np

'''
    return header + "\n\n".join(parts) + guard
