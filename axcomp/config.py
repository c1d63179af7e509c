"""``axcomp.config``: JAX's configuration flags that mean something on one CPU.

``config.update("jax_enable_x64", True)`` is the first line of most float64 JAX programs.
axcomp's ``numpy`` namespace always computes in NumPy's dtypes (float64 by default, as JAX
with x64 on); the flag decides the defaults of ``axcomp.random`` (float32/int32/uint32 with
x64 off, float64/int64/uint64 with it on) and how wide an integer seed may be, as in JAX.
Flags that only tune XLA are accepted and ignored; a value axcomp cannot honour is refused.
"""

from __future__ import annotations

import os
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
    "jax_disable_jit": (False, (False,)),
    "jax_debug_nans": (False, (False,)),
    "jax_debug_infs": (False, (False,)),
    # log each compile with its signature and time (transforms/compile_log.py)
    "jax_log_compiles": (_env_flag("AXCOMP_LOG_COMPILES") or _env_flag("JAX_LOG_COMPILES"), None),
    "jax_default_prng_impl": ("threefry2x32", ("threefry2x32",)),
    "jax_threefry_partitionable": (True, (True,)),
    "jax_compilation_cache_dir": (None, None),
    "jax_persistent_cache_min_compile_time_secs": (1.0, None),
}


class Config:
    """The flags, read as attributes (``config.jax_enable_x64``) and set with ``update``."""

    def __init__(self) -> None:
        self._values = {name: default for name, (default, _) in _FLAGS.items()}

    def update(self, name: str, value: Any) -> None:
        if name not in _FLAGS:
            raise ConfigError(f"Unrecognized config option: {name}")
        allowed = _FLAGS[name][1]
        if allowed is not None and value not in allowed:
            raise UnsupportedError(
                f"config.update({name!r}, {value!r}): axcomp supports only {list(allowed)}"
            )
        self._values[name] = value

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("_values", {})
        if name in values:
            return values[name]
        raise ConfigError(f"Unrecognized config option: {name}")

    @property
    def x64_enabled(self) -> bool:
        return bool(self._values["jax_enable_x64"])

    def read(self, name: str) -> Any:
        return getattr(self, name)


config = Config()
