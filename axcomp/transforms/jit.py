"""``jit``: compile once per argument signature, then call the cached generated code."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import AxisSpecTypeError
from ..tracing.trace import current_trace, function_name, tracing_function
from ..tracing.tracer import Tracer
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


def jit(
    fun: Callable[..., Any] | None = None,
    *,
    static_argnums: Any = (),
    memory_limit: Any = None,
    threads: int | None = None,
    progress: Callable[[int, int], Any] | None = None,
) -> Any:
    """Compile ``fun`` once per argument signature into NumPy code (like ``jax.jit``).

    Non-array arguments are always static (part of the cache key), so ``static_argnums``
    is accepted for JAX compatibility only. ``memory_limit`` (bytes or ``"512MiB"``) bounds
    the program's temporaries: above it the outermost vmap axis runs in chunks;
    ``threads`` sizes the pool chunks run on; ``progress(done, total)`` is called after each
    chunk. Unset, they are the process defaults (``axcomp.set_options``).
    """
    if fun is None:
        return functools.partial(
            jit,
            static_argnums=static_argnums,
            memory_limit=memory_limit,
            threads=threads,
            progress=progress,
        )
    if not callable(fun):
        raise AxisSpecTypeError(f"jit expects a callable, got {fun!r}")
    nums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    jitted = JittedFunction(fun, nums)
    jitted._set_options(memory_limit, threads, progress)
    return jitted


def _static(v: Any) -> Any:
    # a dtype given as a class (``jnp.float32``) is a static string for the signature
    return np.dtype(v).name if isinstance(v, (type, np.dtype)) else v


def staged_export(name: str, traced: Callable[..., Any]) -> Callable[..., Any]:
    """A public ``lax``/``nn``/``special`` function from its traced implementation: inside
    kernels it records the graph; on concrete values it runs the same program through
    ``jit`` (non-array arguments are static)."""
    staged = jit(traced)

    def fn(*args: Any, **kwargs: Any) -> Any:
        if any(isinstance(a, Tracer) for a in (*args, *kwargs.values())):
            return traced(*args, **kwargs)
        args = tuple(_static(a) for a in args)
        return staged(*args, **{k: _static(v) for k, v in kwargs.items()})

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = traced.__doc__
    return fn
