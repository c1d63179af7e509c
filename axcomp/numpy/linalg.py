"""``axcomp.numpy.linalg``: the ``numpy.linalg`` functions that primitive modules export
(``primitives/linalg.py``).

On NumPy values each is ``numpy.linalg``'s own function (the extras of
``primitives/linalg_extras.py`` instead run their traced program through ``jit``, so they
follow JAX); on traced values (inside ``vmap``/``jit``/``grad``) it records the axis graph.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as _np

from ..primitives import api as _api
from ..tracing.tracer import Tracer as _Tracer
from ..transforms.jit import staged_export as _staged_export

LinAlgError = _np.linalg.LinAlgError


def _traced(values: Any) -> bool:
    for v in values:
        if isinstance(v, _Tracer):
            return True
        if isinstance(v, (list, tuple)) and _traced(v):
            return True
    return False


def _wrap(name: str, traced: Callable[..., Any]) -> Callable[..., Any]:
    eager = getattr(_np.linalg, name)

    def fn(*args: Any, **kwargs: Any) -> Any:
        if _traced(args) or _traced(tuple(kwargs.values())):
            return traced(*args, **kwargs)
        return eager(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = traced.__doc__
    return fn


# on concrete arrays too, every function runs its traced program through jit, so an eager
# call gives what the same call inside a kernel gives and what JAX gives (NumPy's own eigh
# and cholesky read one triangle where JAX symmetrizes; its lstsq rank is int32)
for _name, _fn in _api.exported("linalg").items():
    globals()[_name] = _staged_export(_name, _fn)

__all__ = sorted(_api.exported("linalg"))
