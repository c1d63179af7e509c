"""The ``axcomp.lax`` functions that are one elementwise function, generated from the
records of ``core/elementwise_functions.py`` (a record's ``lax`` name and ``kinds``).

Each checks its operands as ``jax.lax`` does (dtype kinds, one dtype, one rank) and then
applies the recorded NumPy function; ``axcomp.lax`` stages them for NumPy arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..core.elementwise_functions import RECORDS, ElementwiseFunction
from ..errors import ArgumentTypeError
from ..primitives.elementwise import elementwise
from ..primitives.lax_elementwise import accepted_kinds, lax_operands
from ..tracing.build import Value
from ..tracing.tracer import Tracer


def _simple(name: str, rec: ElementwiseFunction) -> Callable[..., Tracer]:
    fn, kinds, arity = rec.name, rec.kinds, rec.arity

    def op(*args: Value) -> Tracer:
        if len(args) != arity:
            raise ArgumentTypeError(f"{name} takes {arity} operand(s), got {len(args)}")
        return elementwise(fn, *lax_operands(name, args, kinds))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``jax.lax.{name}``: elementwise ``{fn}`` ({accepted_kinds(kinds)} operands)."
    return op


def generate(records: Iterable[ElementwiseFunction]) -> dict[str, Callable[..., Any]]:
    """The traced ``axcomp.lax`` function of every record with a ``lax`` name."""
    return {rec.lax: _simple(rec.lax, rec) for rec in records if rec.lax is not None}


#: The generated (traced) functions by ``lax`` name; ``axcomp.lax`` stages them.
FUNCTIONS: dict[str, Callable[..., Any]] = generate(RECORDS)
