"""``axcomp.scipy.stats``: the ``jax.scipy.stats`` distributions, one module each as in
JAX (``norm.logpdf``, ``gamma.cdf``, ``poisson.logpmf``, ...), ``sem``, ``mode``,
``rankdata`` and the kernel density estimate ``gaussian_kde``. Every
function records the axis graph inside kernels and compiles through ``jit`` on NumPy
values; derivatives come from the special functions they are built of."""

from __future__ import annotations

from typing import Any

from ...errors import missing_function as _missing
from . import (
    bernoulli,
    beta,
    betabinom,
    binom,
    cauchy,
    chi2,
    dirichlet,
    expon,
    gamma,
    gennorm,
    geom,
    gumbel_l,
    gumbel_r,
    laplace,
    logistic,
    multinomial,
    multivariate_normal,
    nbinom,
    norm,
    pareto,
    poisson,
    t,
    truncnorm,
    uniform,
    vonmises,
    wrapcauchy,
)
from ._core import mode, rankdata, sem
from .kde import gaussian_kde

__all__ = [
    "bernoulli",
    "beta",
    "betabinom",
    "binom",
    "cauchy",
    "chi2",
    "dirichlet",
    "expon",
    "gamma",
    "gaussian_kde",
    "gennorm",
    "geom",
    "gumbel_l",
    "gumbel_r",
    "laplace",
    "logistic",
    "mode",
    "multinomial",
    "multivariate_normal",
    "nbinom",
    "norm",
    "pareto",
    "poisson",
    "rankdata",
    "sem",
    "t",
    "truncnorm",
    "uniform",
    "vonmises",
    "wrapcauchy",
]


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise _missing("axcomp.scipy.stats", "jax.scipy.stats", name, __all__)
