"""A typed user program: ``mypy --strict`` passes on it, and a type checker or an IDE sees
the signatures the transforms keep (tests/test_typed_usage.py runs mypy on this file):
``@ax.vmap``/``@ax.jit`` functions keep their parameters and result type (ParamSpec), and
``axcomp.numpy``'s functions their parameters."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

import axcomp as ax
import axcomp.numpy as anp

Vector = NDArray[np.float64]


@ax.jit
@ax.vmap(in_axes=(None, 0))
def scores(w: Vector, x: Vector) -> Vector:
    out: Vector = anp.tanh(anp.dot(w, x))  # axcomp.numpy's results are Any: name the type
    return out


def total(w: Vector, xs: Vector) -> float:
    s: Vector = scores(w, xs)  # the result type the kernel declares
    return float(anp.sum(s, axis=0))


if __name__ == "__main__":
    w, xs = np.ones(3), np.random.default_rng(0).random((5, 3))
    print(scores(w, xs).shape)  # (5,)
    print(np.isclose(total(w, xs), np.tanh(xs @ w).sum()))  # True
