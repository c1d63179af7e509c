"""Fused loops (``core.fused.FusedLoop``) compiled by numba, cached on disk.

Each loop becomes a small Python module of two numba functions: ``_body`` computes one
element of the elementwise chain, every value cast to the dtype NumPy computes it in and
with no fast-math flag, so each element is NumPy's (``tanh``, ``exp``, ``expm1``, ``log``
and ``log1p`` are calls of ``vector_math``'s vectorisable versions, within 2 ulp as
NumPy's; the body is always inlined: a call per element would not vectorise); ``_loop``
runs the loop nest (a ``map`` stores each value) and
accumulates with the ``reassoc`` flag only, which lets the compiler vectorise the reduction
(a sum's order then differs from NumPy's pairwise one; max, min and integer sums are
exact). A reduction over the innermost loop axis keeps its accumulator in a register (a
max or min in ``LANES`` independent ones, whose compare-and-select chains overlap where
they do not vectorise); otherwise the result row is the accumulator and the inner loop runs
along it. ``_loop``
releases the GIL and takes bounds of its outermost axis: when that axis is kept, threads
(``runtime.run_blocks``, as many as the ``threads`` option allows) run slices of it.
numba's own ``parallel=True`` is not used: it doubles the compile time and its default
thread pool takes one call at a time, where chunked blocks call loops from several threads.

The source holds only names this module makes (``x0``, ``v0``, ``i0``, ``n0``, ``_``-names),
integer and finite float literals, and spellings from the tables below: no user text. It is
written to the cache directory under the hash of its text (``AXCOMP_CACHE_DIR``, else
``$XDG_CACHE_HOME/axcomp/fused`` or ``~/.cache/axcomp/fused``), so numba's ``cache=True`` keeps the
machine code beside it and a new process loads it instead of compiling again. Loop sizes
are arguments, not part of the text: one kernel serves every size.

``policy`` is the switch: ``AXCOMP_FUSE=0`` turns fusion off, ``AXCOMP_FUSE=always`` fuses
loops of any size (the tests), anything else fuses the loops ``compiler.fusion_cost``
predicts save what the cheapest chain does at ``MIN_ELEMENTS`` iterations, when numba is
installed (the ``fast`` extra).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import math
import os
import re
import sys
import tempfile
import threading
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..core.fused import CAST, FUSIBLE_FUNCTIONS, TRANSCENDENTAL, Arg, FusedLoop, Instruction
from . import fused_numpy, kernel_loading, numba_import
from .runtime import run_blocks

#: The size from which the cheapest chain (``sum(abs(x))``) fuses; costlier chains fuse
#: from the size that saves as much (``compiler.fusion_cost``). A loop saves NumPy's passes
#: over the chain's temporaries but its first compilation costs about a second (a
#: twentieth once the disk cache has it) and each call a microsecond of dispatch: at a
#: million elements a loop wins its compilation back within a few thousand calls, and a
#: cached one within a few hundred.
MIN_ELEMENTS = 1 << 20
#: Independent accumulators of a max or min along the innermost axis.
LANES = 4
#: Loops this long run on several threads (each start costs tens of microseconds).
PARALLEL_ELEMENTS = 1 << 20
#: The side of the square tiles a map runs its last two axes in when an operand (or the
#: result) is read across them: row by row, a transposed read touches a new cache line
#: per element (B18's gradient symmetrisation ``g * k + g.T * k.T``, 2000 x 2000: 26.7 ms
#: a call); a tile of each array fits in the first-level cache.
TILE = 32

_OFF = ("0", "off", "false", "no")
_ALWAYS = ("always", "all")

#: The numba spelling of each dtype a generated kernel casts to (loop nests use it too).
NUMBA_TYPES = {
    "float64": "_nb.float64",
    "float32": "_nb.float32",
    "int64": "_nb.int64",
    "int32": "_nb.int32",
    "bool": "_nb.boolean",
}

_BINARY = {
    "add": "({0} + {1})",
    "subtract": "({0} - {1})",
    "multiply": "({0} * {1})",
    "true_divide": "({0} / {1})",
    "maximum": "_np.maximum({0}, {1})",
    "minimum": "_np.minimum({0}, {1})",
    "equal": "({0} == {1})",
    "not_equal": "({0} != {1})",
    "less": "({0} < {1})",
    "less_equal": "({0} <= {1})",
    "greater": "({0} > {1})",
    "greater_equal": "({0} >= {1})",
}
_UNARY = {
    "negative": "(-{0})",
    "absolute": "_np.abs({0})",
    "square": "({0} * {0})",
    "sqrt": "_np.sqrt({0})",
}
# float-only functions spelled as calls of backends/vector_math.py's vectorisable ones
VECTOR_CALLS = {"float64": "_vm.{}_f64({})", "float32": "_vm.{}_f32({})"}
assert set(_BINARY) | set(_UNARY) | {"where"} | TRANSCENDENTAL == FUSIBLE_FUNCTIONS, "one each"
_COMPARISONS = frozenset(("equal", "not_equal", "less", "less_equal", "greater", "greater_equal"))

_kernels: dict[str, Any] = {}  # source hash -> numba dispatcher, for this process


@functools.lru_cache(maxsize=1)
def available() -> bool:
    """Whether numba is installed (without importing it; asked once)."""
    return importlib.util.find_spec("numba") is not None


def in_background() -> bool:
    """Whether a loop's first calls run NumPy while its kernel compiles on a thread
    (``kernel_loading``); ``AXCOMP_FUSE=always`` compiles in the first call instead."""
    return os.environ.get("AXCOMP_FUSE", "").strip().lower() not in _ALWAYS


def policy() -> int | None:
    """The size from which the cheapest chain fuses (0: every chain; None: no fusion), from
    ``AXCOMP_FUSE``."""
    mode = os.environ.get("AXCOMP_FUSE", "").strip().lower()
    if mode in _OFF or not available():
        return None
    return 0 if mode in _ALWAYS else MIN_ELEMENTS


def cache_dir() -> Path:
    """Where generated loop modules and numba's machine code for them are kept."""
    root = os.environ.get("AXCOMP_CACHE_DIR")
    if root:
        return Path(root)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "axcomp" / "fused"


