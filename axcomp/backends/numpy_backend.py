"""The NumPy emitter: a Plan becomes readable Python source calling NumPy.

It prints each plan operation the way a person would write it (``x.transpose(0, 2, 1)``,
``_np.matmul(a, b)``, ``a * b``). Source text is assembled only from identifiers it checks,
integer literals, finite float literals, NumPy function names it checks, and einsum
equations of letters; nothing else can reach the generated code.

Names: the plan's buffers come from the lowering's allocator (user names made plain by
``core.names``); everything else the code reads is ``_``-prefixed, the builtins it calls
included (``BUILTINS``), so no parameter, whatever its name, can shadow it.
"""

from __future__ import annotations

import dataclasses
import keyword
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core.fused import FusedLoop
from ..core.names import MAX_LENGTH, identifier_chars, normalise
from ..core.plan import (
    LINALG,
    OPS,
    Assign,
    Branch,
    Call,
    Expr,
    If,
    Lit,
    Loop,
    Plan,
    Ref,
    Scatter,
    Statement,
    Step,
    Store,
    releases,
    statement_reads,
)
from . import fused_loops, loop_nest_kernels, numpy_lapack, refine_scan
from .blas_threads import blas_threads
from .cancellation import _flat_not_greater
from .cholesky_inverse import _cholesky, _cholesky_inverse, _solve_triangular
from .selection import _argselect
from .source import compile_source

NP = "_np"

#: The builtins generated code calls, under reserved names (in every emitter's globals).
BUILTINS: dict[str, Any] = {
    "_bool": bool,
    "_int": int,
    "_min": min,
    "_range": range,
    "_tuple": tuple,
    "_zip": zip,
    "_ValueError": ValueError,
}

#: Functions generated code calls that NumPy lacks (export copies their modules' source).
HELPERS: dict[str, Any] = {
    "_argselect": _argselect,
    "_flat_not_greater": _flat_not_greater,
    "_cholesky": _cholesky,
    "_cholesky_inverse": _cholesky_inverse,
    "_solve_triangular": _solve_triangular,
}

#: What in-process programs call instead of a helper (an exported module copies the
#: helper): the refine's scan as a threaded kernel (``refine_scan``); the Cholesky and
#: triangular routines in NumPy's own OpenBLAS, which ``matmul``'s threads share
#: (``numpy_lapack``).
IN_PROCESS: dict[str, Any] = {
    "_flat_not_greater": refine_scan.flat_not_greater,
    "_cholesky": numpy_lapack.cholesky,
    "_cholesky_inverse": numpy_lapack.cholesky_inverse,
    "_solve_triangular": numpy_lapack.solve_triangular,
}

_EQUATION = re.compile(r"^[A-Za-z,]*->[A-Za-z]*$")


def _ident(name: str) -> str:
    # NFKC-stable too: Python would read a look-alike (``ｔ0``) as another name (``t0``)
    if (
        not isinstance(name, str)
        or not name.isidentifier()
        or keyword.iskeyword(name)
        or normalise(name) != name
    ):
        raise ValueError(f"refusing to emit {name!r}: not a plain identifier")
    return name


def comment_text(text: str) -> str:
    """``text`` for a ``#`` comment: printable characters only, so it ends the line."""
    return "".join(c for c in text if c.isprintable())


def _int(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"refusing to emit {value!r}: not an int")
    return str(int(value))


def _tuple(values: Sequence[int]) -> str:
    vals = [_int(v) for v in values]
    return "(" + ", ".join(vals) + ("," if len(vals) == 1 else "") + ")"


def _axis(axis: Any) -> str:
    return _tuple(axis) if isinstance(axis, tuple) else _int(axis)


def _numpy_function(fn: str) -> str:
    if not _ident(fn) or not callable(getattr(np, fn, None)):
        raise ValueError(f"refusing to emit {fn!r}: not a NumPy function")
    return f"{NP}.{fn}"


def _literal(value: Any) -> str:
    if type(value) in (bool, int) or (type(value) is float and math.isfinite(value)):
        return repr(value)
    raise ValueError(f"refusing to emit literal {value!r}")


