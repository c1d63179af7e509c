"""``axcomp.scipy.special``: ``jax.scipy.special``, laid out by family.

* ``gamma_functions``: ``gamma``, ``betaln``, ``gammainc``, ``betainc``, ``zeta``, ...
* ``error_functions``: ``erfcx``, ``log_ndtr``, ``erfinv``, ``ndtri``;
* ``bessel``: ``i0``, ``i1``, ``i0e``, ``i1e``;
* ``entropy``: ``entr``, ``rel_entr``, ``kl_div``, ``boxcox``, ``boxcox1p``;
* ``softmax_functions``: ``softmax``, ``log_softmax``; ``log_products``: ``xlogy``,
  ``xlog1py``;
* ``distributions``: ``expit``, ``logit``, ``ndtr``; ``reductions``: ``logsumexp``.

``erf``, ``erfc``, ``gammaln`` and ``digamma`` are the approximations that ``lax``'s
namesakes share (``lax/special_approximations.py``).

Inside kernels they record the axis graph; on NumPy values they compile and run the same
program through ``jit`` (non-array arguments are static).
"""

from __future__ import annotations

from typing import Any

from ...errors import missing_function as _missing
from ...transforms.jit import staged_export as _staged_export
from . import bessel as _bessel
from . import entropy as _entropy
from . import error_functions as _error_functions
from . import gamma_functions as _gamma_functions
from . import log_products as _log_products
from . import softmax_functions as _softmax_functions
from .distributions import expit as expit
from .distributions import logit as logit
from .distributions import ndtr as ndtr
from .reductions import logsumexp as logsumexp

# each family module's FUNCTIONS
_FAMILIES = (
    _gamma_functions,
    _error_functions,
    _bessel,
    _entropy,
    _softmax_functions,
    _log_products,
)
_TRACED: dict[str, Any] = {}
for _family in _FAMILIES:
    _TRACED.update(_family.FUNCTIONS)

for _name, _traced in _TRACED.items():
    globals()[_name] = _staged_export(_name, _traced)

__all__ = sorted([*_TRACED, "expit", "logit", "logsumexp", "ndtr"])


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise _missing("axcomp.scipy.special", "jax.scipy.special", name, __all__)
