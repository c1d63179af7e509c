"""``axcomp.scipy.special``: ``jax.scipy.special``, laid out by family.

* ``gamma_functions``: ``gammaln``, ``digamma``, ``gamma``, ``betaln``, ``gammainc``,
  ``betainc``, ``zeta``, ...
* ``error_functions``: ``erf``, ``erfc``, ``erfcx``, ``log_ndtr``, ``erfinv``, ``ndtri``;
* ``bessel``: ``i0``, ``i1``, ``i0e``, ``i1e``, ``bessel_jn``;
* ``entropy``: ``entr``, ``rel_entr``, ``kl_div``, ``boxcox``, ``boxcox1p``;
* ``softmax_functions``: ``softmax``, ``log_softmax``; ``log_products``: ``xlogy``,
  ``xlog1py``;
* ``distributions``: ``expit``, ``logit``, ``ndtr``, ``owens_t``; ``reductions``:
  ``logsumexp``;
* ``exponential_integrals``: ``exp1``, ``expi``, ``expn``; ``dilogarithm``: ``spence``;
* ``faddeeva``: ``wofz``, ``dawsn``; ``trigonometric_integrals``: ``sici``, ``fresnel``;
* ``spherical_harmonics``: ``sph_harm_y``; ``hypergeometric``: ``hyp1f1``, ``hyp2f1``.

Each function is staged where it is written (``@staged_export``): inside kernels it
records the axis graph; on NumPy values it compiles and runs the same program through
``jit`` (non-array arguments are static). ``erf``, ``erfc``, ``gammaln`` and ``digamma``
are built on the approximations ``lax``'s namesakes share
(``lax/special_approximations.py``).
"""

from __future__ import annotations

from typing import Any

from ...errors import missing_function as _missing
from .bessel import bessel_jn as bessel_jn
from .bessel import i0 as i0
from .bessel import i0e as i0e
from .bessel import i1 as i1
from .bessel import i1e as i1e
from .dilogarithm import spence as spence
from .distributions import expit as expit
from .distributions import logit as logit
from .distributions import ndtr as ndtr
from .distributions import owens_t as owens_t
from .entropy import boxcox as boxcox
from .entropy import boxcox1p as boxcox1p
from .entropy import entr as entr
from .entropy import kl_div as kl_div
from .entropy import rel_entr as rel_entr
from .error_functions import erf as erf
from .error_functions import erfc as erfc
from .error_functions import erfcx as erfcx
from .error_functions import erfinv as erfinv
from .error_functions import log_ndtr as log_ndtr
from .error_functions import ndtri as ndtri
from .exponential_integrals import exp1 as exp1
from .exponential_integrals import expi as expi
from .exponential_integrals import expn as expn
from .faddeeva import dawsn as dawsn
from .faddeeva import wofz as wofz
from .gamma_functions import bernoulli as bernoulli
from .gamma_functions import beta as beta
from .gamma_functions import betaln as betaln
from .gamma_functions import comb as comb
from .gamma_functions import digamma as digamma
from .gamma_functions import factorial as factorial
from .gamma_functions import gamma as gamma
from .gamma_functions import gammainc as gammainc
from .gamma_functions import gammaincc as gammaincc
from .gamma_functions import gammaln as gammaln
from .gamma_functions import gammasgn as gammasgn
from .gamma_functions import loggamma as loggamma
from .gamma_functions import multigammaln as multigammaln
from .gamma_functions import poch as poch
from .gamma_functions import polygamma as polygamma
from .gamma_functions import special_betainc as betainc
from .gamma_functions import zeta as zeta
from .hypergeometric import hyp1f1 as hyp1f1
from .hypergeometric import hyp2f1 as hyp2f1
from .log_products import xlog1py as xlog1py
from .log_products import xlogy as xlogy
from .reductions import logsumexp as logsumexp
from .softmax_functions import special_log_softmax as log_softmax
from .softmax_functions import special_softmax as softmax
from .spherical_harmonics import sph_harm_y as sph_harm_y
from .trigonometric_integrals import fresnel as fresnel
from .trigonometric_integrals import sici as sici

__all__ = [
    "bernoulli",
    "bessel_jn",
    "beta",
    "betainc",
    "betaln",
    "boxcox",
    "boxcox1p",
    "comb",
    "dawsn",
    "digamma",
    "entr",
    "erf",
    "erfc",
    "erfcx",
    "erfinv",
    "exp1",
    "expi",
    "expit",
    "expn",
    "factorial",
    "fresnel",
    "gamma",
    "gammainc",
    "gammaincc",
    "gammaln",
    "gammasgn",
    "hyp1f1",
    "hyp2f1",
    "i0",
    "i0e",
    "i1",
    "i1e",
    "kl_div",
    "log_ndtr",
    "log_softmax",
    "loggamma",
    "logit",
    "logsumexp",
    "multigammaln",
    "ndtr",
    "ndtri",
    "owens_t",
    "poch",
    "polygamma",
    "rel_entr",
    "sici",
    "softmax",
    "spence",
    "sph_harm_y",
    "wofz",
    "xlog1py",
    "xlogy",
    "zeta",
]


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise _missing("axcomp.scipy.special", "jax.scipy.special", name, __all__)