def index_text(items: Sequence[tuple[Any, ...]], shape: Sequence[int]) -> str:
    """NumPy basic-index source for plan index items on an array of ``shape``."""
    parts = []
    dim = 0
    for item in items:
        if item[0] == "new":
            parts.append("None")
            continue
        size = shape[dim]
        dim += 1
        if item[0] == "int":
            parts.append(_int(item[1]))
            continue
        _, start, stop, step = item
        if step > 0 and start == 0 and stop >= size and step == 1:
            parts.append(":")
            continue
        stop_txt = "" if step < 0 and stop < 0 else _int(stop)
        parts.append(f"{_int(start)}:{stop_txt}:{_int(step)}")
    return ", ".join(parts) + ("," if len(parts) == 1 else "")


def _receiver(expr: Expr) -> str:
    """``expr`` where a method call or an operator follows it."""
    text = expr_text(expr)
    return f"({text})" if isinstance(expr, Call) and expr.op == "multiply" else text


def expr_text(expr: Expr) -> str:
    if isinstance(expr, Ref):
        return _ident(expr.name)
    if isinstance(expr, Lit):
        return _literal(expr.value)
    fmt = _FORMATS.get(expr.op)
    if fmt is None:
        raise ValueError(f"the NumPy backend has no spelling for {expr.op!r}")
    return fmt(expr)


def _kw(c: Call, key: str) -> str:
    value = c.kwarg(key)
    return "" if value is None else f", {key}={expr_text(value)}"


def _args(c: Call) -> str:
    return ", ".join(expr_text(a) for a in c.args)


def _out(c: Call) -> str:
    out = c.attr("out")
    return "" if out is None else f", out={_ident(out)}"


def _einsum(c: Call) -> str:
    eq = c.attr("equation")
    if not isinstance(eq, str) or not _EQUATION.match(eq):
        raise ValueError(f"refusing to emit einsum equation {eq!r}")
    return f"{NP}.einsum('{eq}', {_args(c)}{_kw(c, 'dtype')})"


def _static(value: Any) -> str:
    if isinstance(value, bool):
        return repr(value)
    return _tuple(value) if isinstance(value, tuple) else _int(value)


def _with_axis(fn: str, c: Call, flag: str | None = None) -> str:
    """``_np.<fn>(args, axis=k)`` (no ``axis`` when the call has none), with the bool
    attribute ``flag`` as a keyword when the call sets it."""
    axis = c.attr("axis")
    keywords = "" if axis is None else f", axis={_int(axis)}"
    if flag is not None and c.attr(flag) is not None:
        keywords += f", {flag}={_static(bool(c.attr(flag)))}"
    return f"{_numpy_function(fn)}({_args(c)}{keywords})"


def _linalg(c: Call) -> str:
    fn = c.attr("fn")
    if fn not in LINALG:
        raise ValueError(f"refusing to emit linalg.{fn!r}: not a whitelisted function")
    keywords = "".join(f", {_ident(k)}={_static(v)}" for k, v in c.attr("keywords", ()))
    if fn == "cholesky_inverse":  # NumPy has no potri: the helper (LAPACK when SciPy is there)
        return f"_cholesky_inverse({_args(c)})"
    if fn == "solve_triangular":  # nor trtrs
        return f"_solve_triangular({_args(c)}{keywords})"
    if fn == "cholesky" and not keywords and c.attr("pack", -1) < 0:
        return f"_cholesky({_args(c)})"  # LAPACK's potrf without NumPy's reordering copies
    text = f"{NP}.linalg.{fn}({_args(c)}{keywords})"
    cast = ""
    if fn in ("eig", "eigvals"):  # NumPy gives real results when they are; JAX never does
        kind = np.dtype(c.attr("dtype"))
        assert kind.kind == "c", kind
        cast = f".astype({NP}.{kind.name})"
    pack = c.attr("pack", -1)
    if pack < 0:
        return text + cast
    sizes = _tuple(c.attr("sizes"))  # each result's entries past the stack axes
    lead = f"_r.shape[:{_int(pack)}] + (_k,)"
    return (
        f"{NP}.concatenate([_r{cast}.reshape({lead}) for _r, _k in _zip({text}, {sizes})], axis=-1)"
    )


