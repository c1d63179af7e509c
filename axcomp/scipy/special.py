"""``axcomp.scipy.special``: the ``jax.scipy.special`` functions primitive modules export
(``erf``, ``erfc``, ``gammaln``, ``digamma``, ``xlogy``, ``xlog1py``, ``logsumexp``).

Inside kernels they record the axis graph; on NumPy values they compile and run the same
program through ``jit`` (non-array arguments are static).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as _np

from ..primitives import api as _api
from ..tracing.tracer import Tracer as _Tracer
from ..transforms.jit import jit as _jit


def _static(v: Any) -> Any:
    # a dtype given as a class (``jnp.float32``) is a static string for the signature
    return _np.dtype(v).name if isinstance(v, (type, _np.dtype)) else v


def _wrap(name: str, traced: Callable[..., Any]) -> Callable[..., Any]:
    staged = _jit(traced)

    def fn(*args: Any, **kwargs: Any) -> Any:
        if any(isinstance(a, _Tracer) for a in (*args, *kwargs.values())):
            return traced(*args, **kwargs)
        args = tuple(_static(a) for a in args)
        return staged(*args, **{k: _static(v) for k, v in kwargs.items()})

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = traced.__doc__
    return fn


for _name, _traced in _api.exported("special").items():
    globals()[_name] = _wrap(_name, _traced)

__all__ = sorted(_api.exported("special"))
