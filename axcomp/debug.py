"""``axcomp.debug``: ``jax.debug.print`` and ``jax.debug.callback``.

Outside a trace they run at once. Inside one (``jit``, ``vmap``, ``grad``, a ``scan`` or
``fori_loop`` body, a ``cond`` branch) they add a callback node
(``primitives/callback.py``) that the compiled program runs each time it runs, with the
run-time values, in program order; nothing runs while tracing. Under ``vmap`` the
function is called once per example, as in JAX.
"""

from __future__ import annotations

import logging
import string
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from . import pytree
from .core.array_impl import ArrayImpl
from .errors import ArgumentTypeError, missing_function
from .primitives.callback import add_callback
from .tracing.trace import current_trace
from .tracing.tracer import Tracer

__all__ = ["callback", "log", "print"]


def callback(
    callback: Callable[..., Any],
    *args: Any,
    ordered: bool = False,
    partitioned: bool = False,
    **kwargs: Any,
) -> None:
    """Call ``callback(*args, **kwargs)`` with the values of the (possibly traced) array
    arguments, as arrays, when the program runs (``jax.debug.callback``). Callbacks run in
    program order whether or not ``ordered`` is set."""
    if not callable(callback):
        raise ArgumentTypeError(f"debug.callback: callback must be callable, got {callback!r}")
    name = getattr(callback, "__qualname__", None) or type(callback).__name__
    _run(callback, args, kwargs, f"debug.callback {name}")


def _run(function: Callable[..., Any], args: Any, kwargs: Any, description: str) -> None:
    """``function(*args, **kwargs)`` now, on arrays, or where a trace is being built, each
    time its program runs."""
    leaves, treedef = pytree.flatten((args, kwargs))

    def call_with(*values: Any) -> None:
        a, k = pytree.unflatten(treedef, list(values))
        function(*a, **k)

    trace = next((v.trace for v in leaves if isinstance(v, Tracer)), None) or current_trace()
    if trace is None:
        call_with(*(np.asarray(v).view(ArrayImpl) for v in leaves))
        return
    add_callback(trace, call_with, leaves, description)


class _AnyValue:
    """Stands for any argument when a format string is checked while tracing."""

    def __format__(self, spec: str) -> str:
        return ""

    def __getattr__(self, name: str) -> _AnyValue:
        return self

    def __getitem__(self, key: Any) -> _AnyValue:
        return self


def _printer(what: str, emit: Callable[[str], None]) -> Callable[..., None]:
    """``jax.debug.print``'s signature, handing the formatted text to ``emit`` at run time."""

    def printer(
        fmt: str,
        *args: Any,
        ordered: bool = False,
        partitioned: bool = False,
        skip_format_check: bool = False,
        **kwargs: Any,
    ) -> None:
        text = _formatter(what, fmt, args, kwargs, skip_format_check)

        def write(*values: Any, **named: Any) -> None:
            emit(text(*values, **named))

        _run(write, args, kwargs, f"{what} {fmt!r}")

    printer.__name__ = printer.__qualname__ = what.split(".")[-1]
    return printer


_LOGGER = logging.getLogger(__name__)


def _to_stdout(text: str) -> None:
    sys.stdout.write(text + "\n")


def _to_log(text: str) -> None:
    _LOGGER.info("%s", text)


print = _printer("debug.print", _to_stdout)
print.__doc__ = """Print ``fmt.format(*args, **kwargs)`` with the arguments' values when the
program runs (``jax.debug.print``), under the NumPy print options in force here."""

log = _printer("debug.log", _to_log)
log.__doc__ = """``jax.debug.log``: as ``print``, but the text goes to the ``axcomp.debug``
logger at INFO level (JAX logs to its own debugging logger)."""


def _formatter(what: str, fmt: Any, args: Any, kwargs: Any, skip_check: bool) -> Callable[..., str]:
    """``fmt.format`` under the NumPy print options in force now; a placeholder with no
    argument fails here, while tracing, as in JAX (unless ``skip_check``)."""
    if not isinstance(fmt, str):
        raise ArgumentTypeError(f"{what}: fmt must be a str, got {type(fmt).__name__}")
    fields = [f for _, f, _, _ in string.Formatter().parse(fmt) if f is not None]
    if fields and not skip_check:
        any_value = _AnyValue()
        fmt.format(*[any_value] * len(args), **dict.fromkeys(kwargs, any_value))
    options = np.get_printoptions()

    def text(*values: Any, **named: Any) -> str:
        with np.printoptions(**options):
            return fmt.format(*values, **named)

    return text


def __getattr__(name: str) -> Any:
    """A jax.debug name axcomp lacks (``breakpoint``, the sharding views):
    ``MissingFunctionError``."""
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise missing_function("axcomp.debug", "jax.debug", name, __all__)
