"""What the command line and the REPL share: loading specs, parsing shapes, explaining and
running a function on random inputs, and formatting errors."""

from __future__ import annotations

import difflib
import inspect
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import dsl, pytree
from ..core.shapes import ShapeDtypeStruct
from ..errors import AxcompError, UsageError
from ..inspect.explain import explain
from ..transforms.options import available_memory, defaults
from ..transforms.progress import ProgressBar

__all__ = ["UsageError"]

MODULE_SUFFIXES = (".ax", ".toml", ".yaml", ".yml")


# --- loading specs ---------------------------------------------------------------------------
def load_module(file_or_text: str) -> Any:
    """A DSL module from a path (.ax/.toml/.yaml/.yml) or from DSL text."""
    path = Path(file_or_text)
    looks_like_path = "\n" not in file_or_text and (
        path.suffix.lower() in MODULE_SUFFIXES or (len(file_or_text) < 4096 and path.is_file())
    )
    if looks_like_path:
        if not path.is_file():
            raise UsageError(
                f"no such file: {file_or_text!r} (give an .ax/.toml/.yaml file or DSL text)"
            )
        return dsl.load(path)
    return dsl.compile(file_or_text)


def module_names(mod: Any) -> list[str]:
    """The names a module binds, in definition order when the module knows it."""
    if hasattr(type(mod), "__iter__"):  # axcomp.Module iterates over its names
        return [str(n) for n in mod]
    return sorted(n for n in dir(mod) if not n.startswith("_"))


def pick_function(mod: Any, name: str | None) -> tuple[str, Callable[..., Any]]:
    """``mod[name]``; with no name, the module's last binding (the one-liner case)."""
    names = module_names(mod)
    if name is None:
        if not names:
            raise UsageError("the module binds no names")
        name = names[-1]
    elif name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise UsageError(
            f"no name {name!r} in the module{hint} (it binds: {', '.join(names) or 'nothing'})"
        )
    return name, mod[name]


# --- shapes ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ArgSpec:
    shape: tuple[int, ...]
    dtype: np.dtype


_SCALAR = {"()", "scalar", "-"}


def parse_dtype(text: str) -> np.dtype:
    try:
        return np.dtype(text)
    except TypeError:
        raise UsageError(
            f"unknown dtype {text!r} (try float64, float32, int64, complex128)"
        ) from None


def parse_shapes(text: str | Sequence[str], dtype: str = "float64") -> list[ArgSpec]:
    """``"3,2,3 4,3"`` (or ``["3x2x3", "4x3"]``, as ``--shapes 3x2x3 4x3`` gives) -> two
    argument specs. Arguments are separated by spaces or ``;``; ``()`` (or ``scalar``) is a
    0-d array; ``3,2:float32`` gives one argument its own dtype; ``3x2`` works like ``3,2``."""
    if not isinstance(text, str):
        text = " ".join(text)
    default = parse_dtype(dtype)
    specs = []
    for item in [t for t in re.split(r"[\s;]+", text.strip()) if t]:
        shape_text, _, dt = item.partition(":")
        arg_dtype = parse_dtype(dt) if dt else default
        shape_text = shape_text.strip("()[]") if shape_text not in _SCALAR else ""
        try:
            shape = tuple(int(s) for s in re.split(r",|(?<=\d)x(?=\d)", shape_text) if s)
        except ValueError:
            raise UsageError(
                f"bad shape {item!r} in --shapes {text!r}: expected comma-separated sizes such as "
                "'3,2,3 4,3' (one shape per argument, '()' for a scalar)"
            ) from None
        if any(s < 0 for s in shape):
            raise UsageError(f"bad shape {item!r}: sizes must be non-negative")
        specs.append(ArgSpec(shape, arg_dtype))
    return specs


def shape_structs(specs: Sequence[ArgSpec]) -> list[Any]:
    return [ShapeDtypeStruct(s.shape, s.dtype) for s in specs]


#: ``--backend`` choices: the array library random inputs are made in, and its pip name.
BACKENDS = {
    "numpy": "numpy",
    "array_api_strict": "array-api-strict",
    "torch": "torch",
    "jax": "jax",
    "dask": "dask[array]",
}