def _windows(c: Call) -> str:
    axes, sizes = c.attr("axes"), c.attr("sizes")
    strides, dilations = c.attr("strides"), c.attr("dilations")
    extents = [(k - 1) * d + 1 for k, d in zip(sizes, dilations)]
    view = (
        f"{NP}.lib.stride_tricks.sliding_window_view({expr_text(c.args[0])}, "
        f"{_tuple(extents)}, axis={_tuple(axes)})"
    )
    steps = [1] * len(c.attr("shape"))
    for a, s in zip(axes, strides):
        steps[a] = s
    index = [":" if s == 1 else f"::{_int(s)}" for s in steps]
    index += [":" if d == 1 else f"::{_int(d)}" for d in dilations]
    if all(i == ":" for i in index):
        return view
    return f"{view}[{', '.join(index)}]"


_FORMATS: dict[str, Callable[[Call], str]] = {
    "transpose": lambda c: (
        f"{_receiver(c.args[0])}.transpose(" + ", ".join(_int(p) for p in c.attr("perm")) + ")"
    ),
    "reshape": lambda c: f"{_receiver(c.args[0])}.reshape({_tuple(c.attr('shape'))})",
    "matmul": lambda c: f"{NP}.matmul({_args(c)})",
    "multiply": lambda c: " * ".join(_receiver(a) for a in c.args),
    "einsum": _einsum,
    "sum": lambda c: f"{_receiver(c.args[0])}.sum(axis={_axis(c.attr('axis'))}{_kw(c, 'dtype')})",
    "dtype_of": lambda c: f"{_receiver(c.args[0])}.dtype",
    "result_type": lambda c: f"{NP}.result_type({_args(c)})",
    "ufunc": lambda c: f"{_numpy_function(c.attr('fn'))}({_args(c)}{_out(c)})",
    "reduce": lambda c: (
        f"{_numpy_function(c.attr('fn'))}({_args(c)}, axis={_axis(c.attr('axis'))})"
    ),
    "broadcast_to": lambda c: f"{NP}.broadcast_to({_args(c)}, {_tuple(c.attr('shape'))})",
    "astype": lambda c: f"{_receiver(c.args[0])}.astype({expr_text(c.args[1])})",
    "getitem": lambda c: f"{_receiver(c.args[0])}[{index_text(c.attr('items'), c.attr('shape'))}]",
    "windows": _windows,
    "zeros": lambda c: f"{NP}.zeros({_tuple(c.attr('shape'))}{_kw(c, 'dtype')})",
    "concatenate": lambda c: f"{NP}.concatenate(({_args(c)},), axis={_int(c.attr('axis'))})",
    "asarray": lambda c: f"{NP}.asarray({_args(c)}{_kw(c, 'dtype')})",
    "copy": lambda c: (
        f"{NP}.array({_args(c)}, copy=True{', order=' + repr('C') if c.attr('order') else ''})"
    ),
    "flip": lambda c: _with_axis("flip", c),
    "sort": lambda c: _with_axis("sort", c),
    "argsort": lambda c: _with_axis("argsort", c, "stable"),
    "argselect": lambda c: (
        f"_argselect({expr_text(c.args[0])}, {_int(c.attr('k'))}, {_int(c.attr('axis'))}, "
        f"{bool(c.attr('largest'))!r})"
    ),
    "take": lambda c: _with_axis("take", c),
    "take_along_axis": lambda c: _with_axis("take_along_axis", c),
    "cumulative": lambda c: _with_axis(c.attr("fn"), c),
    "bitcast": lambda c: (
        f"{NP}.ascontiguousarray({expr_text(c.args[0])})"
        f".reshape(-1).view({expr_text(c.args[1])}).reshape({_tuple(c.attr('shape'))})"
    ),
    "flatnonzero": lambda c: f"{NP}.flatnonzero({_args(c)})",
    "flat_not_greater": lambda c: (
        f"_flat_not_greater({_args(c)}{', negated=True' if c.attr('negated') else ''})"
    ),
    "unravel_index": lambda c: f"{NP}.unravel_index({_args(c)}, {_tuple(c.attr('shape'))})",
    "item": lambda c: f"{_receiver(c.args[0])}[{_int(c.attr('k'))}]",
    "gather": lambda c: (
        f"{_receiver(c.args[0])}[" + ", ".join(expr_text(a) for a in c.args[1:]) + "]"
    ),
    "linalg": _linalg,
    # the function is a plan constant (a lowering-allocated name), never user text
    "callback": lambda c: f"{expr_text(c.args[0])}({', '.join(expr_text(a) for a in c.args[1:])})",
    "host_call": lambda c: f"{expr_text(c.args[0])}({', '.join(expr_text(a) for a in c.args[1:])})",
    "fused": lambda c: f"{_ident(fused_loops.call_name(c.attr('loop')))}({_args(c)})",
}
assert set(_FORMATS) == set(OPS), "every plan operation needs a NumPy spelling"


