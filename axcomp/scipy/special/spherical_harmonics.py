"""``jax.scipy.special.sph_harm_y``: the orthonormal spherical harmonics ``Y_n^m(theta,
phi)`` (``theta`` the colatitude, ``phi`` the longitude; Condon-Shortley phase), as
SciPy's ``sph_harm_y``.

The normalised associated Legendre functions ``Pbar_l^k(cos theta)`` (with
``Y_l^k = Pbar_l^k exp(i k phi)``) come from the stable recurrences for every ``l <= n_max``,
``k <= l`` (``n_max`` static):
``Pbar_k^k = -sqrt((2k + 1) / 2k) sin(theta) Pbar_{k-1}^{k-1}``,
``Pbar_{k+1}^k = sqrt(2k + 3) cos(theta) Pbar_k^k``,
``Pbar_l^k = a (cos(theta) Pbar_{l-1}^k - b Pbar_{l-2}^k)`` with
``a = sqrt((4l**2 - 1) / (l**2 - k**2))``, ``b = sqrt(((l-1)**2 - k**2) / (4 (l-1)**2 - 1))``;
each entry is selected where ``(n, |m|)`` matches, and ``Y_n^{-m} = (-1)**m conj(Y_n^m)``.

As JAX: ``n_max`` defaults to ``max(n)`` (so ``n`` must be concrete then), degrees above
``n_max`` are clipped to it, ``diff_n`` raises ``NotImplementedError``; values for ``n < 0``
or ``|m| > n`` are 0 here (undefined in JAX). Derivatives come from the composition.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...errors import ArgumentValueError, UnsupportedError
from ...lax.operands import promote_args_inexact as _jax_float
from ...primitives.contraction import multiply
from ...primitives.elementwise import elementwise
from ...primitives.reductions import reduce
from ...primitives.shape import astype, broadcast_to
from ...tracing.build import Value, broadcast_shapes, lift, trace_of
from ...tracing.tracer import Tracer
from ...transforms.jit import staged_export


def _e(fn: str, *args: Any) -> Tracer:
    return elementwise(fn, *args)


def _legendre_selected(n: Tracer, k: Tracer, c: Tracer, s: Tracer, n_max: int) -> Tracer:
    """Pbar_n^k(cos theta) for integer-valued arrays n (clipped to n_max) and k >= 0."""
    out = multiply(c, 0.0)
    diag: Any = _e("add", multiply(c, 0.0), 1 / math.sqrt(4 * math.pi))
    for kk in range(n_max + 1):
        if kk:
            diag = multiply(multiply(-math.sqrt((2 * kk + 1) / (2 * kk)), s), diag)
        prev2: Any = None
        prev: Any = diag
        for ll in range(kk, n_max + 1):
            if ll == kk:
                cur = diag
            elif ll == kk + 1:
                cur = multiply(multiply(math.sqrt(2 * kk + 3), c), diag)
            else:
                a = math.sqrt((4 * ll * ll - 1) / (ll * ll - kk * kk))
                b = math.sqrt(((ll - 1) ** 2 - kk * kk) / (4 * (ll - 1) ** 2 - 1))
                cur = multiply(a, _e("subtract", multiply(c, prev), multiply(b, prev2)))
            if ll > kk:
                prev2, prev = prev, cur
            hit = _e("logical_and", _e("equal", n, float(ll)), _e("equal", k, float(kk)))
            out = _e("where", hit, cur, out)
    return out


@staged_export
def sph_harm_y(
    n: Value,
    m: Value,
    theta: Value,
    phi: Value,
    diff_n: int | None = None,
    n_max: int | None = None,
) -> Tracer:
    """The spherical harmonics ``Y_n^m(theta, phi)``, as ``jax.scipy.special.sph_harm_y``."""
    if diff_n is not None:
        raise UnsupportedError(
            "The 'diff_n' argument to jax.scipy.special.sph_harm_y is not supported."
        )
    trace = trace_of((n, m, theta, phi))
    tn, tm = lift(n, trace), lift(m, trace)
    if n_max is None:
        # JAX reads max(n) here: n must be concrete (a ConcretizationTypeError under jit)
        n_max = int(reduce("max", tn))
    if isinstance(n_max, bool) or not isinstance(n_max, (int, np.integer)) or n_max < 0:
        raise ArgumentValueError(f"sph_harm_y: n_max must be a non-negative int, got {n_max!r}")
    th, ph = _jax_float(theta, phi)
    shape = broadcast_shapes(tn.shape, tm.shape, th.shape)
    if th.ndim == 0:
        shape = broadcast_shapes(shape, (1,))  # JAX makes a scalar theta a 1-vector
    th, ph = broadcast_to(th, shape), broadcast_to(ph, shape)
    fn = broadcast_to(astype(tn, th.dtype), shape)
    fm = broadcast_to(astype(tm, th.dtype), shape)
    fn = _e("minimum", fn, float(n_max))
    k = _e("absolute", fm)
    legendre = _legendre_selected(fn, k, _e("cos", th), _e("sin", th), int(n_max))
    angle = multiply(k, ph)
    re = multiply(legendre, _e("cos", angle))
    im = multiply(legendre, _e("sin", angle))
    # negative order: (-1)**m conj(Y_n^|m|)
    negative = _e("less", fm, 0.0)
    odd = _e("equal", _e("fmod", k, 2.0), 1.0)
    re = _e("where", _e("logical_and", negative, odd), _e("negative", re), re)
    im = _e("where", _e("logical_and", negative, _e("logical_not", odd)), _e("negative", im), im)
    cdtype = np.complex64 if th.dtype == np.float32 else np.complex128
    return _e("add", astype(re, cdtype), multiply(astype(im, cdtype), 1j))
