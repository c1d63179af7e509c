"""``axcomp.scipy.signal``: ``jax.scipy.signal``'s direct convolutions (``convolve``,
``correlate``, ``convolve2d``, ``correlate2d``), each one contraction over a windows view.

Inside kernels they record the axis graph; on NumPy values they compile and run the same
program through ``jit`` (non-array arguments are static).
"""

from __future__ import annotations

from typing import Any

from ..errors import missing_function as _missing
from ..primitives import api as _api
from ..transforms.jit import staged_export as _staged_export

for _name, _traced in _api.exported("signal").items():
    globals()[_name] = _staged_export(_name, _traced)

__all__ = sorted(_api.exported("signal"))


def __getattr__(name: str) -> Any:
    """A jax.scipy.signal name axcomp lacks: ``MissingFunctionError`` naming the nearest."""
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise _missing("axcomp.scipy.signal", "jax.scipy.signal", name, __all__)
