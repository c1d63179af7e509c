"""JAX's ``jax_debug_nans`` and ``jax_debug_infs``: a NaN or an infinity in a result raises
``FloatingPointError``.

Off (the default) nothing is checked; a call pays one attribute test
(``config.checking_values``). On:

- every eager ``axcomp.numpy`` function and operator checks its inexact results
  (``invalid value (nan) encountered in log``), as JAX checks each primitive it runs op
  by op;
- a compiled call (``jit``, ``vmap``, ``grad``..., and the ``lax``/``scipy``/``nn``
  functions, which run compiled programs on concrete values) checks its outputs. Only its
  outputs, as JAX's: a NaN that a ``where`` masks inside the program raises nothing;
- when a ``jit`` function's output has one, the function runs again without ``jit``
  (JAX's "de-optimized version", announced with JAX's line on stdout), so the eager
  operation that made the value raises with its own name; when none does, the error says
  so, with JAX's explanation.

NumPy's error state is not the tool: it flags the operation that makes a NaN from
numbers (``0/0``), not one that passes a NaN on, and it would flag NaNs a ``where``
then drops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import pytree
from ..config import config
from ..errors import InvalidValueError

__all__ = ["check_compiled", "check_result", "invalid_kind"]

_DEOPTIMIZED = (
    "Invalid nan value encountered in the output of a jax.jit function. Calling the "
    "de-optimized version."
)


def invalid_kind(value: Any) -> str | None:
    """``"nan"`` or ``"inf"`` when a concrete inexact array (or NumPy scalar) of the
    pytree ``value`` holds one this thread checks for; else None."""
    nans, infs = config.value_checks()
    if not (nans or infs):
        return None
    for leaf in pytree.flatten(value)[0]:
        if isinstance(leaf, (np.ndarray, np.generic)) and leaf.dtype.kind in "fc":
            kind = _kind_of(np.asarray(leaf), nans, infs)
            if kind is not None:
                return kind
    return None


def _kind_of(a: np.ndarray, nans: bool, infs: bool) -> str | None:
    if nans and np.isnan(a).any():
        return "nan"
    if infs and np.isinf(a).any():
        return "inf"
    return None


def check_result(name: str, value: Any) -> None:
    """Raise JAX's ``FloatingPointError`` when ``value`` (what the eager operation
    ``name`` returned) holds a NaN or an infinity that is checked for."""
    kind = invalid_kind(value)
    if kind is not None:
        raise InvalidValueError(f"invalid value ({kind}) encountered in {name}")


def check_compiled(name: str, value: Any, deoptimized: Callable[[], Any] | None) -> None:
    """``check_result`` for the outputs of the compiled call ``name``. ``deoptimized``
    (a ``jit`` function's own Python function on the call's arguments) runs when an
    output has an invalid value, so the eager operation that made it raises; when none
    does, the error says so."""
    kind = invalid_kind(value)
    if kind is None:
        return
    message = f"invalid value ({kind}) encountered in {name}"
    if deoptimized is None:
        raise InvalidValueError(message)
    print(_DEOPTIMIZED)  # (JAX's line, on stdout as JAX prints it)
    try:
        deoptimized()
    except FloatingPointError as exc:
        raise exc from None  # (its traceback shows the user's line that made the value)
    except Exception as exc:
        raise InvalidValueError(
            f"{message}. The de-optimized function (the function as if the `jit` decorator "
            f"were removed), called to find the operation that made it, raised "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    raise InvalidValueError(
        f"{message}. Because jax_debug_nans and/or jax_debug_infs is set, the de-optimized "
        "function (the function as if the `jit` decorator were removed) was called in an "
        "attempt to get a more precise error message. However, it did not produce "
        "invalid values during its execution. This can result from `jit` optimizations "
        "causing the invalid value to be produced. It may also arise from nan/inf "
        "literals as inputs or outputs, like `jit(lambda ...: axcomp.numpy.nan)(...)`."
    )