def _literal(value: Any, dtype: str) -> str:
    if type(value) in (bool, int) or (type(value) is float and math.isfinite(value)):
        return f"{NUMBA_TYPES[dtype]}({value!r})"
    raise ValueError(f"refusing to emit literal {value!r}")


def _arg_dtype(arg: Arg, loop: FusedLoop) -> str | None:
    kind, ref = arg
    if kind == "operand":
        return loop.operand_dtypes[int(ref)]
    if kind == "value":
        return loop.body[int(ref)].dtype
    return None


def _instruction(ins: Instruction, j: int, loop: FusedLoop) -> str:
    """``v<j> = <type>(<expr>)``: one value of the body, in its dtype."""
    # a literal takes the dtype its operation computes in (NumPy's weak scalar)
    compute = ins.dtype
    if ins.fn in _COMPARISONS:
        compute = next(d for d in map(lambda a: _arg_dtype(a, loop), ins.args) if d)
    texts = []
    for pos, (kind, ref) in enumerate(ins.args):
        if kind == "operand":
            texts.append(f"x{int(ref)}")
        elif kind == "value":
            texts.append(f"v{int(ref)}")
        else:
            texts.append(_literal(ref, "bool" if ins.fn == "where" and pos == 0 else compute))
    if ins.fn == CAST:
        expr = f"({texts[0]} != 0)" if ins.dtype == "bool" else texts[0]
    elif ins.fn == "where":
        expr = f"({texts[1]} if {texts[0]} else {texts[2]})"
    elif ins.fn in TRANSCENDENTAL:
        expr = VECTOR_CALLS[ins.dtype].format(ins.fn, texts[0])
    elif ins.fn in _BINARY:
        expr = _BINARY[ins.fn].format(*texts)
    else:
        expr = _UNARY[ins.fn].format(*texts)
    return f"    v{j} = {NUMBA_TYPES[ins.dtype]}({expr})"


