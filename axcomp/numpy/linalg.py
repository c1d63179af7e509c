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
from ..primitives import linalg_extras as _extras
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


# the jnp.linalg extras follow JAX eagerly too (eigvalsh symmetrizes, matrix_rank's second
# argument is rtol): they run their traced program through jit
_JAX_EAGER = frozenset(
    n for n, f in _api.exported("linalg").items() if f.__module__ == _extras.__name__
)
for _name, _fn in _api.exported("linalg").items():
    globals()[_name] = (_staged_export if _name in _JAX_EAGER else _wrap)(_name, _fn)

__all__ = sorted(_api.exported("linalg"))
