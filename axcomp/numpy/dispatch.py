"""The one wrapper every ``axcomp.numpy`` function is written with: NumPy on NumPy
values, graph nodes on traced values.

A function of the namespace is written once, as its traced implementation; the decorator
runs NumPy's namesake instead when no argument is traced (outside ``vmap``/``jit``, where
JAX would run eagerly too). Functions whose eager result must follow JAX rather than NumPy
(``jnp.linalg``) run their traced program through ``jit`` instead.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, Literal, ParamSpec, TypeVar

import numpy as np

from ..config import config
from ..core.array_impl import as_arrays
from ..core.dtype_promotion import concrete_operands
from ..core.float_errors import quiet, restore
from ..errors import IncompatibleShapesError
from ..tracing.tracer import Tracer
from ..transforms.invalid_values import check_result
from ..transforms.jit import staged_export
from ..transforms.namespaces import is_jax_tracer, jax_tracer_error
from .eager_errors import translated

F = TypeVar("F", bound=Callable[..., Any])
P = ParamSpec("P")


def any_traced(values: Sequence[Any]) -> bool:
    """Whether any value, or any value in a nested list or tuple, is traced. A JAX tracer
    (the function called inside ``jax.jit``/``jax.grad``) is an error that says what to do."""
    for v in values:
        if isinstance(v, Tracer):
            return True
        if isinstance(v, (list, tuple)) and any_traced(v):
            return True
    for v in values:  # NumPy is about to run: not on a JAX tracer
        if type(v).__name__.endswith("Tracer") and is_jax_tracer(v):
            raise jax_tracer_error("an argument", v)
    return False


def _named_like(fn: Callable[..., Any], traced: Callable[..., Any]) -> None:
    fn.__name__ = fn.__qualname__ = traced.__name__
    fn.__doc__ = traced.__doc__
    fn.__module__ = traced.__module__  # the module that defines the public function


def numpy_function(
    eager: Callable[..., Any] | None = None,
    *,
    module: ModuleType = np,
    promotes: Literal["operands", "sequence"] | None = None,
) -> Callable[[Callable[P, Any]], Callable[P, Any]]:
    """Make a traced implementation a public function: ``eager`` (default ``module``'s
    function of the same name, ``numpy.<name>``) when no argument is traced.

    ``promotes``: the positional arguments (``"operands"``) or the arrays of the first
    argument (``"sequence"``, ``hstack``'s) promote together: on concrete values their
    integer arrays are cast to JAX's dtype first where NumPy's promotion is wider
    (``core/dtype_promotion.py``), as the traced implementation's operations do.

    The public function has the traced implementation's parameters (an IDE shows them)
    and returns ``Any``: an array on concrete values, a ``Tracer`` in a kernel."""

    def wrap(traced: Callable[P, Any]) -> Callable[P, Any]:
        run_eagerly = eager or getattr(module, traced.__name__)

        def fn(*args: P.args, **kwargs: P.kwargs) -> Any:
            if any_traced(args) or any_traced(tuple(kwargs.values())):
                return traced(*args, **kwargs)
            token = quiet()  # NumPy's floating-point warnings: JAX computes silently
            try:
                if promotes == "operands":
                    return run_eagerly(*concrete_operands(args), **kwargs)
                if promotes == "sequence" and args and isinstance(args[0], (list, tuple)):
                    seq = list(concrete_operands(tuple(args[0])))
                    return run_eagerly(seq, *args[1:], **kwargs)
                return run_eagerly(*args, **kwargs)
            finally:
                restore(token)

        _named_like(fn, traced)
        return fn

    return wrap


def staged_function(traced: Callable[P, Any]) -> Callable[P, Any]:
    """Make a traced implementation a public function that, on concrete arrays too, runs
    its traced program (through ``jit``): an eager call gives what the same call inside a
    kernel gives, and what JAX gives."""
    fn = staged_export(traced.__name__, traced)
    _named_like(fn, traced)
    return fn


def returning_arrays(fn: Callable[..., Any], products: bool = False) -> Callable[..., Any]:
    """``fn`` with its concrete NumPy results as ``ArrayImpl``s (JAX's array type); traced
    values, other libraries' arrays and non-arrays pass through. ``products``: NumPy's
    ``ValueError`` for operands whose shapes do not contract is JAX's ``TypeError``."""

    if products:

        @functools.wraps(fn)
        def contracting(*args: Any, **kwargs: Any) -> Any:
            try:
                out = as_arrays(fn(*args, **kwargs))
            except ValueError as exc:
                if isinstance(exc, TypeError) or not _SHAPE_MISMATCH.search(str(exc)):
                    raise _ours(fn.__name__, exc) from None
                raise IncompatibleShapesError(f"{fn.__name__}: {exc}") from None
            except Exception as exc:
                raise _ours(fn.__name__, exc) from None
            if config.checking_values:  # jax_debug_nans / jax_debug_infs
                check_result(fn.__name__, out)
            return out

        return contracting

    @functools.wraps(fn)
    def returning(*args: Any, **kwargs: Any) -> Any:
        try:
            out = as_arrays(fn(*args, **kwargs))
        except Exception as exc:
            raise _ours(fn.__name__, exc) from None
        if config.checking_values:  # jax_debug_nans / jax_debug_infs
            check_result(fn.__name__, out)
        return out

    return returning


def _ours(name: str, exc: Exception) -> Exception:
    """``exc``, or NumPy's error as axcomp's (``eager_errors``)."""
    return translated(name, exc) or exc


# NumPy's messages for operands a product cannot contract
_SHAPE_MISMATCH = re.compile(r"not aligned|mismatch|does not match|shape")