def element_lines(loop: FusedLoop, name: Callable[[str], str]) -> list[str]:
    """The body's instructions, one unindented line each, for another printer (a loop nest
    computes a ``map`` element by element): ``x<k>`` (operand ``k``'s value, in its dtype)
    and ``v<j>`` (instruction ``j``'s) spelled ``name("x<k>")``, ``name("v<j>")``."""
    return [
        re.sub(r"\b[xv][0-9]+\b", lambda m: name(m.group(0)), _instruction(ins, j, loop).strip())
        for j, ins in enumerate(loop.body)
    ]


@functools.lru_cache(maxsize=1)
def _vector_math_version() -> str:
    """A hash of ``vector_math.py``'s text: a kernel calling it names it, so numba's disk
    cache (which tracks only the kernel's own file) never serves code built from an older
    version."""
    text = (Path(__file__).parent / "vector_math.py").read_bytes()
    return hashlib.sha256(text).hexdigest()[:16]


def vector_math_import() -> str:
    """The import line of ``vector_math``, naming its version for numba's disk cache."""
    return f"from axcomp.backends import vector_math as _vm  # {_vector_math_version()}"


def _imports(loop: FusedLoop) -> list[str]:
    """The module's imports: numba, NumPy, and ``vector_math`` when the loop calls it."""
    lines = ["import numba as _nb", "import numpy as _np"]
    if loop.reduction == "softmax" or any(ins.fn in TRANSCENDENTAL for ins in loop.body):
        lines.append(vector_math_import())
    return lines


def _init(loop: FusedLoop) -> str:
    dtype = np.dtype(loop.dtype)
    if loop.reduction == "sum":
        return _literal(0, loop.dtype)
    if dtype.kind == "f":
        return f"{'-' if loop.reduction == 'max' else ''}_np.inf"
    info = np.iinfo(dtype)
    return _literal(int(info.min if loop.reduction == "max" else info.max), loop.dtype)


def _combine(loop: FusedLoop, acc: str, value: str) -> str:
    if loop.reduction == "sum":
        return f"{acc} + {value}"
    return f"_np.{'maximum' if loop.reduction == 'max' else 'minimum'}({acc}, {value})"


def _index(axes: tuple[int, ...], inner: int = -1, offset: int = 0, outer: int = -1) -> str:
    """The index of loop position ``i<a>`` (``i<inner> + offset`` along ``inner``). The
    ``outer`` axis's index is read as unsigned: it starts at ``_lo``, which the compiler
    cannot know is >= 0, and a signed index gets a wraparound select that turns a
    vectorised one-axis loop's loads and stores into gathers and scatters (3x slower)."""
    if not axes:
        return "()"
    parts = []
    for a in axes:
        text = "0" if a < 0 else (f"i{a} + {offset}" if a == inner and offset else f"i{a}")
        parts.append(f"_nb.uint64({text})" if a == outer and a >= 0 else text)
    return ", ".join(parts) + ("," if len(axes) == 1 else "")


def _loads(loop: FusedLoop, inner: int, offset: int) -> str:
    """The operands' values at the loop position, ``offset`` further along ``inner``; a 0-d
    operand arrives as a scalar (``caller``): NumPy scalars are no arrays to index."""
    outer = _order(loop)[0]
    return ", ".join(
        f"x{k}[{_index(axes, inner, offset, outer)}]" if axes else f"x{k}"
        for k, axes in enumerate(loop.operands)
    )


