"""The ``axcomp`` command line and REPL."""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
