"""``axcomp.lax``: the ``jax.lax`` functions that primitive modules export.

Inside kernels they record the axis graph; on NumPy arrays they compile and run the same
program through ``jit`` (non-array arguments are static, as ``jax.lax`` requires).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import missing_function as _missing
from .primitives import api as _api
from .tracing.tracer import Tracer as _Tracer
from .transforms.jit import jit as _jit


def _wrap(name: str, traced: Callable[..., Any]) -> Callable[..., Any]:
    staged = _jit(traced)

    def fn(*args: Any, **kwargs: Any) -> Any:
        if any(isinstance(a, _Tracer) for a in (*args, *kwargs.values())):
            return traced(*args, **kwargs)
        return staged(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = traced.__doc__
    return fn


for _name, _traced in _api.exported("lax").items():
    globals()[_name] = _wrap(_name, _traced)

__all__ = sorted(_api.exported("lax"))


def __getattr__(name: str) -> Any:
    """A jax.lax name axcomp lacks: ``UnsupportedError`` (also an AttributeError) naming it
    and the nearest supported function."""
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise _missing("axcomp.lax", "jax.lax", name, __all__)
