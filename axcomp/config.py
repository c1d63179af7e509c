"""``axcomp.config``: JAX's configuration flags that mean something on one CPU.

``config.update("jax_enable_x64", True)`` is the first line of most float64 JAX programs.
axcomp's ``numpy`` namespace always computes in NumPy's dtypes (float64 by default, as JAX
with x64 on); the flag decides the defaults of ``axcomp.random`` (float32/int32/uint32 with
x64 off, float64/int64/uint64 with it on) and how wide an integer seed may be, as in JAX.
Flags that only tune XLA are accepted and ignored; a value axcomp cannot honour is refused.

``jax_debug_nans``/``jax_debug_infs`` (``transforms/invalid_values.py`` does the checks)
and ``jax_disable_jit`` (``transforms/jit.py``) are set for the process here or from
``JAX_DEBUG_NANS``/``JAX_DEBUG_INFS``/``JAX_DISABLE_JIT``, or for a context with
``debug_nans(True)``/``debug_infs(True)``/``disable_jit()``, per thread, as JAX's.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import threading
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

from .errors import AxcompError, UnsupportedError


class ConfigError(AxcompError, AttributeError):
    """A configuration flag JAX does not have either."""


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


# flag -> (default, the values axcomp can honour, or None for any)
_FLAGS: dict[str, tuple[Any, tuple[Any, ...] | None]] = {
    "jax_enable_x64": (_env_flag("JAX_ENABLE_X64"), (True, False)),
    "jax_platform_name": ("cpu", ("cpu", "")),
    "jax_platforms": ("cpu", ("cpu", "", None)),
    "jax_default_matmul_precision": (None, None),
    "jax_numpy_rank_promotion": ("allow", ("allow", "warn", "raise")),
    "jax_traceback_filtering": ("auto", None),
    "jax_disable_jit": (_env_flag("JAX_DISABLE_JIT"), (True, False)),
    "jax_debug_nans": (_env_flag("JAX_DEBUG_NANS"), (True, False)),
    "jax_debug_infs": (_env_flag("JAX_DEBUG_INFS"), (True, False)),
    # log each compile with its signature and time (transforms/compile_log.py)
    "jax_log_compiles": (_env_flag("AXCOMP_LOG_COMPILES") or _env_flag("JAX_LOG_COMPILES"), None),
    "jax_default_prng_impl": ("threefry2x32", ("threefry2x32",)),
    "jax_threefry_partitionable": (True, (True,)),
    # why a function compiled again, logged (transforms/cache_misses.py)
    "jax_explain_cache_misses": (False, (True, False)),
    # the graph and plan checks AXCOMP_VERIFY runs (transforms/compile.py)
    "jax_enable_checks": (_env_flag("JAX_ENABLE_CHECKS"), (True, False)),
    # what real programs set that changes nothing a program computes on one CPU: XLA's
    # compile cache, optimisation effort, dumps and logging, accelerator and multi-host
    # settings, asynchronous CPU dispatch (axcomp returns finished arrays): JAX's default,
    # any value accepted
    "jax_compilation_cache_dir": (None, None),
    "jax_persistent_cache_min_compile_time_secs": (1.0, None),
    "jax_persistent_cache_min_entry_size_bytes": (0, None),
    "jax_persistent_cache_enable_xla_caches": ("xla_gpu_per_fusion_autotune_cache_dir", None),
    "jax_enable_compilation_cache": (True, None),
    "jax_compilation_cache_max_size": (-1, None),
    "jax_compilation_cache_include_metadata_in_key": (False, None),
    "jax_compilation_cache_check_contents": (False, None),
    "jax_raise_persistent_cache_errors": (False, None),
    "jax_enable_pgle": (False, None),
    "jax_pgle_profiling_runs": (3, None),
    "jax_optimization_level": ("UNKNOWN", None),
    "jax_memory_fitting_level": ("O2", None),
    "jax_memory_fitting_effort": (0.0, None),
    "jax_exec_time_optimization_effort": (0.0, None),
    "jax_compiler_enable_remat_pass": (True, None),
    "jax_disable_most_optimizations": (False, None),
    "jax_logging_level": ("NOTSET", None),
    "jax_debug_log_modules": ("", None),
    "jax_dump_ir_to": ("", None),
    "jax_dump_ir_modes": ("stablehlo", None),
    "jax_include_debug_info_in_dumps": (True, None),
    "jax_pprint_use_color": (True, None),
    "jax_tracer_error_num_traceback_frames": (5, None),
    "jax_cpu_enable_async_dispatch": (True, None),
    "jax_cpu_collectives_implementation": ("gloo", None),
    "jax_cuda_visible_devices": ("all", None),
    "jax_rocm_visible_devices": ("all", None),
    "jax_use_shardy_partitioner": (True, None),
    "jax_default_device": (None, None),
    # flags that change what a program computes or checks, at JAX's default only
    "jax_numpy_dtype_promotion": ("standard", ("standard",)),
    "jax_check_tracer_leaks": (False, (False,)),
    "jax_debug_key_reuse": (False, (False,)),
    "jax_random_seed_offset": (0, (0,)),
    "jax_enable_custom_prng": (False, (False,)),
    "jax_legacy_prng_key": ("allow", ("allow",)),
    "jax_softmax_custom_jvp": (False, (False,)),
    "jax_transfer_guard": (None, (None, "allow")),
    "jax_transfer_guard_host_to_device": (None, (None, "allow")),
    "jax_transfer_guard_device_to_host": (None, (None, "allow")),
    "jax_transfer_guard_device_to_device": (None, (None, "allow")),
}


class Config:
    """The flags, read as attributes (``config.jax_enable_x64``) and set with ``update``."""

    def __init__(self) -> None:
        self._values = {name: default for name, (default, _) in _FLAGS.items()}
        self._open = dict.fromkeys(_FLAGS, 0)  # contexts open in any thread
        self._lock = threading.Lock()
        #: whether results may need checking for NaNs or infinities, and whether a ``jit``
        #: may have to run uncompiled: the attributes the hot paths read (a flag on, or a
        #: context open in some thread; ``flag`` then says what this thread does)
        self.checking_values = False
        self.jit_may_be_disabled = False
        self._recheck()

    def update(self, name: str, value: Any) -> None:
        self._check(name, value, f"config.update({name!r}, {value!r})")
        self._values[name] = value
        self._recheck()

    @staticmethod
    def _check(name: str, value: Any, what: str) -> None:
        if name not in _FLAGS:
            raise ConfigError(f"Unrecognized config option: {name}")
        allowed = _FLAGS[name][1]
        if allowed is not None and value not in allowed:
            raise UnsupportedError(f"{what}: axcomp supports only {list(allowed)}")

    def _recheck(self) -> None:
        v, o = self._values, self._open
        self.checking_values = bool(
            v["jax_debug_nans"] or v["jax_debug_infs"] or o["jax_debug_nans"] or o["jax_debug_infs"]
        )
        self.jit_may_be_disabled = bool(v["jax_disable_jit"] or o["jax_disable_jit"])

    def flag(self, name: str) -> Any:
        """A flag's value in this thread now: its innermost context's, else the
        process's."""
        overrides = _OVERRIDES.get()
        return overrides[name] if name in overrides else self._values[name]

    def value_checks(self) -> tuple[bool, bool]:
        """Whether this thread checks results for NaNs, and for infinities, now."""
        return bool(self.flag("jax_debug_nans")), bool(self.flag("jax_debug_infs"))

    @contextlib.contextmanager
    def overriding(self, name: str, value: Any) -> Iterator[None]:
        """A context in which this thread reads ``value`` for the flag ``name`` (JAX's
        context managers: ``with axcomp.debug_nans(True):``)."""
        self._check(name, value, f"{name.removeprefix('jax_')}({value!r})")
        token = _OVERRIDES.set(MappingProxyType({**_OVERRIDES.get(), name: value}))
        with self._lock:
            self._open[name] += 1
            self._recheck()
        try:
            yield
        finally:
            _OVERRIDES.reset(token)
            with self._lock:
                self._open[name] -= 1
                self._recheck()

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("_values", {})
        if name in values:
            return self.flag(name)  # this context's value, else the process's
        raise ConfigError(f"Unrecognized config option: {name}")

    def __setattr__(self, name: str, value: Any) -> None:
        # ``config.jax_enable_x64 = True`` would shadow the flag and change nothing
        if name in _FLAGS:
            raise ConfigError(
                f"config.{name} cannot be assigned; use config.update({name!r}, {value!r})"
            )
        object.__setattr__(self, name, value)

    @property
    def x64_enabled(self) -> bool:
        return bool(self._values["jax_enable_x64"])

    def read(self, name: str) -> Any:
        return getattr(self, name)


