"""``jit``: compile once per argument signature, then call the cached generated code."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, Protocol, TypeVar, overload

import numpy as np

from ..config import config as _CONFIG
from ..errors import (
    AxisSpecError,
    AxisSpecTypeError,
    ConcretizationTypeError,
    TracerArrayConversionError,
    TracerIntegerConversionError,
    UnsupportedError,
)
from ..tracing.trace import abstract_values, current_trace, function_name, tracing_function
from ..tracing.tracer import Tracer
from .staging import Staged, StaticArg

P = ParamSpec("P")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class JittedFunction(Staged, Generic[P, R]):
    """The result of ``axcomp.jit``: compiled once per signature, then cached.

    ``reruns_uncompiled``: a user's ``jit`` (not a staged ``lax`` function) whose output
    holds a NaN under ``jax_debug_nans`` runs its Python function again, uncompiled.

    Generic in the function's parameters and result (``JittedFunction[P, R]``), so a type
    checker or an IDE shows the function's own signature, as JAX's ``jit`` keeps it."""

    reruns_uncompiled = False

    def __init__(
        self,
        fun: Callable[..., Any],
        static_argnums: tuple[int, ...],
        static_argnames: tuple[str, ...] = (),
        trace_scalars: bool = True,
        eager: bool = False,
    ) -> None:
        self.fun = fun
        self.static_argnums = static_argnums
        self.static_argnames = static_argnames
        self.trace_scalars = trace_scalars
        self.eager = eager
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

    if TYPE_CHECKING:  # what callers see: the function's own parameters and result

        def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R: ...

    else:  # (no extra frame per call: this is the call itself)

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            if self.static_argnums or self.static_argnames:
                self._check_static(args, kwargs)
                if current_trace() is None:
                    args, kwargs = self._wrap_static(args, kwargs)
            if (
                _CONFIG.jit_may_be_disabled
                and self.reruns_uncompiled
                and current_trace() is None
                and _CONFIG.flag("jax_disable_jit")
            ):  # jax.disable_jit: the function as plain Python, on its arguments
                return self._uncompiled(args, kwargs)()
            return super().__call__(*args, **kwargs)

    def _wrap_static(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        # a static argument is one leaf of the signature, its scalars never traced
        n = len(args)
        nums = {k % n for k in self.static_argnums if -n <= k < n}
        args = tuple(StaticArg(a) if i in nums else a for i, a in enumerate(args))
        kwargs = {k: StaticArg(v) if k in self.static_argnames else v for k, v in kwargs.items()}
        return args, kwargs

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

    def _deoptimized(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Callable[[], Any] | None:
        if not self.reruns_uncompiled:  # a staged lax/scipy function: its name says where
            return None
        return self._uncompiled(args, kwargs)

    def _uncompiled(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Callable[[], Any]:
        """The call as plain Python (JAX's "de-optimized" function, and ``disable_jit``):
        the arguments as they were given (static ones unwrapped), as JAX calls it."""
        args = tuple(a.value if type(a) is StaticArg else a for a in args)
        kwargs = {k: v.value if type(v) is StaticArg else v for k, v in kwargs.items()}
        return lambda: self.fun(*args, **kwargs)

    def _checked_name(self) -> str:
        return repr(self) if self.reruns_uncompiled else self.name  # (lax.foo's own name)

    def _inline(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        trace = current_trace()
        assert trace is not None
        with tracing_function(trace, function_name(self.fun)):
            if not self.eager:  # a user's jit: values are abstract in it, as in JAX
                with abstract_values(trace):
                    return self.fun(*args, **kwargs)
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


@overload
def jit(
    fun: Callable[P, R],
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
    progress: Callable[[int, int], Any] | bool | None = None,
) -> JittedFunction[P, R]: ...


@overload
def jit(
    fun: None = None,
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
    progress: Callable[[int, int], Any] | bool | None = None,
) -> Callable[[Callable[P, R]], JittedFunction[P, R]]: ...


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
    progress: Callable[[int, int], Any] | bool | None = None,
) -> Any:
    """Compile ``fun`` once per argument signature into NumPy code (like ``jax.jit``).

    Python scalars (``int``, ``float``, ``complex``, ``bool`` leaves, also inside tuples,
    lists and dicts) are traced as 0-d inputs, as in JAX: ``jit(f)(x, 0.1)`` and
    ``jit(f)(x, 0.2)`` share one compilation. They are weakly typed like JAX's (with x64: an
    int is a weak int64, a float a weak float64, a complex a weak complex128; a bool is a
    strong bool), so ``f32_array * 0.5`` stays float32. Python control flow on their
    values raises JAX's errors (``axcomp.errors.TracerBoolConversionError``,
    ``TracerIntegerConversionError``, ``ConcretizationTypeError``,
    ``TracerArrayConversionError``); mark such arguments static with ``static_argnums`` /
    ``static_argnames`` (which must be hashable, as in JAX), as a shape or a loop count
    must be. NumPy scalars are arrays (traced, strongly typed, as in JAX). Other non-array
    leaves (strings, callables, dtypes, any hashable object) are static, where JAX would
    reject them: their value is part of the cache key, so they cannot be wrong, only
    recompile per value; unhashable ones raise. None is an empty pytree, as in JAX. An int
    beyond int64 is a static constant (JAX raises OverflowError).
    JAX's other options are accepted with their meaning on one CPU: ``donate_argnums`` /
    ``donate_argnames`` (a hint JAX may ignore; axcomp never writes into arguments),
    ``keep_unused`` and ``inline`` (no effect on results), ``device`` and ``backend``
    (only the CPU), ``abstracted_axes`` and ``compiler_options`` (only None).
    ``memory_limit`` (bytes or ``"512MiB"``) bounds the program's temporaries: above it a
    vmap axis runs in chunks; ``threads`` sizes the pool chunks run on; ``progress=True``
    draws a bar of the chunks (tqdm on a terminal, a plain line per tenth elsewhere), a
    callable ``progress(done, total)`` is called after each chunk, and ``False`` turns a
    default bar off. Unset, they are the process defaults (``axcomp.set_options``).
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
    jitted: JittedFunction[..., Any] = JittedFunction(fun, nums, names)
    jitted._set_options(memory_limit, threads, progress)
    jitted.reruns_uncompiled = True
    return jitted


