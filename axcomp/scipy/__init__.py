"""``axcomp.scipy``: the ``jax.scipy`` subset axcomp provides (``axcomp.scipy.special``,
``axcomp.scipy.signal``, ``axcomp.scipy.linalg``, ``axcomp.scipy.sparse.linalg``,
``axcomp.scipy.stats``)."""

from typing import Any

from ..errors import missing_function as _missing
from . import linalg, signal, sparse, special, stats

__all__ = ["linalg", "signal", "sparse", "special", "stats"]


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise _missing("axcomp.scipy", "jax.scipy", name, __all__)