#: the flags this context sets for its own thread (replaced, never changed in place)
_OVERRIDES: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "config_overrides", default=MappingProxyType({})
)

config = Config()


def debug_nans(new_val: bool = True) -> contextlib.AbstractContextManager[None]:
    """``with axcomp.debug_nans(True):`` checks results for NaNs in this context only (the
    ``jax_debug_nans`` flag for one thread), as ``jax.debug_nans``."""
    return config.overriding("jax_debug_nans", bool(new_val))


def debug_infs(new_val: bool = True) -> contextlib.AbstractContextManager[None]:
    """``with axcomp.debug_infs(True):``: ``jax_debug_infs`` for this context, as
    ``jax.debug_infs``."""
    return config.overriding("jax_debug_infs", bool(new_val))


def disable_jit(disable: bool = True) -> contextlib.AbstractContextManager[None]:
    """``with axcomp.disable_jit():`` runs ``jit`` functions as plain Python in this
    context (their ``print`` sees values, their ``if`` tests them), as
    ``jax.disable_jit``."""
    return config.overriding("jax_disable_jit", bool(disable))


def log_compiles(enable: bool = True) -> contextlib.AbstractContextManager[None]:
    """``with axcomp.log_compiles():`` logs each compile at WARNING in this context, as
    ``jax.log_compiles``."""
    return config.overriding("jax_log_compiles", bool(enable))