def _static(v: Any) -> Any:
    # a dtype given as a class (``jnp.float32``) is a static string for the signature
    return np.dtype(v).name if isinstance(v, (type, np.dtype)) else v


class StagedExport(Protocol[P, R_co]):
    """What ``staged_export`` makes: the function (the traced implementation's parameters;
    its result an array on concrete values, a ``Tracer`` in a kernel, hence ``Any``) and
    that traced implementation (its own result type: what code that always traces gets)."""

    @property
    def traced(self) -> Callable[P, R_co]: ...

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Any: ...


@overload
def staged_export(name: Callable[P, R], traced: None = None) -> StagedExport[P, R]: ...


@overload
def staged_export(
    name: str, traced: None = None
) -> Callable[[Callable[P, R]], StagedExport[P, R]]: ...


@overload
def staged_export(name: str, traced: Callable[P, R]) -> StagedExport[P, R]: ...


def staged_export(name: str | Callable[..., Any], traced: Callable[..., Any] | None = None) -> Any:
    """A public ``lax``/``nn``/``special`` function from its traced implementation: inside
    kernels it records the graph; on concrete values it runs the same program through
    ``jit`` (non-array arguments are static).

    Used as a decorator (``@staged_export`` or ``@staged_export("public_name")``) where
    the function is written, or called as ``staged_export(name, traced)``. The result's
    ``traced`` attribute is the traced implementation (what code that always traces, such
    as the DSL, calls) and its ``__module__`` the module that wrote it. (Not
    ``__wrapped__``: ``inspect.signature`` would follow it and rename export inputs.)"""
    if callable(name):
        return _staged(name.__name__, name)
    if traced is None:
        public = name
        return lambda fn: _staged(public, fn)
    return _staged(name, traced)


def _staged(name: str, traced: Callable[..., Any]) -> Callable[..., Any]:
    # their ints are axes, shapes and sizes: static, compiled once per value; positional
    # Python floats and complexes are values, traced (weak) as under jit, so a new value
    # reuses the program (one program per set of such positions), unless the function
    # reads one as a Python number (lstsq's rcond): then they stay static for it
    static = static_jit(traced)
    staged: dict[tuple[int, ...], JittedFunction[..., Any]] = {(): static}

    def fn(*args: Any, **kwargs: Any) -> Any:
        if any(isinstance(a, Tracer) for a in (*args, *kwargs.values())):
            return traced(*args, **kwargs)
        values = tuple(i for i, a in enumerate(args) if type(a) in (float, complex))
        run = staged.get(values)
        if run is None:
            run = staged.setdefault(values, static_jit(traced, values))
        args = tuple(_static(a) for a in args)
        kw = {k: _static(v) for k, v in kwargs.items()}
        if run is static:
            return static(*args, **kw)
        try:
            return run(*args, **kw)
        except (
            ConcretizationTypeError,
            TracerIntegerConversionError,
            TracerArrayConversionError,
        ):
            staged[values] = static  # raised while tracing, before anything ran
            return static(*args, **kw)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = traced.__doc__
    fn.__module__ = traced.__module__
    fn.traced = traced  # type: ignore[attr-defined]
    return fn


def static_jit(fun: Callable[..., Any], traced: Any = ()) -> JittedFunction[..., Any]:
    """``jit`` for axcomp's own staging (library exports, differentiation transforms):
    outside any trace, Python control flow on values works (``Staged.eager``), as JAX's
    eager calls see them. Python scalars are traced in the positional arguments
    ``traced`` (``"all"``: everywhere; the differentiated ones), static elsewhere (an
    axis, a shape, a size)."""
    jitted: JittedFunction[..., Any] = JittedFunction(
        fun, (), (), trace_scalars=traced != (), eager=True
    )
    nums = (traced,) if isinstance(traced, int) else traced
    if traced != () and isinstance(nums, tuple) and all(type(k) is int for k in nums):
        jitted.scalar_argnums = nums  # (anything else: "all", or argnums the call refuses)
    return jitted
