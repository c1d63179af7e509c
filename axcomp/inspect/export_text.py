"""Text pieces of exported modules (``export``, ``export_array_api``): docstring-safe user
text, constants as source (arrays as base64 of their bytes), and the factory that binds a
generated function's constants in its own scope."""

from __future__ import annotations

import base64
import re
import textwrap
from typing import Any

import numpy as np

from ..core.names import python_name
from ..errors import UnsupportedError

#: the chunk driver's block loop, written out (no axcomp runtime in an exported module),
#: for a program compiled to run its blocks on one thread
RUN_BLOCKS = """
def _run_blocks(_one, _size, _chunk, _threads, _progress):
    # blocks one after the other (the program was compiled for one thread)
    for _start in _range(0, _size, _chunk):
        _one(_start, _min(_start + _chunk, _size))
"""

#: ... and on several threads, as ``backends/runtime.run_blocks`` runs them in process
RUN_BLOCKS_THREADED = """
try:
    from threadpoolctl import threadpool_limits as _threadpool_limits
except ImportError:  # without threadpoolctl, BLAS keeps its own threads inside the blocks

    def _threadpool_limits(limits, user_api):
        return _nullcontext()


def _run_blocks(_one, _size, _chunk, _threads, _progress):
    # the blocks are independent: a pool of _threads runs them, BLAS held to one thread per
    # block, so the cores run blocks instead of sharing one GEMM
    _pool = _ThreadPool(_threads, thread_name_prefix="axcomp-block")
    with _threadpool_limits(limits=1, user_api="blas"):
        try:
            _starts = _range(0, _size, _chunk)
            for _ in _pool.map(lambda _s: _one(_s, _min(_s + _chunk, _size)), _starts):
                pass
        finally:
            _pool.shutdown(cancel_futures=True)  # after an error no other block starts
"""


def imports_text(body: str, builtins: dict[str, Any]) -> str:
    """The imports and the builtin aliases that ``body`` (the rest of the module) uses, and
    only those: an exported module has no unused import."""

    def uses(name: str) -> bool:
        return re.search(rf"(?<![\w.]){re.escape(name)}\b", body) is not None

    lines = [
        "".join(line for alias, line in group.items() if uses(alias))
        for group in (_STANDARD_IMPORTS, _NUMPY_IMPORT)
    ]
    lines = [line for line in lines if line]
    used = {alias: value for alias, value in builtins.items() if uses(alias)}
    if used:
        lines.append(
            "# the builtins the code calls, under names no parameter can take\n"
            f"{', '.join(used)} = {', '.join(v.__name__ for v in used.values())}\n"
        )
    return "\n".join(lines)


_STANDARD_IMPORTS = {
    "_b64": "import base64 as _b64\n",
    "_ThreadPool": "from concurrent.futures import ThreadPoolExecutor as _ThreadPool\n",
    "_nullcontext": "from contextlib import nullcontext as _nullcontext\n",
}
_NUMPY_IMPORT = {"_np": "import numpy as _np\n"}


def docstring_text(text: str) -> str:
    """``text`` inside a ``\"\"\"`` docstring: quotes, backslashes and unprintable
    characters as escapes, so user text can neither end the string nor break a line."""
    return "".join(
        c if c.isprintable() and c not in '"\\' else ascii(c)[1:-1].replace('"', "\\x22")
        for c in text
    )


def constant_text(value: Any) -> str:
    if isinstance(value, np.dtype):
        return f"_np.dtype({value.str!r})"
    if isinstance(value, (bool, int, float, complex)) and not isinstance(value, np.generic):
        if isinstance(value, (float, complex)) and not np.isfinite(value):
            return f"{type(value).__name__}({repr(value)!r})"  # repr gives a bare inf/nan
        return repr(value)
    arr = np.array(value, order="C")  # (np.ascontiguousarray makes a 0-d value 1-d)
    if arr.dtype == object:
        if callable(value):  # a callback step's function (jax.debug.print, pure_callback)
            raise UnsupportedError(
                f"cannot export a program that calls back into Python ({value!r}): remove the "
                "jax.debug.print/callback and pure_callback calls before exporting"
            )
        raise UnsupportedError(f"cannot export the constant {value!r}")
    data = base64.b64encode(arr.tobytes()).decode("ascii")
    return (
        f"_np.frombuffer(_b64.b64decode({data!r}), dtype={arr.dtype.str!r})"
        f".reshape({arr.shape!r}).copy()"
    )


def factory_text(
    source: str, fname: str, constants: dict[str, str], params: tuple[str, ...] | None = None
) -> str:
    """``source`` (one generated ``def``) inside a function that binds its constants, so
    several generated functions' constants cannot collide in one module. Without ``params``
    the factory is called once, binding ``_<fname>``; with them it is left for the module
    to call (per array namespace: ``export_array_api``)."""
    head = "" if params is None else ", ".join(params)
    lines = [f"def _make_{fname}({head}):"]
    lines += [f"    {name} = {text}" for name, text in constants.items()]
    lines.append(textwrap.indent(source.rstrip(), "    "))
    lines.append(f"    return {fname}")
    if params is None:
        lines += ["", "", f"_{fname} = _make_{fname}()"]
    return "\n".join(lines)


def origin_text(fun: Any, compiled: Any, shapes: str) -> str:
    """What the module was generated from: the function, the shapes and its vmap levels,
    safe inside a docstring."""
    levels = "".join(
        f"\n    vmap level {r.depth + 1} over {r.function}: in_axes={r.in_axes!r}, "
        f"out_axes={r.out_axes!r}, size {r.size}"
        for r in compiled.levels
    )
    return "\n".join(docstring_text(line) for line in f"{fun!r} for {shapes}{levels}".split("\n"))


def signature_parts(compiled: Any, name: str | None) -> tuple[list[tuple[str, Any]], str, str, str]:
    """(the parameters' names with their input nodes, the parameter list, the public
    function's name, the shapes as a docstring shows them) of an exported module."""
    named = list(zip(compiled.plan.inputs, compiled.graph.inputs, strict=True))
    arg_names = ", ".join(compiled.plan.inputs)
    public = python_name(name if name is not None else compiled.name)
    shapes = ", ".join(f"{a}: {n.dtype.name}{list(n.shape)}" for a, n in named)
    return named, arg_names, public, shapes