def _context(flag: str, default: Any = None) -> Any:
    """JAX's context manager for ``flag`` (``with axcomp.enable_checks(True):``)."""
    public = flag.removeprefix("jax_")

    def manager(new_val: Any = default) -> contextlib.AbstractContextManager[None]:
        return config.overriding(flag, new_val)

    manager.__name__ = manager.__qualname__ = public
    manager.__doc__ = f"``with axcomp.{public}(value):`` sets ``{flag}`` in this context."
    return manager


enable_checks = _context("jax_enable_checks", True)
explain_cache_misses = _context("jax_explain_cache_misses", True)
check_tracer_leaks = _context("jax_check_tracer_leaks", True)
debug_key_reuse = _context("jax_debug_key_reuse", True)
softmax_custom_jvp = _context("jax_softmax_custom_jvp", True)
enable_custom_prng = _context("jax_enable_custom_prng", True)
threefry_partitionable = _context("jax_threefry_partitionable", True)
numpy_dtype_promotion = _context("jax_numpy_dtype_promotion")
default_matmul_precision = _context("jax_default_matmul_precision")
default_prng_impl = _context("jax_default_prng_impl")
legacy_prng_key = _context("jax_legacy_prng_key")
default_device = _context("jax_default_device")
transfer_guard = _context("jax_transfer_guard")
transfer_guard_host_to_device = _context("jax_transfer_guard_host_to_device")
transfer_guard_device_to_host = _context("jax_transfer_guard_device_to_host")
transfer_guard_device_to_device = _context("jax_transfer_guard_device_to_device")
