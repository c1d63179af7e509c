"""``jit``: compile once per argument signature, then call the cached generated code."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import AxisSpecError, AxisSpecTypeError, UnsupportedError
from ..tracing.trace import current_trace, function_name, tracing_function
from ..tracing.tracer import Tracer
from .staging import Staged


class JittedFunction(Staged):
    """The result of ``axcomp.jit``: compiled once per signature, then cached."""

    def __init__(
        self,
        fun: Callable[..., Any],
        static_argnums: tuple[int, ...],
        static_argnames: tuple[str, ...] = (),
    ) -> None:
        self.fun = fun
        self.static_argnums = static_argnums
        self.static_argnames = static_argnames
        functools.update_wrapper(self, fun, updated=())
        self._setup_cache()

    def __repr__(self) -> str:
        return f"jit({function_name(self.fun)})"

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        # ``@jit`` on a method: the instance is the first argument (static, as it is no
        # array), as JAX binds it
        if instance is None:
            return self
        return functools.partial(self, instance)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.static_argnums or self.static_argnames:
            self._check_static(args, kwargs)
        return super().__call__(*args, **kwargs)

    def _check_static(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        named = [
            (f"argument {k}", args[k]) for k in self.static_argnums if -len(args) <= k < len(args)
        ]
        named += [(f"argument {n!r}", kwargs[n]) for n in self.static_argnames if n in kwargs]
        for what, value in named:
            try:
                hash(value)
            except TypeError:
                raise AxisSpecError(
                    f"jit({function_name(self.fun)}): static {what} must be hashable (it is "
                    f"part of the compilation's key), got {type(value).__name__}; pass arrays "
                    "as ordinary arguments"
                ) from None

    def _inline(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        trace = current_trace()
        assert trace is not None
        with tracing_function(trace, function_name(self.fun)):
            return self.fun(*args, **kwargs)


def _names_and_nums(
    fun: Callable[..., Any], nums: Any, names: Any
) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """JAX's pairing of ``static_argnums`` and ``static_argnames``: each given one implies
    the other from ``fun``'s signature."""
    nums_t = () if nums is None else (nums,) if isinstance(nums, int) else tuple(nums)
    names_t = () if names is None else (names,) if isinstance(names, str) else tuple(names)
    if not all(isinstance(n, int) for n in nums_t):
        raise AxisSpecTypeError(f"jit: static_argnums must be ints, got {nums!r}")
    if not all(isinstance(n, str) for n in names_t):
        raise AxisSpecTypeError(f"jit: static_argnames must be strings, got {names!r}")
    try:
        params = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):
        return nums_t, names_t
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    names_t += tuple(positional[k] for k in nums_t if 0 <= k < len(positional))
    nums_t += tuple(positional.index(n) for n in names_t if n in positional)
    return tuple(sorted(set(nums_t))), tuple(dict.fromkeys(names_t))


def jit(
    fun: Callable[..., Any] | None = None,
    *,
    static_argnums: Any = None,
    static_argnames: Any = None,
    donate_argnums: Any = None,
    donate_argnames: Any = None,
    keep_unused: bool = False,
    device: Any = None,
    backend: str | None = None,
    inline: bool = False,
    abstracted_axes: Any = None,
    compiler_options: Any = None,
    memory_limit: Any = None,
    threads: int | None = None,
    progress: Callable[[int, int], Any] | None = None,
) -> Any:
    """Compile ``fun`` once per argument signature into NumPy code (like ``jax.jit``).

    Non-array arguments are static (part of the cache key); ``static_argnums`` /
    ``static_argnames`` also check that such arguments are hashable, as JAX does.
    JAX's other options are accepted with their meaning on one CPU: ``donate_argnums`` /
    ``donate_argnames`` (a hint JAX may ignore; axcomp never writes into arguments),
    ``keep_unused`` and ``inline`` (no effect on results), ``device`` and ``backend``
    (only the CPU), ``abstracted_axes`` and ``compiler_options`` (only None).
    ``memory_limit`` (bytes or ``"512MiB"``) bounds the program's temporaries: above it a
    vmap axis runs in chunks; ``threads`` sizes the pool chunks run on;
    ``progress(done, total)`` is called after each chunk. Unset, they are the process
    defaults (``axcomp.set_options``).
    """
    if backend not in (None, "cpu"):
        raise UnsupportedError(f"jit: backend={backend!r}: axcomp runs on the CPU ('cpu')")
    if device is not None and getattr(device, "platform", "cpu") != "cpu":
        raise UnsupportedError(f"jit: device={device!r}: axcomp runs on the CPU")
    for what, value in (
        ("abstracted_axes", abstracted_axes),
        ("compiler_options", compiler_options),
    ):
        if value is not None:
            raise UnsupportedError(f"jit: {what} is not supported (only None)")
    if fun is None:
        return functools.partial(
            jit,
            static_argnums=static_argnums,
            static_argnames=static_argnames,
            donate_argnums=donate_argnums,
            donate_argnames=donate_argnames,
            keep_unused=keep_unused,
            device=device,
            backend=backend,
            inline=inline,
            memory_limit=memory_limit,
            threads=threads,
            progress=progress,
        )
    if not callable(fun):
        raise AxisSpecTypeError(f"jit expects a callable, got {fun!r}")
    nums, names = _names_and_nums(fun, static_argnums, static_argnames)
    jitted = JittedFunction(fun, nums, names)
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
