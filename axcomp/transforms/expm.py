"""``jax.scipy.linalg.expm``: the matrix exponential by scaling and squaring with the
degree-13 Padé approximant (Higham, "The scaling and squaring method for the matrix
exponential revisited", 2005).

The number of squarings depends on the matrix's 1-norm, so the squarings are a
``while_loop`` (each example of a vmap batch squares as often as it needs), which is
never differentiated: the derivative is the Fréchet derivative in closed form, the upper
right block of ``expm([[A, E], [0, A]])``; in reverse mode ``expm([[A^T, G], [0, A^T]])``
(the Fréchet derivative's adjoint is the one at ``A^T``), carried by
``implicit._with_derivative``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import primitives as ops
from ..errors import ShapeError
from ..primitives.control import while_loop
from ..primitives.linalg import _prep
from ..primitives.linalg import solve as _solve
from ..tracing.tracer import Tracer
from .implicit import _with_derivative

ew = ops.elementwise

# the Padé(13) coefficients b_0 .. b_13 and the 1-norm it is accurate to (Higham 2005)
_B = (
    64764752532480000.0,
    32382376266240000.0,
    7771770303897600.0,
    1187353796428800.0,
    129060195264000.0,
    10559470521600.0,
    670442572800.0,
    33522128640.0,
    1323241920.0,
    40840800.0,
    960960.0,
    16380.0,
    182.0,
    1.0,
)
_THETA13 = 5.371920351148152


def _mT(x: Any) -> Any:
    return ops.swapaxes(x, -1, -2)


def _scalar_col(x: Any) -> Any:
    return ops.reshape(x, x.shape + (1, 1))


def _value(a: Tracer, max_squarings: int = 64) -> Tracer:
    n = a.shape[-1]
    norm = ops.reduce("max", ops.reduce_sum(ew("absolute", a), axis=-2), axis=-1)
    ratio = ew("true_divide", norm, _THETA13)
    safe = ops.where(ew("greater", ratio, 0), ratio, 1.0)
    s = ew("maximum", ew("ceil", ew("log2", safe)), 0.0)  # squarings
    scaled = ew("true_divide", a, _scalar_col(ew("exp2", s)))
    eye = np.eye(n, dtype=a.dtype)
    a2 = ops.matmul(scaled, scaled)
    a4 = ops.matmul(a2, a2)
    a6 = ops.matmul(a4, a2)

    def poly(c6: float, c4: float, c2: float, c0: float) -> Any:
        return ew(
            "add",
            ew("add", ops.multiply(a6, c6), ops.multiply(a4, c4)),
            ew("add", ops.multiply(a2, c2), ops.multiply(eye, c0)),
        )

    b = _B
    u = ops.matmul(
        scaled,
        ew("add", ops.matmul(a6, poly(b[13], b[11], b[9], 0.0)), poly(b[7], b[5], b[3], b[1])),
    )
    v = ew("add", ops.matmul(a6, poly(b[12], b[10], b[8], 0.0)), poly(b[6], b[4], b[2], b[0]))
    r = _solve(ew("subtract", v, u), ew("add", v, u))

    def more(state: Any) -> Any:
        return ew("less", state[1], s)

    def square(state: Any) -> Any:
        x, k = state
        return ops.matmul(x, x), ew("add", k, 1.0)

    out = while_loop(more, square, (r, ops.multiply(s, 0.0)))[0]
    # as JAX: a matrix needing more than max_squarings squarings gives NaN
    return ops.where(ew("greater", _scalar_col(s), max_squarings), np.nan, out)


def _block(top_left: Any, top_right: Any) -> Any:
    zeros = ops.multiply(top_left, 0.0)
    top = ops.concatenate([top_left, top_right], axis=-1)
    bottom = ops.concatenate([zeros, top_left], axis=-1)
    return ops.concatenate([top, bottom], axis=-2)


def _frechet(a: Any, e: Any) -> Any:
    n = a.shape[-1]
    big = _value(_block(a, e))
    lead = (slice(None),) * (big.ndim - 2)
    return ops.getitem(big, (*lead, slice(0, n), slice(n, 2 * n)))


def expm(A: Any, *, upper_triangular: bool = False, max_squarings: int = 16) -> Tracer:
    """``jax.scipy.linalg.expm``: ``exp(A)`` of each square matrix (``upper_triangular`` is
    accepted and ignored); NaN where more than ``max_squarings`` squarings are needed."""
    t = _prep(A, "expm")
    if t.dtype.kind == "c":
        raise ShapeError("expm: complex matrices are not supported by axcomp")
    value = ops.stop_gradient(_value(ops.stop_gradient(t), int(max_squarings)))
    fixed = ops.stop_gradient(t)
    return _with_derivative(
        value,
        t,
        lambda e: _frechet(fixed, e),
        lambda g: _frechet(_mT(fixed), g),
        "expm",
    )