def array_library(backend: str, option: str = "--backend") -> Any:
    """The namespace module of ``backend`` (a ``BACKENDS`` key); a usage error naming the
    command-line ``option`` it came from and the pip install line when it is not
    installed."""
    if backend not in BACKENDS:
        raise UsageError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    try:
        if backend == "array_api_strict":
            import array_api_strict as lib
        elif backend == "torch":
            import torch as lib
        elif backend == "dask":
            import dask.array as lib
        elif backend == "jax":
            import jax
            import jax.numpy as lib

            jax.config.update("jax_enable_x64", True)  # float64 inputs stay float64
        else:
            lib = np
    except ImportError:
        raise UsageError(
            f"{option} {backend} needs the {backend} package: pip install {BACKENDS[backend]}"
        ) from None
    return lib


def export_namespace(name: str) -> str:
    """The ``--namespace`` of ``axcomp export``: ``numpy``, ``array_api`` (any Array API
    library) or a ``BACKENDS`` library, imported here (a usage error when it is missing)."""
    if name in ("numpy", "array_api"):
        return name
    if name not in BACKENDS:
        choices = ", ".join(["numpy", "array_api", *BACKENDS])
        raise UsageError(f"unknown --namespace {name!r}; choose one of {choices}")
    return str(array_library(name, "--namespace").__name__)


