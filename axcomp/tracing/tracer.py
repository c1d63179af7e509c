"""``Tracer``: a value inside a traced kernel.

Its node's leading axes are the batch axes of the vmap ``levels`` it depends on (outermost
first); the remaining axes are the *logical* axes the kernel sees.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..core.graph import Node
from ..errors import (
    ConcretizationTypeError,
    TracerArrayConversionError,
    TracerBoolConversionError,
    TracerIntegerConversionError,
    TracingError,
)
from .trace import Level, Trace


class Tracer:
    """An array inside a traced kernel.

    The operators, NumPy protocol hooks and array methods (``+``, ``x.sum()``, ``x.T``, ...)
    are attached by ``axcomp.numpy.array_methods`` at import time, so this layer never
    imports the primitives or the numpy namespace above it.
    """

    __slots__ = ("levels", "node", "trace", "weak")
    __array_priority__ = 1000.0  # make ndarray <op> Tracer defer to Tracer

    def __init__(
        self, node: Node, levels: tuple[Level, ...], trace: Trace, weak: bool = False
    ) -> None:
        self.node = node
        self.levels = levels
        self.trace = trace
        # weakly typed, as JAX's ``weak_type``: a traced Python scalar (or a value computed
        # from weak ones only) yields to a typed operand's dtype (``f32 * 0.5`` is f32)
        self.weak = weak
        created = trace.created
        if created is not None:  # tracing a cond branch: this value is computed there
            created.add(node)

    # --- array attributes (the logical view) ---
    @property
    def shape(self) -> tuple[int, ...]:
        return self.node.shape[len(self.levels) :]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def dtype(self) -> np.dtype:
        return self.node.dtype

    def __repr__(self) -> str:
        batch = ", ".join(f"{lv.name}={lv.size}" for lv in self.levels)
        extra = f", batched over [{batch}]" if batch else ""
        return f"Traced<{self.dtype}{list(self.shape)}{extra}>"

    def __len__(self) -> int:
        if not self.shape:
            raise TracingError("len() of a 0-d traced array")
        return self.shape[0]

    def __iter__(self) -> Iterator[Tracer]:
        if not self.shape:
            raise TracingError("iteration over a 0-d traced array")
        return (self[i] for i in range(self.shape[0]))  # type: ignore[index]

    # --- things that would need a concrete value (JAX's error family) ---
    def _concrete(self, what: str, kind: type[TracingError] = ConcretizationTypeError) -> Any:
        return kind(
            f"{what} needs a concrete value, but inside the traced kernel "
            f"{self.trace.current_function!r} this is {self!r}. axcomp compiles kernels "
            "ahead of time, so Python control flow cannot depend on array values: use "
            "axcomp.numpy.where(cond, a, b) or axcomp.lax.cond instead of if/else, or mark "
            "the argument static (jit's static_argnums / static_argnames)."
        )

    def _value(self, what: str, kind: type[TracingError]) -> Any:
        """The concrete value where the trace has one (an eager ``grad`` outside ``jit``;
        the trace records the guard), else JAX's error of this ``kind``."""
        concretize = self.trace.concretize
        value = concretize(self.node) if concretize is not None else None
        if value is not None and self.levels:
            # batch axes (a forward-mode Jacobian broadcasts the primal over its basis
            # vectors): one value only if every example has the same one
            first = value[(0,) * len(self.levels)]
            value = first if np.array_equal(value, np.broadcast_to(first, value.shape)) else None
        if value is None:
            raise self._concrete(what, kind)
        return value

    def __bool__(self) -> bool:
        what = "bool() (an if, while, and/or or assert on an array)"
        return bool(self._value(what, TracerBoolConversionError))

    def __float__(self) -> float:
        raise self._concrete("float()")

    def __int__(self) -> int:
        return int(self._value("int()", ConcretizationTypeError))

    def __complex__(self) -> complex:
        raise self._concrete("complex()")

    def __index__(self) -> int:
        what = "__index__() (an array used as an index, size or range bound)"
        value = self._value(what, TracerIntegerConversionError)
        if value.dtype.kind not in "iu":
            raise self._concrete(what + f" on a {value.dtype} value", TracerIntegerConversionError)
        return operator.index(value)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise self._concrete(
            "converting to a NumPy array (np.asarray, np.array)", TracerArrayConversionError
        )

    def tolist(self) -> Any:
        return self._value("tolist()", ConcretizationTypeError).tolist()

    def item(self) -> Any:
        return self._value("item()", ConcretizationTypeError).item()

    __hash__ = object.__hash__