#: Loops of static length stack into arrays made before them (``loop_lines``); the tests
#: turn it off to compare with the list-and-``stack`` path.
PREALLOCATE_STACKS = True


def loop_lines(
    st: Loop,
    text: Callable[[Step], list[str]],
    expr: Callable[[Expr], str],
    xp: str,
    preallocate: bool = False,
) -> list[str]:
    """The source lines of a ``Loop`` (unindented; the body indented by four spaces).

    With ``preallocate`` (NumPy: writable arrays and ``out=``), a loop of static length
    stacks into arrays made before it: the op computing a stacked value writes straight into
    its slot (``out=``) where it can, else the value is copied there, never a list joined
    after the loop."""
    filled = _slot_writes(st) if preallocate and st.length is not None else None
    lines = [f"{_ident(n)} = {expr(v)}" for n, v in st.init]
    if filled is None:
        lines += [f"{_ident(out)} = []" for out, _, _ in st.stacks]
    else:
        types = {name: (shape, dtype) for name, shape, dtype in st.outs}
        for out, _, _ in st.stacks:
            shape, dtype = types[out]
            lines.append(f"{_ident(out)} = {xp}.empty({_tuple(shape)}, dtype={_dtype(dtype)})")
    i = _ident(st.counter)
    if st.length is None:
        lines.append(f"{i} = 0")
        lines.append("while True:")
    elif st.reverse:
        lines.append(f"for {i} in _range({_int(st.length)} - 1, -1, -1):")
    else:
        lines.append(f"for {i} in _range({_int(st.length)}):")
    body = []
    if st.index:
        body.append(f"{_ident(st.index)} = {xp}.asarray({i})")
    read = {v for _, v in st.update} | {v for _, v, _ in st.stacks} | {st.stop}
    for step in st.body:
        for s in step.statements:
            read |= statement_reads(s)
    for name, src, axis in st.slices:
        if name not in read:
            continue  # a scanned operand this body never reads
        body.append(f"{_ident(name)} = {_ident(src)}[{':, ' * _int_value(axis)}{i}, ...]")
    slots = {value: (out, axis) for out, value, axis in st.stacks if filled and value in filled}
    for step in st.body:
        if filled:
            # bind each slot first (a body name is bound once), then the op writes into it
            for s in step.statements:
                if isinstance(s, Assign) and s.target in filled:
                    out, axis = slots[s.target]
                    body.append(
                        f"{_ident(s.target)} = {_ident(out)}[{':, ' * _int_value(axis)}{i}, ...]"
                    )
            step = _into_slots(step, filled)
        body += text(step)
    if st.stop is not None:
        body.append(f"if not _bool({xp}.any({_ident(st.stop)})):")
        body.append("    break")
    for out, value, axis in st.stacks:
        if filled is None:
            body.append(f"{_ident(out)}.append({_ident(value)})")
        elif value not in filled:
            body.append(f"{_ident(out)}[{':, ' * _int_value(axis)}{i}, ...] = {_ident(value)}")
    if st.update:
        names = ", ".join(_ident(n) for n, _ in st.update)
        values = ", ".join(_ident(v) for _, v in st.update)
        body.append(f"{names}, = {values},")
    if st.length is None:
        body.append(f"{i} += 1")
    lines += ["    " + line for line in body]
    if filled is None:
        for out, _, axis in st.stacks:
            if st.reverse:
                lines.append(f"{_ident(out)}.reverse()")
            lines.append(f"{_ident(out)} = {xp}.stack({_ident(out)}, axis={_int(axis)})")
    else:
        # a carry last bound to a slot would alias its stack: later in-place ops on the
        # carry (which the memory model sees as its own buffer) must not reach the stack
        for carry, value in st.update:
            if value in filled:
                lines.append(f"{_ident(carry)} = {_ident(carry)}.copy()")
    dead = sorted(st.body_names() - {n for n, _, _ in st.slices if n not in read})
    if dead:
        lines.append(f"del {', '.join(_ident(n) for n in dead)}")
    return lines


