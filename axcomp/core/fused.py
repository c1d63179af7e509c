"""The IR of a fused loop nest: an elementwise chain and the reduction it feeds, as one loop.

A ``FusedLoop`` is what the ``fused`` plan operation computes (``compiler/fusion.py`` finds
the regions, ``backends/fused_loops.py`` prints them for a loop compiler). The loop runs over
``shape`` (the iteration space: the shape of the chain's last value); operand ``k`` is read at
the loop index through ``operands[k]`` (the loop axis of each of its axes, ``-1`` for a
broadcast axis of length 1, read at 0); the body is a list of instructions in SSA form, each
one elementwise function of operands, earlier values and literals, computed in its
``dtype``; the last value is reduced over the ``reduced`` loop axes by ``reduction`` into
the result, whose axis ``j`` is loop axis ``out_axes[j]``; a ``map`` reduces nothing (the
result is the last value at every loop position); a ``softmax`` normalises each row of the
innermost loop axis, its one reduced axis, and keeps every axis: with ``c`` the last value,
the result is ``exp(c - max(c)) / sum(exp(c - max(c)))`` along the row, as NumPy computes
it pass by pass (an all ``-inf`` or NaN row gives NaN); with ``finite_shift``, the shift is
0 where the max is infinite (``jax.nn.softmax``'s ``where(isfinite(m), m, 0)``). Everything
is static and structural: a printer needs nothing else, and two loops that print alike are
one kernel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

#: What an instruction reads: ``("operand", k)``, ``("value", j)`` (an earlier instruction)
#: or ``("literal", x)`` (a finite Python number, in the instruction's dtype).
Arg = tuple[Literal["operand", "value", "literal"], int | float | bool]

#: The elementwise functions (record names) a fused body may apply: those whose one-value
#: result a loop compiler computes exactly as NumPy does (IEEE arithmetic and square root,
#: comparisons, selection, NaN-propagating maximum/minimum) and vectorises, and the
#: ``TRANSCENDENTAL`` ones. ``power`` is left to NumPy: a loop would call the scalar libm
#: function per element, and NumPy's SIMD version made whole passes faster than one fused
#: loop (``|a - b| ** 3`` 1024x1024x64: 1383 ms NumPy, 2407 ms fused).
FUSIBLE_FUNCTIONS = frozenset(
    (
        "add subtract multiply true_divide negative absolute square sqrt "
        "maximum minimum equal not_equal less less_equal greater greater_equal where "
        "tanh exp expm1 log log1p"
    ).split()
)

#: Float-only functions a loop computes with ``backends/vector_math.py``'s vectorisable
#: versions: within 2 ulp of the correctly rounded result, as NumPy's are, but not always
#: NumPy's bits (a fused loop's values may differ from NumPy's by an ulp or two there).
TRANSCENDENTAL = frozenset(("tanh", "exp", "expm1", "log", "log1p"))

#: ``cast`` is the one instruction that is not an elementwise function.
CAST = "cast"

#: The dtypes a fused loop computes in (operands, values, results).
FUSIBLE_DTYPES = frozenset(np.dtype(t) for t in ("float32", "float64", "int32", "int64", "bool"))

#: The reductions a fused loop ends in (``map``: none, the values themselves; ``softmax``:
#: each row of the innermost axis normalised, every axis kept).
FUSED_REDUCTIONS = frozenset(("sum", "max", "min", "map", "softmax"))


@dataclass(frozen=True)
class Instruction:
    """``fn(*args)`` computed in ``dtype`` (a ``cast`` converts its one argument)."""

    fn: str
    args: tuple[Arg, ...]
    dtype: str  # a NumPy dtype name


@dataclass(frozen=True)
class FusedLoop:
    """One fused loop nest (see the module docstring)."""

    shape: tuple[int, ...]
    operands: tuple[tuple[int, ...], ...]  # per operand: the loop axis of each axis, or -1
    operand_dtypes: tuple[str, ...]
    body: tuple[Instruction, ...]
    reduction: Literal["sum", "max", "min", "map", "softmax"]
    reduced: tuple[int, ...]  # loop axes reduced
    out_axes: tuple[int, ...]  # the loop axis of each result axis
    dtype: str  # the result's (and the accumulator's) dtype
    finite_shift: bool = False  # a softmax shifted by 0 where its row max is infinite
    # derived once: the result's shape
    out_shape: tuple[int, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "out_shape", tuple(self.shape[a] for a in self.out_axes))
        problem = self.problem()
        if problem:
            raise ValueError(f"malformed fused loop: {problem}")

    @property
    def elements(self) -> int:
        """The loop's trip count."""
        return math.prod(self.shape)

    def problem(self) -> str:
        """Why this loop is malformed ('' when it is not)."""
        ndim = len(self.shape)
        if any(not isinstance(n, int) or n < 1 for n in self.shape):
            return f"loop shape {self.shape}"
        if len(self.operand_dtypes) != len(self.operands):
            return "one dtype per operand"
        if self.reduction == "softmax":
            if self.reduced != (ndim - 1,) or self.out_axes != tuple(range(ndim)):
                return "a softmax normalises the innermost loop axis and keeps every axis"
            if np.dtype(self.dtype).kind != "f":
                return "a softmax computes in a float dtype"
        elif self.finite_shift:
            return "only a softmax has a finite shift"
        elif sorted(self.reduced + self.out_axes) != list(range(ndim)):
            return "every loop axis is reduced or kept, once"
        if (self.reduction == "map") != (not self.reduced):
            return "a map reduces no axis, and a reduction one at least"
        if self.reduction == "map" and self.out_axes != tuple(range(ndim)):
            return "a map keeps the loop axes in order"
        if self.reduction not in FUSED_REDUCTIONS:
            return f"reduction {self.reduction!r}"
        for axes in self.operands:
            if any(a != -1 and not 0 <= a < ndim for a in axes):
                return f"operand axes {axes}"
            kept = [a for a in axes if a >= 0]
            if len(set(kept)) != len(kept):
                return f"operand axes {axes} repeat a loop axis"
        dtypes = (*self.operand_dtypes, self.dtype, *(i.dtype for i in self.body))
        if any(np.dtype(d) not in FUSIBLE_DTYPES for d in dtypes):
            return f"dtypes {dtypes}"
        if not self.body:
            return "an empty body"
        for j, ins in enumerate(self.body):
            if ins.fn not in FUSIBLE_FUNCTIONS and ins.fn != CAST:
                return f"instruction {j}: {ins.fn!r}"
            for kind, ref in ins.args:
                if kind == "operand" and not 0 <= int(ref) < len(self.operands):
                    return f"instruction {j} reads operand {ref}"
                if kind == "value" and not 0 <= int(ref) < j:
                    return f"instruction {j} reads value {ref}"
                if kind == "literal" and not (
                    type(ref) in (bool, int) or (type(ref) is float and math.isfinite(ref))
                ):
                    return f"instruction {j} has literal {ref!r}"
        if np.dtype(self.body[-1].dtype) != np.dtype(self.dtype):
            return "the last value is in the result's dtype"
        return ""

    def describe(self) -> str:
        """One line for ``explain``: the chain and its reduction."""
        chain = " -> ".join(i.fn if i.fn != CAST else f"cast {i.dtype}" for i in self.body)
        if self.reduction == "map":
            return f"fused loop map({chain}) over {list(self.shape)}"
        if self.reduction == "softmax":
            shift = " (a max that is not finite shifts by 0)" if self.finite_shift else ""
            return (
                f"fused loop softmax({chain}) over {list(self.shape)}, rows along the last axis"
                + shift
            )
        return (
            f"fused loop {self.reduction}({chain}) over {list(self.shape)}, "
            f"reducing loop axes {list(self.reduced)}"
        )
