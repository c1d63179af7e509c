"""Window functions of ``jax.numpy``: ``bartlett``, ``blackman``, ``hamming``, ``hanning``
(NumPy's, their length ``M`` is static) and ``kaiser`` (traced in ``beta``)."""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .dispatch import numpy_function
from .namespace import jnp as _jnp


def _static_length(M: Any) -> int:
    # a traced length raises the tracer's own integer-conversion error, as in JAX
    return operator.index(M)


@numpy_function()
def bartlett(M: int) -> Any:
    return np.bartlett(_static_length(M))


@numpy_function()
def blackman(M: int) -> Any:
    return np.blackman(_static_length(M))


@numpy_function()
def hamming(M: int) -> Any:
    return np.hamming(_static_length(M))


@numpy_function()
def hanning(M: int) -> Any:
    return np.hanning(_static_length(M))


@numpy_function()
def kaiser(M: int, beta: Any) -> Any:
    """``numpy.kaiser``: ``i0(beta * sqrt(1 - ((n - a) / a)**2)) / i0(beta)``, ``a = (M-1)/2``."""
    m = _static_length(M)
    beta = _jnp.astype(_jnp.asarray(beta), np.result_type(_jnp.asarray(beta).dtype, 1.0))
    if m <= 1:
        return _jnp.astype(_jnp.ones(max(m, 0)), beta.dtype)
    alpha = (m - 1) / 2.0
    ratio = (np.arange(m) - alpha) / alpha
    arg = _jnp.multiply(beta, np.sqrt(np.clip(1.0 - ratio**2, 0.0, None)))
    return _jnp.true_divide(_jnp.i0(arg), _jnp.i0(beta))