def _dtype(dtype: Any) -> str:
    name = np.dtype(dtype).name
    if not re.fullmatch(r"[a-z]+[0-9]*", name):
        raise ValueError(f"refusing to emit dtype {name!r}")
    return f"{NP}.dtype('{name}')"


def _slot_writes(st: Loop) -> dict[str, Assign]:
    """The stacked values whose op can write straight into the stack's slot: bound once at
    the body's top level by a one-output ufunc (or a product) with the slot's shape and
    dtype, stacked once."""
    types = {name: (tuple(shape), np.dtype(dtype)) for name, shape, dtype in st.outs}
    counts: dict[str, int] = {}
    for _, value, _ in st.stacks:
        counts[value] = counts.get(value, 0) + 1
    bound: dict[str, Assign] = {}
    for step in st.body:
        for s in step.statements:
            if isinstance(s, Assign):
                bound[s.target] = s
    found: dict[str, Assign] = {}
    for out, value, axis in st.stacks:
        a = bound.get(value)
        if a is None or counts[value] != 1 or not a.shape or a.dtype is None:
            continue
        shape, dtype = types[out]
        if shape[:axis] + shape[axis + 1 :] != tuple(a.shape) or np.dtype(a.dtype) != dtype:
            continue
        c = a.value
        if not isinstance(c, Call) or c.kwargs or c.attr("out") is not None:
            continue
        if c.op == "multiply" and len(c.args) == 2:
            c = Call("ufunc", c.args, (("fn", "multiply"),))
        fn = getattr(np, c.attr("fn"), None) if c.op == "ufunc" else None
        if isinstance(fn, np.ufunc) and fn.nout == 1:
            found[value] = dataclasses.replace(
                a, value=Call(c.op, c.args, (*c.attrs, ("out", value)), c.kwargs)
            )
    return found


def _into_slots(step: Step, filled: dict[str, Assign]) -> Step:
    stmts = tuple(
        filled[s.target] if isinstance(s, Assign) and s.target in filled else s
        for s in step.statements
    )
    return dataclasses.replace(step, statements=stmts)


def _int_value(v: Any) -> int:
    return int(_int(v))


#: ``text(k, step, drop)``: the unindented lines of step ``k`` of a branch, with ``del``
#: after each statement that ``drop`` (``Branch.releases``) lists
StepText = Callable[[int, Step, dict[tuple[int, int], tuple[str, ...]]], list[str]]


def if_lines(st: If, text: StepText, expr: Callable[[Expr], str]) -> list[str]:
    """The source lines of an ``If`` (unindented; each branch indented by four spaces)."""
    lines: list[str] = []
    n = len(st.branches)
    if n == 2:
        heads = [(f"if _bool({expr(st.index)}):", st.branches[1]), ("else:", st.branches[0])]
    else:
        key = _ident(st.key)
        lines.append(f"{key} = _int({expr(st.index)})")
        heads = [
            (f"{'if' if i == 0 else 'elif'} {key} == {_int(i)}:", br)
            for i, br in enumerate(st.branches[:-1])
        ]
        heads.append(("else:", st.branches[-1]))  # the index is clamped: the last branch
    for head, br in heads:
        lines.append(head)
        lines += ["    " + line for line in _branch_lines(st, br, text, expr)]
    if n != 2:
        lines.append(f"del {_ident(st.key)}")
    return lines