def source(loop: FusedLoop, cache: bool = True) -> str:
    """The module text of ``loop``'s kernel (sizes are arguments: the same for all sizes);
    ``cache``: numba keeps its machine code beside the module's file."""
    n_ops = len(loop.operands)
    xs = ", ".join(f"x{k}" for k in range(n_ops))
    lines = [
        '"""A fused loop generated by axcomp (backends/fused_loops.py)."""',
        *_imports(loop),
        "",
        "_range = range",
        "",
        "",
        # forceinline: a body past LLVM's inlining threshold (a long chain, an expm1)
        # would be a call per element, and a call does not vectorise
        f'@_nb.njit(fastmath=False, error_model="numpy", cache={cache}, forceinline=True)',
        f"def _body({xs}):",
    ]
    lines += [_instruction(ins, j, loop) for j, ins in enumerate(loop.body)]
    lines.append(f"    return v{len(loop.body) - 1}")
    if loop.reduction == "softmax":
        return "\n".join([*lines, *_softmax_loop(loop, cache)])
    ndim = len(loop.shape)
    sizes = ", ".join(f"n{a}" for a in range(ndim))
    out_index = _index(loop.out_axes)
    kept = [a for a in range(ndim) if a not in loop.reduced]
    in_register = (ndim - 1) in loop.reduced
    order = _order(loop)
    # max/min accumulate in LANES registers along the innermost axis: a select chain does
    # not vectorise, but independent chains overlap (a sum vectorises under reassoc)
    lanes = LANES if in_register and loop.reduction != "sum" else 1
    body: list[str] = []
    depth = 1
    tiled = loop.reduction == "map" and _crosses(loop)
    if tiled:
        body, depth = _tiled_loops(order)
    for level, axis in enumerate([] if tiled else order):
        if in_register and level == len(kept):
            accs = " = ".join(f"_a{k}" for k in range(lanes))
            body.append("    " * depth + f"{accs} = {_init(loop)}")
        # the outermost axis runs from _lo to _hi: the caller's threads take slices of it
        lo, hi = ("_lo", "_hi") if level == 0 else ("0", f"n{axis}")
        if level == len(order) - 1 and lanes > 1:
            body.append("    " * depth + f"_m = {hi} - ({hi} - {lo}) % {lanes}")
            hi = "_m"
        step = f", {lanes}" if level == len(order) - 1 and lanes > 1 else ""
        body.append("    " * depth + f"for i{axis} in _range({lo}, {hi}{step}):")
        depth += 1
    pad = "    " * depth
    inner = order[-1]
    if in_register:
        for k in range(lanes):
            value = f"_body({_loads(loop, inner, k)})"
            body.append(pad + f"_a{k} = {_combine(loop, f'_a{k}', value)}")
        if lanes > 1:  # the tail of the innermost axis
            end = "_hi" if len(order) == 1 else f"n{inner}"
            body.append("    " * (depth - 1) + f"for i{inner} in _range(_m, {end}):")
            value = f"_body({_loads(loop, inner, 0)})"
            body.append(pad + f"_a0 = {_combine(loop, '_a0', value)}")
        acc = "_a0"
        for k in range(1, lanes):
            acc = _combine(loop, acc, f"_a{k}")
        body.append("    " * (len(kept) + 1) + f"_out[{out_index}] = {acc}")
    elif loop.reduction == "map":
        target = f"_out[{_index(loop.out_axes, outer=order[0])}]"
        body.append(pad + f"{target} = _body({_loads(loop, inner, 0)})")
    else:
        loads = _loads(loop, inner, 0)
        target = f"_out[{out_index}]"
        body.append(pad + f"{target} = {_combine(loop, target, f'_body({loads})')}")
    lines += [
        "",
        "",
        f'@_nb.njit(nogil=True, fastmath={{"reassoc"}}, error_model="numpy", cache={cache})',
        f"def _loop({xs}, _out, {sizes}, _lo, _hi):",
        *body,
        "",
    ]
    return "\n".join(lines)


