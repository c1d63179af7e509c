"""The ``axcomp`` command line: ``demo``, ``explain``, ``run``, ``graph`` and ``repl``.

Exit codes: 0 success; 1 the spec or the program failed (compile or run error); 2 the
command line itself was wrong (bad ``--shapes``, unknown name, missing file, ...).
Errors print as one report without a traceback; ``--traceback`` shows it.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import AxcompError

MODULE_SUFFIXES = (".ax", ".toml", ".yaml", ".yml")


class UsageError(AxcompError):
    """The command line is wrong (exit code 2), as opposed to the spec or program (1)."""


# --- loading specs ---------------------------------------------------------------------------
def load_module(file_or_text: str) -> Any:
    """A DSL module from a path (.ax/.toml/.yaml/.yml) or from DSL text."""
    from . import dsl  # imported on use: the other commands do not need the parser

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


def parse_shapes(text: str, dtype: str = "float64") -> list[ArgSpec]:
    """``"3,2,3 4,3"`` -> two argument specs. Arguments are separated by spaces or ``;``;
    ``()`` (or ``scalar``) is a 0-d array; ``3,2:float32`` gives one argument its own dtype;
    ``3x2`` works like ``3,2``."""
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
    from .staging import ShapeDtypeStruct

    return [ShapeDtypeStruct(s.shape, s.dtype) for s in specs]


def random_inputs(specs: Sequence[ArgSpec], seed: int) -> list[np.ndarray]:
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
def explain_function(name: str, fun: Callable[..., Any], specs: Sequence[ArgSpec]) -> Any:
    from .explain import explain

    exp = explain(fun, *shape_structs(specs))
    exp.name = name
    return exp


def run_function(
    name: str, fun: Callable[..., Any], specs: Sequence[ArgSpec], seed: int = 0
) -> str:
    """Run on random inputs; a short text report: output shape, dtype, preview, timings."""
    from . import pytree

    args = random_inputs(specs, seed)
    t0 = time.perf_counter()
    result = fun(*args)
    first = time.perf_counter() - t0
    per_call, repeats = best_time(lambda: fun(*args))
    leaves, _ = pytree.flatten(result)
    ins = ", ".join(f"{np.dtype(a.dtype).name}[{','.join(map(str, a.shape))}]" for a in args)
    lines = [f"{name}({ins})  random inputs, seed {seed}"]
    for k, leaf in enumerate(leaves):
        arr = np.asarray(leaf)
        label = "output" if len(leaves) == 1 else f"output {k}"
        lines.append(f"{label}: shape {arr.shape}, dtype {arr.dtype}")
        preview = np.array2string(arr, precision=4, threshold=20, edgeitems=2, suppress_small=True)
        lines += [("  " + ln).rstrip() for ln in preview.splitlines()]
    lines.append(
        f"time: first call {_seconds(first)} (compiles unless cached), "
        f"then {_seconds(per_call)} per call (best of {repeats})"
    )
    return "\n".join(lines)


def best_time(call: Callable[[], Any], budget: float = 0.2) -> tuple[float, int]:
    """Best per-call time of ``call`` over batches, within about ``budget`` seconds."""
    best, repeats, number = float("inf"), 0, 1
    deadline = time.perf_counter() + budget
    while True:
        t0 = time.perf_counter()
        for _ in range(number):
            call()
        elapsed = time.perf_counter() - t0
        best = min(best, elapsed / number)
        repeats += number
        if time.perf_counter() > deadline or repeats >= 100_000:
            return best, repeats
        if elapsed < 1e-3:
            number *= 2  # batch fast calls so the timer's resolution does not dominate


def _seconds(t: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if t >= scale:
            return f"{t / scale:.3g} {unit}"
    return f"{t / 1e-9:.3g} ns"


# --- commands ----------------------------------------------------------------------------------
def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    run_demo()
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    specs = parse_shapes(args.shapes, args.dtype)  # usage errors before any compiling
    name, fun = pick_function(load_module(args.spec), args.name)
    exp = explain_function(name, fun, specs)
    print(exp)
    sections = [
        ("axis graph", args.graph or args.all, lambda: exp.graph),
        ("generated code", args.source or args.all, lambda: exp.source.rstrip()),
        (
            "opt_einsum paths",
            args.path or args.all,
            lambda: "\n\n".join(str(p) for p in exp.path) or "(no contractions)",
        ),
        ("DOT", args.dot, lambda: exp.to_dot().rstrip()),
    ]
    for title, wanted, text in sections:
        if wanted:
            print(f"\n{title}:\n{text()}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    specs = parse_shapes(args.shapes, args.dtype)
    name, fun = pick_function(load_module(args.spec), args.name)
    print(run_function(name, fun, specs, args.seed))
    return 0


def _cmd_graph(args: argparse.Namespace) -> int:
    from .dot import check_picture_target, write_picture

    specs = parse_shapes(args.shapes, args.dtype)
    if args.output not in (None, "-"):
        check_picture_target(args.output)  # no Graphviz / bad suffix: fail before compiling
    name, fun = pick_function(load_module(args.spec), args.name)
    dot_text = explain_function(name, fun, specs).to_dot()
    if args.output in (None, "-"):
        sys.stdout.write(dot_text)
        return 0
    path = write_picture(dot_text, args.output)
    print(f"wrote {path}")
    return 0


def _cmd_repl(args: argparse.Namespace) -> int:
    from .repl import run_repl

    return run_repl(args.file)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a subcommand's flag must not reset one given before the subcommand.
    common.add_argument(
        "--traceback",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the Python traceback of an error",
    )
    parser = argparse.ArgumentParser(
        prog="axcomp",
        description="Compile JAX-style nested vmap specs into optimized NumPy einsum code.",
        epilog="Exit codes: 0 ok, 1 error in the spec or program, 2 bad command line.",
    )
    parser.add_argument("--traceback", action="store_true", help="show Python tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        parents=[common],
        help="run the seed tutorial's story and show what each spec compiles to",
    )
    demo.set_defaults(handler=_cmd_demo)

    def spec_command(cmd: str, help_text: str, name_optional: bool) -> argparse.ArgumentParser:
        p = sub.add_parser(cmd, parents=[common], help=help_text, description=help_text)
        p.add_argument(
            "spec",
            metavar="FILE_OR_TEXT" if name_optional else "FILE",
            help="an .ax, .toml or .yaml module, or DSL text",
        )
        p.add_argument(
            "name",
            metavar="NAME",
            nargs="?" if name_optional else None,
            help="the bound name to use" + (" (default: the last one)" if name_optional else ""),
        )
        p.add_argument(
            "--shapes",
            "-s",
            required=True,
            help="argument shapes, e.g. '3,2,3 4,3'; '()' is a scalar; '3,2:float32' "
            "sets one argument's dtype",
        )
        p.add_argument(
            "--dtype", default="float64", help="dtype of every argument (default float64)"
        )
        return p

    ex = spec_command("explain", "print what a spec compiles to: vmap levels, einsums, costs", True)
    ex.add_argument("--graph", action="store_true", help="also print the axis graph")
    ex.add_argument("--source", action="store_true", help="also print the generated code")
    ex.add_argument("--path", action="store_true", help="also print opt_einsum's path tables")
    ex.add_argument("--dot", action="store_true", help="also print the axis graph as DOT")
    ex.add_argument("--all", action="store_true", help="graph, code and paths")
    ex.set_defaults(handler=_cmd_explain)

    run = spec_command(
        "run", "run a spec on random inputs: output shape, dtype, preview, time", False
    )
    run.add_argument("--seed", type=int, default=0, help="random seed for the inputs (default 0)")
    run.set_defaults(handler=_cmd_run)

    graph = spec_command(
        "graph", "draw the axis graph (.dot needs nothing; .svg/.png need Graphviz)", False
    )
    graph.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="out.svg, out.png, out.pdf or out.dot (default: DOT on stdout)",
    )
    graph.set_defaults(handler=_cmd_graph)

    repl = sub.add_parser(
        "repl",
        parents=[common],
        help="interactive session: DSL statements and :commands",
        description="Start the interactive REPL (type :help inside).",
    )
    repl.add_argument(
        "file", metavar="FILE", nargs="?", help="an .ax/.toml/.yaml module to load first"
    )
    repl.set_defaults(handler=_cmd_repl)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `axcomp ... | head`: the reader left; not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # the CLI boundary: one report, no traceback
        if args.traceback:
            raise
        print(format_error(exc, args.command), file=sys.stderr)
        return 2 if isinstance(exc, UsageError) else 1


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


if __name__ == "__main__":
    sys.exit(main())
