"""Code generation: a lowered ``Program`` becomes an inspectable Python function.

The source is assembled only from identifiers the lowering validated, integer literals,
finite float literals and einsum subscripts, then compiled. It is registered with
``linecache`` so tracebacks and ``inspect.getsource`` show the generated lines.
"""

from __future__ import annotations

import itertools
import linecache
from collections.abc import Callable
from typing import Any

import numpy as np

from .ir import describe
from .lowering import NP, Program

_counter = itertools.count()


def generate_source(program: Program, name: str) -> str:
    fname = _function_name(name)
    lines = [f"def {fname}({', '.join(program.inputs)}):"]
    for st in program.statements:
        if not st.lines:
            continue  # views that needed no code (identity transposes)
        lines.append(f"    # %{st.node.id}: {_comment(st)}")
        lines.extend(f"    {line}" for line in st.lines)
    if len(program.outputs) == 1:
        lines.append(f"    return {program.outputs[0]}")
    else:
        lines.append(
            f"    return ({', '.join(program.outputs)}{',' if len(program.outputs) == 1 else ''})"
        )
    return "\n".join(lines) + "\n"


def _comment(st: Any) -> str:
    if st.contraction is not None and st.region is not None and not st.region.is_permutation:
        return f"contraction '{st.contraction.equation}'"
    text = describe(st.node)
    return "".join(c for c in text if c.isprintable() and c != "\n")[:80]


def _function_name(name: str) -> str:
    clean = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return "axcomp_" + (clean or "fun")


def build_function(program: Program, name: str) -> tuple[str, Callable[..., Any]]:
    """Generate, compile and return (source, function)."""
    source = generate_source(program, name)
    filename = f"<axcomp-generated-{next(_counter)}:{_function_name(name)}>"
    namespace: dict[str, Any] = {NP: np}
    namespace.update(program.constants)
    code = compile(source, filename, "exec")
    exec(code, namespace)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    return source, namespace[_function_name(name)]
