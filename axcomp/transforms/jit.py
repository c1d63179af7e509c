"""``jit``: compile once per argument signature, then call the cached generated code."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..errors import AxisSpecTypeError
from ..tracing.trace import current_trace, function_name, tracing_function
from .staging import Staged


class JittedFunction(Staged):
    """The result of ``axcomp.jit``: compiled once per signature, then cached."""

    def __init__(self, fun: Callable[..., Any], static_argnums: tuple[int, ...]) -> None:
        self.fun = fun
        self.static_argnums = static_argnums
        functools.update_wrapper(self, fun, updated=())
        self._setup_cache()

    def __repr__(self) -> str:
        return f"jit({function_name(self.fun)})"

    def _inline(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        trace = current_trace()
        assert trace is not None
        with tracing_function(trace, function_name(self.fun)):
            return self.fun(*args, **kwargs)


def jit(fun: Callable[..., Any] | None = None, *, static_argnums: Any = ()) -> Any:
    """Compile ``fun`` once per argument signature into NumPy code (like ``jax.jit``).

    Non-array arguments are always static (part of the cache key), so ``static_argnums``
    is accepted for JAX compatibility only.
    """
    if fun is None:
        return functools.partial(jit, static_argnums=static_argnums)
    if not callable(fun):
        raise AxisSpecTypeError(f"jit expects a callable, got {fun!r}")
    nums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    return JittedFunction(fun, nums)