def _crosses(loop: FusedLoop) -> bool:
    """Whether an operand or the result of a map of two or more axes is read or written
    across the innermost loop axis: it has that axis, but not last (a column of a
    broadcast does not: it is one value along the axis)."""
    if len(loop.shape) < 2:
        return False
    inner = len(loop.shape) - 1
    return any(
        inner in axes and [a for a in axes if a >= 0][-1] != inner
        for axes in (*loop.operands, loop.out_axes)
    )


def _tiled_loops(order: list[int]) -> tuple[list[str], int]:
    """The loop headers of a map over ``order`` with its last two axes in ``TILE`` squares
    (the outermost still from ``_lo`` to ``_hi``), and the depth of the body."""
    lines: list[str] = []
    depth = 1
    bounds = {
        a: (("_lo", "_hi") if level == 0 else ("0", f"n{a}")) for level, a in enumerate(order)
    }
    for axis in order[:-2]:
        lo, hi = bounds[axis]
        lines.append("    " * depth + f"for i{axis} in _range({lo}, {hi}):")
        depth += 1
    for axis in order[-2:]:
        lo, hi = bounds[axis]
        lines.append("    " * depth + f"for _t{axis} in _range({lo}, {hi}, {TILE}):")
        depth += 1
    for axis in order[-2:]:
        hi = bounds[axis][1]
        lines.append(
            "    " * depth + f"for i{axis} in _range(_t{axis}, min(_t{axis} + {TILE}, {hi})):"
        )
        depth += 1
    return lines, depth


def _softmax_loop(loop: FusedLoop, cache: bool) -> list[str]:
    """``_loop`` of a ``softmax``: per row of the innermost axis, three passes over the
    result row (in the first-level cache): the chain's values and their max, ``exp(value -
    max)`` and its sum (vectorised under ``reassoc``), the division by the sum: NumPy's
    operations, each in the dtype. The max is a select, which vectorises (NumPy's
    NaN-propagating ``maximum`` does not: B8's rows took 25% longer), with a flag for a NaN
    seen, which makes the max NaN as NumPy's."""
    ndim = len(loop.shape)
    inner = ndim - 1
    sizes = ", ".join(f"n{a}" for a in range(ndim))
    xs = ", ".join(f"x{k}" for k in range(len(loop.operands)))
    cast = NUMBA_TYPES[loop.dtype]
    lines = [
        "",
        "",
        f'@_nb.njit(nogil=True, fastmath={{"reassoc"}}, error_model="numpy", cache={cache})',
        f"def _loop({xs}, _out, {sizes}, _lo, _hi):",
    ]
    depth = 1
    for axis in range(inner):  # the outermost from _lo to _hi: threads take slices of it
        lo, hi = ("_lo", "_hi") if axis == 0 else ("0", f"n{axis}")
        lines.append("    " * depth + f"for i{axis} in _range({lo}, {hi}):")
        depth += 1
    pad, row = "    " * depth, "    " * (depth + 1)
    at = f"_out[{_index(tuple(range(ndim)), outer=0 if inner else -1)}]"
    lines += [
        pad + f"_top = {cast}(-_np.inf)",  # (a softmax computes in a float dtype)
        pad + "_nan = False",
        pad + f"for i{inner} in _range(0, n{inner}):",
        row + f"_v = _body({_loads(loop, inner, 0)})",
        row + f"{at} = _v",
        row + "_top = _v if _v > _top else _top",
        row + "_nan = _nan | (_v != _v)",
        pad + "if _nan:",
        row + f"_top = {cast}(_np.nan)",
        *(  # jax.nn.softmax's shift: 0 where the max is infinite (a NaN max stays NaN)
            [pad + "if _top == _np.inf or _top == -_np.inf:", row + f"_top = {cast}(0)"]
            if loop.finite_shift
            else []
        ),
        pad + f"_s = {_literal(0, loop.dtype)}",
        pad + f"for i{inner} in _range(0, n{inner}):",
        row + f"_e = {cast}({VECTOR_CALLS[loop.dtype].format('exp', f'{cast}({at} - _top)')})",
        row + f"{at} = _e",
        row + "_s = _s + _e",
        pad + f"for i{inner} in _range(0, n{inner}):",
        row + f"{at} = {cast}({at} / _s)",
        "",
    ]
    return lines


