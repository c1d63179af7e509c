"""``axcomp.scipy.special``: the ``jax.scipy.special`` functions primitive modules export
(``erf``, ``erfc``, ``gammaln``, ``digamma``, ``xlogy``, ``xlog1py``, ``logsumexp``).

Inside kernels they record the axis graph; on NumPy values they compile and run the same
program through ``jit`` (non-array arguments are static).
"""

from __future__ import annotations

from typing import Any

from ...errors import missing_function as _missing
from ...primitives import api as _api
from ...transforms.jit import staged_export as _staged_export
from .distributions import expit as expit
from .distributions import logit as logit
from .distributions import ndtr as ndtr
from .reductions import logsumexp as logsumexp

for _name, _traced in _api.exported("special").items():
    globals()[_name] = _staged_export(_name, _traced)

__all__ = sorted([*_api.exported("special"), "expit", "logit", "logsumexp", "ndtr"])


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise _missing("axcomp.scipy.special", "jax.scipy.special", name, __all__)
