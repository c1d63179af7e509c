"""The two primitives with no inputs, which every graph starts from: inputs and constants.

They live in the core because tracing creates them (an argument, a closed-over array, a
Python scalar) before any primitive family is involved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .primitive import primitive


@dataclass(frozen=True)
class InputParams:
    index: int
    name: str


@dataclass(frozen=True, eq=False)
class ConstParams:
    value: Any  # a numpy array or a Python scalar
    weak: bool  # Python scalars follow NumPy's weak promotion (float32 * 2.0 -> float32)


input_p = primitive("input", InputParams, arity=0, moves_data=True)
const_p = primitive("const", ConstParams, arity=0, allocates=False, moves_data=True)


@input_p.def_describe
def _describe_input(p: InputParams) -> str:
    return f"input {p.name}"


@const_p.def_describe
def _describe_const(p: ConstParams) -> str:
    v = p.value
    return f"const {v!r}" if np.ndim(v) == 0 else f"const array{np.shape(v)}"


@const_p.def_shape
def _const_shape(p: ConstParams, inputs: Any) -> tuple[int, ...]:
    return tuple(np.shape(p.value))


def _jvp_leaf(b: Any, node: Any, tangents: Any) -> None:
    return None  # a leaf's tangent is the sweep's seed, or zero: it has no inputs to follow


input_p.def_jvp(_jvp_leaf)
const_p.def_jvp(_jvp_leaf)
