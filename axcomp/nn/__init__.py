"""``axcomp.nn``: the ``jax.nn`` functions primitive modules export (``relu``, ``gelu``,
``silu``, ``softplus``, ``softmax``, ``log_softmax``, ``logsumexp``, ``one_hot``, ...).

Inside kernels they record the axis graph; on NumPy values they compile and run the same
program through ``jit`` (non-array arguments are static). ``axcomp.nn.initializers`` holds
JAX's parameter initializers.
"""

from __future__ import annotations

from ..primitives import api as _api
from ..transforms.jit import staged_export as _staged_export
from . import initializers as initializers

for _name, _traced in _api.exported("nn").items():
    globals()[_name] = _staged_export(_name, _traced)

__all__ = sorted([*_api.exported("nn"), "initializers"])
