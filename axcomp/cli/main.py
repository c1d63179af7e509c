"""The ``axcomp`` command line: ``demo``, ``explain``, ``run``, ``graph`` and ``repl``.

Exit codes: 0 success; 1 the spec or the program failed (compile or run error); 2 the
command line itself was wrong (bad ``--shapes``, unknown name, missing file, ...).
Errors print as one report without a traceback; ``--traceback`` shows it.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import sys
from collections.abc import Callable, Sequence

from ..errors import UsageError
from ..inspect.dot import check_picture_target, write_picture
from ..inspect.export import export
from ..transforms.options import restore, set_options
from ..transforms.progress import ProgressBar
from .common import (
    BACKENDS,
    array_library,
    check_shape_count,
    explain_function,
    export_namespace,
    format_error,
    load_module,
    parse_shapes,
    pick_function,
    run_function,
    shape_structs,
)
from .demo import run_demo
from .repl import run_repl


# --- commands ----------------------------------------------------------------------------------
def _cmd_demo(args: argparse.Namespace) -> int:
    run_demo()
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    specs = parse_shapes(args.shapes, args.dtype)  # usage errors before any compiling
    name, fun = pick_function(load_module(args.spec), args.name)
    exp = explain_function(name, fun, specs)
    print(exp)
    sections: list[tuple[str, bool, Callable[[], str]]] = [
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
    if args.repeat < 1:
        raise UsageError(f"--repeat must be at least 1, got {args.repeat}")
    specs = parse_shapes(args.shapes, args.dtype)
    name, fun = pick_function(load_module(args.spec), args.name)
    # a bar on a terminal (silence elsewhere) unless --progress / --no-progress says
    bar = ProgressBar(name, only_on_terminal=args.progress is None)
    previous = set_options(progress=bar if args.progress is not False else False)
    try:
        array_library(args.backend)  # a missing library is a usage error before compiling
        print(run_function(name, fun, specs, args.seed, args.backend, args.repeat))
    finally:
        restore(previous)  # in-process callers (tests, the REPL) keep their own options
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    specs = parse_shapes(args.shapes, args.dtype)
    name, fun = pick_function(load_module(args.spec), args.name)
    namespace = export_namespace(args.namespace)  # a usage error before compiling
    check_shape_count(name, fun, specs)
    source = export(fun, *shape_structs(specs), name=name, namespace=namespace)
    if args.output in (None, "-"):
        sys.stdout.write(source)
    else:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(source)
        print(f"wrote {args.output}")
    return 0


def _cmd_graph(args: argparse.Namespace) -> int:
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
    return run_repl(args.file)


def _installed_version() -> str:
    """The version pip installed (pyproject.toml reads it from ``axcomp.__version__``)."""
    try:
        return importlib.metadata.version("axcomp")
    except importlib.metadata.PackageNotFoundError:  # a source tree that was never installed
        return "(not installed)"


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
    parser.add_argument("--version", action="version", version=f"axcomp {_installed_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo_help = "run the seed tutorial's story and show what each spec compiles to"
    demo = sub.add_parser("demo", parents=[common], help=demo_help, description=demo_help)
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
            nargs="+",
            help="argument shapes, e.g. 3x2x3 4x3 (or '3,2,3 4,3'); '()' is a scalar; "
            "'3,2:float32' sets one argument's dtype",
        )
        p.add_argument(
            "--dtype", default="float64", help="dtype of every argument (default float64)"
        )
        p.add_argument(
            "--memory-limit",
            metavar="SIZE",
            help="budget for the program's temporaries, e.g. 512MiB (default: "
            "AXCOMP_MEMORY_LIMIT, else 1GiB); above it the outermost vmap axis runs in chunks",
        )
        p.add_argument(
            "--threads",
            type=int,
            help="threads chunked programs may use (default: AXCOMP_THREADS, else the CPU count)",
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
        "run", "run a spec on random inputs: output shape, dtype, preview, times", False
    )
    run.add_argument("--seed", type=int, default=0, help="random seed for the inputs (default 0)")
    run.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="N",
        help="run N times after compiling and show the best and median (default 1)",
    )
    run.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a progress bar of chunked runs and long compiles (default: on a terminal "
        "only; --progress writes plain lines to a log too)",
    )
    run.add_argument(
        "--backend",
        choices=list(BACKENDS),
        default="numpy",
        help="array library of the random inputs, and so of the generated code (default "
        "numpy; dask runs lazily blockwise, the others through the Array API emitter)",
    )
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

    exp = spec_command(
        "export", "write the generated code as a standalone module (NumPy or Array API)", False
    )
    exp.add_argument("-o", "--output", metavar="OUT", help="out.py (default: stdout)")
    exp.add_argument(
        "--namespace",
        default="numpy",
        metavar="NAME",
        help="the array library the code is written for: numpy (default), array_api (any "
        "Array API library), or an installed namespace module such as array_api_strict",
    )
    exp.set_defaults(handler=_cmd_export)

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
    limit, threads = getattr(args, "memory_limit", None), getattr(args, "threads", None)
    previous = None
    try:
        if limit is not None or threads is not None:
            previous = set_options(memory_limit=limit, threads=threads)
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
    finally:
        if previous is not None:
            restore(previous)


if __name__ == "__main__":
    sys.exit(main())
