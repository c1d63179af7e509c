"""``axcomp.numpy``'s elementwise functions, generated from the records of
``core/elementwise_functions.py`` (one function per name in a record's ``numpy``).

On NumPy values each is the NumPy function itself (eager); on traced values it records the
elementwise primitive under the function's NumPy name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as _np

from ..core.elementwise_functions import RECORDS, ElementwiseFunction
from ..primitives.elementwise import elementwise as _elementwise_p
from ..tracing.tracer import Tracer as _Tracer


def any_traced(values: Sequence[Any]) -> bool:
    """Whether any value (or any value in a nested list or tuple) is traced."""
    for v in values:
        if isinstance(v, _Tracer):
            return True
        if isinstance(v, (list, tuple)) and any_traced(v):
            return True
    return False


def _elementwise(name: str, rec: ElementwiseFunction) -> Callable[..., Any]:
    np_fn = getattr(_np, rec.name)
    op_name = np_fn.__name__

    def fn(*args: Any) -> Any:
        if any_traced(args):
            return _elementwise_p(op_name, *args)
        return np_fn(*args)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``numpy.{rec.name}``; traced inside kernels."
    return fn


def generate(records: Iterable[ElementwiseFunction]) -> dict[str, Callable[..., Any]]:
    """The ``axcomp.numpy`` function of every ``numpy`` name of ``records``."""
    return {name: _elementwise(name, rec) for rec in records for name in rec.numpy}


#: The generated functions by name (``axcomp.numpy`` re-exports them).
FUNCTIONS: dict[str, Callable[..., Any]] = generate(RECORDS)
globals().update(FUNCTIONS)
__all__ = sorted(FUNCTIONS)