def _module_path(text: str) -> Path:
    """The file holding ``text`` (written once, so numba's cache index stays valid)."""
    key = hashlib.sha256(text.encode()).hexdigest()[:24]
    for root in (cache_dir(), Path(tempfile.gettempdir()) / f"axcomp-fused-{os.getuid()}"):
        path = root / f"fused_{key}.py"
        try:
            root.mkdir(mode=0o700, parents=True, exist_ok=True)
            st = root.stat()
            if st.st_uid != os.getuid() or st.st_mode & 0o022:
                continue  # numba loads machine code from here: only a directory of ours
            if not path.exists() or path.read_text() != text:
                tmp = root / f".{path.name}.{os.getpid()}.{threading.get_ident()}"
                tmp.write_text(text)
                os.replace(tmp, path)
            return path
        except OSError:
            continue  # not writable: the next place
    raise OSError("no directory of this user's to cache fused loops in")


def kernel(loop: FusedLoop) -> Any:
    """The numba dispatcher of ``loop``'s kernel (compiled on its first call, or loaded
    from the disk cache)."""
    return load_kernel(source(loop), lambda: source(loop, cache=False), "_loop")


def load_kernel(text: str, uncached: Callable[[], str], entry: str) -> Any:
    """The function ``entry`` of the generated module ``text`` (a fused loop's or a loop
    nest's), made once per process and cache directory: registered as a module whose file
    is in the cache directory, so numba's disk cache keeps its machine code there, or, with
    no directory of ours to cache in, compiled in memory from ``uncached()``."""
    numba_import.numba()  # before the module's own ``import numba``: plain error messages
    try:
        path = _module_path(text)  # the module imports numba (deferred: an optional extra)
    except OSError:  # no directory of ours to cache in: compile in memory, every process
        found = _kernels.get(text)
        if found is None:
            namespace: dict[str, Any] = {"__name__": "axcomp_generated"}
            exec(compile(uncached(), "<axcomp-generated-kernel>", "exec"), namespace)
            found = _kernels.setdefault(text, namespace[entry])
        return found
    # keyed by the file too: a kernel made under another AXCOMP_CACHE_DIR would keep
    # writing its machine code there
    key = f"{path}\n{text}"
    found = _kernels.get(key)
    if found is not None:
        return found
    name = f"axcomp_{path.stem}"
    module = sys.modules.get(name)
    if module is None or module.__file__ != str(path):
        # a registered module: numba's disk cache finds its functions' globals by name
        module = types.ModuleType(name, "a kernel generated by axcomp")
        module.__file__ = str(path)
        exec(compile(text, str(path), "exec"), module.__dict__)  # from checked pieces only
        sys.modules[name] = module
    return _kernels.setdefault(key, getattr(module, entry))


# iterations of one call of a loop's kernel when its outer axis can be sliced (~10-50 ms)
SLICE_ELEMENTS = 1 << 24


def compiled_kernel(loop: FusedLoop, types: tuple[kernel_loading.ArgumentType, ...]) -> Any:
    """``loop``'s dispatcher, compiled (or loaded from the disk cache) for ``types``."""
    fn = kernel(loop)
    fn.compile(kernel_loading.numba_signature(types))
    return fn


def slot_key(loop: FusedLoop) -> str:
    """The key of ``loop``'s kernel slot: its text, and the cache directory, as
    ``load_kernel`` keeps one kernel per directory."""
    return f"{cache_dir()}\n{source(loop)}"


