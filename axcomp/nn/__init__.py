"""``axcomp.nn`` (as ``jax.nn``): the functions of ``functions.py`` (``relu``, ``gelu``,
``silu``, ``softplus``, ``softmax``, ``log_softmax``, ``one_hot``, ...), ``logsumexp`` from
``axcomp.scipy.special`` as in JAX, and ``axcomp.nn.initializers``.

Inside kernels they record the axis graph; on NumPy values they compile and run the same
program through ``jit`` (non-array arguments are static).
"""

from __future__ import annotations

from ..errors import missing_attribute as _missing_attribute
from ..scipy.special.reductions import logsumexp
from . import initializers
from .attention import dot_product_attention
from .functions import (
    celu,
    elu,
    gelu,
    glu,
    hard_sigmoid,
    hard_silu,
    hard_swish,
    hard_tanh,
    identity,
    leaky_relu,
    log1mexp,
    log_sigmoid,
    log_softmax,
    logmeanexp,
    mish,
    normalize,
    one_hot,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    soft_sign,
    softmax,
    softplus,
    sparse_plus,
    sparse_sigmoid,
    squareplus,
    standardize,
    swish,
    tanh,
)

__all__ = [
    "celu",
    "dot_product_attention",
    "elu",
    "gelu",
    "glu",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "identity",
    "initializers",
    "leaky_relu",
    "log1mexp",
    "log_sigmoid",
    "log_softmax",
    "logmeanexp",
    "logsumexp",
    "mish",
    "normalize",
    "one_hot",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "soft_sign",
    "softmax",
    "softplus",
    "sparse_plus",
    "sparse_sigmoid",
    "squareplus",
    "standardize",
    "swish",
    "tanh",
]

__getattr__ = _missing_attribute("axcomp.nn", "jax.nn", __all__)
