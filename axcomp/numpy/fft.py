"""``axcomp.numpy.fft``: NumPy's ``numpy.fft`` on arrays, graph nodes on tracers (the
functions primitive modules export to the "fft" table)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as _np

from ..errors import missing_function as _missing
from ..primitives import api as _api
from ..tracing.tracer import Tracer as _Tracer


def _wrap(name: str, traced: Callable[..., Any]) -> Callable[..., Any]:
    eager = getattr(_np.fft, name)

    def fn(*args: Any, **kwargs: Any) -> Any:
        if any(isinstance(a, _Tracer) for a in (*args, *kwargs.values())):
            return traced(*args, **kwargs)
        return eager(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = traced.__doc__
    return fn


for _name, _traced in _api.exported("fft").items():
    globals()[_name] = _wrap(_name, _traced)

__all__ = sorted(_api.exported("fft"))


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise _missing("axcomp.numpy.fft", "jax.numpy.fft", name, __all__)
