"""The NumPy emitter of a chunked program: a driver that preallocates the outputs and runs
the block function over slices of one axis (``core.chunks.ChunkPlan``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.chunks import ChunkPlan
from ..core.plan import Plan
from .kernel_loading import compiles_after
from .numpy_backend import NP, _ident, _int, _tuple, build, comment_text, function_name
from .runtime import run_blocks
from .source import compile_source


def _window(axis: int, start: str, stop: str, trailing: bool = False) -> str:
    # the Array API standard wants every axis indexed: a trailing ``...`` spells the rest
    return ":, " * int(_int(axis)) + f"{start}:{stop}" + (", ..." if trailing else "")


def block_call_lines(chunks: ChunkPlan, args: list[str], trailing: bool = False) -> list[str]:
    """The head of the driver's ``_one(_s, _e)``: the block (or the shorter tail) called on
    the slices ``_s:_e`` of the inputs that carry the split axis, its result in ``_r``."""
    sliced = [
        a if axis is None else f"{a}[{_window(axis, '_s', '_e', trailing)}]"
        for a, axis in zip(args, chunks.in_axes)
    ]
    call = f"_block({', '.join(sliced)})"
    if chunks.prologue is not None:  # the hoisted values follow a full block's inputs
        hoisted = "*_h" if len(chunks.prologue.outputs) > 1 else "_h"
        call = f"_block({', '.join([*sliced, hoisted])})"
    if chunks.tail is not None:
        call = f"{call} if _e - _s == {_int(chunks.chunk)} else _tail({', '.join(sliced)})"
    return ["    def _one(_s, _e):", f"        _r = {call}"]


def emit_driver(chunks: ChunkPlan, name: str, inputs: tuple[str, ...]) -> str:
    fname = function_name(name)
    args = [_ident(i) for i in inputs[: len(chunks.in_axes)]]  # a block's own inputs
    lines = [f"def {fname}({', '.join(args)}):", f"    # {comment_text(chunks.describe())}"]
    if chunks.prologue is not None:
        lines.append(f"    _h = _prologue({', '.join(args[k] for k in chunks.prologue_args)})")
    outs = [f"_o{k}" for k in range(len(chunks.out_shapes))]
    for k, (shape, how) in enumerate(zip(chunks.out_shapes, chunks.combine)):
        if how == "slice":
            lines.append(f"    {outs[k]} = {NP}.empty({_tuple(shape)}, dtype=_dt{k})")
        else:  # one partial result per block, accumulated after the blocks ran
            lines.append(f"    _p{k} = [None] * {_int(chunks.n_blocks)}")
    lines += block_call_lines(chunks, args)
    for k, (axis, how) in enumerate(zip(chunks.out_axes, chunks.combine)):
        value = "_r" if len(outs) == 1 else f"_r[{k}]"
        if how == "slice" and axis is not None:
            lines.append(f"        {outs[k]}[{_window(axis, '_s', '_e')}] = {value}")
        else:
            lines.append(f"        _p{k}[_s // {_int(chunks.chunk)}] = {value}")
    lines.append(
        f"    _run_blocks(_one, {_int(chunks.size)}, {_int(chunks.chunk)}, "
        f"{_int(chunks.threads)}, _progress)"
    )
    for k, how in enumerate(chunks.combine):
        if how != "slice":
            reducer = {"sum": "sum", "min": "min", "max": "max"}[how]
            dtype = f", dtype=_dt{k}" if how == "sum" else ""
            lines.append(
                f"    {outs[k]} = {NP}.asarray({NP}.{reducer}({NP}.stack(_p{k}), axis=0{dtype}))"
            )
    lines.append(f"    return {outs[0]}" if len(outs) == 1 else f"    return ({', '.join(outs)})")
    return "\n".join(lines) + "\n"


def build_chunked(
    chunks: ChunkPlan,
    name: str,
    progress: Callable[[int, int], Any] | None,
) -> tuple[str, Callable[..., Any]]:
    """(source of the driver and its block functions, the driver function)."""
    dtypes = {f"_dt{k}": np.dtype(dtype) for k, dtype in enumerate(chunks.out_dtypes)}
    driver = emit_driver(chunks, name, chunks.block.inputs)

    def build_block(plan: Plan, fname: str) -> tuple[str, Callable[..., Any]]:
        return build(plan, fname, threads=chunks.threads)  # (run serially inside blocks)

    return compile_driver(chunks, name, driver, build_block, {NP: np, **dtypes}, progress)


def compile_driver(
    chunks: ChunkPlan,
    name: str,
    driver: str,
    build_plan: Callable[[Plan, str], tuple[str, Callable[..., Any]]],
    bindings: dict[str, Any],
    progress: Callable[[int, int], Any] | None,
) -> tuple[str, Callable[..., Any]]:
    """Compile the ``driver`` source of ``chunks`` with its block (and tail) functions,
    built by ``build_plan``, and ``bindings`` as globals: (all the sources, the driver)."""
    block_src, block_fn = build_plan(chunks.block, f"{name}_block")
    namespace: dict[str, Any] = {
        **bindings,
        "_block": block_fn,
        "_run_blocks": _run_blocks_then_compile,
        "_progress": progress,
    }
    sources = [block_src]
    if chunks.tail is not None:
        tail_src, namespace["_tail"] = build_plan(chunks.tail, f"{name}_tail")
        sources.append(tail_src)
    if chunks.prologue is not None:
        prologue_src, namespace["_prologue"] = build_plan(chunks.prologue, f"{name}_prologue")
        sources.append(prologue_src)
    fn = compile_source(driver, function_name(name), namespace)
    return "\n".join([driver, *sources]), fn


def _run_blocks_then_compile(*arguments: Any) -> None:
    """``runtime.run_blocks(*arguments)``, the kernels the blocks ask for compiling after the
    last one (``kernel_loading.compiles_after``): a compile holds the GIL the later blocks
    need."""
    with compiles_after():
        run_blocks(*arguments)
