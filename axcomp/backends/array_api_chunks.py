"""The Array API emitter of a chunked program: a driver that runs the block function over
slices of one axis (``core.chunks.ChunkPlan``) and joins the blocks' results with the
standard's functions only.

The standard's arrays cannot be written in place, so nothing is preallocated: each block's
results are kept, and after the blocks ran the slices are joined with ``concat`` and the
partial results of a reduced axis with ``+`` (sums) or ``minimum``/``maximum``. Blocks run
one after the other (``ArrayApiTarget.block_threads``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from ..core.chunks import ChunkPlan
from ..core.plan import Plan
from ..errors import UnsupportedError
from .array_api import XP, build
from .numpy_backend import _ident, _int, comment_text, function_name
from .numpy_chunks import block_call_lines, compile_driver

#: How the partial results of a reduced axis join: a binary function of the standard's.
_JOIN = {"sum": "add", "min": "minimum", "max": "maximum"}


def emit_driver(chunks: ChunkPlan, name: str, inputs: tuple[str, ...]) -> str:
    fname = function_name(name)
    args = [_ident(i) for i in inputs]
    lines = [f"def {fname}({', '.join(args)}):", f"    # {comment_text(chunks.describe())}"]
    n_out = len(chunks.out_shapes)
    outs = [f"_o{k}" for k in range(n_out)]
    for k in range(n_out):
        lines.append(f"    _p{k} = [None] * {_int(chunks.n_blocks)}")
    lines += block_call_lines(chunks, args, trailing=True)
    for k in range(n_out):
        value = "_r" if n_out == 1 else f"_r[{k}]"
        lines.append(f"        _p{k}[_s // {_int(chunks.chunk)}] = {value}")
    lines.append(f"    _run_blocks(_one, {_int(chunks.size)}, {_int(chunks.chunk)}, 1, _progress)")
    for k, (axis, how) in enumerate(zip(chunks.out_axes, chunks.combine)):
        if how == "slice" and axis is not None:
            lines.append(f"    {outs[k]} = {XP}.concat(_p{k}, axis={_int(axis)})")
        else:
            lines.append(f"    {outs[k]} = _p{k}[0]")
            lines.append(f"    for _part in _p{k}[1:]:")
            lines.append(f"        {outs[k]} = {XP}.{_JOIN[how]}({outs[k]}, _part)")
    lines.append(f"    return {outs[0]}" if n_out == 1 else f"    return ({', '.join(outs)})")
    return "\n".join(lines) + "\n"


def build_chunked(
    chunks: ChunkPlan,
    name: str,
    xp_name: str,
    progress: Callable[[int, int], Any] | None,
) -> tuple[str, Callable[..., Any]]:
    """(source of the driver and its block functions, the driver function)."""
    xp = sys.modules.get(xp_name)
    if xp is None:
        raise UnsupportedError(f"the array namespace {xp_name} is not imported")
    driver = emit_driver(chunks, name, chunks.block.inputs)

    def build_plan(plan: Plan, fname: str) -> tuple[str, Callable[..., Any]]:
        return build(plan, fname, xp_name)

    return compile_driver(chunks, name, driver, build_plan, {XP: xp}, progress)