def _branch_lines(st: If, br: Branch, text: StepText, expr: Callable[[Expr], str]) -> list[str]:
    drop, tail = br.releases()
    lines = [f"{_ident(n)} = {expr(v)}" for n, v in br.init]
    for k, step in enumerate(br.body):
        lines += text(k, step, drop)
    lines += [
        f"{_ident(n)} = {_ident(r)}" for (n, _, _), r in zip(st.outs, br.results, strict=True)
    ]
    if tail:
        lines.append(f"del {', '.join(_ident(n) for n in tail)}")
    return lines


def _step_text(k: int, step: Step, drop: dict[tuple[int, int], tuple[str, ...]]) -> list[str]:
    lines: list[str] = []
    for j, st in enumerate(step.statements):
        lines += statement_text(st).split("\n")
        dead = drop.get((k, j))
        if dead:
            lines.append(f"del {', '.join(_ident(n) for n in dead)}")
    return lines


def statement_text(st: Statement) -> str:
    if isinstance(st, Loop) and st.nest is not None:
        return _loop_nest_text(st)
    if isinstance(st, Loop):
        lines = loop_lines(
            st,
            lambda step: [t for s in step.statements for t in statement_text(s).split("\n")],
            expr_text,
            NP,
            preallocate=PREALLOCATE_STACKS,
        )
        return "\n".join(lines)
    if isinstance(st, If):
        return "\n".join(if_lines(st, _step_text, expr_text))
    if isinstance(st, Assign):
        return f"{_ident(st.target)} = {expr_text(st.value)}"
    if isinstance(st, Store):
        return f"{_ident(st.target)}[{index_text(st.items, st.shape)}] = {expr_text(st.value)}"
    if isinstance(st, Scatter):
        return f"{_ident(st.target)}.flat[{expr_text(st.index)}] = {expr_text(st.value)}"
    raise ValueError(f"unknown plan statement {st!r}")


def _loop_nest_text(st: Loop) -> str:
    """A whole loop as one call of its compiled kernel (``loop_nest_kernels``); the call
    answers None while its kernel compiles, and the loop runs its NumPy steps, then starts
    the compile (``NestCall.start``)."""
    lines = [f"{_ident(n)} = {expr_text(v)}" for n, v in st.init]  # bound as the loop binds
    results = ", ".join(_ident(name) for name, _, _ in st.outs)
    args = ", ".join(_ident(name) for name in loop_nest_kernels.operands(st))
    call = _ident(loop_nest_kernels.call_name(st))
    found = "_found" + call  # a name of ours: generated names start with "_"
    lines.append(f"{found} = {call}({args})")
    lines.append(f"if {found} is None:")
    # the operands' types (all a compile needs) before the NumPy steps rebind the carries
    lines.append(f"    {found} = ({args},)")
    steps = statement_text(dataclasses.replace(st, nest=None)).split("\n")
    lines += [f"    {line}" for line in steps]
    lines.append(f"    {call}.start(*{found})")
    lines.append("else:")
    lines.append(f"    {results}, = {found}")
    lines.append(f"del {found}")
    return "\n".join(lines)


def function_name(name: Any) -> str:
    """``axcomp_<name>``: the user's function name as identifier characters (NFKC), cut."""
    return "axcomp_" + (identifier_chars(name)[:MAX_LENGTH] or "fun")


