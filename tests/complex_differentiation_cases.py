"""The functions of tests/test_complex_differentiation.py, written once against a NumPy
namespace ``xp`` (``jax.numpy`` in ``complex_differentiation_record.py``, ``axcomp.numpy``
in the test), with their inputs: the recorder and the test differentiate the same code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Case = Callable[[Any], Callable[..., Any]]

_RNG = np.random.default_rng(21)
Z = _RNG.normal(size=4) + 1j * _RNG.normal(size=4)  # away from 0 and the branch cuts' ends
Z_TANGENT = _RNG.normal(size=4) + 1j * _RNG.normal(size=4)
X = _RNG.normal(size=4)
A = _RNG.normal(size=(3, 4)) + 1j * _RNG.normal(size=(3, 4))

#: real-valued functions of a complex vector: ``grad`` gives conj of (d/dx + i d/dy) f
REAL_OF_COMPLEX: dict[str, Case] = {
    "abs_squared": lambda xp: lambda z: xp.sum(xp.abs(z) ** 2),
    "abs_of_holomorphic": lambda xp: lambda z: xp.sum(xp.abs(xp.sin(z) * xp.exp(z))),
    "real_times_imag": lambda xp: lambda z: xp.sum(xp.real(xp.log(z)) * xp.imag(z)),
    "conjugate_product": lambda xp: lambda z: xp.sum(xp.real(xp.conj(z) * z * (1 + 2j) + z**2)),
    "angle": lambda xp: lambda z: xp.sum(xp.angle(z) * xp.abs(z)),
    "sqrt_tanh_divide": lambda xp: lambda z: xp.sum(xp.abs(xp.sqrt(z) + xp.tanh(z) / z)),
    "power_reciprocal": lambda xp: lambda z: xp.sum(xp.abs(z**3 - 1 / z + xp.cos(z))),
    "matvec": lambda xp: lambda z: xp.sum(xp.abs(xp.asarray(A) @ z) ** 2),
    "where_mean": lambda xp: lambda z: xp.mean(xp.where(xp.real(z) > 0, xp.abs(z), xp.imag(z))),
    "reshape_index": lambda xp: (
        lambda z: xp.sum(xp.imag(xp.reshape(z, (2, 2)).T[0] * (2 - 1j)) ** 2)
    ),
}

#: real-valued functions of a real vector through complex intermediates
REAL_THROUGH_COMPLEX: dict[str, Case] = {
    "scale_by_complex": lambda xp: lambda x: xp.sum(xp.abs(x * (1 + 2j) + xp.exp(1j * x)) ** 2),
    "cast_to_complex": lambda xp: (
        lambda x: xp.sum(xp.abs(x.astype(np.complex128) * (2 - 1j) + 1j) ** 3)
    ),
}


#: ``lax.complex(a, b)`` of two real vectors (its transpose is (re ct, -im ct))
def complex_from_parts(xp: Any, lax: Any) -> Callable[..., Any]:
    def f(a: Any, b: Any) -> Any:
        c = lax.complex(a, b)
        return xp.sum(xp.abs(c * (1 + 1j)) ** 2 + xp.real(c**3))

    return f


#: holomorphic complex-valued scalar functions: ``grad(holomorphic=True)`` gives f'(z)
HOLOMORPHIC: dict[str, Case] = {
    "polynomial": lambda xp: lambda z: xp.sum(z**3 + 2 * z),
    "trigonometric": lambda xp: lambda z: xp.sum(xp.sin(z) * xp.cos(z) + xp.exp(z) / z),
    "log_sqrt_tanh": lambda xp: lambda z: xp.sum(xp.log(z) * xp.sqrt(z) + xp.tanh(z)),
    "reciprocal_divide": lambda xp: lambda z: xp.sum(1 / z + z / (z + 2)),
    "matvec": lambda xp: lambda z: xp.sum(xp.asarray(A) @ xp.sinh(z)),
}

#: vector functions of a complex vector for jvp/vjp (complex tangents and cotangents)
VECTOR: dict[str, Case] = {
    "holomorphic": lambda xp: lambda z: xp.sin(z) * xp.exp(z),
    "conjugate": lambda xp: lambda z: xp.conj(z) * z + xp.real(z) + 1j * xp.conj(z) ** 2,
    "abs": lambda xp: lambda z: xp.abs(z),
    "imag_squared": lambda xp: lambda z: xp.imag(z) ** 2,
    "matvec": lambda xp: lambda z: xp.asarray(A) @ xp.conj(z),
}