def random_inputs(specs: Sequence[ArgSpec], seed: int, backend: str = "numpy") -> list[Any]:
    """Random arguments for ``specs``, as arrays of ``backend``'s library (``BACKENDS``).
    Shapes that would not fit in memory are refused before anything is allocated."""
    need = sum(math.prod(s.shape) * s.dtype.itemsize for s in specs)
    free = available_memory()
    if free is not None and need > free:
        raise UsageError(
            f"the random inputs would need {need:,} bytes ({need / 2**30:.1f} GiB) for shapes "
            f"{', '.join(str(s.shape) for s in specs)}, more than the {free / 2**30:.1f} GiB "
            "of memory available; use smaller --shapes (axcomp explain needs no memory)"
        )
    arrays = _random_numpy(specs, seed)
    if backend == "numpy":
        return list(arrays)
    lib = array_library(backend)
    if backend == "dask":  # lazy inputs in up to four chunks along their first axis
        return [
            lib.from_array(a, chunks=(max(1, -(-a.shape[0] // 4)), *a.shape[1:]) if a.ndim else ())
            for a in arrays
        ]
    return [lib.asarray(a) for a in arrays]


def _computed(result: Any, progress: Any = None) -> Any:
    """``result`` with lazy (dask) leaves computed, so timings include the work; with
    ``progress`` (a ``ProgressBar``) it shows the tasks as dask's scheduler finishes them."""
    leaves, treedef = pytree.flatten(result)
    if not any(hasattr(x, "dask") for x in leaves):
        return result
    import dask

    lazy = [x for x in leaves if hasattr(x, "dask")]
    if isinstance(progress, ProgressBar) and progress.shows:
        with _DaskTasks(progress.named("dask", unit="task")):
            done = iter(dask.compute(*lazy))
    else:
        done = iter(dask.compute(*lazy))
    return pytree.unflatten(treedef, [next(done) if hasattr(x, "dask") else x for x in leaves])


def _DaskTasks(bar: ProgressBar) -> Any:
    """A dask callback reporting finished tasks to ``bar`` (local schedulers)."""
    from dask.callbacks import Callback

    class Tasks(Callback):  # type: ignore[misc]
        def _start_state(self, dsk: Any, state: Any) -> None:
            self.done, self.total = 0, sum(len(state[k]) for k in ("ready", "waiting"))

        def _posttask(self, key: Any, result: Any, dsk: Any, state: Any, worker: Any) -> None:
            self.done += 1
            bar(self.done, self.total)

    return Tasks()


def _random_numpy(specs: Sequence[ArgSpec], seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for s in specs:
        if s.dtype.kind == "b":
            out.append(rng.random(s.shape) < 0.5)
        elif s.dtype.kind in "iu":
            out.append(rng.integers(0, 10, s.shape).astype(s.dtype))
        elif s.dtype.kind == "c":
            out.append(
                (rng.standard_normal(s.shape) + 1j * rng.standard_normal(s.shape)).astype(s.dtype)
            )
        else:
            out.append(rng.standard_normal(s.shape).astype(s.dtype))
    return out


# --- shared by the CLI and the REPL ------------------------------------------------------------
def parameters(fun: Callable[..., Any]) -> list[str] | None:
    """The positional parameters shapes are given for, or None where the signature does not
    say (``*args``, keyword-only parameters, no signature)."""
    try:
        params = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):
        return None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if any(p.kind not in positional for p in params):
        return None
    return [p.name for p in params]


def check_shape_count(name: str, fun: Callable[..., Any], specs: Sequence[ArgSpec]) -> None:
    """A usage error when the shapes given cannot be ``fun``'s arguments, one shape per
    parameter (before tracing, whose error would speak of ``in_axes``)."""
    params = parameters(fun)
    if params is None:
        return
    signature = inspect.signature(fun).parameters.values()
    required = sum(p.default is inspect.Parameter.empty for p in signature)
    if required <= len(specs) <= len(params):
        return
    given = "1 shape was" if len(specs) == 1 else f"{len(specs)} shapes were"
    raise UsageError(
        f"{name} takes {len(params)} argument{'s' if len(params) != 1 else ''} "
        f"({', '.join(params)}) but {given} given: one shape per argument, such as "
        "3,2,3 for an array of shape (3, 2, 3) and () for a scalar"
    )


def explain_function(name: str, fun: Callable[..., Any], specs: Sequence[ArgSpec]) -> Any:
    check_shape_count(name, fun, specs)
    exp = explain(fun, *shape_structs(specs))
    exp.name = name
    return exp


def run_function(
    name: str,
    fun: Callable[..., Any],
    specs: Sequence[ArgSpec],
    seed: int = 0,
    backend: str = "numpy",
    repeat: int = 1,
) -> str:
    """Run on random inputs (arrays of ``backend``'s library) ``repeat`` times after
    compiling; a short text report: output shape, dtype, preview, compile and run times."""
    check_shape_count(name, fun, specs)
    args = random_inputs(specs, seed, backend)
    compile_time = None
    lower = getattr(fun, "lower", None)
    if callable(lower) and backend != "dask":  # dask compiles per block, inside the run
        t0 = time.perf_counter()
        lower(*args)
        compile_time = time.perf_counter() - t0
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = _computed(fun(*args), defaults().progress)
        times.append(time.perf_counter() - t0)
    leaves, _ = pytree.flatten(result)
    ins = ", ".join(f"{s.dtype.name}[{','.join(map(str, s.shape))}]" for s in specs)
    where = "" if backend == "numpy" else f" ({backend} arrays)"
    lines = [f"{name}({ins})  random inputs{where}, seed {seed}"]
    for k, leaf in enumerate(leaves):
        arr = np.asarray(leaf)
        label = "output" if len(leaves) == 1 else f"output {k}"
        lines.append(f"{label}: shape {arr.shape}, dtype {arr.dtype}")
        preview = np.array2string(arr, precision=4, threshold=20, edgeitems=2, suppress_small=True)
        lines += [("  " + ln).rstrip() for ln in preview.splitlines()]
    if compile_time is None:
        ran = f"first run {_seconds(times[0])} (compiling included)"
        times = times[1:]
    else:
        ran = f"compile {_seconds(compile_time)}, run {_seconds(times[0])}"
    if len(times) > 1:
        ran += (
            f"; {len(times)} runs: best {_seconds(min(times))}, "
            f"median {_seconds(float(np.median(times)))}"
        )
    lines.append("time: " + ran)
    return "\n".join(lines)


def _seconds(t: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if t >= scale:
            return f"{t / scale:.3g} {unit}"
    return f"{t / 1e-9:.3g} ns"


def format_error(exc: BaseException, command: str | None = None, *, hint: bool = True) -> str:
    """One report per error. DSL errors carry their own caret report in their message."""
    prog = f"axcomp {command}" if command else "axcomp"
    if isinstance(exc, AxcompError):
        return f"{prog}: error: {exc}"
    if isinstance(exc, OSError):
        return (
            f"{prog}: error: {exc.strerror or exc}: {exc.filename}"
            if exc.filename
            else f"{prog}: error: {exc}"
        )
    tail = "\n(run again with --traceback for the Python traceback)" if hint else ""
    return f"{prog}: {type(exc).__name__}: {exc}{tail}"
