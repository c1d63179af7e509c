"""The ``axcomp`` command line: ``axcomp demo`` (more commands are added per subcommand)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from .errors import AxcompError


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    run_demo()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="axcomp",
        description="Compile JAX-style nested vmap specs into optimized NumPy einsum code.",
    )
    parser.add_argument("--traceback", action="store_true", help="show Python tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser("demo", help="run the seed tutorial's story and show what each spec compiles to")
    demo.set_defaults(handler=_cmd_demo)
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
    except AxcompError as exc:
        if args.traceback:
            raise
        print(f"axcomp: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