def caller(loop: FusedLoop, threads: int | None = None) -> Callable[..., np.ndarray]:
    """The function the generated NumPy code calls: allocates the result, runs the loop on
    up to ``threads`` threads (None: ``AXCOMP_THREADS``, else one per core). Until its
    kernel is ready (``kernel_loading``: compiled on a thread, unless ``AXCOMP_FUSE=always``)
    the loop runs on NumPy (``fused_numpy``)."""
    slot = kernel_loading.slot(
        slot_key(loop), call_name(loop), lambda types: compiled_kernel(loop, types)
    )
    numpy_path = fused_numpy.evaluator(loop, threads or _threads())
    background = numpy_path is not None and in_background()
    shape, dtype, sizes = loop.out_shape, np.dtype(loop.dtype), loop.shape
    in_register = (len(loop.shape) - 1) in loop.reduced
    fill: Any = None
    if not in_register and loop.reduction != "map":
        # the result is the accumulator: it starts at the reduction's unit
        fill = 0 if loop.reduction == "sum" else _unit(loop.reduction, dtype)

    axis = _order(loop)[0]
    n = sizes[axis]
    # threads take slices of the outermost axis when it is kept (each writes its own rows)
    # and the loop is long enough to pay for starting them
    split = axis not in loop.reduced and loop.elements >= PARALLEL_ELEMENTS

    scalars = [k for k, axes in enumerate(loop.operands) if not axes]
    # a kept outer axis runs in slices of at most SLICE_ELEMENTS iterations: a long loop
    # stays interruptible (a nogil call cannot see Ctrl-C) and threads share the work
    sliceable = axis not in loop.reduced
    rows = max(1, SLICE_ELEMENTS // max(1, loop.elements // max(1, n)))

    def run(*operands: Any) -> np.ndarray:
        if scalars:  # a 0-d array or a NumPy scalar (an argument under jit): its value
            operands = tuple(x[()] if k in scalars else x for k, x in enumerate(operands))
        fn = slot.kernel

        def arguments() -> tuple[Any, ...]:
            return (*operands, np.empty(shape, dtype), *sizes, 0, n)

        if fn is None and background:  # NumPy computes this call, then the kernel compiles
            result = numpy_path(*operands)  # type: ignore[misc]
            slot.get(arguments)  # (started after this call's work, which it would slow)
            return result
        if fn is None:
            fn = slot.compiled(arguments)
        out = np.empty(shape, dtype) if fill is None else np.full(shape, fill, dtype)
        used = min(threads or _threads(), n) if split else 1
        if not sliceable:
            fn(*operands, out, *sizes, 0, n)
        elif used <= 1:  # slices of bounded work, so Ctrl-C is seen between them
            for lo in range(0, n, rows):
                fn(*operands, out, *sizes, lo, min(lo + rows, n))
        else:
            chunk = min(rows, -(-n // used))
            run_blocks(lambda lo, hi: fn(*operands, out, *sizes, lo, hi), n, chunk, used)
        return out

    return run


def _threads() -> int:
    """Threads a loop may use: ``AXCOMP_THREADS``, else every core (axcomp's default)."""
    value = os.environ.get("AXCOMP_THREADS", "")
    return int(value) if value.isdigit() and int(value) > 0 else max(1, os.cpu_count() or 1)


def _order(loop: FusedLoop) -> list[int]:
    """The loop axes from the outermost: with the reduction over the innermost axis, the
    kept axes outside the reduced ones (the accumulator stays in a register); otherwise
    the loop space's order (the inner loop runs along a result row)."""
    ndim = len(loop.shape)
    if (ndim - 1) in loop.reduced:
        return [a for a in range(ndim) if a not in loop.reduced] + list(loop.reduced)
    return list(range(ndim))


def _unit(reduction: str, dtype: np.dtype) -> Any:
    if dtype.kind == "f":
        return -np.inf if reduction == "max" else np.inf
    info = np.iinfo(dtype)
    return info.min if reduction == "max" else info.max


def call_name(loop: FusedLoop) -> str:
    """The name generated NumPy code calls ``loop``'s function by (``_``: never a user's)."""
    text = f"{source(loop)}# {loop.shape}"  # a caller allocates its loop's result shape
    return "_fused_" + hashlib.sha256(text.encode()).hexdigest()[:16]
