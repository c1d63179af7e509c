"""``axcomp.random``: JAX's default PRNG (threefry-2x32, JAX 0.10's partitionable
layout) and its samplers, giving JAX's numbers for the same key, shape and dtype.

    import axcomp as jax
    key = jax.random.key(0)
    k1, k2 = jax.random.split(key)
    x = jax.random.normal(k1, (3,))

``threefry`` holds the hash and the key operations on raw key data, ``keys`` the key
types and checks, ``samplers`` the distributions, ``gamma`` the rejection sampler and
the distributions built on it,
``poisson`` and ``binomial`` theirs, ``rejection`` the loops they share, ``params`` the
argument handling every sampler shares. Everything works eagerly on NumPy,
under ``jit`` and under ``vmap`` over keys.
"""

from __future__ import annotations

from ..errors import missing_attribute as _missing_attribute
from .binomial import binomial, multinomial
from .gamma import (
    ball,
    beta,
    chisquare,
    dirichlet,
    f,
    gamma,
    generalized_normal,
    loggamma,
    t,
)
from .keys import (
    KeyArray,
    PRNGKey,
    bits,
    clone,
    fold_in,
    key,
    key_data,
    key_dtype,
    key_impl,
    split,
    wrap_key_data,
)
from .poisson import poisson
from .samplers import (
    bernoulli,
    categorical,
    cauchy,
    choice,
    double_sided_maxwell,
    exponential,
    geometric,
    gumbel,
    laplace,
    logistic,
    lognormal,
    maxwell,
    multivariate_normal,
    normal,
    orthogonal,
    pareto,
    permutation,
    rademacher,
    randint,
    rayleigh,
    triangular,
    truncated_normal,
    uniform,
    wald,
    weibull_min,
)

__all__ = [
    "KeyArray",
    "PRNGKey",
    "ball",
    "bernoulli",
    "beta",
    "binomial",
    "bits",
    "categorical",
    "cauchy",
    "chisquare",
    "choice",
    "clone",
    "dirichlet",
    "double_sided_maxwell",
    "exponential",
    "f",
    "fold_in",
    "gamma",
    "generalized_normal",
    "geometric",
    "gumbel",
    "key",
    "key_data",
    "key_dtype",
    "key_impl",
    "laplace",
    "loggamma",
    "logistic",
    "lognormal",
    "maxwell",
    "multinomial",
    "multivariate_normal",
    "normal",
    "orthogonal",
    "pareto",
    "permutation",
    "poisson",
    "rademacher",
    "randint",
    "rayleigh",
    "split",
    "t",
    "triangular",
    "truncated_normal",
    "uniform",
    "wald",
    "weibull_min",
    "wrap_key_data",
]

__getattr__ = _missing_attribute("axcomp.random", "jax.random", __all__)