def emit(plan: Plan, name: str) -> str:
    """The source of one Python function computing ``plan``."""
    fname = function_name(name)
    lines = [f"def {fname}({', '.join(_ident(i) for i in plan.inputs)}):"]
    drop = releases(plan)  # temporaries die after their last reader, as memory.py counts
    for k, step in enumerate(plan.steps):
        if not step.statements:
            continue  # views that needed no code (identity transposes)
        lines.append(f"    # %{step.index}: {comment_text(step.comment)}")
        for j, st in enumerate(step.statements):
            lines.extend(f"    {line}" for line in statement_text(st).split("\n"))
            dead = drop.get((k, j))
            if dead:
                lines.append(f"    del {', '.join(_ident(n) for n in dead)}")
    outs = [_ident(o) for o in plan.outputs]
    lines.append(f"    return {outs[0]}" if len(outs) == 1 else f"    return ({', '.join(outs)})")
    return "\n".join(lines) + "\n"


def build(
    plan: Plan, name: str, xp_name: str = "numpy", threads: int | None = None
) -> tuple[str, Callable[..., Any]]:
    """Generate and compile ``plan``; returns (source, function). NumPy only; its fused
    loops run on up to ``threads`` threads (``fused_loops.caller``), on one where the
    program also calls BLAS while BLAS runs several."""
    source = emit(plan, name)
    namespace: dict[str, Any] = {NP: np, **BUILTINS, **HELPERS, **IN_PROCESS}
    namespace.update((_ident(k), v) for k, v in plan.constants)
    fused = fused_steps(plan)
    if fused and calls_blas(plan) and blas_threads() > 1:
        # OpenBLAS's workers spin for a while after each GEMM: a loop split over threads
        # right after one shares the cores with them and ends later than on one thread
        # (B19 on two cores: 7.4-8.8 ms a call against 5.3-5.8)
        threads = 1
    for _, loop in fused:
        namespace.setdefault(fused_loops.call_name(loop), fused_loops.caller(loop, threads))
    for _, nest in loop_nest_steps(plan):
        namespace.setdefault(loop_nest_kernels.call_name(nest), loop_nest_kernels.caller(nest))
    return source, compile_source(source, function_name(name), namespace)


#: Functions generated code calls that run BLAS (with its threads) on float matrices.
BLAS_CALLS = frozenset(("matmul", "einsum", "tensordot", "dot"))


def calls_blas(plan: Plan) -> bool:
    """Whether ``plan`` calls a BLAS function (``BLAS_CALLS``) anywhere, loop bodies and
    branches included."""
    return any(_blas_in(step) for step in plan.steps)


def _blas_in(step: Step) -> bool:
    for st in step.statements:
        if isinstance(st, Loop):
            if any(_blas_in(s) for s in st.body):
                return True
        elif isinstance(st, If):
            if any(_blas_in(s) for branch in st.branches for s in branch.body):
                return True
        elif isinstance(st, Assign) and _calls(st.value, BLAS_CALLS):
            return True
    return False


def _calls(expr: Expr, ops: frozenset[str]) -> bool:
    if not isinstance(expr, Call):
        return False
    if expr.op in ops:
        return True
    return any(_calls(a, ops) for a in expr.args) or any(_calls(v, ops) for _, v in expr.kwargs)


def fused_steps(plan: Plan) -> list[tuple[Step, FusedLoop]]:
    """The steps of ``plan`` that call a fused loop, with the loop (fusion makes them
    statements of their own, at the top or in a loop's or a branch's body)."""
    return _fused_in(plan.steps)


def _fused_in(steps: tuple[Step, ...]) -> list[tuple[Step, FusedLoop]]:
    found: list[tuple[Step, FusedLoop]] = []
    for step in steps:
        for st in step.statements:
            if isinstance(st, Assign) and isinstance(st.value, Call) and st.value.op == "fused":
                found.append((step, st.value.attr("loop")))
            elif isinstance(st, Loop):
                found += _fused_in(st.body)
            elif isinstance(st, If):
                for branch in st.branches:
                    found += _fused_in(branch.body)
    return found


def loop_nest_steps(plan: Plan) -> list[tuple[Step, Loop]]:
    """The steps of ``plan`` holding a loop that runs whole as one compiled loop nest (the
    step's own, or one in its loop's body), with the loop."""
    return [(step, st) for step in plan.steps for st in loop_nest_kernels.nests(step.statements)]
